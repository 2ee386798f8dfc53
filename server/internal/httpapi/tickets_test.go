package httpapi_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/rapport/rapport/server/internal/testutil"
)

var _ = testutil.RegisterCrossTenant(
	testutil.CrossTenantCase{
		Name: "list tickets", Method: "GET", Path: "/relationships/{rel}/tickets",
		Allowed: func(f *testutil.Fixture) testutil.Actor { return f.Supplier.Member },
	},
	testutil.CrossTenantCase{
		Name: "open ticket", Method: "POST", Path: "/relationships/{rel}/tickets", Want: http.StatusCreated,
		Body: func(map[string]string) any {
			return map[string]any{"type": "repair", "severity": "high", "title": "Spindle noise"}
		},
		Allowed: func(f *testutil.Fixture) testutil.Actor { return f.BuyerA.Member },
	},
	testutil.CrossTenantCase{
		Name: "get ticket", Method: "GET", Path: "/relationships/{rel}/tickets/{ticket}",
		Setup:   ticketSetup,
		Allowed: func(f *testutil.Fixture) testutil.Actor { return f.BuyerA.Member },
	},
	testutil.CrossTenantCase{
		Name: "acknowledge ticket", Method: "POST", Path: "/relationships/{rel}/tickets/{ticket}/status",
		Setup:   ticketSetup,
		Body:    func(map[string]string) any { return map[string]any{"status": "acknowledged"} },
		Allowed: func(f *testutil.Fixture) testutil.Actor { return f.Supplier.Member },
		Denied:  func(f *testutil.Fixture) testutil.Actor { return f.BuyerA.Admin },
	},
	testutil.CrossTenantCase{
		Name: "assign ticket", Method: "PATCH", Path: "/relationships/{rel}/tickets/{ticket}",
		Setup:   ticketSetup,
		Body:    func(ids map[string]string) any { return map[string]any{"assignee_id": ids["assignee"]} },
		Allowed: func(f *testutil.Fixture) testutil.Actor { return f.Supplier.Admin },
		Denied:  func(f *testutil.Fixture) testutil.Actor { return f.BuyerA.Admin },
	},
)

func ticketSetup(t *testing.T, s *testutil.Server, f *testutil.Fixture) map[string]string {
	tk := s.Call("POST", svcPath(f.RelA, "/tickets"), f.BuyerA.Member.Token, map[string]any{"type": "question", "severity": "low", "title": "How to calibrate?"}).Expect(t, 201).JSON(t)
	return map[string]string{"ticket": svcID(tk), "assignee": f.Supplier.Member.User.ID}
}

// insertOrder writes a minimal order row (the orders API is another area's).
func svcInsertOrder(t *testing.T, s *testutil.Server, rel, placedBy, number string) string {
	t.Helper()
	id := "ord-" + number + "-" + rel
	now := time.Now().UTC()
	err := s.Store.Writer().Exec(`INSERT INTO orders (id, relationship_id, number, status, currency, total, placed_by, created_at, updated_at)
		VALUES (?, ?, ?, 'submitted', 'EUR', 0, ?, ?, ?)`, id, rel, number, placedBy, now, now).Error
	if err != nil {
		t.Fatalf("insert order: %v", err)
	}
	return id
}

