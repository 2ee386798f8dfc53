package browser_test

import (
	"testing"
	"time"

	"github.com/rapport/rapport/server/internal/config"
)

// With access tokens that live seconds, the page rotates them before expiry;
// and a form filled in with a token that no longer works is still submitted:
// the page refreshes on the 401 and retries, so nothing typed is lost. The invitation it creates is then accepted in another
// browser: a bad password is explained next to its field, a good one signs the
// new buyer in to the relationship.
func TestRefreshKeepsWorkAndInvitationAccepted(t *testing.T) {
	s := newServer(t, func(c *config.Config) { c.AccessTTL = 10 * time.Second })
	f := s.Seed()
	requireAreas(t, s, f.Supplier.Admin.Token, f.BuyerA.Admin.Token, f.RelA)

	sup := openPage(t, s.URL, "supplier", 1280, 800)
	sup.login(f.Supplier.Admin.User.Email, f.Password)
	sup.waitFor("invite form", `document.querySelector('#invite-form')`)
	before := evalAs[string](sup, `JSON.parse(sessionStorage.getItem('rapport.session')).access_token`)
	sup.typeInto(`#invite-form input[name=buyer_org_name]`, "Fjord Dairy")
	sup.typeInto(`#invite-form input[name=name]`, "Ingrid Dahl")
	sup.typeInto(`#invite-form input[name=email]`, "ingrid@fjord-dairy.example")
	sup.waitFor("token rotated before expiry", `JSON.parse(sessionStorage.getItem('rapport.session')).access_token !== `+jsString(before))
	evalAs[bool](sup, `(() => { const s = JSON.parse(sessionStorage.getItem('rapport.session')); s.access_token = 'no.longer.valid';
		sessionStorage.setItem('rapport.session', JSON.stringify(s)); return true })()`)
	sup.click(`#invite-form button[type=submit]`)
	sup.waitFor("invitation link", `document.querySelector('#invite-link')`)
	if !sup.sawNetwork(`status of 401 .*/api/v1/invitations`) {
		t.Error("the invitation was not first refused with 401 (the retry path was not exercised)")
	}
	if tok := evalAs[string](sup, `JSON.parse(sessionStorage.getItem('rapport.session')).access_token`); tok == "no.longer.valid" {
		t.Error("the token was not refreshed after the 401")
	}
	link := sup.text("#invite-link")

	buyer := openPage(t, s.URL, "invited buyer", 390, 844)
	buyer.do("open invitation", navigate(link))
	buyer.typeInto(`#invite input[name=name]`, "Ingrid Dahl")
	buyer.typeInto(`#invite input[name=password]`, "short")
	buyer.click(`#invite button[type=submit]`)
	buyer.waitFor("password error beside the field", `document.querySelector('#invite .field[data-field=password] .field-error').textContent.length > 0`)
	buyer.shot("invite-error-390")
	buyer.setValue(`#invite input[name=password]`, "")
	buyer.typeInto(`#invite input[name=password]`, "a-long-enough-password")
	buyer.click(`#invite button[type=submit]`)
	buyer.waitFor("workspace of the new relationship", `document.querySelector('.ws-head h1') && document.querySelector('.ws-head h1').textContent === `+jsString(f.Supplier.Org.Name))
}
