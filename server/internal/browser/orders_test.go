package browser_test

import (
	"testing"

	"github.com/chromedp/chromedp"
)

// A buyer places an order from the catalogue; the supplier, in a second browser
// context, sees it appear live and acknowledges it; the buyer sees the status
// change live. Then the buyer's stream drops, the supplier advances the order
// meanwhile, and the buyer still gets the change after reconnecting.
func TestOrderLiveAcrossBothSides(t *testing.T) {
	w := newWorld(t)
	w.requireAPI(t, "GET", "/relationships/"+w.F.RelA+"/orders", w.F.BuyerA.Admin.Token)
	w.requireAPI(t, "POST", "/ws/ticket", w.F.BuyerA.Admin.Token)
	orders := "#/rel/" + w.F.RelA + "/orders"

	supplier := openPage(t, w.URL, "supplier", 1280, 800)
	supplier.login(w.F.Supplier.Admin.User.Email, w.F.Password)
	supplier.visit(orders)
	supplier.waitFor("orders tab", `document.querySelector('#orders-list') && document.querySelector('#live').dataset.state === 'live'`)
	evalAs[bool](supplier, `window.__noReload = true`)

	buyer := openPage(t, w.URL, "buyer", 1280, 800)
	buyer.login(w.F.BuyerA.Member.User.Email, w.F.Password)
	buyer.visit(orders)
	buyer.waitFor("stream live", `document.querySelector('#live').dataset.state === 'live'`)
	evalAs[bool](buyer, `window.__noReload = true`)
	buyer.typeInto("#catalogue-search", "spindle")
	buyer.waitFor("search result", `document.querySelectorAll('#catalogue li.product').length === 1 && document.querySelector('#catalogue li.product[data-sku="NW-SP-1120"]')`)
	buyer.waitFor("TCO beside the price", `document.querySelector('#catalogue li.product .tco').textContent.includes('TCO')`)
	buyer.setValue(`#catalogue li.product[data-sku="NW-SP-1120"] input.qty`, "3")
	buyer.click(`#catalogue li.product[data-sku="NW-SP-1120"] button.add`)
	buyer.waitFor("line in cart", `document.querySelector('#cart tr[data-id]')`)
	buyer.typeInto(`#order-form input[name=po_number]`, "PO-4711")
	buyer.shot("buyer-quick-order-1280")
	buyer.click(`#order-form button[type=submit]`)
	buyer.waitFor("order listed as submitted", `document.querySelector('#orders-list tr.order-row[data-status=submitted]')`)

	supplier.waitFor("order appears live", `document.querySelector('#orders-list tr.order-row[data-status=submitted]') && window.__noReload`)
	supplier.waitFor("highlighted", `document.querySelector('#orders-list tr.order-row.flash, #orders-list tr.order-row[data-status=submitted]')`)
	supplier.shot("supplier-order-arrived-1280")
	supplier.click(`#orders-list tr.order-row[data-status=submitted] .ack-form button[type=submit]`)
	supplier.waitFor("acknowledged", `document.querySelector('#orders-list tr.order-row[data-status=acknowledged]')`)

	buyer.waitFor("status changes live", `document.querySelector('#orders-list tr.order-row[data-status=acknowledged]') && window.__noReload`)
	buyer.waitFor("notification count", `Number(document.querySelector('#bell-count').textContent) > 0`)

	// A network drop: the buyer's socket closes; the supplier moves the order on.
	evalAs[bool](buyer, `(window.rapportDropStream(), true)`)
	supplier.click(`#orders-list tr.order-row[data-status=acknowledged] button.advance`)
	supplier.waitFor("in production", `document.querySelector('#orders-list tr.order-row[data-status=in_production]')`)
	buyer.waitFor("change received after reconnect", `document.querySelector('#orders-list tr.order-row[data-status=in_production]') && window.__noReload`)

	// The order's details show its lines and history.
	buyer.click(`#orders-list tr.order-row button.link`)
	buyer.waitFor("order lines", `[...document.querySelectorAll('.order-detail td')].some(td => td.textContent === 'NW-SP-1120')`)
	buyer.shot("buyer-orders-1280")
	buyer.do("phone size", chromedp.EmulateViewport(390, 844))
	buyer.shot("buyer-orders-390")
}

// A form shows the server's problem details next to the field they name.
func TestOrderFormShowsFieldErrors(t *testing.T) {
	w := newWorld(t)
	w.requireAPI(t, "GET", "/relationships/"+w.F.RelA+"/orders", w.F.BuyerA.Admin.Token)
	buyer := openPage(t, w.URL, "buyer", 1280, 800)
	buyer.login(w.F.BuyerA.Member.User.Email, w.F.Password)
	buyer.visit("#/rel/" + w.F.RelA + "/orders")
	buyer.waitFor("catalogue", `document.querySelector('#catalogue li.product')`)
	buyer.click(`#catalogue li.product[data-sku="NW-COOL-20"] button.add`)
	buyer.setValue(`#order-form input[name=requested_date]`, "2001-01-01")
	buyer.click(`#order-form button[type=submit]`)
	buyer.waitFor("error next to the date", `document.querySelector('#order-form .field[data-field=requested_date] .field-error').textContent.length > 0`)
	if n := evalAs[int](buyer, `document.querySelectorAll('#orders-list tr.order-row').length`); n != 0 {
		t.Errorf("%d orders listed after a rejected order", n)
	}
}
