package httpapi_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/rapport/rapport/server/internal/testutil"
)

var _ = testutil.RegisterCrossTenant(
	testutil.CrossTenantCase{
		Name: "list ideas", Method: "GET", Path: "/relationships/{rel}/ideas",
		Allowed: func(f *testutil.Fixture) testutil.Actor { return f.BuyerA.Member },
	},
	testutil.CrossTenantCase{
		Name: "propose idea", Method: "POST", Path: "/relationships/{rel}/ideas", Want: http.StatusCreated,
		Body: func(map[string]string) any {
			return map[string]any{"title": "Shorter changeover", "category": "process"}
		},
		Allowed: func(f *testutil.Fixture) testutil.Actor { return f.Supplier.Member },
	},
	testutil.CrossTenantCase{
		Name: "get idea", Method: "GET", Path: "/relationships/{rel}/ideas/{idea}",
		Setup:   ideaSetup,
		Allowed: func(f *testutil.Fixture) testutil.Actor { return f.Supplier.Member },
	},
	testutil.CrossTenantCase{
		Name: "review idea", Method: "POST", Path: "/relationships/{rel}/ideas/{idea}/status",
		Setup:   ideaSetup,
		Body:    func(map[string]string) any { return map[string]any{"status": "under_review"} },
		Allowed: func(f *testutil.Fixture) testutil.Actor { return f.Supplier.Member },
		Denied:  func(f *testutil.Fixture) testutil.Actor { return f.BuyerA.Admin }, // the author's side
	},
)

// ideaSetup proposes an idea from buyer A to the supplier.
func ideaSetup(t *testing.T, s *testutil.Server, f *testutil.Fixture) map[string]string {
	it := s.Call("POST", svcPath(f.RelA, "/ideas"), f.BuyerA.Member.Token, map[string]any{"title": "Pallet size", "category": "logistics"}).Expect(t, 201).JSON(t)
	return map[string]string{"idea": svcID(it)}
}

func TestIdeaCreateAndBadInput(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db testutil.DB) {
		s := testutil.NewServer(t, db)
		f := s.Seed()
		mine := svcProduct(t, s, f.Supplier, "SKU-1")
		foreign := svcProduct(t, s, f.Outsider, "SKU-X")
		before := svcLastSeq(t, s, f.RelA, f.Supplier.Admin.Token)

		script := `<script>alert("x")</script><b>bold</b>`
		created := s.Call("POST", svcPath(f.RelA, "/ideas"), f.BuyerA.Member.Token, map[string]any{
			"title": "Lighter guard " + script, "body": script, "category": "design", "product_id": mine,
			"estimated_value": "12500.50", "currency": "eur"}).Expect(t, 201)
		it := created.JSON(t)
		if it["author_side"] != "buyer" || it["addressed_to"] != "supplier" || it["status"] != "proposed" || it["estimated_value"] != "12500.50" ||
			it["currency"] != "EUR" || it["product_id"] != mine || it["body"] != script || it["title"] != "Lighter guard "+script {
			t.Fatalf("created idea = %v", it)
		}
		if created.Header.Get("ETag") != `"1"` {
			t.Errorf("ETag %q", created.Header.Get("ETag"))
		}
		evs := svcEventsAfter(t, s, f.RelA, f.Supplier.Admin.Token, before)
		if len(evs) != 1 || evs[0]["type"] != "idea.created" || evs[0]["actor_side"] != "buyer" {
			t.Fatalf("events = %v", evs)
		}
		got := s.Call("GET", svcPath(f.RelA, "/ideas/%s", svcID(it)), f.Supplier.Member.Token, nil).Expect(t, 200).JSON(t)
		if got["body"] != script {
			t.Errorf("markup not returned verbatim: %v", got["body"])
		}

		bad := []struct {
			name   string
			body   any
			status int
			field  string
		}{
			{"empty title", map[string]any{"title": "   ", "category": "cost"}, 422, "title"},
			{"missing title", map[string]any{"category": "cost"}, 422, "title"},
			{"unknown category", map[string]any{"title": "x", "category": "magic"}, 422, "category"},
			{"product of another supplier", map[string]any{"title": "x", "category": "cost", "product_id": foreign}, 422, "product_id"},
			{"unknown product", map[string]any{"title": "x", "category": "cost", "product_id": "nope"}, 422, "product_id"},
			{"value without currency", map[string]any{"title": "x", "category": "cost", "estimated_value": "10"}, 422, "currency"},
			{"bad value", map[string]any{"title": "x", "category": "cost", "estimated_value": "1e5", "currency": "EUR"}, 422, "estimated_value"},
			{"title too long", map[string]any{"title": strings.Repeat("a", 201), "category": "cost"}, 422, "title"},
			{"body too long", map[string]any{"title": "x", "category": "cost", "body": strings.Repeat("a", 10001)}, 422, "body"},
			{"unknown field", map[string]any{"title": "x", "category": "cost", "author_side": "supplier"}, 422, "author_side"},
			{"wrong type", map[string]any{"title": 5, "category": "cost"}, 422, "title"},
			{"10 MB body", map[string]any{"title": "x", "category": "cost", "body": strings.Repeat("a", 10<<20)}, 413, ""},
			{"not JSON", "{", 400, ""},
		}
		seq := svcLastSeq(t, s, f.RelA, f.Supplier.Admin.Token)
		for _, c := range bad {
			r := s.Call("POST", svcPath(f.RelA, "/ideas"), f.BuyerA.Member.Token, c.body).Expect(t, c.status)
			if c.field != "" && !strings.Contains(string(r.Body), `"field":"`+c.field+`"`) {
				t.Errorf("%s: problem does not name %s: %s", c.name, c.field, r.Body)
			}
		}
		if n := len(s.Call("GET", svcPath(f.RelA, "/ideas"), f.BuyerA.Member.Token, nil).Expect(t, 200).Items(t)); n != 1 {
			t.Errorf("bad input wrote ideas: %d", n)
		}
		if svcLastSeq(t, s, f.RelA, f.Supplier.Admin.Token) != seq {
			t.Error("bad input wrote events")
		}
		// An idea of relationship B is not found through relationship A.
		other := s.Call("POST", svcPath(f.RelB, "/ideas"), f.BuyerB.Member.Token, map[string]any{"title": "B's", "category": "cost"}).Expect(t, 201).JSON(t)
		s.Call("GET", svcPath(f.RelA, "/ideas/%s", svcID(other)), f.Supplier.Admin.Token, nil).Expect(t, 404)
		s.Call("POST", svcPath(f.RelA, "/ideas/%s/status", svcID(other)), f.Supplier.Admin.Token, map[string]any{"status": "under_review"}).Expect(t, 404)
	})
}

