package httpapi_test

import (
	"net/http"
	"regexp"
	"strconv"
	"sync"
	"testing"

	"github.com/rapport/rapport/server/internal/testutil"
)

// Concurrent orders on SQLite share commits: /metrics counts the group
// committer's writes and transactions, every order is answered 201 and exists.
// On PostgreSQL each write is its own transaction and the counters stay at 0.
func TestGroupCommitCountersOnMetrics(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db testutil.DB) {
		cfg := testutil.Config(t, db)
		cfg.OrderRate = 0 // 40 orders at once from one buyer is the point here
		s := testutil.NewServerWith(t, cfg)
		f := s.Seed()
		c := newCatalogue(t, s, f)
		read := func() (writes, commits int) {
			body := string(s.Do(testutil.Req{Method: "GET", Path: "/metrics"}).Expect(t, http.StatusOK).Body)
			get := func(name string) int {
				m := regexp.MustCompile(`(?m)^` + name + ` (\d+)`).FindStringSubmatch(body)
				if m == nil {
					t.Fatalf("%s missing from /metrics", name)
				}
				n, _ := strconv.Atoi(m[1])
				return n
			}
			return get("rapport_store_group_commit_writes_total"), get("rapport_store_group_commits_total")
		}
		w0, c0 := read()
		const n = 40
		var wg sync.WaitGroup
		for range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				s.Call("POST", "/relationships/"+f.RelA+"/orders", f.BuyerA.Member.Token, orderBody(line(c.Part, 1))).Expect(t, http.StatusCreated)
			}()
		}
		wg.Wait()
		if got := countOrders(t, s, f); got != n {
			t.Fatalf("%d orders, want %d", got, n)
		}
		w1, c1 := read()
		if db.Name == "postgres" {
			if w1 != 0 || c1 != 0 {
				t.Errorf("group commit counters on PostgreSQL: %d writes, %d commits", w1, c1)
			}
			return
		}
		if w1-w0 < n || c1-c0 < 1 || c1-c0 > w1-w0 {
			t.Errorf("%d writes in %d commits for %d orders", w1-w0, c1-c0, n)
		}
		t.Logf("%d writes in %d commits", w1-w0, c1-c0)
	})
}
