package httpapi_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/rapport/rapport/server/internal/testutil"
)

// Bad bodies get the right status and a problem document, and change nothing.
func TestBadInputIsAProblemAndWritesNothing(t *testing.T) {
	s := testutil.NewServer(t, testutil.DB{Name: "sqlite"})
	f := s.Seed()
	admin := f.Supplier.Admin
	path := "/orgs/" + f.Supplier.Org.ID + "/users"
	good := `{"email":"new@x.test","name":"New","password":"long-enough-pw","role":"member","department":"sales"}`
	cases := []struct {
		name, body, contentType string
		status                  int
		field                   string
	}{
		{"malformed JSON", `{"email":`, "", 400, ""},
		{"not an object", `[1,2]`, "", 400, ""},
		{"empty body", ``, "", 400, ""},
		{"two objects", good + good, "", 400, ""},
		{"unknown field", `{"email":"a@b.test","name":"A","password":"long-enough-pw","org_id":"x"}`, "", 422, "org_id"},
		{"wrong type", `{"email":5,"name":"A","password":"long-enough-pw"}`, "", 422, "email"},
		{"invalid email", `{"email":"not-an-email","name":"A","password":"long-enough-pw"}`, "", 422, "email"},
		{"weak password", `{"email":"a@b.test","name":"A","password":"short"}`, "", 422, "password"},
		{"unknown department", `{"email":"a@b.test","name":"A","password":"long-enough-pw","department":"pirates"}`, "", 422, "department"},
		{"unknown role", `{"email":"a@b.test","name":"A","password":"long-enough-pw","role":"owner"}`, "", 422, "role"},
		{"duplicate email", `{"email":"` + f.BuyerA.Admin.User.Email + `","name":"A","password":"long-enough-pw"}`, "", 422, "email"},
		{"wrong media type", good, "text/plain", 415, ""},
		{"over the body limit", `{"email":"a@b.test","name":"` + strings.Repeat("x", 2<<20) + `","password":"long-enough-pw"}`, "", 413, ""},
	}
	before := s.Call("GET", path, admin.Token, nil).Expect(t, 200).Items(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			hdr := map[string]string{}
			if c.contentType != "" {
				hdr["Content-Type"] = c.contentType
			}
			r := s.With(t).Do(testutil.Req{Method: "POST", Path: path, Token: admin.Token, Body: c.body, Header: hdr})
			if r.Status != c.status {
				t.Fatalf("status %d, want %d: %s", r.Status, c.status, r.Body)
			}
			p := r.JSON(t)
			if p["status"].(float64) != float64(c.status) || p["title"] == "" || p["type"] == "" {
				t.Errorf("not a problem document: %s", r.Body)
			}
			if c.field != "" && !strings.Contains(string(r.Body), `"field":"`+c.field+`"`) {
				t.Errorf("problem does not name field %s: %s", c.field, r.Body)
			}
			for _, leak := range []string{"sql", "SQL", "goroutine", ".go:", "UNIQUE constraint"} {
				if strings.Contains(string(r.Body), leak) {
					t.Errorf("problem leaks %q: %s", leak, r.Body)
				}
			}
		})
	}
	after := s.Call("GET", path, admin.Token, nil).Expect(t, 200).Items(t)
	if len(after) != len(before) {
		t.Fatalf("bad requests added users: %d → %d", len(before), len(after))
	}
	s.Do(testutil.Req{Method: "POST", Path: path, Token: admin.Token, Body: good}).Expect(t, 201)
}

