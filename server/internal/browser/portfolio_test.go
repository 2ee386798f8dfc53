package browser_test

import (
	"context"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/rapport/rapport/server/internal/demo"
	"github.com/rapport/rapport/server/internal/testutil"
)

// demoWorld is a server filled by the demo seeder (a year of history).
type demoWorld struct {
	*testutil.Server
	Logins []demo.Login
}

func newDemo(t *testing.T) *demoWorld {
	t.Helper()
	s := newServer(t, nil)
	logins, err := demo.Seed(context.Background(), s.App)
	if err != nil {
		t.Fatalf("demo seed: %v", err)
	}
	d := &demoWorld{Server: s, Logins: logins}
	sup := d.token(t, supplierEmail)
	rels := d.Call("GET", "/relationships", sup, nil).Expect(t, 200).Items(t)
	contoso := ""
	for _, r := range rels {
		if r["buyer"].(map[string]any)["name"] == "Contoso Foods" {
			contoso = r["id"].(string)
		}
	}
	if contoso == "" {
		t.Fatal("the demo has no Contoso Foods relationship")
	}
	requireAreas(t, s, sup, d.token(t, "jonas.weber@contoso-foods.example"), contoso)
	return d
}

// token signs in through the API.
func (d *demoWorld) token(t *testing.T, email string) string {
	t.Helper()
	res := d.Call("POST", "/auth/login", "", map[string]string{"email": email, "password": demo.Password}).Expect(t, 200).JSON(t)
	return res["access_token"].(string)
}

func (d *demoWorld) requireAPI(t *testing.T, path, token string) {
	t.Helper()
	if r := d.Call("GET", path, token, nil); r.Status == 404 {
		t.Skipf("GET %s is not on this server yet", path)
	}
}

const supplierEmail = "anna.berg@nordwerk.example"

// The supplier's portfolio lists an at-risk, silent customer first, and its
// health tab explains why, signal by signal.
func TestPortfolioRiskiestFirstAndHealthExplains(t *testing.T) {
	d := newDemo(t)
	d.requireAPI(t, "/health/overview", d.token(t, supplierEmail))
	p := openPage(t, d.URL, "supplier", 1280, 800)
	p.login(supplierEmail, demo.Password)
	p.waitFor("portfolio", `document.querySelectorAll('#portfolio tbody tr').length >= 4`)
	first := `#portfolio tbody tr:first-child`
	if got := p.text(first + ` .badge`); got != "At risk" {
		t.Errorf("first customer has status %q, want At risk", got)
	}
	silence := p.text(first + ` td[data-label="Silent for"]`)
	days, _ := strconv.Atoi(regexp.MustCompile(`\d+`).FindString(silence))
	if days < 30 {
		t.Errorf("first customer silent for %q, want over 30 days", silence)
	}
	if n := evalAs[int](p, `document.querySelectorAll('ul.alerts li').length`); n == 0 {
		t.Error("no alerts at the top of the portfolio")
	}
	p.shot("supplier-portfolio-1280")
	p.do("phone size", chromedp.EmulateViewport(390, 844))
	p.shot("supplier-portfolio-390")
	p.do("desktop size", chromedp.EmulateViewport(1280, 800))

	p.click(first + ` td a`)
	p.waitFor("health tab", `document.querySelector('#tablink-health.active') && document.querySelector('#health-signals .signal')`)
	expl := p.text(`#health-signals .signal[data-key=silence] .explanation`)
	if !regexp.MustCompile(`\d`).MatchString(expl) || len(expl) < 15 {
		t.Errorf("silence signal explanation %q does not say why", expl)
	}
	if status := p.text(`#health-summary .badge`); !strings.Contains(status, "risk") {
		t.Errorf("health status %q, want at risk", status)
	}
	p.waitFor("trend chart", `document.querySelectorAll('#health-trend svg .series-score circle').length > 6`)
	p.shot("supplier-health-1280")
	p.do("phone size", chromedp.EmulateViewport(390, 844))
	p.shot("supplier-health-390")
}

// Screenshots of the main views at 1280×800 and 390×844, from the demo.
func TestScreenshotsOfMainViews(t *testing.T) {
	d := newDemo(t)
	tok := d.token(t, supplierEmail)
	d.requireAPI(t, "/health/overview", tok)
	rels := d.Call("GET", "/relationships", tok, nil).Expect(t, 200).Items(t)
	var rel string
	for _, r := range rels {
		if r["buyer"].(map[string]any)["name"] == "Meridian Pharma" {
			rel = r["id"].(string)
		}
	}
	if rel == "" {
		t.Fatal("demo has no Meridian Pharma relationship")
	}
	for _, size := range []struct {
		name string
		w, h int64
	}{{"1280", 1280, 800}, {"390", 390, 844}} {
		sup := openPage(t, d.URL, "supplier-"+size.name, size.w, size.h)
		sup.login(supplierEmail, demo.Password)
		sup.waitFor("portfolio", `document.querySelectorAll('#portfolio tbody tr').length >= 4`)
		for _, tab := range []string{"orders", "forecasts", "plans", "ideas", "service", "promises", "interactions", "activity", "health"} {
			sup.visit("#/rel/" + rel + "/" + tab)
			sup.waitFor(tab, `document.querySelector('#tablink-`+tab+`.active') && document.querySelector('.tab-panel > *') && !document.querySelector('.tab-panel [aria-busy=true]')`)
			sup.shot("supplier-" + tab + "-" + size.name)
			sup.assertAccessible(tab)
		}
		buy := openPage(t, d.URL, "buyer-"+size.name, size.w, size.h)
		buy.login("jonas.weber@contoso-foods.example", demo.Password)
		buy.waitFor("buyer home", `document.querySelector('.card-title') && !document.querySelector('main [aria-busy=true]')`)
		buy.shot("buyer-home-" + size.name)
		buy.assertAccessible("buyer home")
		buy.click(".card-title")
		buy.waitFor("orders", `document.querySelector('#orders-list > *') && document.querySelector('#catalogue > *')`)
		buy.shot("buyer-orders-" + size.name)
	}
	t.Logf("screenshots in %s", artifacts(t))
}
