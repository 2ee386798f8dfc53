package realtime_test

import (
	"fmt"
	"net/http"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/rapport/rapport/server/internal/testutil"
)

// Two instances on one PostgreSQL database: a client of B receives, in order
// and without gaps, the events caused by requests to A, also across a kill of
// B's LISTEN connection.
func TestTwoInstancesOnPostgres(t *testing.T) {
	if os.Getenv(testutil.EnvDatabaseURL) == "" {
		if os.Getenv(testutil.EnvRequirePostgres) == "1" {
			t.Fatalf("%s is required", testutil.EnvDatabaseURL)
		}
		t.Skip("needs PostgreSQL: set " + testutil.EnvDatabaseURL)
	}
	cfg := testutil.Config(t, testutil.DB{Name: "postgres"})
	a := testutil.NewServerWith(t, cfg)
	b := testutil.NewServerWith(t, cfg)
	f := a.Seed()
	waitFor(t, "B's listener", func() bool { return hubOf(b).ListenerPID() != 0 })

	c := connect(t, b, f.BuyerA.Member.Token) // the ticket is issued by B, stored in the shared database
	c.subscribe(f.RelA, 0)
	if m := c.next(wait); m.Type != "subscribed" {
		t.Fatalf("got %+v", m)
	}

	// Requests to A: each added supplier user is a user.added event on RelA (and RelB).
	var wg sync.WaitGroup
	addUsers := func(from, to int) {
		defer wg.Done()
		for i := from; i < to; i++ {
			res := a.Call("POST", fmt.Sprintf("/orgs/%s/users", f.Supplier.Org.ID), f.Supplier.Admin.Token, map[string]any{
				"email": fmt.Sprintf("u%d-%d@two.test", i, time.Now().UnixNano()), "name": fmt.Sprintf("User %d", i),
				"password": "correct-horse-battery", "role": "member", "department": "sales"})
			if res.Status != http.StatusCreated {
				t.Errorf("add user: %d %s", res.Status, res.Body)
				return
			}
		}
	}
	wg.Add(1)
	addUsers(0, 20)
	checkRun(t, c.eventsUntil(f.RelA, lastSeq(t, a.Store, f.RelA), wait), 1, lastSeq(t, a.Store, f.RelA))

	// Kill B's LISTEN connection while A keeps writing.
	old := hubOf(b).ListenerPID()
	seen := lastSeq(t, a.Store, f.RelA)
	wg.Add(1)
	go addUsers(20, 60)
	time.Sleep(20 * time.Millisecond)
	if err := a.Store.Writer().Exec(`SELECT pg_terminate_backend(?)`, old).Error; err != nil {
		t.Fatalf("terminate listener: %v", err)
	}
	wg.Wait()
	last := lastSeq(t, a.Store, f.RelA)
	checkRun(t, c.eventsUntil(f.RelA, last, 2*wait), seen+1, last)
	c.quiet(200 * time.Millisecond)
	waitFor(t, "B's listener to reconnect", func() bool { pid := hubOf(b).ListenerPID(); return pid != 0 && pid != old })

	// And live delivery through the new listener.
	wg.Add(1)
	addUsers(60, 65)
	last2 := lastSeq(t, a.Store, f.RelA)
	checkRun(t, c.eventsUntil(f.RelA, last2, wait), last+1, last2)
}

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