// Tampered, expired, foreign and alg:none tokens are all refused.
func TestAccessTokensAreVerified(t *testing.T) {
	s := testutil.NewServer(t, testutil.DB{Name: "sqlite"})
	f := s.Seed()
	u := f.BuyerA.Member.User
	key := []byte(s.Config.JWTSecret)
	claims := func(mod func(c jwt.MapClaims)) jwt.MapClaims {
		c := jwt.MapClaims{"sub": u.ID, "org": u.OrgID, "role": u.Role, "iss": "rapport", "aud": "rapport-api",
			"iat": time.Now().Unix(), "exp": time.Now().Add(5 * time.Minute).Unix()}
		mod(c)
		return c
	}
	sign := func(m jwt.SigningMethod, k any, c jwt.MapClaims) string {
		s, err := jwt.NewWithClaims(m, c).SignedString(k)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	valid := sign(jwt.SigningMethodHS256, key, claims(func(jwt.MapClaims) {}))
	s.Call("GET", "/me", valid, nil).Expect(t, 200)
	bad := map[string]string{
		"alg none":          sign(jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, claims(func(jwt.MapClaims) {})),
		"foreign key":       sign(jwt.SigningMethodHS256, []byte("another-secret-another-secret-0123456789"), claims(func(jwt.MapClaims) {})),
		"HS512":             sign(jwt.SigningMethodHS512, key, claims(func(jwt.MapClaims) {})),
		"expired":           sign(jwt.SigningMethodHS256, key, claims(func(c jwt.MapClaims) { c["exp"] = time.Now().Add(-time.Minute).Unix() })),
		"no exp":            sign(jwt.SigningMethodHS256, key, claims(func(c jwt.MapClaims) { delete(c, "exp") })),
		"wrong issuer":      sign(jwt.SigningMethodHS256, key, claims(func(c jwt.MapClaims) { c["iss"] = "evil" })),
		"wrong audience":    sign(jwt.SigningMethodHS256, key, claims(func(c jwt.MapClaims) { c["aud"] = "other" })),
		"tampered":          valid[:len(valid)-4] + "AAAA",
		"garbage":           "not.a.jwt",
		"refresh as bearer": "abcdef",
	}
	for name, tok := range bad {
		t.Run(name, func(t *testing.T) {
			r := s.With(t).Call("GET", "/me", tok, nil).Expect(t, 401)
			if r.Header.Get("WWW-Authenticate") == "" {
				t.Error("401 without WWW-Authenticate")
			}
		})
	}
	s.Call("GET", "/me", "", nil).Expect(t, 401)
}

func TestInvitationLifecycle(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db testutil.DB) {
		s := testutil.NewServer(t, db)
		f := s.Seed()
		inv := map[string]string{"buyer_org_name": "Fresh Buyer GmbH", "email": "Boss@Fresh.test", "name": "Boss"}
		s.Call("POST", "/invitations", f.Supplier.Member.Token, inv).Expect(t, 403)
		s.Call("POST", "/invitations", f.Supplier.Admin.Token, map[string]string{"buyer_org_name": "", "email": "x", "name": ""}).Expect(t, 422)
		tok := s.Call("POST", "/invitations", f.Supplier.Admin.Token, inv).Expect(t, 201).JSON(t)["token"].(string)

		s.Call("POST", "/invitations/"+tok+"/accept", "", map[string]string{"name": "Boss", "password": "short"}).Expect(t, 422)
		s.Call("POST", "/invitations/not-a-token/accept", "", map[string]string{"name": "Boss", "password": "long-enough-pw"}).Expect(t, 404)
		acc := s.Call("POST", "/invitations/"+tok+"/accept", "", map[string]string{"name": "Boss", "password": "long-enough-pw"}).Expect(t, 201).JSON(t)
		relID := acc["relationship"].(map[string]any)["id"].(string)
		access := acc["access_token"].(string)
		s.Call("POST", "/invitations/"+tok+"/accept", "", map[string]string{"name": "Boss", "password": "long-enough-pw"}).Expect(t, 410)

		rel := s.Call("GET", "/relationships/"+relID, access, nil).Expect(t, 200).JSON(t)
		if rel["my_side"] != "buyer" || rel["supplier"].(map[string]any)["id"] != f.Supplier.Org.ID {
			t.Errorf("relationship = %v", rel)
		}
		evs := s.Call("GET", "/relationships/"+relID+"/events", f.Supplier.Member.Token, nil).Expect(t, 200).Items(t)
		if len(evs) != 1 || evs[0]["type"] != "relationship.created" || evs[0]["seq"].(float64) != 1 {
			t.Errorf("events = %v", evs)
		}
		s.Call("POST", "/auth/login", "", map[string]string{"email": "boss@fresh.test", "password": "long-enough-pw"}).Expect(t, 200)

		// An expired invitation is gone.
		tok2 := s.Call("POST", "/invitations", f.Supplier.Admin.Token, map[string]string{"buyer_org_name": "Late Co", "email": "late@late.test", "name": "Late"}).Expect(t, 201).JSON(t)["token"].(string)
		s.Store.SetClock(func() time.Time { return time.Now().Add(8 * 24 * time.Hour) })
		defer s.Store.SetClock(time.Now)
		s.Call("POST", "/invitations/"+tok2+"/accept", "", map[string]string{"name": "Late", "password": "long-enough-pw"}).Expect(t, 410)
	})
}