func TestTicketOpenAndBadInput(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db testutil.DB) {
		s := testutil.NewServer(t, db)
		f := s.Seed()
		product := svcProduct(t, s, f.Supplier, "P-1")
		foreign := svcProduct(t, s, f.Outsider, "P-X")
		orderA := svcInsertOrder(t, s, f.RelA, f.BuyerA.Admin.User.ID, "A-1")
		orderB := svcInsertOrder(t, s, f.RelB, f.BuyerB.Admin.User.ID, "B-1")
		seq := svcLastSeq(t, s, f.RelA, f.Supplier.Admin.Token)

		html := `<img src=x onerror=alert(1)>`
		tk := s.Call("POST", svcPath(f.RelA, "/tickets"), f.BuyerA.Member.Token, map[string]any{"type": "complaint", "severity": "critical",
			"title": "Broken " + html, "body": html, "order_id": orderA, "product_id": product}).Expect(t, 201).JSON(t)
		if tk["number"] != "T-00001" || tk["status"] != "open" || tk["opened_side"] != "buyer" || tk["body"] != html || tk["order_id"] != orderA ||
			tk["product_id"] != product || tk["assignee_id"] != nil || tk["first_responded_at"] != nil {
			t.Fatalf("ticket = %v", tk)
		}
		sla := tk["sla_met"].(map[string]any)
		if sla["first_response"] != nil || sla["resolution"] != nil {
			t.Errorf("sla_met of a fresh ticket = %v", sla)
		}
		evs := svcEventsAfter(t, s, f.RelA, f.Supplier.Admin.Token, seq)
		if len(evs) != 1 || evs[0]["type"] != "ticket.opened" {
			t.Fatalf("events %v", evs)
		}
		// The account owner (the supplier admin who created the relationship) hears of it.
		if n := svcNotifyOf(evs[0]); len(n) != 1 || n[0] != f.Supplier.Admin.User.ID {
			t.Errorf("notify %v", n)
		}
		// The supplier may open one on the buyer's behalf; numbers go on.
		onBehalf := s.Call("POST", svcPath(f.RelA, "/tickets"), f.Supplier.Member.Token, map[string]any{"type": "maintenance", "severity": "low", "title": "Yearly service"}).Expect(t, 201).JSON(t)
		if onBehalf["number"] != "T-00002" || onBehalf["opened_side"] != "supplier" {
			t.Errorf("on behalf = %v", onBehalf)
		}

		bad := []struct {
			name   string
			body   any
			status int
			field  string
		}{
			{"unknown type", map[string]any{"type": "refund", "severity": "low", "title": "x"}, 422, "type"},
			{"unknown severity", map[string]any{"type": "repair", "severity": "urgent", "title": "x"}, 422, "severity"},
			{"empty title", map[string]any{"type": "repair", "severity": "low", "title": " "}, 422, "title"},
			{"order of another relationship", map[string]any{"type": "repair", "severity": "low", "title": "x", "order_id": orderB}, 422, "order_id"},
			{"product of another supplier", map[string]any{"type": "repair", "severity": "low", "title": "x", "product_id": foreign}, 422, "product_id"},
			{"unknown field", map[string]any{"type": "repair", "severity": "low", "title": "x", "status": "closed"}, 422, "status"},
			{"10 MB body", map[string]any{"type": "repair", "severity": "low", "title": "x", "body": strings.Repeat("a", 10<<20)}, 413, ""},
		}
		seq = svcLastSeq(t, s, f.RelA, f.Supplier.Admin.Token)
		for _, c := range bad {
			r := s.Call("POST", svcPath(f.RelA, "/tickets"), f.BuyerA.Member.Token, c.body).Expect(t, c.status)
			if c.field != "" && !strings.Contains(string(r.Body), `"field":"`+c.field+`"`) {
				t.Errorf("%s: %s", c.name, r.Body)
			}
		}
		if svcLastSeq(t, s, f.RelA, f.Supplier.Admin.Token) != seq || len(s.Call("GET", svcPath(f.RelA, "/tickets"), f.BuyerA.Member.Token, nil).Items(t)) != 2 {
			t.Error("bad input wrote something")
		}
		for _, q := range []string{"status=done", "type=refund", "severity=urgent"} {
			s.Call("GET", svcPath(f.RelA, "/tickets?%s", q), f.BuyerA.Member.Token, nil).Expect(t, 422)
		}
		if n := len(s.Call("GET", svcPath(f.RelA, "/tickets?type=complaint&severity=critical"), f.BuyerA.Member.Token, nil).Items(t)); n != 1 {
			t.Errorf("filtered list: %d", n)
		}
		other := s.Call("POST", svcPath(f.RelB, "/tickets"), f.BuyerB.Member.Token, map[string]any{"type": "repair", "severity": "low", "title": "B"}).Expect(t, 201).JSON(t)
		s.Call("GET", svcPath(f.RelA, "/tickets/%s", svcID(other)), f.Supplier.Admin.Token, nil).Expect(t, 404)
	})
}

