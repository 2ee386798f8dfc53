package httpapi_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/rapport/rapport/server/internal/testutil"
)

// route is one registered endpoint with its path parameters filled in.
type route struct {
	method, path string
}

// writeRoutes lists every POST, PUT and PATCH endpoint of the server, with
// :rel set to relationship A, :org to the buyer's organization and any other
// parameter to an id that does not exist. New endpoints join automatically.
func writeRoutes(t testing.TB, s *testutil.Server, f *testutil.Fixture) []route {
	eng, ok := s.Handler.(*gin.Engine)
	if !ok {
		t.Fatalf("the handler is a %T, not a *gin.Engine", s.Handler)
	}
	var out []route
	for _, ri := range eng.Routes() {
		if ri.Method != "POST" && ri.Method != "PUT" && ri.Method != "PATCH" {
			continue
		}
		parts := strings.Split(ri.Path, "/")
		for i, p := range parts {
			switch {
			case p == ":rel":
				parts[i] = f.RelA
			case p == ":org":
				parts[i] = f.BuyerA.Org.ID
			case strings.HasPrefix(p, ":") || strings.HasPrefix(p, "*"):
				parts[i] = "0000000000000000000000000"
			}
		}
		out = append(out, route{ri.Method, strings.Join(parts, "/")})
	}
	if len(out) == 0 {
		t.Fatal("no write routes found")
	}
	return out
}

// serve sends one request through the whole handler (middleware included).
func serve(s *testutil.Server, method, path, token, ctype string, body []byte) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, bytes.NewReader(body))
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	w := httptest.NewRecorder()
	s.Handler.ServeHTTP(w, req)
	return w
}

// leaks reports internal text in an answer.
func leaks(body string) string {
	low := strings.ToLower(body)
	for _, s := range []string{"sqlstate", "select ", "insert into", "sqlite", "gorm", "pgx", "goroutine ", "panic", "runtime error"} {
		if strings.Contains(low, s) {
			return s
		}
	}
	return ""
}

// FuzzRoutes sends arbitrary bodies, as JSON, CSV or nothing, to every write
// endpoint of a real server on SQLite, as a buyer member, a supplier admin or
// nobody. No answer may be a 500, every error must be a problem document, and
// none may leak SQL or internals.
func FuzzRoutes(f *testing.F) {
	s := testutil.NewServer(f, testutil.DB{Name: "sqlite"})
	fx := s.Seed()
	routes := writeRoutes(f, s, fx)
	tokens := []string{fx.BuyerA.Member.Token, fx.Supplier.Admin.Token, "", fx.Outsider.Admin.Token}
	ctypes := []string{"application/json", "text/csv", "", "application/x-www-form-urlencoded"}
	f.Add(uint8(0), uint8(0), uint8(0), []byte(`{}`))
	f.Add(uint8(1), uint8(1), uint8(0), []byte(`{"status":"delivered","unit_price":"0.01","org_id":"x","seq":1}`))
	f.Add(uint8(2), uint8(0), uint8(1), []byte("sku,period,quantity\nA,2026-01,5\n"))
	f.Add(uint8(3), uint8(1), uint8(0), []byte(`{"lines":[{"product_id":"x","quantity":-1,"unit_price":"0"}]}`))
	f.Add(uint8(4), uint8(0), uint8(0), []byte(`{"email":"a@b.c","password":"pw"}`))
	f.Add(uint8(5), uint8(2), uint8(2), []byte(`null`))
	f.Add(uint8(6), uint8(0), uint8(0), []byte(`{"silence_threshold_days":1e400}`))
	f.Fuzz(func(t *testing.T, ri, who, ct uint8, body []byte) {
		r := routes[int(ri)%len(routes)]
		w := serve(s, r.method, r.path, tokens[int(who)%len(tokens)], ctypes[int(ct)%len(ctypes)], body)
		if w.Code >= 500 && w.Code != http.StatusServiceUnavailable {
			t.Fatalf("%s %s answered %d: %s", r.method, r.path, w.Code, w.Body)
		}
		if w.Code >= 400 && !strings.HasPrefix(w.Header().Get("Content-Type"), "application/problem+json") {
			t.Fatalf("%s %s answered %d as %q", r.method, r.path, w.Code, w.Header().Get("Content-Type"))
		}
		// Only error answers are searched, and only for text the request did not
		// carry itself (a field error may name the caller's own key).
		if l := leaks(w.Body.String()); l != "" && w.Code >= 400 && !strings.Contains(strings.ToLower(string(body)), l) {
			t.Fatalf("%s %s leaks %q: %s", r.method, r.path, l, w.Body)
		}
	})
}

