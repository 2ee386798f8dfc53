package realtime_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/rapport/rapport/server/internal/domain/event"
	"github.com/rapport/rapport/server/internal/realtime"
	"github.com/rapport/rapport/server/internal/testutil"
)

const wait = 10 * time.Second

func TestTicketRules(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db testutil.DB) {
		s := testutil.NewServer(t, db)
		f := s.Seed()
		s.Call("POST", "/ws/ticket", "", nil).Expect(t, http.StatusUnauthorized)

		good := ticketFor(t, s, f.BuyerA.Member.Token)
		forged := strings.Repeat("A", len(good))
		cases := []struct {
			name   string
			ticket string
			origin string
			status int
		}{
			{"no Origin", good, "", http.StatusForbidden},
			{"foreign Origin", good, "https://evil.example", http.StatusForbidden},
			{"Origin differing only by port", good, "http://127.0.0.1:9999", http.StatusForbidden},
			{"missing ticket", "", s.Config.PublicOrigin, http.StatusUnauthorized},
			{"forged ticket", forged, s.Config.PublicOrigin, http.StatusUnauthorized},
			{"good ticket after refused Origins", good, s.Config.PublicOrigin, http.StatusSwitchingProtocols},
			{"reused ticket", good, s.Config.PublicOrigin, http.StatusUnauthorized},
		}
		// A plain GET is refused before the ticket is looked at.
		plain := s.Do(testutil.Req{Method: "GET", Path: "/ws?ticket=" + good, Header: map[string]string{"Origin": s.Config.PublicOrigin}})
		if plain.Status != http.StatusBadRequest {
			t.Fatalf("plain GET: %d, want 400", plain.Status)
		}
		for _, tc := range cases {
			h := http.Header{}
			if tc.origin != "" {
				h.Set("Origin", tc.origin)
			}
			ws, resp, err := tryDial(s.URL, tc.ticket, h, nil)
			if resp == nil {
				t.Fatalf("%s: no response: %v", tc.name, err)
			}
			if resp.StatusCode != tc.status {
				t.Fatalf("%s: status %d, want %d", tc.name, resp.StatusCode, tc.status)
			}
			if ws != nil {
				ws.Close()
				continue
			}
			body, _ := io.ReadAll(resp.Body)
			if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
				t.Fatalf("%s: Content-Type %q, want a problem: %s", tc.name, ct, body)
			}
		}
	})
}

func TestTicketExpiresAfter30Seconds(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db testutil.DB) {
		s := testutil.NewServer(t, db)
		f := s.Seed()
		var mu sync.Mutex
		now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
		s.Store.SetClock(func() time.Time { mu.Lock(); defer mu.Unlock(); return now })
		advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }

		res := s.Call("POST", "/ws/ticket", f.BuyerA.Member.Token, nil).Expect(t, http.StatusCreated).JSON(t)
		if res["expires_at"] != "2026-03-01T12:00:30Z" {
			t.Fatalf("expires_at %v, want 30 s from now", res["expires_at"])
		}
		fresh := ticketFor(t, s, f.BuyerA.Member.Token)
		advance(29 * time.Second)
		ws, resp, err := tryDial(s.URL, fresh, originHeader(s), nil)
		if err != nil {
			t.Fatalf("a 29 s old ticket is refused: %v %v", err, resp.StatusCode)
		}
		ws.Close()
		advance(2 * time.Second)
		_, resp, _ = tryDial(s.URL, res["ticket"].(string), originHeader(s), nil)
		if resp == nil || resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("a 31 s old ticket: %v, want 401", resp)
		}
	})
}

func TestReplayThenLiveWithoutGapOrDuplicate(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db testutil.DB) {
		s := testutil.NewServer(t, db)
		f := s.Seed()
		rel := f.Rel(f.RelA, f.Supplier, f.Supplier.Admin)
		for i := range 20 {
			emit(t, s.Store, rel, map[string]any{"n": i})
		}
		c := connect(t, s, f.BuyerA.Member.Token)

		// A writer keeps committing while the client subscribes and replays.
		const live = 150
		done := make(chan struct{})
		go func() {
			defer close(done)
			for i := range live {
				if _, err := s.Store.AppendEvent(context.Background(), rel, event.New("test.ping", "relationship", rel.ID, map[string]any{"live": i})); err != nil {
					t.Errorf("append event: %v", err) // not Fatal: this is not the test's goroutine
					return
				}
			}
		}()
		time.Sleep(5 * time.Millisecond)
		c.subscribe(f.RelA, 5)
		sub := c.next(wait)
		if sub.Type != "subscribed" || sub.RelationshipID != f.RelA || sub.LastSeq == nil || *sub.LastSeq < 20 {
			t.Fatalf("first message %+v, want subscribed with last_seq", sub)
		}
		<-done
		last := lastSeq(t, s.Store, f.RelA)
		checkRun(t, c.eventsUntil(f.RelA, last, wait), 6, last)
		c.quiet(200 * time.Millisecond)

		// Unsubscribe: acknowledged, and nothing more arrives.
		c.send(map[string]any{"type": "unsubscribe", "relationship_id": f.RelA})
		if m := c.next(wait); m.Type != "unsubscribed" || m.RelationshipID != f.RelA {
			t.Fatalf("got %+v, want unsubscribed", m)
		}
		emit(t, s.Store, rel, nil)
		c.quiet(300 * time.Millisecond)

		// Resubscribing from the last seq seen gives exactly what was missed.
		c.subscribe(f.RelA, last)
		if m := c.next(wait); m.Type != "subscribed" {
			t.Fatalf("got %+v, want subscribed", m)
		}
		checkRun(t, c.eventsUntil(f.RelA, last+1, wait), last+1, last+1)
	})
}

