package httpapi_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rapport/rapport/server/internal/testutil"
)

var _ = testutil.RegisterCrossTenant(
	testutil.CrossTenantCase{
		Name: "list comments", Method: "GET", Path: "/relationships/{rel}/comments?subject_type=idea&subject_id={idea}",
		Setup:   ideaSetup,
		Allowed: func(f *testutil.Fixture) testutil.Actor { return f.BuyerA.Member },
	},
	testutil.CrossTenantCase{
		Name: "post comment", Method: "POST", Path: "/relationships/{rel}/comments?subject_type=idea&subject_id={idea}", Want: http.StatusCreated,
		Setup:   ideaSetup,
		Body:    func(map[string]string) any { return map[string]any{"body": "Good point"} },
		Allowed: func(f *testutil.Fixture) testutil.Actor { return f.Supplier.Member },
	},
	testutil.CrossTenantCase{
		Name: "edit comment", Method: "PATCH", Path: "/relationships/{rel}/comments/{comment}",
		Setup:   commentSetup,
		Body:    func(map[string]string) any { return map[string]any{"body": "Better point"} },
		Allowed: func(f *testutil.Fixture) testutil.Actor { return f.Supplier.Member },
		Denied:  func(f *testutil.Fixture) testutil.Actor { return f.Supplier.Admin }, // not the author
	},
	testutil.CrossTenantCase{
		Name: "delete comment", Method: "DELETE", Path: "/relationships/{rel}/comments/{comment}",
		Setup:   commentSetup,
		Allowed: func(f *testutil.Fixture) testutil.Actor { return f.Supplier.Admin }, // the author's org admin
		Denied:  func(f *testutil.Fixture) testutil.Actor { return f.BuyerA.Admin },   // another org's admin
	},
)

func commentSetup(t *testing.T, s *testutil.Server, f *testutil.Fixture) map[string]string {
	ids := ideaSetup(t, s, f)
	cm := s.Call("POST", svcPath(f.RelA, "/comments?subject_type=idea&subject_id=%s", ids["idea"]), f.Supplier.Member.Token, map[string]any{"body": "Hm"}).Expect(t, 201).JSON(t)
	ids["comment"] = svcID(cm)
	return ids
}

// insertPlan writes a plan (the plans API is another area's) with its readers.
func svcInsertPlan(t *testing.T, s *testutil.Server, rel string, author testutil.Actor, confidential bool, readers ...testutil.Actor) string {
	t.Helper()
	id := "plan-" + strings.ReplaceAll(time.Now().Format("150405.000000000"), ".", "") + author.User.ID[:6]
	now := time.Now().UTC()
	w := s.Store.Writer()
	err := w.Exec(`INSERT INTO plans (id, relationship_id, author_id, author_org_id, title, confidential, created_at, updated_at) VALUES (?, ?, ?, ?, 'Plan', ?, ?, ?)`,
		id, rel, author.User.ID, author.User.OrgID, confidential, now, now).Error
	for _, r := range readers {
		if err == nil {
			err = w.Exec(`INSERT INTO plan_readers (plan_id, user_id) VALUES (?, ?)`, id, r.User.ID).Error
		}
	}
	if err != nil {
		t.Fatalf("insert plan: %v", err)
	}
	return id
}

func svcInsertPromise(t *testing.T, s *testutil.Server, rel string, owner testutil.Actor) string {
	t.Helper()
	id := "prom-" + rel
	err := s.Store.Writer().Exec(`INSERT INTO promises (id, relationship_id, description, kind, owner_id, due_date, status, created_by, created_at)
		VALUES (?, ?, 'Spare parts in stock', 'service', ?, '2026-12-01', 'open', ?, ?)`, id, rel, owner.User.ID, owner.User.ID, time.Now().UTC()).Error
	if err != nil {
		t.Fatalf("insert promise: %v", err)
	}
	return id
}