// forbiddenFields are what a client must never set through a body: prices,
// states, ownership, sequence numbers, versions and ids are the server's.
var forbiddenFields = map[string]any{
	"unit_price": "0.01", "line_total": "0.01", "total": "0.01", "org_id": "x", "supplier_org_id": "x", "buyer_org_id": "x",
	"relationship_id": "x", "seq": 1, "last_seq": 1, "placed_by": "x", "author_id": "x", "actor_id": "x",
	"version": 99, "id": "x", "created_at": "2020-01-01T00:00:00Z",
}

// bodyless are write endpoints that take no body at all: whatever is sent is
// never read, so no property can be set through it.
var bodyless = map[string]bool{"POST /api/v1/ws/ticket": true}

// TestPropertyLevelAuthorization (OWASP API3) sends every write endpoint, as a
// buyer member and a buyer admin, bodies made of fields only the server may
// set; none may succeed, none may write an event.
func TestPropertyLevelAuthorization(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db testutil.DB) {
		s := testutil.NewServer(t, db)
		fx := s.Seed()
		lastSeq := func() int64 {
			var n int64
			if err := s.Store.Writer().Raw(`SELECT last_seq FROM relationships WHERE id = ?`, fx.RelA).Scan(&n).Error; err != nil {
				t.Fatal(err)
			}
			return n
		}
		before := lastSeq()
		for _, r := range writeRoutes(t, s, fx) {
			if bodyless[r.method+" "+r.path] {
				continue
			}
			for field, value := range forbiddenFields {
				body, _ := json.Marshal(map[string]any{field: value})
				for _, who := range []testutil.Actor{fx.BuyerA.Member, fx.BuyerA.Admin} {
					w := serve(s, r.method, r.path, who.Token, "application/json", body)
					if w.Code < 300 || w.Code >= 500 {
						t.Errorf("%s %s with only %q set answered %d: %s", r.method, r.path, field, w.Code, w.Body)
					}
				}
			}
			status, _ := json.Marshal(map[string]any{"status": "delivered"})
			if !strings.HasSuffix(r.path, "/status") {
				if w := serve(s, r.method, r.path, fx.BuyerA.Member.Token, "application/json", status); w.Code < 300 || w.Code >= 500 {
					t.Errorf("%s %s accepted a status from a buyer: %d %s", r.method, r.path, w.Code, w.Body)
				}
			}
		}
		if after := lastSeq(); after != before {
			t.Errorf("refused requests wrote %d events", after-before)
		}
	})
}

// TestOrderBodyCannotSetServerFields (OWASP API3) places otherwise valid orders
// that also try to set a line's price or total, the order's status, total,
// number or placer: each is refused with a 422 naming the field, and no order
// is written.
func TestOrderBodyCannotSetServerFields(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db testutil.DB) {
		s := testutil.NewServer(t, db)
		fx := s.Seed()
		p := s.Call("POST", "/api/v1/products", fx.Supplier.Admin.Token, map[string]any{"sku": "API3-1", "name": "Part", "unit_price": "100.00", "currency": "EUR"}).Expect(t, 201).JSON(t)
		line := func(extra map[string]any) map[string]any {
			l := map[string]any{"product_id": p["id"], "quantity": 1}
			for k, v := range extra {
				l[k] = v
			}
			return l
		}
		order := func(extra map[string]any, l map[string]any) map[string]any {
			o := map[string]any{"po_number": "API3", "requested_date": "2030-01-01", "lines": []any{l}}
			for k, v := range extra {
				o[k] = v
			}
			return o
		}
		cases := []struct {
			field string
			body  map[string]any
		}{
			{"lines[0].unit_price", order(nil, line(map[string]any{"unit_price": "0.01"}))},
			{"lines[0].line_total", order(nil, line(map[string]any{"line_total": "0.01"}))},
			{"status", order(map[string]any{"status": "delivered"}, line(nil))},
			{"total", order(map[string]any{"total": "0.01"}, line(nil))},
			{"number", order(map[string]any{"number": "ORD-000001"}, line(nil))},
			{"placed_by", order(map[string]any{"placed_by": fx.BuyerA.Admin.User.ID}, line(nil))},
			{"currency", order(map[string]any{"currency": "XXX"}, line(nil))},
		}
		for _, c := range cases {
			r := s.Call("POST", "/api/v1/relationships/"+fx.RelA+"/orders", fx.BuyerA.Member.Token, c.body).Expect(t, 422)
			if !strings.Contains(string(r.Body), c.field[strings.LastIndex(c.field, ".")+1:]) {
				t.Errorf("%s: the problem does not name the field: %s", c.field, r.Body)
			}
		}
		var n int64
		if err := s.Store.Writer().Raw(`SELECT COUNT(*) FROM orders WHERE relationship_id = ?`, fx.RelA).Scan(&n).Error; err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Errorf("%d orders written by refused requests", n)
		}
	})
}