func TestConcurrentWritersReachEveryClientInOrder(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db testutil.DB) {
		s := testutil.NewServer(t, db)
		f := s.Seed()
		start := lastSeq(t, s.Store, f.RelA)
		var clients []*client
		for _, a := range []testutil.Actor{f.BuyerA.Member, f.BuyerA.Admin, f.Supplier.Member} {
			c := connect(t, s, a.Token)
			c.subscribe(f.RelA, start)
			c.next(wait)
			clients = append(clients, c)
		}
		var wg sync.WaitGroup
		for w, p := range []testutil.Party{f.Supplier, f.BuyerA, f.Supplier, f.BuyerA} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				rel := f.Rel(f.RelA, p, p.Admin)
				for i := range 40 {
					ev := event.New("test.ping", "relationship", rel.ID, map[string]any{"writer": w, "i": i})
					if _, err := s.Store.AppendEvent(context.Background(), rel, ev); err != nil {
						t.Errorf("append event: %v", err)
						return
					}
				}
			}()
		}
		wg.Wait()
		last := lastSeq(t, s.Store, f.RelA)
		if last != start+160 {
			t.Fatalf("last seq %d, want %d", last, start+160)
		}
		for _, c := range clients {
			checkRun(t, c.eventsUntil(f.RelA, last, wait), start+1, last)
		}
	})
}

func TestSeveralClientsAndRelationships(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db testutil.DB) {
		s := testutil.NewServer(t, db)
		f := s.Seed()
		relA := f.Rel(f.RelA, f.Supplier, f.Supplier.Admin)
		relB := f.Rel(f.RelB, f.Supplier, f.Supplier.Admin)
		sup := connect(t, s, f.Supplier.Member.Token)
		sup.subscribe(f.RelA, lastSeq(t, s.Store, f.RelA))
		sup.next(wait)
		sup.subscribe(f.RelB, lastSeq(t, s.Store, f.RelB))
		sup.next(wait)
		buyerB := connect(t, s, f.BuyerB.Admin.Token)
		buyerB.subscribe(f.RelB, lastSeq(t, s.Store, f.RelB))
		buyerB.next(wait)

		a := emit(t, s.Store, relA, nil)
		b := emit(t, s.Store, relB, nil)
		got := map[string]int64{}
		for range 2 {
			m := sup.next(wait)
			got[m.RelationshipID] = m.Event.Seq
		}
		if got[f.RelA] != a.Seq || got[f.RelB] != b.Seq {
			t.Fatalf("supplier got %v, want %s:%d and %s:%d", got, f.RelA, a.Seq, f.RelB, b.Seq)
		}
		if m := buyerB.next(wait); m.RelationshipID != f.RelB || m.Event.Seq != b.Seq {
			t.Fatalf("buyer B got %+v", m)
		}
		buyerB.quiet(200 * time.Millisecond) // nothing of relationship A
	})
}

