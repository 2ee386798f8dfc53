package browser_test

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/rapport/rapport/server/internal/testutil"
)

// bothSizes screenshots the page at 1280×800 and at 390×844 (checking that
// nothing is unlabelled or cut off at either size) and returns to the desktop.
func bothSizes(p *Page, name string) {
	p.t.Helper()
	p.do("desktop size", chromedp.EmulateViewport(1280, 800))
	p.assertAccessible(name + " at 1280")
	p.shot(name + "-1280")
	p.do("phone size", chromedp.EmulateViewport(390, 844))
	p.assertAccessible(name + " at 390")
	p.shot(name + "-390")
	p.do("desktop size", chromedp.EmulateViewport(1280, 800))
}

// The supplier sets a contract price for one customer on the Orders tab (a bad
// amount is explained next to the field first); the buyer's catalogue then
// shows it as their price, with the list price it replaces. Removing it puts
// the list price back.
func TestContractPriceReachesTheBuyersCatalogue(t *testing.T) {
	w := newWorld(t)
	w.requireAPI(t, "GET", "/relationships/"+w.F.RelA+"/products", w.F.Supplier.Admin.Token)
	orders := "#/rel/" + w.F.RelA + "/orders"
	row := `#contract-prices form.contract-form[data-sku="NW-SP-1120"]`

	supplier := openPage(t, w.URL, "supplier", 1280, 800)
	supplier.login(w.F.Supplier.Member.User.Email, w.F.Password)
	supplier.visit(orders)
	supplier.click(`#prices-section > summary`)
	supplier.waitFor("price table", `document.querySelector('`+row+`')`)
	supplier.typeInto(row+` input[name=unit_price]`, "4oo")
	supplier.click(row + ` button[type=submit]`)
	supplier.waitFor("error next to the price", `document.querySelector('`+row+` .field[data-field=unit_price] .field-error').textContent.length > 0`)
	supplier.setValue(row+` input[name=unit_price]`, "399.00")
	supplier.click(row + ` button[type=submit]`)
	supplier.waitFor("contract price listed", `document.querySelector('#contract-prices tr.has-contract .badge-contract') &&
		document.querySelector('#contract-prices tr.has-contract').textContent.includes('399.00')`)
	if n := evalAs[int](supplier, `document.querySelectorAll('#contract-prices tr.has-contract').length`); n != 1 {
		t.Errorf("%d products with a contract price, want 1", n)
	}
	bothSizes(supplier, "supplier-contract-prices")

	buyer := openPage(t, w.URL, "buyer", 1280, 800)
	buyer.login(w.F.BuyerA.Member.User.Email, w.F.Password)
	buyer.visit(orders)
	product := `#catalogue li.product[data-sku="NW-SP-1120"]`
	buyer.waitFor("contract price in the catalogue", `document.querySelector('`+product+` .contract-note')`)
	price := evalAs[string](buyer, `document.querySelector('`+product+` .price').textContent`)
	note := evalAs[string](buyer, `document.querySelector('`+product+` .contract-note').textContent`)
	if !strings.Contains(price, "399.00") || !strings.Contains(note, "420.50") {
		t.Errorf("buyer sees price %q with note %q, want 399.00 instead of the list price 420.50", price, note)
	}
	if n := evalAs[int](buyer, `document.querySelectorAll('#catalogue .contract-note').length`); n != 1 {
		t.Errorf("%d products marked as contract-priced, want 1", n)
	}
	bothSizes(buyer, "buyer-contract-price")

	// Another customer still sees the list price.
	other := w.Call("GET", "/relationships/"+w.F.RelB+"/products?q=spindle", w.F.BuyerB.Admin.Token, nil).Expect(t, 200).Items(t)
	if len(other) != 1 || other[0]["unit_price"] != "420.50" {
		t.Errorf("the other customer's catalogue: %v", other)
	}

	supplier.click(`#contract-prices tr.has-contract button.remove-contract`)
	supplier.waitFor("back to the list price", `!document.querySelector('#contract-prices tr.has-contract') && document.querySelector('`+row+`')`)
}