// ticketIn opens a ticket and walks it to status.
func ticketIn(t *testing.T, s *testutil.Server, f *testutil.Fixture, status string) map[string]any {
	t.Helper()
	tk := s.Call("POST", svcPath(f.RelA, "/tickets"), f.BuyerA.Member.Token, map[string]any{"type": "repair", "severity": "normal", "title": "to " + status}).Expect(t, 201).JSON(t)
	steps := map[string][]string{"open": nil, "acknowledged": {"acknowledged"}, "in_progress": {"acknowledged", "in_progress"},
		"resolved": {"acknowledged", "in_progress", "resolved"}, "closed": {"acknowledged", "in_progress", "resolved", "closed"}}
	for _, st := range steps[status] {
		tk = s.Call("POST", svcPath(f.RelA, "/tickets/%s/status", svcID(tk)), f.Supplier.Member.Token, map[string]any{"status": st}).Expect(t, 200).JSON(t)
	}
	return tk
}

// Every (from, to, side) of the ticket workflow through the API.
func TestTicketTransitions(t *testing.T) {
	allowed := map[string]bool{
		"open→acknowledged by supplier": true, "open→in_progress by supplier": true, "open→resolved by supplier": true,
		"acknowledged→in_progress by supplier": true, "acknowledged→resolved by supplier": true, "in_progress→resolved by supplier": true,
		"resolved→closed by supplier": true, "resolved→closed by buyer": true, "resolved→open by buyer": true, "closed→open by buyer": true,
	}
	otherSideOnly := map[string]bool{ // moves that exist, for the other side only: 403
		"open→acknowledged by buyer": true, "open→in_progress by buyer": true, "open→resolved by buyer": true,
		"acknowledged→in_progress by buyer": true, "acknowledged→resolved by buyer": true, "in_progress→resolved by buyer": true,
		"resolved→open by supplier": true, "closed→open by supplier": true,
	}
	statuses := []string{"open", "acknowledged", "in_progress", "resolved", "closed"}
	testutil.EachDB(t, func(t *testing.T, db testutil.DB) {
		s := testutil.NewServer(t, db)
		f := s.Seed()
		for _, from := range statuses {
			for _, to := range statuses {
				for _, side := range []string{"supplier", "buyer"} {
					name := from + "→" + to + " by " + side
					tk := ticketIn(t, s, f, from)
					actor := f.Supplier.Member
					if side == "buyer" {
						actor = f.BuyerA.Member
					}
					want := http.StatusConflict
					if allowed[name] {
						want = http.StatusOK
					} else if otherSideOnly[name] {
						want = http.StatusForbidden
					}
					seq := svcLastSeq(t, s, f.RelA, f.Supplier.Admin.Token)
					r := s.Call("POST", svcPath(f.RelA, "/tickets/%s/status", svcID(tk)), actor.Token, map[string]any{"status": to, "note": "n"})
					if r.Status != want {
						t.Errorf("%s: %d, want %d: %s", name, r.Status, want, r.Body)
						continue
					}
					evs := svcEventsAfter(t, s, f.RelA, f.Supplier.Admin.Token, seq)
					if want != http.StatusOK {
						if len(evs) != 0 {
							t.Errorf("%s: refused move wrote events", name)
						}
						continue
					}
					data := evs[0]["data"].(map[string]any)
					if len(evs) != 1 || evs[0]["type"] != "ticket.status_changed" || data["from"] != from || data["to"] != to || data["note"] != "n" {
						t.Errorf("%s: events %v", name, evs)
					}
				}
			}
		}
	})
}