// Each subject type: a subject of this relationship takes comments, one of
// another relationship (or none at all) is a 422 naming subject_id.
func TestCommentSubjects(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db testutil.DB) {
		s := testutil.NewServer(t, db)
		f := s.Seed()
		ideaA := svcID(s.Call("POST", svcPath(f.RelA, "/ideas"), f.BuyerA.Member.Token, map[string]any{"title": "A", "category": "cost"}).Expect(t, 201).JSON(t))
		ideaB := svcID(s.Call("POST", svcPath(f.RelB, "/ideas"), f.BuyerB.Member.Token, map[string]any{"title": "B", "category": "cost"}).Expect(t, 201).JSON(t))
		ticketA := svcID(s.Call("POST", svcPath(f.RelA, "/tickets"), f.BuyerA.Member.Token, map[string]any{"type": "repair", "severity": "low", "title": "A"}).Expect(t, 201).JSON(t))
		ticketB := svcID(s.Call("POST", svcPath(f.RelB, "/tickets"), f.BuyerB.Member.Token, map[string]any{"type": "repair", "severity": "low", "title": "B"}).Expect(t, 201).JSON(t))
		subjects := []struct{ typ, mine, other string }{
			{"idea", ideaA, ideaB},
			{"ticket", ticketA, ticketB},
			{"order", svcInsertOrder(t, s, f.RelA, f.BuyerA.Admin.User.ID, "A-1"), svcInsertOrder(t, s, f.RelB, f.BuyerB.Admin.User.ID, "B-1")},
			{"promise", svcInsertPromise(t, s, f.RelA, f.Supplier.Member), svcInsertPromise(t, s, f.RelB, f.Supplier.Member)},
			{"plan", svcInsertPlan(t, s, f.RelA, f.BuyerA.Member, false), svcInsertPlan(t, s, f.RelB, f.BuyerB.Member, false)},
			{"forecast", svcProduct(t, s, f.Supplier, "F-1"), svcProduct(t, s, f.Outsider, "F-X")},
		}
		for _, sub := range subjects {
			url := svcPath(f.RelA, "/comments?subject_type=%s&subject_id=%s", sub.typ, sub.mine)
			cm := s.Call("POST", url, f.BuyerA.Member.Token, map[string]any{"body": "On " + sub.typ}).Expect(t, 201).JSON(t)
			if cm["subject_type"] != sub.typ || cm["subject_id"] != sub.mine || cm["author_side"] != "buyer" {
				t.Errorf("%s: %v", sub.typ, cm)
			}
			items := s.Call("GET", url, f.Supplier.Member.Token, nil).Expect(t, 200).Items(t)
			if len(items) != 1 || svcID(items[0]) != svcID(cm) {
				t.Errorf("%s thread: %v", sub.typ, items)
			}
			seq := svcLastSeq(t, s, f.RelA, f.Supplier.Admin.Token)
			r := s.Call("POST", svcPath(f.RelA, "/comments?subject_type=%s&subject_id=%s", sub.typ, sub.other), f.BuyerA.Member.Token, map[string]any{"body": "x"}).Expect(t, 422)
			if !strings.Contains(string(r.Body), `"field":"subject_id"`) {
				t.Errorf("%s of another relationship: %s", sub.typ, r.Body)
			}
			s.Call("GET", svcPath(f.RelA, "/comments?subject_type=%s&subject_id=%s", sub.typ, sub.other), f.BuyerA.Member.Token, nil).Expect(t, 422)
			if svcLastSeq(t, s, f.RelA, f.Supplier.Admin.Token) != seq {
				t.Errorf("%s: refused comment wrote an event", sub.typ)
			}
		}
		// The body may carry the subject instead of the query string.
		s.Call("POST", svcPath(f.RelA, "/comments"), f.BuyerA.Member.Token, map[string]any{"body": "b", "subject_type": "idea", "subject_id": ideaA}).Expect(t, 201)
		bad := []struct {
			name, url string
			body      any
			status    int
			field     string
		}{
			{"unknown subject type", "/comments?subject_type=invoice&subject_id=" + ideaA, map[string]any{"body": "x"}, 422, "subject_type"},
			{"no subject", "/comments", map[string]any{"body": "x"}, 422, "subject_type"},
			{"no subject id", "/comments?subject_type=idea", map[string]any{"body": "x"}, 422, "subject_id"},
			{"unknown id", "/comments?subject_type=idea&subject_id=nope", map[string]any{"body": "x"}, 422, "subject_id"},
			{"query and body differ", "/comments?subject_type=idea&subject_id=" + ideaA, map[string]any{"body": "x", "subject_id": ideaB}, 422, "subject_id"},
			{"empty body", "/comments?subject_type=idea&subject_id=" + ideaA, map[string]any{"body": "  \n"}, 422, "body"},
			{"too long", "/comments?subject_type=idea&subject_id=" + ideaA, map[string]any{"body": strings.Repeat("x", 10001)}, 422, "body"},
			{"10 MB", "/comments?subject_type=idea&subject_id=" + ideaA, map[string]any{"body": strings.Repeat("x", 10<<20)}, 413, ""},
		}
		for _, c := range bad {
			r := s.Call("POST", svcPath(f.RelA, "%s", c.url), f.BuyerA.Member.Token, c.body).Expect(t, c.status)
			if c.field != "" && !strings.Contains(string(r.Body), `"field":"`+c.field+`"`) {
				t.Errorf("%s: %s", c.name, r.Body)
			}
		}
		s.Call("GET", svcPath(f.RelA, "/comments?subject_type=invoice&subject_id=x"), f.BuyerA.Member.Token, nil).Expect(t, 422)
		// 10,000 characters exactly (multi-byte) and markup are stored verbatim.
		long := strings.Repeat("é", 9950) + `<script>alert(1)</script>`
		cm := s.Call("POST", svcPath(f.RelA, "/comments?subject_type=idea&subject_id=%s", ideaA), f.BuyerA.Member.Token, map[string]any{"body": long}).Expect(t, 201).JSON(t)
		if cm["body"] != long {
			t.Error("body not stored verbatim")
		}
		all := s.Call("GET", svcPath(f.RelA, "/comments"), f.Supplier.Member.Token, nil).Expect(t, 200).Items(t)
		if len(all) != 8 {
			t.Errorf("all comments of A: %d, want 8", len(all))
		}
	})
}