func TestForeignRelationshipRefused(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db testutil.DB) {
		s := testutil.NewServer(t, db)
		f := s.Seed()
		c := connect(t, s, f.BuyerA.Admin.Token)
		for _, relID := range []string{f.RelB, f.RelOut, "no-such-relationship"} {
			c.subscribe(relID, 0)
			m := c.next(wait)
			if m.Type != "error" || m.Code != "not_found" {
				t.Fatalf("subscribe to %s: %+v, want a not_found error", relID, m)
			}
		}
		emit(t, s.Store, f.Rel(f.RelB, f.Supplier, f.Supplier.Admin), nil)
		emit(t, s.Store, f.Rel(f.RelOut, f.Outsider, f.Outsider.Admin), nil)
		c.quiet(300 * time.Millisecond)

		for _, bad := range []string{`{"type":"subscribe"}`, `{"type":"subscribe","relationship_id":"x","after_seq":-1}`,
			`not json`, `{"type":"dance","relationship_id":"x"}`, `{"type":"unsubscribe","relationship_id":"x"}`,
			`{"type":"subscribe","relationship_id":"x","after_seq":0,"extra":1}`} {
			if err := c.ws.WriteMessage(websocket.TextMessage, []byte(bad)); err != nil {
				t.Fatal(err)
			}
			if m := c.next(wait); m.Type != "error" || m.Code == "" || m.Message == "" {
				t.Fatalf("%s: %+v, want an error", bad, m)
			}
		}
	})
}

// confidentialPlan inserts a confidential plan on rel by the supplier's admin
// with the supplier's member as its only named reader.
func confidentialPlan(t *testing.T, s *testutil.Server, f *testutil.Fixture, relID string) string {
	t.Helper()
	id := fmt.Sprintf("plan-%d", time.Now().UnixNano())
	now := time.Now().UTC()
	err := s.Store.Writer().Exec(`INSERT INTO plans (id, relationship_id, author_id, author_org_id, title, confidential, created_at, updated_at)
		VALUES (?, ?, ?, ?, 'Secret ramp-up', ?, ?, ?)`, id, relID, f.Supplier.Admin.User.ID, f.Supplier.Org.ID, true, now, now).Error
	if err == nil {
		err = s.Store.Writer().Exec(`INSERT INTO plan_readers (plan_id, user_id) VALUES (?, ?)`, id, f.Supplier.Member.User.ID).Error
	}
	if err != nil {
		t.Fatalf("insert plan: %v", err)
	}
	return id
}

func TestConfidentialPlanEventsOnlyToReaders(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db testutil.DB) {
		s := testutil.NewServer(t, db)
		f := s.Seed()
		plan := confidentialPlan(t, s, f, f.RelA)
		rel := f.Rel(f.RelA, f.Supplier, f.Supplier.Admin)
		start := lastSeq(t, s.Store, f.RelA)

		reader := connect(t, s, f.Supplier.Member.Token)
		buyer := connect(t, s, f.BuyerA.Admin.Token)
		for _, c := range []*client{reader, buyer} {
			c.subscribe(f.RelA, start)
			c.next(wait)
		}
		secret := emitScoped(t, s, rel, plan)
		open := emit(t, s.Store, rel, nil)
		checkRun(t, reader.eventsUntil(f.RelA, open.Seq, wait), secret.Seq, open.Seq)
		if got := buyer.eventsUntil(f.RelA, open.Seq, wait); len(got) != 1 || got[0] != open.Seq {
			t.Fatalf("buyer got %v, want only %d (not the confidential %d)", got, open.Seq, secret.Seq)
		}

		// Replay applies the same rule.
		late := connect(t, s, f.BuyerA.Member.Token)
		late.subscribe(f.RelA, start)
		late.next(wait)
		if got := late.eventsUntil(f.RelA, open.Seq, wait); len(got) != 1 || got[0] != open.Seq {
			t.Fatalf("buyer replay got %v, want only %d", got, open.Seq)
		}
	})
}

func TestDeactivatedUserStopsReceiving(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db testutil.DB) {
		s := testutil.NewServer(t, db)
		f := s.Seed()
		rel := f.Rel(f.RelA, f.Supplier, f.Supplier.Admin)
		c := connect(t, s, f.BuyerA.Member.Token)
		c.subscribe(f.RelA, lastSeq(t, s.Store, f.RelA))
		c.next(wait)
		ev := emit(t, s.Store, rel, nil)
		checkRun(t, c.eventsUntil(f.RelA, ev.Seq, wait), ev.Seq, ev.Seq)

		if err := s.Store.Writer().Exec(`UPDATE users SET active = ? WHERE id = ?`, false, f.BuyerA.Member.User.ID).Error; err != nil {
			t.Fatal(err)
		}
		emit(t, s.Store, rel, nil)
		if code := c.closeCode(wait); code != realtime.CloseAccessRevoked {
			t.Fatalf("close code %d, want %d", code, realtime.CloseAccessRevoked)
		}
	})
}

