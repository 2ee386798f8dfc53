package browser_test

import (
	"context"
	"regexp"
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
		t.Fatalf("GET %s is missing from the server", path)
	}
}

const supplierEmail = "anna.berg@nordwerk.example"

// The supplier's portfolio lists its at-risk customers first, riskiest first,
// with an at-risk customer silent for over 30 days in that leading group (scores
// may tie); that customer's health tab explains why, signal by signal.
func TestPortfolioRiskiestFirstAndHealthExplains(t *testing.T) {
	d := newDemo(t)
	p := openPage(t, d.URL, "supplier", 1280, 800)
	p.login(supplierEmail, demo.Password)
	p.waitFor("portfolio", `document.querySelectorAll('#portfolio tbody tr').length >= 4`)
	type row struct {
		Name    string `json:"name"`
		Status  string `json:"status"`
		Score   int    `json:"score"`
		Silence int    `json:"silence"`
	}
	rows := evalAs[[]row](p, `[...document.querySelectorAll('#portfolio tbody tr')].map(tr => ({
		name: tr.querySelector('td a').textContent,
		status: tr.querySelector('.badge').textContent,
		score: parseInt(tr.querySelector('td[data-label="Score"]').textContent, 10),
		silence: parseInt(tr.querySelector('td[data-label="Silent for"]').textContent, 10) || 0}))`)
	if rows[0].Status != "At risk" {
		t.Fatalf("first customer is %+v, want an at-risk one", rows[0])
	}
	silent := ""
	for i, r := range rows {
		if i > 0 && r.Score < rows[i-1].Score {
			t.Errorf("not riskiest first: %+v after %+v", r, rows[i-1])
		}
		if r.Status == "At risk" && r.Silence > 30 && silent == "" {
			silent = r.Name
		}
		if r.Status == "At risk" && i > 0 && rows[i-1].Status != "At risk" {
			t.Errorf("at-risk %s listed after a customer that is not at risk", r.Name)
		}
	}
	if silent == "" {
		t.Fatalf("no at-risk customer silent for over 30 days leads the portfolio: %+v", rows)
	}
	if n := evalAs[int](p, `[...document.querySelectorAll('ul.alerts li')].filter(li => li.textContent.includes(`+jsString(silent)+`)).length`); n == 0 {
		t.Errorf("no alert for %s at the top of the portfolio", silent)
	}
	p.shot("supplier-portfolio-1280")
	p.do("phone size", chromedp.EmulateViewport(390, 844))
	p.shot("supplier-portfolio-390")
	p.do("desktop size", chromedp.EmulateViewport(1280, 800))

	evalAs[bool](p, `([...document.querySelectorAll('#portfolio tbody td a')].find(a => a.textContent === `+jsString(silent)+`).click(), true)`)
	p.waitFor("health tab", `document.querySelector('#tablink-health.active') && document.querySelector('#health-signals .signal')`)
	if h1 := p.text(".ws-head h1"); h1 != silent {
		t.Errorf("health tab of %q, want %q", h1, silent)
	}
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