// ideaIn creates an idea authored by author's side and walks it to status.
func ideaIn(t *testing.T, s *testutil.Server, rel string, author, receiver testutil.Actor, status string) map[string]any {
	t.Helper()
	it := s.Call("POST", svcPath(rel, "/ideas"), author.Token, map[string]any{"title": "Idea to " + status, "category": "quality"}).Expect(t, 201).JSON(t)
	steps := map[string][]struct {
		who    testutil.Actor
		status string
	}{
		"proposed":     nil,
		"under_review": {{receiver, "under_review"}},
		"accepted":     {{receiver, "under_review"}, {receiver, "accepted"}},
		"implemented":  {{receiver, "under_review"}, {receiver, "accepted"}, {receiver, "implemented"}},
		"declined":     {{receiver, "declined"}},
		"withdrawn":    {{author, "withdrawn"}},
	}
	for _, st := range steps[status] {
		it = s.Call("POST", svcPath(rel, "/ideas/%s/status", svcID(it)), st.who.Token, map[string]any{"status": st.status, "reason": "because"}).Expect(t, 200).JSON(t)
	}
	if it["status"] != status {
		t.Fatalf("walked to %v, want %s", it["status"], status)
	}
	return it
}

// Every (from, to, who) of the idea workflow through the API, with its event.
func TestIdeaTransitions(t *testing.T) {
	allowed := map[string]bool{
		"proposed→under_review by receiver": true, "under_review→accepted by receiver": true,
		"accepted→implemented by receiver": true, "proposed→declined by receiver": true,
		"under_review→declined by receiver": true, "proposed→withdrawn by author": true, "under_review→withdrawn by author": true,
	}
	receiverMoves := map[string]bool{"under_review": true, "accepted": true, "implemented": true, "declined": true}
	statuses := []string{"proposed", "under_review", "accepted", "implemented", "declined", "withdrawn"}
	testutil.EachDB(t, func(t *testing.T, db testutil.DB) {
		s := testutil.NewServer(t, db)
		f := s.Seed()
		// Ideas go both ways: the supplier authors half of them.
		for _, dir := range []struct {
			name             string
			author, receiver testutil.Actor
		}{{"buyer to supplier", f.BuyerA.Member, f.Supplier.Member}, {"supplier to buyer", f.Supplier.Member, f.BuyerA.Admin}} {
			for _, from := range statuses {
				for _, to := range statuses[1:] {
					for _, who := range []string{"author", "receiver"} {
						name := from + "→" + to + " by " + who
						it := ideaIn(t, s, f.RelA, dir.author, dir.receiver, from)
						actor := dir.receiver
						if who == "author" {
							actor = dir.author
						}
						want := http.StatusConflict
						switch {
						case allowed[name]:
							want = http.StatusOK
						case receiverMoves[to] && who == "author", to == "withdrawn" && who == "receiver":
							want = http.StatusForbidden
						}
						seq := svcLastSeq(t, s, f.RelA, f.Supplier.Admin.Token)
						r := s.Call("POST", svcPath(f.RelA, "/ideas/%s/status", svcID(it)), actor.Token, map[string]any{"status": to, "reason": "r"})
						if r.Status != want {
							t.Errorf("%s %s: status %d, want %d: %s", dir.name, name, r.Status, want, r.Body)
							continue
						}
						evs := svcEventsAfter(t, s, f.RelA, f.Supplier.Admin.Token, seq)
						if want != http.StatusOK {
							if len(evs) != 0 {
								t.Errorf("%s %s: refused move wrote %v", dir.name, name, svcEventTypes(evs))
							}
							continue
						}
						data := evs[0]["data"].(map[string]any)
						if len(evs) != 1 || evs[0]["type"] != "idea.status_changed" || data["from"] != from || data["to"] != to {
							t.Errorf("%s %s: events %v", dir.name, name, evs)
						}
						if who == "receiver" && (len(svcNotifyOf(evs[0])) != 1 || svcNotifyOf(evs[0])[0] != dir.author.User.ID) {
							t.Errorf("%s %s: notify %v, want the author", dir.name, name, svcNotifyOf(evs[0]))
						}
					}
				}
			}
		}
	})
}