// slaJob returns the SLA breach job's Run.
func svcSLAJob(t *testing.T, s *testutil.Server) func(context.Context, time.Time) error {
	for _, j := range s.Jobs() {
		if j.Name == "ticket-sla-breaches" {
			return j.Run
		}
	}
	t.Fatal("no ticket-sla-breaches job")
	return nil
}

func svcAt(s string) time.Time {
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return v
}

func svcSetClock(s *testutil.Server, now *time.Time) {
	s.Store.SetClock(func() time.Time { return *now })
}

// The SLA clock with a fake clock: due times across midnight, met and missed
// answers, the breach job marking each breach once with its event, a reopening
// that restarts the resolution clock, and a second round breached on its own.
func TestTicketSLAClock(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db testutil.DB) {
		s := testutil.NewServer(t, db)
		f := s.Seed()
		now := svcAt("2026-03-09T23:30:00Z")
		svcSetClock(s, &now)
		run := svcSLAJob(t, s)
		tkURL := func(id string, suffix string) string { return svcPath(f.RelA, "/tickets/%s%s", id, suffix) }

		tk := s.Call("POST", svcPath(f.RelA, "/tickets"), f.BuyerA.Member.Token, map[string]any{"type": "complaint", "severity": "critical", "title": "Line down"}).Expect(t, 201).JSON(t)
		id := svcID(tk)
		if tk["first_response_due_at"] != "2026-03-10T00:30:00Z" || tk["resolution_due_at"] != "2026-03-10T23:30:00Z" {
			t.Fatalf("due times %v / %v", tk["first_response_due_at"], tk["resolution_due_at"])
		}
		// A buyer comment is not a response; the supplier's comment after midnight is, within the hour.
		now = svcAt("2026-03-10T00:10:00Z")
		s.Call("POST", svcPath(f.RelA, "/comments?subject_type=ticket&subject_id=%s", id), f.BuyerA.Member.Token, map[string]any{"body": "Any news?"}).Expect(t, 201)
		if got := s.Call("GET", tkURL(id, ""), f.BuyerA.Member.Token, nil).Expect(t, 200).JSON(t); got["first_responded_at"] != nil {
			t.Fatalf("buyer comment counted as first response: %v", got["first_responded_at"])
		}
		now = svcAt("2026-03-10T00:20:00Z")
		s.Call("POST", svcPath(f.RelA, "/comments?subject_type=ticket&subject_id=%s", id), f.Supplier.Member.Token, map[string]any{"body": "On it"}).Expect(t, 201)
		got := s.Call("GET", tkURL(id, ""), f.BuyerA.Member.Token, nil).Expect(t, 200).JSON(t)
		if got["first_responded_at"] != "2026-03-10T00:20:00Z" || got["sla_met"].(map[string]any)["first_response"] != true {
			t.Fatalf("after supplier comment: %v %v", got["first_responded_at"], got["sla_met"])
		}
		// Nothing is overdue before the resolution due time.
		seq := svcLastSeq(t, s, f.RelA, f.Supplier.Admin.Token)
		if err := run(context.Background(), svcAt("2026-03-10T23:29:00Z")); err != nil {
			t.Fatal(err)
		}
		if evs := svcEventsAfter(t, s, f.RelA, f.Supplier.Admin.Token, seq); len(evs) != 0 {
			t.Fatalf("breach before due: %v", evs)
		}
		// Overdue: marked once, with one event to the supplier's admins (nobody assigned).
		now = svcAt("2026-03-11T02:00:00Z")
		for i := 0; i < 2; i++ {
			if err := run(context.Background(), now); err != nil {
				t.Fatal(err)
			}
		}
		evs := svcEventsAfter(t, s, f.RelA, f.Supplier.Admin.Token, seq)
		if len(evs) != 1 || evs[0]["type"] != "ticket.sla_breached" || evs[0]["data"].(map[string]any)["breach"] != "resolution" {
			t.Fatalf("breach events %v", evs)
		}
		if n := svcNotifyOf(evs[0]); len(n) != 1 || n[0] != f.Supplier.Admin.User.ID {
			t.Errorf("breach notify %v, want the supplier admin", n)
		}
		got = s.Call("GET", tkURL(id, ""), f.BuyerA.Member.Token, nil).Expect(t, 200).JSON(t)
		if got["resolution_breached"] != true || got["first_response_breached"] != false || got["sla_met"].(map[string]any)["resolution"] != false {
			t.Fatalf("after breach: %v", got)
		}
		// Resolved late, closed by the buyer, then reopened two days later.
		now = svcAt("2026-03-11T03:00:00Z")
		s.Call("POST", tkURL(id, "/status"), f.Supplier.Member.Token, map[string]any{"status": "resolved"}).Expect(t, 200)
		s.Call("POST", tkURL(id, "/status"), f.BuyerA.Member.Token, map[string]any{"status": "closed"}).Expect(t, 200)
		now = svcAt("2026-03-13T09:00:00Z")
		re := s.Call("POST", tkURL(id, "/status"), f.BuyerA.Member.Token, map[string]any{"status": "open", "note": "Again"}).Expect(t, 200).JSON(t)
		if re["resolution_due_at"] != "2026-03-14T09:00:00Z" || re["resolved_at"] != nil || re["closed_at"] != nil || re["reopen_count"].(float64) != 1 ||
			re["resolution_breached"] != false || re["first_response_due_at"] != "2026-03-10T00:30:00Z" || re["first_responded_at"] != "2026-03-10T00:20:00Z" {
			t.Fatalf("reopened = %v", re)
		}
		if m := re["sla_met"].(map[string]any); m["resolution"] != nil || m["first_response"] != true {
			t.Errorf("reopened sla_met = %v", m)
		}
		// Assigned now: the second round's breach goes to the assignee, once.
		s.Do(testutil.Req{Method: "PATCH", Path: tkURL(id, ""), Token: f.Supplier.Admin.Token, Body: map[string]any{"assignee_id": f.Supplier.Member.User.ID},
			Header: map[string]string{"If-Match": svcETag(re)}}).Expect(t, 200)
		seq = svcLastSeq(t, s, f.RelA, f.Supplier.Admin.Token)
		for _, when := range []string{"2026-03-14T08:59:00Z", "2026-03-14T09:01:00Z", "2026-03-15T09:00:00Z"} {
			if err := run(context.Background(), svcAt(when)); err != nil {
				t.Fatal(err)
			}
		}
		evs = svcEventsAfter(t, s, f.RelA, f.Supplier.Admin.Token, seq)
		if len(evs) != 1 || svcNotifyOf(evs[0])[0] != f.Supplier.Member.User.ID || evs[0]["at"] != "2026-03-14T09:01:00Z" {
			t.Fatalf("second round breach %v", evs)
		}
		// The ticket's timeline tells the whole story, in order, to both sides.
		history := s.Call("GET", tkURL(id, ""), f.BuyerA.Member.Token, nil).Expect(t, 200).JSON(t)["history"].([]any)
		want := []string{"ticket.opened", "ticket.sla_breached", "ticket.status_changed", "ticket.status_changed", "ticket.status_changed",
			"ticket.assigned", "ticket.sla_breached"}
		var types []string
		for _, h := range history {
			types = append(types, h.(map[string]any)["type"].(string))
		}
		if strings.Join(types, ",") != strings.Join(want, ",") {
			t.Errorf("history %v, want %v", types, want)
		}
	})
}