func TestAddUserAuthorization(t *testing.T) {
	s := testutil.NewServer(t, testutil.DB{Name: "sqlite"})
	f := s.Seed()
	body := func(email string) map[string]string {
		return map[string]string{"email": email, "name": "N", "password": "long-enough-pw", "role": "member", "department": "engineering"}
	}
	own := "/orgs/" + f.BuyerA.Org.ID + "/users"
	s.Call("POST", own, f.BuyerA.Member.Token, body("m1@x.test")).Expect(t, 403)
	s.Call("POST", own, f.Supplier.Admin.Token, body("m2@x.test")).Expect(t, 403) // a partner, not its admin
	s.Call("POST", own, f.Outsider.Admin.Token, body("m3@x.test")).Expect(t, 404)
	s.Call("GET", own, f.Outsider.Admin.Token, nil).Expect(t, 404)
	u := s.Call("POST", own, f.BuyerA.Admin.Token, body("m4@x.test")).Expect(t, 201).JSON(t)
	if u["role"] != "member" || u["department"] != "engineering" {
		t.Errorf("user = %v", u)
	}
	// The partner sees names, not addresses.
	for _, item := range s.Call("GET", own, f.Supplier.Member.Token, nil).Expect(t, 200).Items(t) {
		if item["email"] != nil && item["email"] != "" {
			t.Errorf("partner sees email %v", item["email"])
		}
	}
	// The addition is an event in the buyer's relationship.
	evs := s.Call("GET", "/relationships/"+f.RelA+"/events", f.Supplier.Member.Token, nil).Expect(t, 200).Items(t)
	if last := evs[len(evs)-1]; last["type"] != "user.added" || last["subject_id"] != u["id"] {
		t.Errorf("last event = %v", last)
	}
	// Pagination is stable and complete.
	for i := 0; i < 4; i++ {
		s.Call("POST", own, f.BuyerA.Admin.Token, body("p"+string(rune('a'+i))+"@x.test")).Expect(t, 201)
	}
	seen := map[string]bool{}
	cursor := ""
	for pages := 0; ; pages++ {
		if pages > 10 {
			t.Fatal("pagination does not end")
		}
		r := s.Call("GET", own+"?limit=2&cursor="+cursor, f.BuyerA.Admin.Token, nil).Expect(t, 200).JSON(t)
		for _, it := range r["items"].([]any) {
			id := it.(map[string]any)["id"].(string)
			if seen[id] {
				t.Fatalf("user %s on two pages", id)
			}
			seen[id] = true
		}
		cursor, _ = r["next_cursor"].(string)
		if cursor == "" {
			break
		}
	}
	if len(seen) != 7 {
		t.Fatalf("paged through %d users, want 7", len(seen))
	}
	s.Call("GET", own+"?cursor=forged", f.BuyerA.Admin.Token, nil).Expect(t, 422)
	s.Call("GET", own+"?limit=0", f.BuyerA.Admin.Token, nil).Expect(t, 422)
}

func TestOperationsEndpoints(t *testing.T) {
	s := testutil.NewServer(t, testutil.DB{Name: "sqlite"})
	s.Call("GET", "/healthz", "", nil).Expect(t, 200)
	s.Call("GET", "/readyz", "", nil).Expect(t, 200)
	r := s.Do(testutil.Req{Method: "GET", Path: "/api/v1/openapi.yaml", Header: map[string]string{"X-Request-Id": "abc-123"}}).Expect(t, 200)
	if r.Header.Get("X-Request-Id") != "abc-123" || !strings.HasPrefix(string(r.Body), "# GENERATED") {
		t.Errorf("openapi: request id %q, body starts %q", r.Header.Get("X-Request-Id"), string(r.Body[:20]))
	}
	if r.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Error("security headers missing")
	}
	m := s.Call("GET", "/metrics", "", nil).Expect(t, 200)
	if !strings.Contains(string(m.Body), `rapport_http_requests_total{method="GET",route="/healthz",status="200"} 1`) {
		t.Errorf("metrics do not count requests by route:\n%.2000s", m.Body)
	}
	s.Call("GET", "/api/v1/nothing-here", "", nil).Expect(t, 404)
	res, err := s.Client.Get(s.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(string(body), "<title>Rapport") || res.Header.Get("Content-Security-Policy") == "" {
		t.Errorf("web page not served with a CSP")
	}
	// Not ready when the database is gone.
	s.Store.Close()
	s.Call("GET", "/readyz", "", nil).Expect(t, http.StatusServiceUnavailable)
	_ = context.Background()
}
