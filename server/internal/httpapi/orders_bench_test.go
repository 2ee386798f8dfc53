package httpapi_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/rapport/rapport/server/internal/testutil"
)

// benchOrders prepares relationship A with 300 orders of three lines, half of
// them acknowledged (so they carry a delivery promise), and returns one order id.
func benchOrders(b *testing.B, db testutil.DB) (*testutil.Server, *testutil.Fixture, string) {
	cfg := testutil.Config(b, db)
	cfg.OrderRate = 0 // 300 orders at full speed build the data set; the abuse limit is not measured here
	s := testutil.NewServerWith(b, cfg)
	f := s.Seed()
	c := newCatalogue(b, s, f)
	var id string
	for i := 0; i < 300; i++ {
		r := s.Call("POST", "/relationships/"+f.RelA+"/orders", f.BuyerA.Member.Token, orderBody(line(c.Part, i+1), line(c.Cheap, 3), line(c.Machine, 1)))
		o := r.Expect(b, 201).JSON(b)
		id = o["id"].(string)
		if i%2 == 0 {
			s.Call("POST", "/relationships/"+f.RelA+"/orders/"+id+"/acknowledge", f.Supplier.Member.Token, map[string]any{"promised_date": day(30)}).Expect(b, 200)
		}
	}
	return s, f, id
}

// get fetches path raw (no spec check: that is the test's job, not the benchmark's).
func get(b *testing.B, s *testutil.Server, token, path string) {
	req, _ := http.NewRequest("GET", s.URL+"/api/v1"+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := s.Client.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if res.StatusCode != 200 {
		b.Fatalf("status %d", res.StatusCode)
	}
}

// BenchmarkOrderRead: GET one order with lines, history and its promise.
func BenchmarkOrderRead(b *testing.B) {
	for _, db := range testutil.Databases(b) {
		b.Run(db.Name, func(b *testing.B) {
			s, f, id := benchOrders(b, db)
			path := "/relationships/" + f.RelA + "/orders/" + id
			b.ResetTimer()
			for b.Loop() {
				get(b, s, f.BuyerA.Member.Token, path)
			}
		})
	}
}

// BenchmarkOrderList50: GET a page of 50 orders with their lines.
func BenchmarkOrderList50(b *testing.B) {
	for _, db := range testutil.Databases(b) {
		b.Run(db.Name, func(b *testing.B) {
			s, f, _ := benchOrders(b, db)
			path := "/relationships/" + f.RelA + "/orders?limit=50"
			b.ResetTimer()
			for b.Loop() {
				get(b, s, f.Supplier.Member.Token, path)
			}
		})
	}
}

// BenchmarkOrderPlace: POST an order of three lines with an Idempotency-Key,
// from 16 concurrent clients (the load harness's closed loop). On SQLite it
// reports how many orders shared each commit.
func BenchmarkOrderPlace(b *testing.B) {
	for _, db := range testutil.Databases(b) {
		b.Run(db.Name, func(b *testing.B) {
			cfg := testutil.Config(b, db)
			cfg.OrderRate = 0
			s := testutil.NewServerWith(b, cfg)
			f := s.Seed()
			c := newCatalogue(b, s, f)
			body, _ := json.Marshal(orderBody(line(c.Part, 2), line(c.Cheap, 3), line(c.Machine, 1)))
			url := s.URL + "/api/v1/relationships/" + f.RelA + "/orders"
			var keys atomic.Int64
			w0, c0 := s.Store.WriteStats()
			b.SetParallelism(8) // 16 clients on 2 cores
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					req, _ := http.NewRequest("POST", url, bytes.NewReader(body))
					req.Header.Set("Authorization", "Bearer "+f.BuyerA.Member.Token)
					req.Header.Set("Content-Type", "application/json")
					req.Header.Set("Idempotency-Key", "bench-"+strconv.FormatInt(keys.Add(1), 10))
					res, err := s.Client.Do(req)
					if err != nil {
						b.Error(err)
						return
					}
					_, _ = io.Copy(io.Discard, res.Body)
					res.Body.Close()
					if res.StatusCode != http.StatusCreated {
						b.Errorf("status %d", res.StatusCode)
						return
					}
				}
			})
			b.StopTimer()
			if w1, c1 := s.Store.WriteStats(); c1 > c0 {
				b.ReportMetric(float64(w1-w0)/float64(c1-c0), "writes/commit")
			}
		})
	}
}
