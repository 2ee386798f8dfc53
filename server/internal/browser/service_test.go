package browser_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// A buyer asks for service; the supplier sees the ticket arrive live with its SLA
// countdowns, acknowledges it, and the first-response SLA shows as met. A ticket
// whose deadline passed long ago carries a breach badge.
func TestServiceTicketsWithSLAs(t *testing.T) {
	w := newWorld(t)
	w.requireAPI(t, "GET", "/relationships/"+w.F.RelA+"/tickets", w.F.BuyerA.Admin.Token)
	service := "#/rel/" + w.F.RelA + "/service"

	// An old critical ticket: opened two days ago, never answered.
	w.Store.SetClock(func() time.Time { return time.Now().UTC().Add(-48 * time.Hour) })
	old := w.Call("POST", "/relationships/"+w.F.RelA+"/tickets", w.F.BuyerA.Admin.Token, map[string]any{
		"type": "repair", "severity": "critical", "title": "Spindle stopped", "body": "Line 2 is down.",
	}).Expect(t, 201).JSON(t)
	w.Store.SetClock(time.Now)

	supplier := openPage(t, w.URL, "supplier", 1280, 800)
	supplier.login(w.F.Supplier.Member.User.Email, w.F.Password)
	supplier.visit(service)
	supplier.waitFor("old ticket with breach badge", `document.querySelector('#tickets .ticket[data-id="`+old["id"].(string)+`"] .badge-breached') && document.querySelector('#live').dataset.state === 'live'`)

	buyer := openPage(t, w.URL, "buyer", 390, 844)
	buyer.login(w.F.BuyerA.Member.User.Email, w.F.Password)
	buyer.visit(service)
	buyer.waitFor("ticket form", `document.querySelector('#ticket-form')`)
	buyer.setValue(`#ticket-form select[name=type]`, "application_help")
	buyer.setValue(`#ticket-form select[name=severity]`, "high")
	buyer.typeInto(`#ticket-form input[name=title]`, "How to set the new tool offsets?")
	buyer.click(`#ticket-form button[type=submit]`)
	buyer.waitFor("ticket listed", `[...document.querySelectorAll('#tickets .ticket h3')].some(h => h.textContent.includes('tool offsets'))`)

	card := `[...document.querySelectorAll('#tickets .ticket')].find(c => c.querySelector('h3').textContent.includes('tool offsets'))`
	supplier.waitFor("ticket arrives live with a countdown", card+` && `+card+`.querySelector('.sla.running')`)
	countdown := evalAs[string](supplier, card+`.querySelector('.sla.running').textContent`)
	if !strings.Contains(countdown, "First response due in") {
		t.Errorf("countdown reads %q", countdown)
	}
	supplier.shot("supplier-service-live-1280")
	evalAs[bool](supplier, `(`+card+`.querySelector('.card-actions button.small').click(), true)`)
	supplier.waitFor("first response met", card+` && `+card+`.querySelector('.badge-met') && `+card+`.querySelector('.badge-acknowledged')`)
	buyer.waitFor("buyer sees it acknowledged live", card+` && `+card+`.querySelector('.badge-acknowledged')`)
	buyer.shot("buyer-service-390")
	buyer.do("desktop size", chromedp.EmulateViewport(1280, 800))
	buyer.shot("buyer-service-1280")
}