func TestIdeaDeclineReasonAndIfMatch(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db testutil.DB) {
		s := testutil.NewServer(t, db)
		f := s.Seed()
		it := ideaIn(t, s, f.RelA, f.BuyerA.Member, f.Supplier.Member, "proposed")
		url := svcPath(f.RelA, "/ideas/%s/status", svcID(it))
		r := s.Call("POST", url, f.Supplier.Member.Token, map[string]any{"status": "declined", "reason": "  "}).Expect(t, 422)
		if !strings.Contains(string(r.Body), `"field":"reason"`) {
			t.Errorf("decline without reason: %s", r.Body)
		}
		s.Call("POST", url, f.Supplier.Member.Token, map[string]any{"status": "approved"}).Expect(t, 422)
		s.Call("POST", url, f.Supplier.Member.Token, map[string]any{"status": "proposed"}).Expect(t, 409)

		s.Do(testutil.Req{Method: "POST", Path: url, Token: f.Supplier.Member.Token, Body: map[string]any{"status": "under_review"},
			Header: map[string]string{"If-Match": `"7"`}}).Expect(t, 412)
		s.Do(testutil.Req{Method: "POST", Path: url, Token: f.Supplier.Member.Token, Body: map[string]any{"status": "under_review"},
			Header: map[string]string{"If-Match": "garbage"}}).Expect(t, 412)
		moved := s.Do(testutil.Req{Method: "POST", Path: url, Token: f.Supplier.Member.Token, Body: map[string]any{"status": "under_review"},
			Header: map[string]string{"If-Match": svcETag(it)}}).Expect(t, 200)
		if moved.Header.Get("ETag") != `"2"` {
			t.Errorf("ETag after move %q", moved.Header.Get("ETag"))
		}
		// The old ETag is stale now.
		s.Do(testutil.Req{Method: "POST", Path: url, Token: f.Supplier.Member.Token, Body: map[string]any{"status": "accepted"},
			Header: map[string]string{"If-Match": svcETag(it)}}).Expect(t, 412)
		declined := s.Call("POST", url, f.Supplier.Member.Token, map[string]any{"status": "declined", "reason": "Tooling cost too high"}).Expect(t, 200).JSON(t)
		if declined["reason"] != "Tooling cost too high" || declined["version"].(float64) != 3 {
			t.Errorf("declined = %v", declined)
		}
	})
}

