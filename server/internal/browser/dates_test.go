package browser_test

import (
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// The server judges dates in UTC (a requested delivery date may not be in the
// past). A buyer whose local date is not UTC's, west of UTC in the evening or
// far east in the morning, gets the server's day as the earliest date, and an
// order for that date is accepted.
func TestDateFieldsFollowTheServersDay(t *testing.T) {
	w := newWorld(t)
	buyer := openPage(t, w.URL, "buyer", 1280, 800)
	// A zone whose date differs from UTC's at this moment: twelve hours behind
	// in the UTC morning (yesterday there), fourteen ahead after noon (tomorrow).
	zone := "Etc/GMT+12"
	if time.Now().UTC().Hour() >= 12 {
		zone = "Etc/GMT-14"
	}
	if _, err := chromedp.Call(buyer.ctx, emulation.SetTimezoneOverride, emulation.SetTimezoneOverrideParams{TimezoneID: zone}); err != nil {
		t.Fatalf("time zone %s: %v", zone, err)
	}
	buyer.login(w.F.BuyerA.Member.User.Email, w.F.Password)
	buyer.visit("#/rel/" + w.F.RelA + "/orders")
	buyer.waitFor("catalogue", `document.querySelector('#catalogue li.product')`)
	buyer.click(`#catalogue li.product[data-sku="NW-COOL-20"] button.add`)
	buyer.waitFor("line in cart", `document.querySelector('#cart tr[data-id]')`)

	before := time.Now().UTC().Format(time.DateOnly)
	earliest := evalAs[string](buyer, `document.querySelector('#order-form input[name=requested_date]').min`)
	local := evalAs[string](buyer, `new Date().toLocaleDateString('en-CA')`) // YYYY-MM-DD in the page's zone
	after := time.Now().UTC().Format(time.DateOnly)
	if local == before || local == after {
		t.Fatalf("the page's date in %s is UTC's (%s): the test would prove nothing", zone, local)
	}
	if earliest != before && earliest != after {
		t.Fatalf("in %s the earliest requested date offered is %s; the server's day is %s", zone, earliest, before)
	}
	buyer.setValue(`#order-form input[name=requested_date]`, earliest)
	buyer.click(`#order-form button[type=submit]`)
	buyer.waitFor("order for the earliest date accepted", `document.querySelector('#orders-list tr.order-row[data-status=submitted]')`)
}