// The confidentiality table: comments on a confidential plan are as
// confidential as the plan, for writing, listing and the event feed.
func TestCommentsOnConfidentialPlan(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db testutil.DB) {
		s := testutil.NewServer(t, db)
		f := s.Seed()
		reader := f.Supplier.Member
		nonReader := s.AddActor(f.Supplier, "member", "engineering")
		plan := svcInsertPlan(t, s, f.RelA, f.BuyerA.Member, true, reader)
		open := svcInsertPlan(t, s, f.RelA, f.BuyerA.Member, false)
		url := svcPath(f.RelA, "/comments?subject_type=plan&subject_id=%s", plan)
		before := svcLastSeq(t, s, f.RelA, f.Supplier.Admin.Token)

		cases := []struct {
			name  string
			who   testutil.Actor
			write int // status of POST
			read  int // status of GET of the thread
		}{
			{"author", f.BuyerA.Member, 201, 200},
			{"named reader", reader, 201, 200},
			{"admin of the author's org", f.BuyerA.Admin, 201, 200},
			{"non-reader of the other org", nonReader, 404, 404},
			{"admin of the other org", f.Supplier.Admin, 404, 404},
			{"outsider", f.Outsider.Admin, 404, 404},
		}
		for _, c := range cases {
			s.Call("POST", url, c.who.Token, map[string]any{"body": "Secret remark by " + c.name}).Expect(t, c.write)
		}
		for _, c := range cases {
			r := s.Call("GET", url, c.who.Token, nil).Expect(t, c.read)
			if c.read == 200 && len(r.Items(t)) != 3 {
				t.Errorf("%s sees %d comments, want 3", c.name, len(r.Items(t)))
			}
			if c.name == "outsider" {
				continue
			}
			// The unfiltered list and the event feed hide them from non-readers too.
			all := s.Call("GET", svcPath(f.RelA, "/comments"), c.who.Token, nil).Expect(t, 200).Items(t)
			evs := svcEventsAfter(t, s, f.RelA, c.who.Token, before)
			want := 0
			if c.read == 200 {
				want = 3
			}
			if len(all) != want || len(evs) != want {
				t.Errorf("%s: %d comments and %d events visible, want %d", c.name, len(all), len(evs), want)
			}
			for _, e := range evs {
				if strings.Contains(string(svcJSON(t, e)), "Secret") {
					t.Errorf("event carries the content: %v", e)
				}
			}
		}
		// A comment on the open plan is visible to everyone in the relationship.
		s.Call("POST", svcPath(f.RelA, "/comments?subject_type=plan&subject_id=%s", open), nonReader.Token, map[string]any{"body": "Public"}).Expect(t, 201)
		if n := len(s.Call("GET", svcPath(f.RelA, "/comments"), nonReader.Token, nil).Items(t)); n != 1 {
			t.Errorf("non-reader sees %d comments, want the public one", n)
		}
		// @mentions on the confidential plan notify only those who may read it.
		cm := s.Call("POST", url, reader.Token, map[string]any{"body": "@" + nonReader.User.Name + " and @" + f.BuyerA.Member.User.Email + " see this"}).Expect(t, 201).JSON(t)
		if m := cm["mentions"].([]any); len(m) != 1 || m[0] != f.BuyerA.Member.User.ID {
			t.Errorf("mentions %v, want only the plan's author", m)
		}
		// Editing or deleting through the comment id is a 404 for non-readers.
		id := svcID(cm)
		s.Call("PATCH", svcPath(f.RelA, "/comments/%s", id), nonReader.Token, map[string]any{"body": "x"}).Expect(t, 404)
		s.Call("DELETE", svcPath(f.RelA, "/comments/%s", id), f.Supplier.Admin.Token, nil).Expect(t, 404)
		s.Call("PATCH", svcPath(f.RelA, "/comments/%s", id), reader.Token, map[string]any{"body": "edited"}).Expect(t, 200)
	})
}

