package httpapi_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/rapport/rapport/server/internal/testutil"
)

var _ = testutil.RegisterCrossTenant(
	testutil.CrossTenantCase{
		Name: "get relationship", Method: "GET", Path: "/relationships/{rel}",
		Allowed: func(f *testutil.Fixture) testutil.Actor { return f.BuyerA.Member },
	},
	testutil.CrossTenantCase{
		Name: "list events", Method: "GET", Path: "/relationships/{rel}/events?after_seq=0",
		Allowed: func(f *testutil.Fixture) testutil.Actor { return f.Supplier.Member },
	},
	testutil.CrossTenantCase{
		Name: "patch relationship settings", Method: "PATCH", Path: "/relationships/{rel}",
		Body:    func(map[string]string) any { return map[string]any{"silence_threshold_days": 45} },
		Allowed: func(f *testutil.Fixture) testutil.Actor { return f.Supplier.Admin },
		Denied:  func(f *testutil.Fixture) testutil.Actor { return f.Supplier.Member },
	},
	testutil.CrossTenantCase{
		Name: "patch relationship settings as buyer admin", Method: "PATCH", Path: "/relationships/{rel}",
		Body:    func(map[string]string) any { return map[string]any{"silence_threshold_days": 45} },
		Allowed: func(f *testutil.Fixture) testutil.Actor { return f.Supplier.Admin },
		Denied:  func(f *testutil.Fixture) testutil.Actor { return f.BuyerA.Admin },
	},
)

// TestCrossTenant walks every relationship-scoped endpoint registered by every
// area as a member, the other buyer, an outsider and a wrong-side member.
func TestCrossTenant(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db testutil.DB) {
		s := testutil.NewServer(t, db)
		cases := testutil.CrossTenantCases()
		if len(cases) < 4 {
			t.Fatalf("only %d cross-tenant cases registered", len(cases))
		}
		for _, c := range cases {
			t.Run(c.Name, func(t *testing.T) { testutil.RunCrossTenant(t, s.With(t), c) })
		}
	})
}

func TestLoginRefreshLogout(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db testutil.DB) {
		s := testutil.NewServer(t, db)
		f := s.Seed()
		email := f.BuyerA.Admin.User.Email

		wrong := s.Call("POST", "/auth/login", "", map[string]string{"email": email, "password": "not-the-password"}).Expect(t, 401)
		unknown := s.Call("POST", "/auth/login", "", map[string]string{"email": "nobody@nowhere.test", "password": "not-the-password"}).Expect(t, 401)
		if wrong.JSON(t)["detail"] != unknown.JSON(t)["detail"] {
			t.Errorf("unknown email and wrong password must answer alike: %s vs %s", wrong.Body, unknown.Body)
		}

		pair := s.Call("POST", "/auth/login", "", map[string]string{"email": strings.ToUpper(email), "password": f.Password}).Expect(t, 200).JSON(t)
		access, refresh := pair["access_token"].(string), pair["refresh_token"].(string)
		me := s.Call("GET", "/me", access, nil).Expect(t, 200).JSON(t)
		if me["org_id"] != f.BuyerA.Org.ID || me["org_name"] != f.BuyerA.Org.Name || me["role"] != "admin" {
			t.Errorf("me = %v", me)
		}

		// Rotation: the new refresh token works once; the old one is dead, and
		// presenting it again revokes the whole family (the new one too).
		next := s.Call("POST", "/auth/refresh", "", map[string]string{"refresh_token": refresh}).Expect(t, 200).JSON(t)
		newRefresh := next["refresh_token"].(string)
		if newRefresh == refresh {
			t.Fatal("refresh token was not rotated")
		}
		s.Call("POST", "/auth/refresh", "", map[string]string{"refresh_token": refresh}).Expect(t, 401)
		s.Call("POST", "/auth/refresh", "", map[string]string{"refresh_token": newRefresh}).Expect(t, 401)

		// Logout revokes the family of a fresh login.
		pair2 := s.Call("POST", "/auth/login", "", map[string]string{"email": email, "password": f.Password}).Expect(t, 200).JSON(t)
		s.Call("POST", "/auth/logout", "", map[string]string{"refresh_token": pair2["refresh_token"].(string)}).Expect(t, 204)
		s.Call("POST", "/auth/refresh", "", map[string]string{"refresh_token": pair2["refresh_token"].(string)}).Expect(t, 401)
		s.Call("POST", "/auth/refresh", "", map[string]string{"refresh_token": "forged"}).Expect(t, 401)
	})
}

func TestLoginRateLimited(t *testing.T) {
	db := testutil.DB{Name: "sqlite"}
	cfg := testutil.Config(t, db)
	cfg.LoginPerMinute = 3
	s := testutil.NewServerWith(t, cfg)
	f := s.Seed()
	email := f.BuyerA.Admin.User.Email
	limited := false
	for i := 0; i < 6; i++ {
		r := s.Call("POST", "/auth/login", "", map[string]string{"email": email, "password": "wrong-password"})
		if r.Status == http.StatusTooManyRequests {
			limited = true
			if r.Header.Get("Retry-After") == "" {
				t.Error("429 without Retry-After")
			}
			break
		}
		r.Expect(t, 401)
	}
	if !limited {
		t.Fatal("six failed logins in a row were never rate-limited")
	}
	// The correct password is refused too while the account is limited.
	s.Call("POST", "/auth/login", "", map[string]string{"email": email, "password": f.Password}).Expect(t, 429)
}
