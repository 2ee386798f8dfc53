package browser_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

func months(n int) []string {
	now := time.Now().UTC()
	out := make([]string, n)
	for i := range out {
		out[i] = time.Date(now.Year(), now.Month()+time.Month(i+1), 1, 0, 0, 0, 0, time.UTC).Format("2006-01")
	}
	return out
}

// A buyer uploads a forecast CSV with a bad row and sees the row's error; then a
// good file, and the table and the chart show it.
func TestForecastCSVUpload(t *testing.T) {
	w := newWorld(t)
	w.requireAPI(t, "GET", "/relationships/"+w.F.RelA+"/forecasts", w.F.BuyerA.Admin.Token)
	m := months(4)
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.csv")
	good := filepath.Join(dir, "good.csv")
	os.WriteFile(bad, []byte(fmt.Sprintf("sku,period,quantity\nNW-SP-1120,%s,40\nNO-SUCH-SKU,%s,5\n", m[0], m[1])), 0o644)
	var b strings.Builder
	b.WriteString("sku,period,quantity\r\n")
	for i, p := range m {
		fmt.Fprintf(&b, "NW-SP-1120,%s,%d\r\n", p, 30+i*10)
	}
	os.WriteFile(good, []byte(b.String()), 0o644)

	buyer := openPage(t, w.URL, "buyer", 1280, 800)
	buyer.login(w.F.BuyerA.Admin.User.Email, w.F.Password)
	buyer.visit("#/rel/" + w.F.RelA + "/forecasts")
	buyer.waitFor("upload form", `document.querySelector('#csv-form')`)
	buyer.do("choose bad file", chromedp.SetUploadFiles(chromedp.CSS("#forecast-file"), []string{bad}))
	buyer.click("#csv-form button[type=submit]")
	buyer.waitFor("row error", `document.querySelector('#csv-errors .row-errors li')`)
	if got := buyer.text("#csv-errors"); !strings.Contains(got, "3") {
		t.Errorf("row error does not name line 3: %q", got)
	}
	if n := evalAs[int](buyer, `document.querySelectorAll('.forecast-product').length`); n != 0 {
		t.Errorf("a rejected file left %d products in the table", n)
	}
	buyer.shot("buyer-forecast-csv-error-1280")

	buyer.do("choose good file", chromedp.SetUploadFiles(chromedp.CSS("#forecast-file"), []string{good}))
	buyer.click("#csv-form button[type=submit]")
	buyer.waitFor("table shows the product", `document.querySelector('.forecast-product[data-sku="NW-SP-1120"] .forecast-table')`)
	buyer.waitFor("chart shows the forecast", `document.querySelectorAll('#forecast-chart svg .series-forecast circle').length >= 4`)
	if n := evalAs[int](buyer, `document.querySelectorAll('#csv-errors .row-errors li').length`); n != 0 {
		t.Errorf("row errors still shown after a good upload")
	}
	got := evalAs[string](buyer, `[...document.querySelectorAll('.forecast-product[data-sku="NW-SP-1120"] tr.row-forecast td')].map(td => td.textContent).join('|')`)
	for _, want := range []string{"30", "40", "50", "60"} {
		if !strings.Contains(got, want) {
			t.Errorf("forecast row %q lacks %s", got, want)
		}
	}
	buyer.shot("buyer-forecasts-1280")
	buyer.do("phone size", chromedp.EmulateViewport(390, 844))
	buyer.shot("buyer-forecasts-390")
}