// A supplier admin edits the SLA per severity on the home page: a value the
// server refuses is explained next to its field, then a good one is saved.
func TestSLAPolicyEditor(t *testing.T) {
	w := newWorld(t)
	w.requireAPI(t, "GET", "/sla-policies", w.F.Supplier.Admin.Token)
	admin := openPage(t, w.URL, "supplier-admin", 1280, 800)
	admin.login(w.F.Supplier.Admin.User.Email, w.F.Password)
	admin.click(`#sla-section > summary`)
	admin.waitFor("SLA form", `document.querySelector('#sla-form input[name=first_critical]')`)
	critical := evalAs[int](admin, `[...document.querySelectorAll('#sla-form .sla-row')].findIndex(r => r.dataset.severity === 'critical')`)
	if critical < 0 {
		t.Fatal("no critical severity in the SLA form")
	}

	admin.setValue(`#sla-form input[name=first_critical]`, "0")
	admin.click(`#sla-form button[type=submit]`)
	errSel := `#sla-form .sla-row[data-severity=critical] .field[data-field$=first_response_minutes] .field-error`
	admin.waitFor("error next to the first response", `document.querySelector('`+errSel+`').textContent.length > 0`)
	if !admin.sawNetwork(`422`) {
		t.Error("the bad value did not reach the server")
	}
	bothSizes(admin, "supplier-sla-error")

	admin.setValue(`#sla-form input[name=first_critical]`, "45")
	admin.setValue(`#sla-form input[name=resolution_critical]`, "600")
	admin.click(`#sla-form button[type=submit]`)
	admin.waitFor("saved", `document.querySelector('#sla-saved') && document.querySelector('#sla-form input[name=first_critical]').value === '45'`)
	bothSizes(admin, "supplier-sla-saved")

	for _, p := range w.Call("GET", "/sla-policies", w.F.Supplier.Admin.Token, nil).Expect(t, 200).Items(t) {
		if p["severity"] == "critical" && (p["first_response_minutes"] != float64(45) || p["resolution_minutes"] != float64(600)) {
			t.Errorf("critical policy after saving: %v", p)
		}
	}
}

// A supplier admin edits the health weights: the running sum shows a bad total
// and the server's error stands beside it; a total of 100 saves. A change made
// elsewhere meanwhile is reported and the form reloads with it.
func TestHealthSettingsEditor(t *testing.T) {
	w := newWorld(t)
	w.requireAPI(t, "GET", "/health/settings", w.F.Supplier.Admin.Token)
	admin := openPage(t, w.URL, "supplier-admin", 1280, 800)
	admin.login(w.F.Supplier.Admin.User.Email, w.F.Password)
	admin.click(`#health-settings-section > summary`)
	admin.waitFor("settings form", `document.querySelector('#health-settings-form input[name=w_silence]') && document.querySelector('#weight-sum').textContent === '100'`)

	silence := evalAs[string](admin, `document.querySelector('#health-settings-form input[name=w_silence]').value`)
	admin.setValue(`#health-settings-form input[name=w_silence]`, "90")
	admin.waitFor("running sum off", `document.querySelector('#weight-sum').textContent !== '100' && document.querySelector('.weight-sum.off')`)
	admin.click(`#health-settings-form button[type=submit]`)
	admin.waitFor("sum error shown", `document.querySelector('#health-settings-form .weight-sum .field-error').textContent.includes('100')`)
	bothSizes(admin, "supplier-health-settings-error")

	// Move 5 points from silence to forecast: still 100.
	admin.setValue(`#health-settings-form input[name=w_silence]`, silence)
	forecast := evalAs[string](admin, `document.querySelector('#health-settings-form input[name=w_forecast]').value`)
	admin.setValue(`#health-settings-form input[name=w_silence]`, minus5(t, silence))
	admin.setValue(`#health-settings-form input[name=w_forecast]`, plus5(t, forecast))
	admin.waitFor("running sum 100", `document.querySelector('#weight-sum').textContent === '100' && document.querySelector('.weight-sum.good')`)
	admin.setValue(`#health-settings-form input[name=healthy_min]`, "75")
	admin.click(`#health-settings-form button[type=submit]`)
	admin.waitFor("saved", `document.querySelector('#settings-saved')`)
	bothSizes(admin, "supplier-health-settings-saved")
	got := w.Call("GET", "/health/settings", w.F.Supplier.Admin.Token, nil).Expect(t, 200).JSON(t)
	weights := got["weights"].(map[string]any)
	if got["healthy_min"] != float64(75) || weights["silence"] != num(t, minus5(t, silence)) || weights["forecast"] != num(t, plus5(t, forecast)) {
		t.Errorf("settings after saving: %v", got)
	}

	// Someone else saves meanwhile: the page's next save meets a 412.
	weights["forecast"], weights["silence"] = weights["silence"], weights["forecast"]
	w.Do(testutil.Req{Method: "PUT", Path: "/health/settings", Token: w.F.Supplier.Admin.Token,
		Header: map[string]string{"If-Match": fmt.Sprintf(`"%v"`, got["version"])},
		Body:   map[string]any{"weights": weights, "healthy_min": 80, "watch_min": got["watch_min"], "window_days": got["window_days"]},
	}).Expect(t, 200)
	admin.setValue(`#health-settings-form input[name=watch_min]`, "35")
	admin.click(`#health-settings-form button[type=submit]`)
	admin.waitFor("changed elsewhere, reloaded", `document.querySelector('#settings-stale') && document.querySelector('#health-settings-form input[name=healthy_min]').value === '80'`)
	if !admin.sawNetwork(`412`) {
		t.Error("no 412 from the stale save")
	}
	admin.shot("supplier-health-settings-stale-1280")
}

// num reads a whole number the page showed, as JSON decodes it.
func num(t *testing.T, s string) float64 {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatalf("not a whole number: %q", s)
	}
	return float64(n)
}

func minus5(t *testing.T, s string) string { return strconv.Itoa(int(num(t, s)) - 5) }
func plus5(t *testing.T, s string) string  { return strconv.Itoa(int(num(t, s)) + 5) }
