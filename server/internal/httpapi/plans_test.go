package httpapi_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/rapport/rapport/server/internal/testutil"
)

// openPlan creates a non-confidential plan written by the buyer's member.
func openPlan(t *testing.T, s *testutil.Server, f *testutil.Fixture) map[string]string {
	p := s.Call("POST", "/relationships/"+f.RelA+"/plans", f.BuyerA.Member.Token, map[string]any{"title": "Line expansion 2027"}).Expect(t, 201).JSON(t)
	return map[string]string{"plan": p["id"].(string)}
}

var _ = testutil.RegisterCrossTenant(
	testutil.CrossTenantCase{
		Name: "create plan", Method: "POST", Path: "/relationships/{rel}/plans", Want: 201,
		Body:    func(map[string]string) any { return map[string]any{"title": "Capacity outlook"} },
		Allowed: func(f *testutil.Fixture) testutil.Actor { return f.Supplier.Member },
	},
	testutil.CrossTenantCase{
		Name: "list plans", Method: "GET", Path: "/relationships/{rel}/plans", Setup: openPlan,
		Allowed: func(f *testutil.Fixture) testutil.Actor { return f.Supplier.Member },
	},
	testutil.CrossTenantCase{
		Name: "get plan", Method: "GET", Path: "/relationships/{rel}/plans/{plan}", Setup: openPlan,
		Allowed: func(f *testutil.Fixture) testutil.Actor { return f.Supplier.Member },
	},
	testutil.CrossTenantCase{
		Name: "patch plan", Method: "PATCH", Path: "/relationships/{rel}/plans/{plan}", Setup: openPlan,
		Body:    func(map[string]string) any { return map[string]any{"title": "Line expansion 2027, revised"} },
		Allowed: func(f *testutil.Fixture) testutil.Actor { return f.BuyerA.Admin },
		Denied:  func(f *testutil.Fixture) testutil.Actor { return f.Supplier.Admin },
	},
	testutil.CrossTenantCase{
		Name: "plan access log", Method: "GET", Path: "/relationships/{rel}/plans/{plan}/access-log", Setup: openPlan,
		Allowed: func(f *testutil.Fixture) testutil.Actor { return f.BuyerA.Member },
		Denied:  func(f *testutil.Fixture) testutil.Actor { return f.Supplier.Admin },
	},
)

