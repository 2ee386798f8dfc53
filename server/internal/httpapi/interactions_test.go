package httpapi_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/rapport/rapport/server/internal/testutil"
)

var _ = testutil.RegisterCrossTenant(
	testutil.CrossTenantCase{
		Name: "list interactions", Method: "GET", Path: "/relationships/{rel}/interactions",
		Allowed: func(f *testutil.Fixture) testutil.Actor { return f.BuyerA.Member },
	},
	testutil.CrossTenantCase{
		Name: "log interaction", Method: "POST", Path: "/relationships/{rel}/interactions", Want: http.StatusCreated,
		Setup: func(t *testing.T, s *testutil.Server, f *testutil.Fixture) map[string]string {
			return map[string]string{"a": f.Supplier.Member.User.ID, "b": f.BuyerA.Member.User.ID}
		},
		Body: func(ids map[string]string) any {
			return map[string]any{"kind": "call", "occurred_at": time.Now().UTC().Format(time.RFC3339), "summary": "Weekly call",
				"participant_ids": []string{ids["a"], ids["b"]}, "initiated_by": "buyer"}
		},
		Allowed: func(f *testutil.Fixture) testutil.Actor { return f.Supplier.Member },
	},
)

func TestInteractionLog(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db testutil.DB) {
		s := testutil.NewServer(t, db)
		f := s.Seed()
		now := svcAt("2026-05-10T12:00:00Z")
		svcSetClock(s, &now)
		engineer := s.AddActor(f.Supplier, "member", "engineering")
		seq := svcLastSeq(t, s, f.RelA, f.Supplier.Admin.Token)
		summary := `Line audit <script>alert(1)</script>`
		it := s.Call("POST", svcPath(f.RelA, "/interactions"), f.Supplier.Member.Token, map[string]any{
			"kind": "visit", "occurred_at": "2026-05-09T09:30:00+02:00", "summary": summary,
			"participant_ids": []string{engineer.User.ID, f.BuyerA.Member.User.ID, engineer.User.ID}, "initiated_by": "supplier"}).Expect(t, 201).JSON(t)
		if it["occurred_at"] != "2026-05-09T07:30:00Z" || it["summary"] != summary || it["initiated_by"] != "supplier" || it["logged_by"] != f.Supplier.Member.User.ID {
			t.Fatalf("interaction %v", it)
		}
		parts := it["participants"].([]any)
		if len(parts) != 2 {
			t.Fatalf("participants %v", parts)
		}
		p0, p1 := parts[0].(map[string]any), parts[1].(map[string]any)
		if p0["id"] != engineer.User.ID || p0["side"] != "supplier" || p0["department"] != "engineering" || p0["name"] != engineer.User.Name ||
			p1["side"] != "buyer" || p1["department"] != "purchasing" {
			t.Errorf("participants %v", parts)
		}
		evs := svcEventsAfter(t, s, f.RelA, f.Supplier.Admin.Token, seq)
		if len(evs) != 1 || evs[0]["type"] != "interaction.logged" || len(svcNotifyOf(evs[0])) != 2 {
			t.Fatalf("events %v", evs)
		}
		good := func(mod func(m map[string]any)) map[string]any {
			m := map[string]any{"kind": "call", "occurred_at": "2026-05-01T10:00:00Z", "summary": "Call",
				"participant_ids": []string{f.BuyerA.Admin.User.ID}, "initiated_by": "buyer"}
			mod(m)
			return m
		}
		bad := []struct {
			name   string
			body   any
			status int
			field  string
		}{
			{"unknown kind", good(func(m map[string]any) { m["kind"] = "lunch" }), 422, "kind"},
			{"more than a day ahead", good(func(m map[string]any) { m["occurred_at"] = "2026-05-11T12:00:01Z" }), 422, "occurred_at"},
			{"not RFC 3339", good(func(m map[string]any) { m["occurred_at"] = "2026-05-01 10:00" }), 422, "occurred_at"},
			{"empty summary", good(func(m map[string]any) { m["summary"] = " " }), 422, "summary"},
			{"unknown initiator", good(func(m map[string]any) { m["initiated_by"] = "both" }), 422, "initiated_by"},
			{"no participants", good(func(m map[string]any) { m["participant_ids"] = []string{} }), 422, "participant_ids"},
			{"other buyer's user", good(func(m map[string]any) { m["participant_ids"] = []string{f.BuyerB.Member.User.ID} }), 422, "participant_ids"},
			{"outsider", good(func(m map[string]any) {
				m["participant_ids"] = []string{f.BuyerA.Admin.User.ID, f.Outsider.Admin.User.ID}
			}), 422, "participant_ids"},
			{"unknown user", good(func(m map[string]any) { m["participant_ids"] = []string{"nobody"} }), 422, "participant_ids"},
			{"10 MB", good(func(m map[string]any) { m["summary"] = strings.Repeat("a", 10<<20) }), 413, ""},
		}
		seq = svcLastSeq(t, s, f.RelA, f.Supplier.Admin.Token)
		for _, c := range bad {
			r := s.Call("POST", svcPath(f.RelA, "/interactions"), f.BuyerA.Admin.Token, c.body).Expect(t, c.status)
			if c.field != "" && !strings.Contains(string(r.Body), `"field":"`+c.field+`"`) {
				t.Errorf("%s: %s", c.name, r.Body)
			}
		}
		if svcLastSeq(t, s, f.RelA, f.Supplier.Admin.Token) != seq {
			t.Error("bad input wrote events")
		}
		// Exactly a day ahead is accepted; the list is newest occurrence first and pages cleanly.
		s.Call("POST", svcPath(f.RelA, "/interactions"), f.BuyerA.Admin.Token, good(func(m map[string]any) { m["occurred_at"] = "2026-05-11T12:00:00Z" })).Expect(t, 201)
		for i := 0; i < 5; i++ {
			s.Call("POST", svcPath(f.RelA, "/interactions"), f.BuyerA.Admin.Token, good(func(m map[string]any) {
				m["occurred_at"] = time.Date(2026, 4, 1+i, 10, 0, 0, 0, time.UTC).Format(time.RFC3339)
				m["kind"] = []string{"meeting", "call", "email", "training", "call"}[i]
			})).Expect(t, 201)
		}
		var order []string
		cursor := ""
		for pages := 0; pages < 10; pages++ {
			r := s.Call("GET", svcPath(f.RelA, "/interactions?limit=3&cursor=%s", cursor), f.Supplier.Member.Token, nil).Expect(t, 200).JSON(t)
			for _, it := range r["items"].([]any) {
				order = append(order, it.(map[string]any)["occurred_at"].(string))
			}
			if cursor, _ = r["next_cursor"].(string); cursor == "" {
				break
			}
		}
		if len(order) != 7 || order[0] != "2026-05-11T12:00:00Z" || order[1] != "2026-05-09T07:30:00Z" || order[6] != "2026-04-01T10:00:00Z" {
			t.Errorf("order %v", order)
		}
		if n := len(s.Call("GET", svcPath(f.RelA, "/interactions?kind=call&initiated_by=buyer"), f.BuyerA.Member.Token, nil).Items(t)); n != 3 {
			t.Errorf("calls initiated by the buyer: %d, want 3", n)
		}
		// Who meets the customer: the visit had an engineer; everything else was purchasing only.
		depts := s.Call("GET", svcPath(f.RelA, "/interactions"), f.Supplier.Member.Token, nil).Expect(t, 200).JSON(t)["summary"].(map[string]any)["by_department"].([]any)
		got := map[string]float64{}
		for _, d := range depts {
			m := d.(map[string]any)
			got[m["side"].(string)+"/"+m["department"].(string)] = m["interactions"].(float64)
		}
		if len(got) != 3 || got["supplier/engineering"] != 1 || got["buyer/purchasing"] != 1 || got["buyer/management"] != 6 {
			t.Errorf("by department %v", got)
		}
		recent := s.Call("GET", svcPath(f.RelA, "/interactions?since=2026-05-01"), f.Supplier.Member.Token, nil).Expect(t, 200).Items(t)
		if len(recent) != 2 {
			t.Errorf("since 2026-05-01: %d, want 2", len(recent))
		}
		s.Call("GET", svcPath(f.RelA, "/interactions?since=last-week"), f.BuyerA.Member.Token, nil).Expect(t, 422)
		s.Call("GET", svcPath(f.RelA, "/interactions?kind=lunch"), f.BuyerA.Member.Token, nil).Expect(t, 422)
		s.Call("GET", svcPath(f.RelA, "/interactions?cursor=abc"), f.BuyerA.Member.Token, nil).Expect(t, 422)
		if n := len(s.Call("GET", svcPath(f.RelB, "/interactions"), f.BuyerB.Member.Token, nil).Items(t)); n != 0 {
			t.Errorf("relationship B sees %d interactions of A", n)
		}
	})
}