func TestCommentEditDeleteAndMentions(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db testutil.DB) {
		s := testutil.NewServer(t, db)
		f := s.Seed()
		now := svcAt("2026-04-01T10:00:00Z")
		svcSetClock(s, &now)
		idea := svcID(s.Call("POST", svcPath(f.RelA, "/ideas"), f.BuyerA.Member.Token, map[string]any{"title": "A", "category": "cost"}).Expect(t, 201).JSON(t))
		seq := svcLastSeq(t, s, f.RelA, f.Supplier.Admin.Token)
		body := "@" + f.Supplier.Member.User.Name + " can you check? cc @" + strings.ToUpper(f.BuyerA.Admin.User.Email) + ", not @nobody <b>now</b>"
		cm := s.Call("POST", svcPath(f.RelA, "/comments?subject_type=idea&subject_id=%s", idea), f.BuyerA.Member.Token, map[string]any{"body": body}).Expect(t, 201).JSON(t)
		want := []string{f.Supplier.Member.User.ID, f.BuyerA.Admin.User.ID}
		if !slices.Equal(svcStrings(cm["mentions"]), want) || cm["body"] != body {
			t.Fatalf("comment %v", cm)
		}
		evs := svcEventsAfter(t, s, f.RelA, f.Supplier.Admin.Token, seq)
		if len(evs) != 1 || evs[0]["type"] != "comment.created" || !slices.Equal(svcNotifyOf(evs[0]), want) {
			t.Fatalf("events %v", evs)
		}
		url := svcPath(f.RelA, "/comments/%s", svcID(cm))
		// Edit: the author, within 15 minutes, with If-Match; new mentions notified once.
		now = now.Add(14 * time.Minute)
		s.Call("PATCH", url, f.BuyerA.Admin.Token, map[string]any{"body": "hijack"}).Expect(t, 403)
		s.Call("PATCH", url, f.BuyerA.Member.Token, map[string]any{"body": ""}).Expect(t, 422)
		s.Do(testutil.Req{Method: "PATCH", Path: url, Token: f.BuyerA.Member.Token, Body: map[string]any{"body": "x"}, Header: map[string]string{"If-Match": `"9"`}}).Expect(t, 412)
		seq = svcLastSeq(t, s, f.RelA, f.Supplier.Admin.Token)
		edited := s.Do(testutil.Req{Method: "PATCH", Path: url, Token: f.BuyerA.Member.Token, Body: map[string]any{"body": body + " @" + f.Supplier.Admin.User.Name},
			Header: map[string]string{"If-Match": svcETag(cm)}}).Expect(t, 200).JSON(t)
		if edited["edited_at"] != "2026-04-01T10:14:00Z" || edited["version"].(float64) != 2 || len(edited["mentions"].([]any)) != 3 {
			t.Fatalf("edited %v", edited)
		}
		evs = svcEventsAfter(t, s, f.RelA, f.Supplier.Admin.Token, seq)
		if len(evs) != 1 || evs[0]["type"] != "comment.edited" || !slices.Equal(svcNotifyOf(evs[0]), []string{f.Supplier.Admin.User.ID}) {
			t.Errorf("edit events %v", evs)
		}
		now = now.Add(2 * time.Minute) // 16 minutes after posting
		s.Call("PATCH", url, f.BuyerA.Member.Token, map[string]any{"body": "too late"}).Expect(t, 409)
		// Delete: not another org's admin; the author's org admin may; a tombstone stays.
		s.Call("DELETE", url, f.Supplier.Admin.Token, nil).Expect(t, 403)
		s.Call("DELETE", url, f.Supplier.Member.Token, nil).Expect(t, 403)
		s.Do(testutil.Req{Method: "DELETE", Path: url, Token: f.BuyerA.Member.Token, Header: map[string]string{"If-Match": `"1"`}}).Expect(t, 412)
		gone := s.Call("DELETE", url, f.BuyerA.Admin.Token, nil).Expect(t, 200).JSON(t)
		if gone["deleted"] != true || gone["body"] != "" || gone["deleted_at"] != "2026-04-01T10:16:00Z" || len(gone["mentions"].([]any)) != 0 {
			t.Fatalf("tombstone %v", gone)
		}
		s.Call("DELETE", url, f.BuyerA.Member.Token, nil).Expect(t, 409)
		now = svcAt("2026-04-01T10:01:00Z")
		s.Call("PATCH", url, f.BuyerA.Member.Token, map[string]any{"body": "revive"}).Expect(t, 409)
		thread := s.Call("GET", svcPath(f.RelA, "/comments?subject_type=idea&subject_id=%s", idea), f.Supplier.Member.Token, nil).Expect(t, 200).Items(t)
		if len(thread) != 1 || thread[0]["deleted"] != true || thread[0]["body"] != "" {
			t.Errorf("thread %v", thread)
		}
		s.Call("PATCH", svcPath(f.RelA, "/comments/nope"), f.BuyerA.Member.Token, map[string]any{"body": "x"}).Expect(t, 404)
		s.Call("DELETE", svcPath(f.RelB, "/comments/%s", svcID(cm)), f.BuyerB.Admin.Token, nil).Expect(t, 404)
	})
}

func svcStrings(v any) []string {
	out := []string{}
	for _, x := range v.([]any) {
		out = append(out, x.(string))
	}
	return out
}