// TestPlanRules: creation, validation, the author organization's edit right,
// If-Match and readers.
func TestPlanRules(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db testutil.DB) {
		s := testutil.NewServer(t, db)
		f := s.Seed()
		base := "/relationships/" + f.RelA + "/plans"
		body := "# Expansion\n\n<script>alert(1)</script> stays text: the page renders Markdown safely.\n"
		created := s.Call("POST", base, f.BuyerA.Member.Token, map[string]any{"title": "  Line expansion 2027 ", "body": body,
			"horizon_start": "2027-01-01", "horizon_end": "2027-12-31", "tags": []string{"capacity", "capacity", "2027"}}).Expect(t, 201)
		p := created.JSON(t)
		if p["title"] != "Line expansion 2027" || p["body"] != body || p["version"] != 1.0 || fmt.Sprint(p["tags"]) != "[capacity 2027]" ||
			p["author_id"] != f.BuyerA.Member.User.ID || p["author_side"] != "buyer" || created.Header.Get("ETag") != `"1"` {
			t.Errorf("created plan = %v (etag %s)", p, created.Header.Get("ETag"))
		}
		id := p["id"].(string)
		list := s.Call("GET", base, f.Supplier.Member.Token, nil).Expect(t, 200).Items(t)
		if len(list) != 1 || list[0]["id"] != id || list[0]["body"] != nil {
			t.Errorf("list = %v (items carry no body)", list)
		}
		got := s.Call("GET", base+"/"+id, f.Supplier.Member.Token, nil).Expect(t, 200).JSON(t)
		if got["body"] != body {
			t.Errorf("body not stored verbatim: %q", got["body"])
		}

		// Only the author's organization edits; If-Match is honoured.
		s.Call("PATCH", base+"/"+id, f.Supplier.Admin.Token, map[string]any{"title": "hijack"}).Expect(t, 403)
		s.Do(testutil.Req{Method: "PATCH", Path: base + "/" + id, Token: f.BuyerA.Admin.Token, Body: map[string]any{"title": "stale"}, Header: map[string]string{"If-Match": `"7"`}}).Expect(t, 412)
		s.Do(testutil.Req{Method: "PATCH", Path: base + "/" + id, Token: f.BuyerA.Admin.Token, Body: map[string]any{"title": "stale"}, Header: map[string]string{"If-Match": `garbage`}}).Expect(t, 412)
		upd := s.Do(testutil.Req{Method: "PATCH", Path: base + "/" + id, Token: f.BuyerA.Admin.Token, Body: map[string]any{"horizon_end": "2028-06-30"}, Header: map[string]string{"If-Match": `"1"`}}).Expect(t, 200)
		if u := upd.JSON(t); u["version"] != 2.0 || u["horizon_end"] != "2028-06-30" || u["title"] != "Line expansion 2027" || upd.Header.Get("ETag") != `"2"` {
			t.Errorf("patched = %v", u)
		}
		s.Do(testutil.Req{Method: "PATCH", Path: base + "/" + id, Token: f.BuyerA.Admin.Token, Body: map[string]any{"title": "late"}, Header: map[string]string{"If-Match": `"1"`}}).Expect(t, 412)
		evs := fcEvents(t, s, f.Supplier.Member, f.RelA, 0, "plan.updated")
		if len(evs) != 1 || fmt.Sprint(evs[0]["data"].(map[string]any)["changed"]) != "[horizon_end]" {
			t.Errorf("plan.updated events = %v", evs)
		}

		stranger := f.Outsider.Member.User.ID
		for _, tc := range []struct {
			name  string
			body  map[string]any
			field string
		}{
			{"no title", map[string]any{"title": "  "}, "title"},
			{"long title", map[string]any{"title": strings.Repeat("t", 201)}, "title"},
			{"body over 100 KB", map[string]any{"title": "x", "body": strings.Repeat("b", 100*1024+1)}, "body"},
			{"bad date", map[string]any{"title": "x", "horizon_start": "2027-02-30"}, "horizon_start"},
			{"end before start", map[string]any{"title": "x", "horizon_start": "2027-02-01", "horizon_end": "2027-01-01"}, "horizon_end"},
			{"too many tags", map[string]any{"title": "x", "tags": strings.Fields("a b c d e f g h i j k l m n o p q r s t u")}, "tags"},
			{"readers on an open plan", map[string]any{"title": "x", "reader_ids": []string{f.BuyerA.Admin.User.ID}}, "reader_ids"},
			{"reader of an unrelated organization", map[string]any{"title": "x", "confidential": true, "reader_ids": []string{f.BuyerA.Admin.User.ID, stranger}}, "reader_ids[1]"},
			{"reader of the supplier's other buyer", map[string]any{"title": "x", "confidential": true, "reader_ids": []string{f.BuyerB.Member.User.ID}}, "reader_ids[0]"},
			{"unknown field", map[string]any{"title": "x", "secret": true}, "secret"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				before := fcCount(t, s, "plans", "relationship_id = ?", f.RelA)
				r := s.Call("POST", base, f.Supplier.Member.Token, tc.body).Expect(t, 422)
				if _, ok := fcFields(t, r)[tc.field]; !ok {
					t.Errorf("errors %s do not name %s", r.Body, tc.field)
				}
				if fcCount(t, s, "plans", "relationship_id = ?", f.RelA) != before {
					t.Error("a refused plan was written")
				}
			})
		}
		r := s.Call("PATCH", base+"/"+id, f.BuyerA.Admin.Token, map[string]any{"confidential": true, "reader_ids": []string{stranger}}).Expect(t, 422)
		if _, ok := fcFields(t, r)["reader_ids[0]"]; !ok {
			t.Errorf("patch with a stranger as reader: %s", r.Body)
		}
		s.Call("PATCH", base+"/"+id, f.BuyerA.Admin.Token, map[string]any{}).Expect(t, 422)
		s.Call("GET", base+"/nope", f.BuyerA.Admin.Token, nil).Expect(t, 404)
		s.Call("PATCH", base+"/nope", f.BuyerA.Admin.Token, map[string]any{"title": "x"}).Expect(t, 404)
	})
}

