package browser_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// A buyer signs in, sees its supplier on the home page and opens the workspace;
// a wrong password shows the server's problem on the form; signing out works.
func TestSignInHomeAndWorkspace(t *testing.T) {
	w := newWorld(t)
	p := openPage(t, w.URL, "buyer", 1280, 800)
	p.visit("#/")
	p.typeInto("#login-email", w.F.BuyerA.Admin.User.Email)
	p.typeInto("#login-password", "wrong password")
	p.click("#login button[type=submit]")
	p.waitFor("sign-in error", `document.querySelector('#login .form-error') && !document.querySelector('#login .form-error').hidden`)
	p.shot("login-error-1280")

	// Keyboard only: the email field has focus; Tab to the password, Enter submits.
	p.setValue("#login-email", "")
	p.setValue("#login-password", "")
	evalAs[bool](p, `(document.querySelector('#login-email').focus(), true)`)
	p.do("sign in with the keyboard", chromedp.KeyEvent(w.F.BuyerA.Admin.User.Email), chromedp.KeyEvent("\t"), chromedp.KeyEvent(w.F.Password), chromedp.KeyEvent("\r"))
	p.waitFor("signed in", `document.querySelector('#signout') && !document.querySelector('#signout').hidden && !document.querySelector('#login')`)
	p.waitFor("supplier card", `[...document.querySelectorAll('.card-title')].some(a => a.textContent === `+jsString(w.F.Supplier.Org.Name)+`)`)
	if who := p.text("#who"); !strings.Contains(who, w.F.BuyerA.Org.Name) {
		t.Errorf("top bar says %q, want the buyer's organisation", who)
	}
	p.click(".card-title")
	p.waitFor("workspace tabs", `document.querySelector('nav.tabs a#tablink-orders.active')`)
	p.shot("buyer-orders-empty-1280")
	if n := evalAs[int](p, `document.querySelectorAll('nav.tabs a').length`); n != 8 {
		t.Errorf("buyer sees %d tabs, want 8 (no Health tab for the buyer)", n)
	}
	p.click("#signout")
	p.waitFor("sign-in form again", `document.querySelector('#login-email')`)
	if s := evalAs[string](p, `sessionStorage.getItem('rapport.session') || ''`); s != "" {
		t.Errorf("session kept after sign out: %s", s)
	}
}