func TestSlowClientIsClosedWithoutSlowingOthers(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db testutil.DB) {
		s, _ := hubServer(t, db, realtime.Options{QueueSize: 32, SocketWriteBuffer: 4096})
		f := s.Seed()
		rel := f.Rel(f.RelA, f.Supplier, f.Supplier.Admin)
		start := lastSeq(t, s.Store, f.RelA)

		fast := connect(t, s, f.Supplier.Member.Token)
		fast.subscribe(f.RelA, start)
		fast.next(wait)
		slowWS, _, err := tryDial(s.URL, ticketFor(t, s, f.BuyerA.Member.Token), originHeader(s), smallReadBuffer)
		if err != nil {
			t.Fatal(err)
		}
		defer slowWS.Close()
		if err := slowWS.WriteJSON(map[string]any{"type": "subscribe", "relationship_id": f.RelA, "after_seq": start}); err != nil {
			t.Fatal(err)
		}
		// The slow client reads nothing while 400 events are committed; the
		// fast one has each event before the next commit: if the slow client
		// held anything up, the fast one would time out here.
		const n = 400
		var last int64
		var fastSeqs []int64
		for i := range n {
			last = emit(t, s.Store, rel, map[string]any{"padding": strings.Repeat("x", 400), "i": i}).Seq
			fastSeqs = append(fastSeqs, fast.eventsUntil(f.RelA, last, wait)...)
		}
		checkRun(t, fastSeqs, start+1, last)

		// The slow client finds what fitted, in order, then the close reason.
		slow := startClient(t, slowWS)
		if m := slow.next(wait); m.Type != "subscribed" {
			t.Fatalf("got %+v, want subscribed", m)
		}
		var seqs []int64
		for m := range slow.msgs {
			seqs = append(seqs, m.Event.Seq)
		}
		err = <-slow.closed
		if ce, ok := err.(*websocket.CloseError); !ok || ce.Code != realtime.CloseTooSlow {
			t.Fatalf("slow client ended with %v, want close %d", err, realtime.CloseTooSlow)
		}
		if len(seqs) == 0 || len(seqs) >= n {
			t.Fatalf("slow client got %d events before being closed", len(seqs))
		}
		checkRun(t, seqs, start+1, start+int64(len(seqs)))

		// It resumes from its last seq and gets the rest exactly once.
		again := connect(t, s, f.BuyerA.Member.Token)
		again.subscribe(f.RelA, seqs[len(seqs)-1])
		again.next(wait)
		checkRun(t, again.eventsUntil(f.RelA, last, wait), seqs[len(seqs)-1]+1, last)
	})
}

func TestShutdownClosesWithGoingAway(t *testing.T) {
	s := testutil.NewServer(t, testutil.DB{Name: "sqlite"})
	f := s.Seed()
	a := connect(t, s, f.BuyerA.Member.Token)
	a.subscribe(f.RelA, 0)
	b := connect(t, s, f.Supplier.Admin.Token)
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if err := hubOf(s).Close(ctx); err != nil {
		t.Fatal(err)
	}
	for _, c := range []*client{a, b} {
		if code := c.closeCode(wait); code != websocket.CloseGoingAway {
			t.Fatalf("close code %d, want 1001", code)
		}
	}
	if n := hubOf(s).Connections(); n != 0 {
		t.Fatalf("%d connections left after shutdown", n)
	}
	_, resp, _ := tryDial(s.URL, ticketFor(t, s, f.BuyerA.Member.Token), originHeader(s), nil)
	if resp == nil || resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("upgrade during shutdown: %v, want 503", resp)
	}
}

func TestPingDetectsDeadConnections(t *testing.T) {
	// A connection silent for two ping periods is dead. 400 ms periods leave the
	// answering client room to be scheduled under a loaded CI run (at 100 ms the
	// race detector's load once starved it past its deadline too).
	const period = 400 * time.Millisecond
	s, hub := hubServer(t, testutil.DB{Name: "sqlite"}, realtime.Options{PingInterval: period})
	f := s.Seed()
	alive := connect(t, s, f.BuyerA.Member.Token) // its read loop answers pings
	dead, _, err := tryDial(s.URL, ticketFor(t, s, f.BuyerA.Admin.Token), originHeader(s), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer dead.Close()
	// It reads (to see the server hang up) but never answers a ping.
	dead.SetPingHandler(func(string) error { return nil })
	dropped := make(chan error, 1)
	go func() {
		for {
			if _, _, err := dead.ReadMessage(); err != nil {
				dropped <- err
				return
			}
		}
	}()
	select {
	case <-dropped:
	case <-time.After(wait):
		t.Fatal("the server kept a connection that answers no ping")
	}
	waitFor(t, "the silent connection to be unregistered", func() bool { return hub.Connections() == 1 })
	time.Sleep(5 * period)
	if n := hub.Connections(); n != 1 {
		t.Fatalf("%d connections, want the answering one only", n)
	}
	alive.subscribe(f.RelA, 0)
	if m := alive.next(wait); m.Type != "subscribed" {
		t.Fatalf("the answering client got %+v", m)
	}
}