// TestConfidentialPlanVisibility is the confidentiality table: a confidential
// supplier plan with one named buyer reader, against each kind of user.
func TestConfidentialPlanVisibility(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db testutil.DB) {
		s := testutil.NewServer(t, db)
		f := s.Seed()
		author := f.Supplier.Member
		colleague := s.AddActor(f.Supplier, "member", "engineering") // same org as the author, not a reader
		reader := f.BuyerA.Member
		base := "/relationships/" + f.RelA + "/plans"
		const title, body = "Price increase Q3 (secret)", "We will raise list prices by 7 %."
		p := s.Call("POST", base, author.Token, map[string]any{"title": title, "body": body, "confidential": true,
			"reader_ids": []string{reader.User.ID}}).Expect(t, 201).JSON(t)
		id := p["id"].(string)
		if fmt.Sprint(p["reader_ids"]) != "["+reader.User.ID+"]" || p["confidential"] != true {
			t.Fatalf("created = %v", p)
		}
		open := s.Call("POST", base, f.BuyerA.Admin.Token, map[string]any{"title": "Open plan"}).Expect(t, 201).JSON(t)

		type want struct{ list, get, patch, log, events int }
		users := []struct {
			name  string
			actor testutil.Actor
			want  want
		}{
			// list/events: 200 means "sees it", 0 means "200 without it", 404 the relationship is hidden.
			{"named reader (other org)", reader, want{200, 200, 403, 403, 200}},
			{"author", author, want{200, 200, 200, 200, 200}},
			{"non-reader of the author's org", colleague, want{0, 404, 404, 404, 0}},
			{"admin of the author's org", f.Supplier.Admin, want{200, 200, 200, 200, 200}},
			{"admin of the other org", f.BuyerA.Admin, want{0, 404, 404, 404, 0}},
			{"the supplier's other buyer", f.BuyerB.Admin, want{404, 404, 404, 404, 404}},
			{"outsider", f.Outsider.Admin, want{404, 404, 404, 404, 404}},
		}
		reads := 0
		for _, u := range users {
			t.Run(u.name, func(t *testing.T) {
				r := s.Call("GET", base, u.actor.Token, nil)
				switch u.want.list {
				case 404:
					r.Expect(t, 404)
				default:
					seen := false
					for _, it := range r.Expect(t, 200).Items(t) {
						seen = seen || it["id"] == id
					}
					if seen != (u.want.list == 200) {
						t.Errorf("list shows the plan: %v, want %v", seen, u.want.list == 200)
					}
				}
				g := s.Call("GET", base+"/"+id, u.actor.Token, nil).Expect(t, u.want.get)
				if u.want.get == 200 {
					reads++
					if g.JSON(t)["body"] != body {
						t.Error("a reader gets the body")
					}
				} else if strings.Contains(string(g.Body), "Price") {
					t.Error("a 404 leaks the plan")
				}
				s.Call("PATCH", base+"/"+id, u.actor.Token, map[string]any{"tags": []string{"pricing"}}).Expect(t, u.want.patch)
				s.Call("GET", base+"/"+id+"/access-log", u.actor.Token, nil).Expect(t, u.want.log)
				if u.want.events == 404 {
					s.Call("GET", "/relationships/"+f.RelA+"/events", u.actor.Token, nil).Expect(t, 404)
					return
				}
				evs := s.Call("GET", "/relationships/"+f.RelA+"/events?limit=1000", u.actor.Token, nil).Expect(t, 200)
				seen := 0
				for _, ev := range evs.Items(t) {
					if ev["subject_id"] == id {
						seen++
					}
				}
				if (seen > 0) != (u.want.events == 200) {
					t.Errorf("sees %d events of the plan, want visible=%v", seen, u.want.events == 200)
				}
				if strings.Contains(string(evs.Body), "Price increase") || strings.Contains(string(evs.Body), "7 %") {
					t.Error("an event carries the confidential plan's content")
				}
				if !strings.Contains(string(evs.Body), open["id"].(string)) {
					t.Error("the open plan's event must stay visible to everyone in the relationship")
				}
			})
		}

		// Every successful read was logged, with who read it.
		log := s.Call("GET", base+"/"+id+"/access-log?limit=2", author.Token, nil).Expect(t, 200).JSON(t)
		items := log["items"].([]any)
		if len(items) != 2 || log["next_cursor"] == "" {
			t.Fatalf("first page of the log = %v", log)
		}
		all := s.Call("GET", base+"/"+id+"/access-log?limit=200", f.Supplier.Admin.Token, nil).Expect(t, 200).Items(t)
		if len(all) != reads {
			t.Errorf("access log has %d reads, want %d", len(all), reads)
		}
		readers := map[string]bool{}
		for _, e := range all {
			readers[e["user_id"].(string)] = true
		}
		if !readers[reader.User.ID] || !readers[f.Supplier.Admin.User.ID] || readers[colleague.User.ID] {
			t.Errorf("log readers = %v", readers)
		}
		rest := s.Call("GET", base+"/"+id+"/access-log?limit=2&cursor="+log["next_cursor"].(string), author.Token, nil).Expect(t, 200).Items(t)
		if len(rest) != reads-2 || rest[0]["at"] == items[1].(map[string]any)["at"] && rest[0]["user_id"] == items[1].(map[string]any)["user_id"] {
			t.Errorf("second page of the log = %v", rest)
		}

		// Sharing: a colleague of the author who cannot read it cannot change it;
		// the author swaps the reader; the old reader loses the plan, the new one gains it.
		s.Call("PATCH", base+"/"+id, author.Token, map[string]any{"reader_ids": []string{f.BuyerA.Admin.User.ID, colleague.User.ID}}).Expect(t, 200)
		s.Call("GET", base+"/"+id, reader.Token, nil).Expect(t, 404)
		s.Call("GET", base+"/"+id, f.BuyerA.Admin.Token, nil).Expect(t, 200)
		// A reader of the author's org (not the author, not an admin) edits content but not sharing.
		s.Call("PATCH", base+"/"+id, colleague.Token, map[string]any{"tags": []string{"q3"}}).Expect(t, 200)
		s.Call("PATCH", base+"/"+id, colleague.Token, map[string]any{"reader_ids": []string{}}).Expect(t, 403)
		s.Call("PATCH", base+"/"+id, colleague.Token, map[string]any{"confidential": false}).Expect(t, 403)
		upd := fcEvents(t, s, author, f.RelA, 0, "plan.updated")
		last := upd[len(upd)-1]["data"].(map[string]any)
		if fmt.Sprint(last["changed"]) != "[tags]" || last["confidential"] != true {
			t.Errorf("last plan.updated = %v", last)
		}
		// Opening the plan clears its readers and shows it to everyone.
		opened := s.Call("PATCH", base+"/"+id, f.Supplier.Admin.Token, map[string]any{"confidential": false}).Expect(t, 200).JSON(t)
		if len(opened["reader_ids"].([]any)) != 0 {
			t.Errorf("an open plan keeps no readers: %v", opened)
		}
		s.Call("GET", base+"/"+id, reader.Token, nil).Expect(t, 200)
	})
}