func TestTicketFirstResponseBreachAndPolicies(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db testutil.DB) {
		s := testutil.NewServer(t, db)
		f := s.Seed()
		now := svcAt("2026-06-30T22:00:00Z")
		svcSetClock(s, &now)
		run := svcSLAJob(t, s)

		defaults := s.Call("GET", "/sla-policies", f.Supplier.Member.Token, nil).Expect(t, 200).Items(t)
		if len(defaults) != 4 || defaults[3]["severity"] != "critical" || defaults[3]["first_response_minutes"].(float64) != 60 || defaults[3]["default"] != true {
			t.Fatalf("defaults %v", defaults)
		}
		s.Call("GET", "/sla-policies", f.BuyerA.Admin.Token, nil).Expect(t, 403)
		body := map[string]any{"items": []map[string]any{{"severity": "high", "first_response_minutes": 30, "resolution_minutes": 90}}}
		s.Call("PUT", "/sla-policies", f.Supplier.Member.Token, body).Expect(t, 403)
		s.Call("PUT", "/sla-policies", f.BuyerA.Admin.Token, body).Expect(t, 403)
		for _, bad := range []any{
			map[string]any{"items": []map[string]any{{"severity": "urgent", "first_response_minutes": 30, "resolution_minutes": 90}}},
			map[string]any{"items": []map[string]any{{"severity": "high", "first_response_minutes": 0, "resolution_minutes": 90}}},
			map[string]any{"items": []map[string]any{{"severity": "high", "first_response_minutes": 90, "resolution_minutes": 30}}},
			map[string]any{"items": []map[string]any{}},
		} {
			s.Call("PUT", "/sla-policies", f.Supplier.Admin.Token, bad).Expect(t, 422)
		}
		set := s.Call("PUT", "/sla-policies", f.Supplier.Admin.Token, body).Expect(t, 200).Items(t)
		if set[2]["severity"] != "high" || set[2]["resolution_minutes"].(float64) != 90 || set[2]["default"] == true || set[0]["default"] != true {
			t.Fatalf("set %v", set)
		}
		// Another supplier's policies are its own.
		if other := s.Call("GET", "/sla-policies", f.Outsider.Admin.Token, nil).Expect(t, 200).Items(t); other[2]["first_response_minutes"].(float64) != 240 {
			t.Errorf("outsider sees %v", other[2])
		}
		tk := s.Call("POST", svcPath(f.RelA, "/tickets"), f.BuyerA.Member.Token, map[string]any{"type": "repair", "severity": "high", "title": "Leak"}).Expect(t, 201).JSON(t)
		if tk["first_response_due_at"] != "2026-06-30T22:30:00Z" || tk["resolution_due_at"] != "2026-06-30T23:30:00Z" {
			t.Fatalf("custom policy due times %v %v", tk["first_response_due_at"], tk["resolution_due_at"])
		}
		// Acknowledged late, across midnight, before the job ran: still one first-response breach.
		now = svcAt("2026-07-01T00:05:00Z")
		ack := s.Call("POST", svcPath(f.RelA, "/tickets/%s/status", svcID(tk)), f.Supplier.Member.Token, map[string]any{"status": "acknowledged"}).Expect(t, 200).JSON(t)
		if ack["sla_met"].(map[string]any)["first_response"] != false || ack["sla_met"].(map[string]any)["resolution"] != false {
			t.Errorf("late ack sla_met %v", ack["sla_met"])
		}
		seq := svcLastSeq(t, s, f.RelA, f.Supplier.Admin.Token)
		if err := run(context.Background(), now); err != nil {
			t.Fatal(err)
		}
		if err := run(context.Background(), now.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		evs := svcEventsAfter(t, s, f.RelA, f.Supplier.Admin.Token, seq)
		kinds := map[string]int{}
		for _, e := range evs {
			kinds[e["data"].(map[string]any)["breach"].(string)]++
		}
		if len(evs) != 2 || kinds["first_response"] != 1 || kinds["resolution"] != 1 {
			t.Fatalf("breaches %v", evs)
		}
		// A ticket answered in time is never marked.
		now = svcAt("2026-07-01T08:00:00Z")
		ok := s.Call("POST", svcPath(f.RelA, "/tickets"), f.BuyerA.Member.Token, map[string]any{"type": "question", "severity": "high", "title": "Manual?"}).Expect(t, 201).JSON(t)
		now = now.Add(20 * time.Minute)
		s.Call("POST", svcPath(f.RelA, "/tickets/%s/status", svcID(ok)), f.Supplier.Member.Token, map[string]any{"status": "resolved"}).Expect(t, 200)
		seq = svcLastSeq(t, s, f.RelA, f.Supplier.Admin.Token)
		if err := run(context.Background(), now.Add(48*time.Hour)); err != nil {
			t.Fatal(err)
		}
		if evs := svcEventsAfter(t, s, f.RelA, f.Supplier.Admin.Token, seq); len(evs) != 0 {
			t.Errorf("in-time ticket marked: %v", evs)
		}
		got := s.Call("GET", svcPath(f.RelA, "/tickets/%s", svcID(ok)), f.BuyerA.Member.Token, nil).Expect(t, 200).JSON(t)
		if m := got["sla_met"].(map[string]any); m["first_response"] != true || m["resolution"] != true {
			t.Errorf("in-time sla_met %v", m)
		}
	})
}

