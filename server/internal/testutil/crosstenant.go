package testutil

import (
	"net/http"
	"strings"
	"testing"
)

// CrossTenantCase is one row of the cross-tenant table: a relationship-scoped
// request walked as (a) a permitted member → 2xx, (b) the other buyer of the same
// supplier → 404, (c) a user of an unrelated organization → 404, and (d) a
// wrong-side or non-admin member → 403 (when the endpoint has such a rule).
type CrossTenantCase struct {
	Name   string
	Method string
	// Path under /api/v1; {rel} is replaced with relationship A's id and {key}
	// with the value Setup returned under key.
	Path string
	// Body returns the request body (fresh for each call; may be nil).
	Body func(ids map[string]string) any
	// Header adds request headers (may be nil).
	Header func(ids map[string]string) map[string]string
	// Setup creates what the request needs in relationship A and returns ids.
	Setup func(t *testing.T, s *Server, f *Fixture) map[string]string
	// Allowed is the permitted actor (a); Denied the insider without the right (d), or nil.
	Allowed func(f *Fixture) Actor
	Denied  func(f *Fixture) Actor
	// Want is the permitted status (default 200).
	Want int
}

var crossTenantCases []CrossTenantCase

// RegisterCrossTenant adds rows to the table; each area's tests call it from init.
func RegisterCrossTenant(cases ...CrossTenantCase) bool {
	crossTenantCases = append(crossTenantCases, cases...)
	return true
}

// CrossTenantCases returns every registered row.
func CrossTenantCases() []CrossTenantCase { return crossTenantCases }

// RunCrossTenant walks one row on server s. The denied calls run first, so the
// permitted call (which may change state) still finds the object as set up.
func RunCrossTenant(t *testing.T, s *Server, c CrossTenantCase) {
	f := s.Seed()
	ids := map[string]string{}
	if c.Setup != nil {
		ids = c.Setup(t, s, f)
	}
	ids["rel"] = f.RelA
	path := c.Path
	for k, v := range ids {
		path = strings.ReplaceAll(path, "{"+k+"}", v)
	}
	call := func(who string, a Actor, want int) {
		t.Helper()
		var body any
		if c.Body != nil {
			body = c.Body(ids)
		}
		var hdr map[string]string
		if c.Header != nil {
			hdr = c.Header(ids)
		}
		r := s.Do(Req{Method: c.Method, Path: path, Token: a.Token, Body: body, Header: hdr})
		if r.Status != want {
			t.Errorf("%s %s as %s: status %d, want %d: %s", c.Method, path, who, r.Status, want, r.Body)
		}
	}
	call("the other buyer of the same supplier", f.BuyerB.Admin, http.StatusNotFound)
	call("an unrelated organization", f.Outsider.Admin, http.StatusNotFound)
	call("the unrelated organization's buyer", f.OutBuyer.Admin, http.StatusNotFound)
	if c.Denied != nil {
		call("a wrong-side or non-admin member", c.Denied(f), http.StatusForbidden)
	}
	want := c.Want
	if want == 0 {
		want = http.StatusOK
	}
	call("a permitted member", c.Allowed(f), want)
}