func TestIdeaListFiltersAndSummary(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db testutil.DB) {
		s := testutil.NewServer(t, db)
		f := s.Seed()
		valued := func(author testutil.Actor, category, value, currency string) map[string]any {
			return s.Call("POST", svcPath(f.RelA, "/ideas"), author.Token, map[string]any{"title": "v", "category": category,
				"estimated_value": value, "currency": currency}).Expect(t, 201).JSON(t)
		}
		implement := func(it map[string]any, receiver testutil.Actor) {
			for _, st := range []string{"under_review", "accepted", "implemented"} {
				s.Call("POST", svcPath(f.RelA, "/ideas/%s/status", svcID(it)), receiver.Token, map[string]any{"status": st}).Expect(t, 200)
			}
		}
		implement(valued(f.BuyerA.Member, "process", "1000.50", "EUR"), f.Supplier.Member)
		implement(valued(f.Supplier.Member, "design", "2000.25", "EUR"), f.BuyerA.Admin)
		implement(valued(f.Supplier.Member, "design", "300", "USD"), f.BuyerA.Admin)
		valued(f.Supplier.Member, "cost", "99999", "EUR") // proposed: not realised
		ideaIn(t, s, f.RelA, f.BuyerA.Member, f.Supplier.Member, "declined")
		ideaIn(t, s, f.RelA, f.Supplier.Member, f.BuyerA.Member, "withdrawn")
		ideaIn(t, s, f.RelB, f.BuyerB.Member, f.Supplier.Member, "implemented") // another relationship

		all := s.Call("GET", svcPath(f.RelA, "/ideas"), f.BuyerA.Member.Token, nil).Expect(t, 200).JSON(t)
		sum := all["summary"].(map[string]any)
		counts := sum["counts"].(map[string]any)
		if len(all["items"].([]any)) != 6 || counts["implemented"].(float64) != 3 || counts["proposed"].(float64) != 1 ||
			counts["declined"].(float64) != 1 || counts["withdrawn"].(float64) != 1 || counts["accepted"].(float64) != 0 {
			t.Fatalf("list = %v", all)
		}
		if sum["realised_value"] != "3000.75" || sum["currency"] != "EUR" || len(sum["realised_by_currency"].([]any)) != 2 {
			t.Errorf("summary = %v", sum)
		}
		bySupplier := s.Call("GET", svcPath(f.RelA, "/ideas?side=supplier"), f.BuyerA.Member.Token, nil).Expect(t, 200).JSON(t)
		if len(bySupplier["items"].([]any)) != 4 || bySupplier["summary"].(map[string]any)["realised_value"] != "2000.25" {
			t.Errorf("side=supplier: %v", bySupplier)
		}
		for q, want := range map[string]int{"status=implemented": 3, "category=design": 2, "status=implemented&side=buyer": 1, "category=logistics": 0} {
			if n := len(s.Call("GET", svcPath(f.RelA, "/ideas?%s", q), f.Supplier.Member.Token, nil).Expect(t, 200).Items(t)); n != want {
				t.Errorf("%s: %d items, want %d", q, n, want)
			}
		}
		for _, q := range []string{"status=done", "side=both", "category=magic", "limit=0", "cursor=xyz"} {
			s.Call("GET", svcPath(f.RelA, "/ideas?%s", q), f.Supplier.Member.Token, nil).Expect(t, 422)
		}
		// Pages of two, newest first, each idea once.
		seen := map[string]bool{}
		cursor := ""
		for pages := 0; pages < 5; pages++ {
			r := s.Call("GET", svcPath(f.RelA, "/ideas?limit=2&cursor=%s", cursor), f.Supplier.Member.Token, nil).Expect(t, 200).JSON(t)
			for _, it := range r["items"].([]any) {
				id := svcID(it.(map[string]any))
				if seen[id] {
					t.Fatalf("idea %s on two pages", id)
				}
				seen[id] = true
			}
			cursor, _ = r["next_cursor"].(string)
			if cursor == "" {
				break
			}
		}
		if len(seen) != 6 {
			t.Errorf("paged through %d ideas, want 6", len(seen))
		}
	})
}