func TestTicketAssignIfMatchAndComplaints(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db testutil.DB) {
		s := testutil.NewServer(t, db)
		f := s.Seed()
		now := svcAt("2026-02-01T10:00:00Z")
		svcSetClock(s, &now)
		tk := s.Call("POST", svcPath(f.RelA, "/tickets"), f.BuyerA.Member.Token, map[string]any{"type": "complaint", "severity": "normal", "title": "Late parts"}).Expect(t, 201).JSON(t)
		url := svcPath(f.RelA, "/tickets/%s", svcID(tk))
		s.Call("PATCH", url, f.Supplier.Admin.Token, map[string]any{"assignee_id": f.BuyerA.Member.User.ID}).Expect(t, 422)
		s.Call("PATCH", url, f.Supplier.Admin.Token, map[string]any{"assignee_id": "nobody"}).Expect(t, 422)
		s.Call("PATCH", url, f.Supplier.Admin.Token, map[string]any{}).Expect(t, 422)
		s.Call("PATCH", url, f.BuyerA.Admin.Token, map[string]any{"assignee_id": f.Supplier.Member.User.ID}).Expect(t, 403)
		seq := svcLastSeq(t, s, f.RelA, f.Supplier.Admin.Token)
		assigned := s.Do(testutil.Req{Method: "PATCH", Path: url, Token: f.Supplier.Admin.Token, Body: map[string]any{"assignee_id": f.Supplier.Member.User.ID},
			Header: map[string]string{"If-Match": svcETag(tk)}}).Expect(t, 200).JSON(t)
		if assigned["assignee_id"] != f.Supplier.Member.User.ID || assigned["version"].(float64) != 2 {
			t.Fatalf("assigned %v", assigned)
		}
		evs := svcEventsAfter(t, s, f.RelA, f.Supplier.Admin.Token, seq)
		if len(evs) != 1 || evs[0]["type"] != "ticket.assigned" || svcNotifyOf(evs[0])[0] != f.Supplier.Member.User.ID {
			t.Fatalf("assign events %v", evs)
		}
		s.Do(testutil.Req{Method: "PATCH", Path: url, Token: f.Supplier.Admin.Token, Body: map[string]any{"assignee_id": ""},
			Header: map[string]string{"If-Match": svcETag(tk)}}).Expect(t, 412)
		s.Do(testutil.Req{Method: "POST", Path: url + "/status", Token: f.Supplier.Member.Token, Body: map[string]any{"status": "acknowledged"},
			Header: map[string]string{"If-Match": svcETag(tk)}}).Expect(t, 412)
		// The status change notifies the opener (and the assignee, unless acting).
		seq = svcLastSeq(t, s, f.RelA, f.Supplier.Admin.Token)
		s.Do(testutil.Req{Method: "POST", Path: url + "/status", Token: f.Supplier.Admin.Token, Body: map[string]any{"status": "acknowledged"},
			Header: map[string]string{"If-Match": svcETag(assigned)}}).Expect(t, 200)
		n := svcNotifyOf(svcEventsAfter(t, s, f.RelA, f.Supplier.Admin.Token, seq)[0])
		if len(n) != 2 || n[0] != f.BuyerA.Member.User.ID || n[1] != f.Supplier.Member.User.ID {
			t.Errorf("status notify %v", n)
		}
		// Complaint facts: one resolved in 6 h, one open, a repair not counted.
		now = now.Add(6 * time.Hour)
		s.Call("POST", url+"/status", f.Supplier.Member.Token, map[string]any{"status": "resolved"}).Expect(t, 200)
		s.Call("POST", svcPath(f.RelA, "/tickets"), f.BuyerA.Member.Token, map[string]any{"type": "complaint", "severity": "low", "title": "Wrong label"}).Expect(t, 201)
		s.Call("POST", svcPath(f.RelA, "/tickets"), f.BuyerA.Member.Token, map[string]any{"type": "repair", "severity": "low", "title": "Fan"}).Expect(t, 201)
		for _, who := range []testutil.Actor{f.BuyerA.Member, f.Supplier.Member} {
			l := s.Call("GET", svcPath(f.RelA, "/tickets?type=repair"), who.Token, nil).Expect(t, 200).JSON(t)
			c := l["summary"].(map[string]any)["complaints"].(map[string]any)
			if c["count"].(float64) != 2 || c["open"].(float64) != 1 || c["resolved"].(float64) != 1 || c["mean_resolution_hours"].(float64) != 6 {
				t.Errorf("complaints seen by %s: %v", who.User.Name, c)
			}
		}
	})
}

