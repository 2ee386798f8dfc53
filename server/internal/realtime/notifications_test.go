package realtime_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/rapport/rapport/server/internal/domain/event"
	"github.com/rapport/rapport/server/internal/testutil"
)

func TestNotifications(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db testutil.DB) {
		s := testutil.NewServer(t, db)
		f := s.Seed()
		rel := f.Rel(f.RelA, f.Supplier, f.Supplier.Admin)
		member := connect(t, s, f.BuyerA.Member.Token) // not subscribed: notifications come anyway
		// The server registers the connection just after the handshake; a
		// notification committed before that is only in the list.
		waitFor(t, "the connection", func() bool { return hubOf(s).Connections() == 1 })

		// Named users are notified, except the actor and anyone outside the relationship.
		ordered := emit(t, s.Store, rel, map[string]any{"notify": []string{f.BuyerA.Member.User.ID, f.Supplier.Admin.User.ID, f.OutBuyer.Admin.User.ID}})
		push := member.next(wait)
		if push.Type != "notification" || push.Notification.Seq != ordered.Seq || push.Notification.RelationshipID != f.RelA || push.UnreadCount != 1 {
			t.Fatalf("push %+v, want the notification of seq %d with unread_count 1", push, ordered.Seq)
		}
		// health.alert reaches every active supplier user but the actor.
		buyerRel := f.Rel(f.RelA, f.BuyerA, f.BuyerA.Admin)
		alertEv := event.New(event.HealthAlert, "relationship", f.RelA, map[string]any{"status": "at_risk"})
		if _, err := s.Store.AppendEvent(t.Context(), buyerRel, alertEv); err != nil {
			t.Fatal(err)
		}
		// A confidential plan's event notifies only those who may read the plan.
		plan := confidentialPlan(t, s, f, f.RelA)
		scoped := event.New(event.CommentCreated, "plan", plan, map[string]any{"notify": []string{f.BuyerA.Member.User.ID, f.Supplier.Member.User.ID}})
		scoped.PlanScope = plan
		if _, err := s.Store.AppendEvent(t.Context(), rel, scoped); err != nil {
			t.Fatal(err)
		}
		member.quiet(300 * time.Millisecond)

		count := func(a testutil.Actor) (int, float64) {
			res := s.Call("GET", "/notifications", a.Token, nil).Expect(t, http.StatusOK)
			return len(res.Items(t)), res.JSON(t)["unread_count"].(float64)
		}
		for _, tc := range []struct {
			who    string
			actor  testutil.Actor
			items  int
			unread float64
		}{
			{"named buyer member", f.BuyerA.Member, 1, 1},
			{"supplier admin: the health alert, not the event it acted", f.Supplier.Admin, 1, 1},
			{"supplier member: health alert and the plan it reads", f.Supplier.Member, 2, 2},
			{"outsider named in notify", f.OutBuyer.Admin, 0, 0},
			{"buyer admin", f.BuyerA.Admin, 0, 0},
		} {
			if n, unread := count(tc.actor); n != tc.items || unread != tc.unread {
				t.Errorf("%s: %d items, %v unread; want %d, %v", tc.who, n, unread, tc.items, tc.unread)
			}
		}

		// The list: newest first, with the event, paginated, filterable by unread.
		res := s.Call("GET", "/notifications?limit=1", f.Supplier.Member.Token, nil).Expect(t, http.StatusOK)
		page1 := res.Items(t)
		next, _ := res.JSON(t)["next_cursor"].(string)
		if len(page1) != 1 || page1[0]["type"] != event.CommentCreated || next == "" {
			t.Fatalf("first page %v next %q, want the newest (comment) and a cursor", page1, next)
		}
		ev := page1[0]["event"].(map[string]any)
		if ev["subject_id"] != plan || page1[0]["read"] != false {
			t.Fatalf("notification %v lacks its event", page1[0])
		}
		page2 := s.Call("GET", "/notifications?limit=1&cursor="+next, f.Supplier.Member.Token, nil).Expect(t, http.StatusOK).Items(t)
		if len(page2) != 1 || page2[0]["type"] != event.HealthAlert {
			t.Fatalf("second page %v, want the health alert", page2)
		}

		// Reading: by ids (someone else's ids are ignored), then all.
		first := page1[0]["id"].(string)
		mine := s.Call("GET", "/notifications", f.BuyerA.Member.Token, nil).Items(t)[0]["id"].(string)
		r := s.Call("POST", "/notifications/read", f.Supplier.Member.Token, map[string]any{"ids": []string{first, mine}}).Expect(t, http.StatusOK).JSON(t)
		if r["unread_count"] != 1.0 {
			t.Fatalf("after reading one: %v", r)
		}
		if n, unread := count(f.BuyerA.Member); n != 1 || unread != 1 {
			t.Fatalf("another user's notification was marked read: %d %v", n, unread)
		}
		unread := s.Call("GET", "/notifications?unread=true", f.Supplier.Member.Token, nil).Expect(t, http.StatusOK).Items(t)
		if len(unread) != 1 || unread[0]["type"] != event.HealthAlert {
			t.Fatalf("unread list %v, want only the health alert", unread)
		}
		s.Call("POST", "/notifications/read", f.Supplier.Member.Token, map[string]any{"all": true}).Expect(t, http.StatusOK)
		if n, u := count(f.Supplier.Member); n != 2 || u != 0 {
			t.Fatalf("after read all: %d items, %v unread", n, u)
		}
	})
}

func TestNotificationsBadInput(t *testing.T) {
	s := testutil.NewServer(t, testutil.DB{Name: "sqlite"})
	f := s.Seed()
	tok := f.BuyerA.Member.Token
	for _, tc := range []struct {
		name, method, path string
		body               any
		status             int
		field              string
	}{
		{"no token", "GET", "/notifications", nil, http.StatusUnauthorized, ""},
		{"unread not a boolean", "GET", "/notifications?unread=maybe", nil, http.StatusUnprocessableEntity, "unread"},
		{"limit out of range", "GET", "/notifications?limit=500", nil, http.StatusUnprocessableEntity, "limit"},
		{"forged cursor", "GET", "/notifications?cursor=zzz", nil, http.StatusUnprocessableEntity, "cursor"},
		{"empty request", "POST", "/notifications/read", map[string]any{}, http.StatusUnprocessableEntity, "ids"},
		{"ids and all", "POST", "/notifications/read", map[string]any{"all": true, "ids": []string{"x"}}, http.StatusUnprocessableEntity, "all"},
		{"ids not a list", "POST", "/notifications/read", map[string]any{"ids": "x"}, http.StatusUnprocessableEntity, "ids"},
		{"unknown field", "POST", "/notifications/read", map[string]any{"every": true}, http.StatusUnprocessableEntity, "every"},
		{"not JSON", "POST", "/notifications/read", "{", http.StatusBadRequest, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			token := tok
			if tc.name == "no token" {
				token = ""
			}
			res := s.Call(tc.method, tc.path, token, tc.body).Expect(t, tc.status)
			if tc.field != "" && !strings.Contains(string(res.Body), `"field":"`+tc.field+`"`) {
				t.Fatalf("problem does not name %q: %s", tc.field, res.Body)
			}
		})
	}
}

// End to end through the plans API: a confidential plan's event reaches, live
// and as a notification, its reader only.
func TestConfidentialPlanThroughTheAPI(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db testutil.DB) {
		s := testutil.NewServer(t, db)
		f := s.Seed()
		start := lastSeq(t, s.Store, f.RelA)
		reader := connect(t, s, f.Supplier.Member.Token)
		buyer := connect(t, s, f.BuyerA.Admin.Token)
		for _, c := range []*client{reader, buyer} {
			c.subscribe(f.RelA, start)
			c.next(wait)
		}
		s.Call("POST", "/relationships/"+f.RelA+"/plans", f.Supplier.Admin.Token, map[string]any{
			"title": "Price increase 2027", "confidential": true, "reader_ids": []string{f.Supplier.Member.User.ID}}).Expect(t, http.StatusCreated)
		s.Call("POST", "/relationships/"+f.RelA+"/plans", f.Supplier.Admin.Token, map[string]any{"title": "Open roadmap"}).Expect(t, http.StatusCreated)
		last := lastSeq(t, s.Store, f.RelA)

		got := map[string]int{}
		for seen := 0; seen < 3; seen++ { // two events and one notification
			m := reader.next(wait)
			got[m.Type+":"+m.Event.Type+m.Notification.Type]++
		}
		if got["event:"+event.PlanCreated] != 2 || got["notification:"+event.PlanCreated] != 1 {
			t.Fatalf("reader got %v, want both plan events and a notification", got)
		}
		if seqs := buyer.eventsUntil(f.RelA, last, wait); len(seqs) != 1 || seqs[0] != last {
			t.Fatalf("buyer got %v, want only the open plan's event %d", seqs, last)
		}
		buyer.quiet(200 * time.Millisecond)
	})
}