// Concurrent opens get distinct numbers; concurrent moves of one version let
// exactly one through (the row lock and the version guard), on both databases.
func TestTicketConcurrency(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db testutil.DB) {
		s := testutil.NewServer(t, db)
		f := s.Seed()
		const n = 8
		numbers := make(chan string, n)
		done := make(chan struct{})
		for i := 0; i < n; i++ {
			go func() {
				defer func() { done <- struct{}{} }()
				r := s.Call("POST", svcPath(f.RelA, "/tickets"), f.BuyerA.Member.Token, map[string]any{"type": "question", "severity": "low", "title": "Q"})
				var tk struct{ Number string }
				if r.Status == 201 {
					r.Decode(t, &tk)
				}
				numbers <- tk.Number
			}()
		}
		for i := 0; i < n; i++ {
			<-done
		}
		close(numbers)
		seen := map[string]bool{}
		for num := range numbers {
			if num == "" || seen[num] {
				t.Errorf("ticket number %q missing or repeated", num)
			}
			seen[num] = true
		}
		tk := ticketSetup(t, s, f)
		statuses := make(chan int, n)
		for i := 0; i < n; i++ {
			go func() {
				r := s.Do(testutil.Req{Method: "POST", Path: svcPath(f.RelA, "/tickets/%s/status", tk["ticket"]), Token: f.Supplier.Member.Token,
					Body: map[string]any{"status": "acknowledged"}, Header: map[string]string{"If-Match": `"1"`}})
				statuses <- r.Status
			}()
		}
		counts := map[int]int{}
		for i := 0; i < n; i++ {
			counts[<-statuses]++
		}
		if counts[200] != 1 || counts[412] != n-1 {
			t.Errorf("concurrent acknowledgements: %v, want one 200 and the rest 412", counts)
		}
	})
}
