package browser_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/rapport/rapport/server/internal/config"
	"github.com/rapport/rapport/server/internal/domain/money"
	"github.com/rapport/rapport/server/internal/domain/product"
	"github.com/rapport/rapport/server/internal/testutil"
)

// world is a running server with the standard fixture and a small catalogue.
type world struct {
	*testutil.Server
	F        *testutil.Fixture
	Products []product.Product
}

// newServer starts a real server on SQLite whose public origin is its own
// address, so the browser's websocket Origin is accepted. tune may change the
// configuration first.
func newServer(t *testing.T, tune func(*config.Config)) *testutil.Server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg := testutil.Config(t, testutil.DB{Name: "sqlite"})
	cfg.PublicOrigin = "http://" + ln.Addr().String()
	if tune != nil {
		tune(&cfg)
	}
	a := testutil.OpenApp(t, cfg)
	hs := &httptest.Server{Listener: ln, Config: &http.Server{Handler: a.Handler}}
	hs.Start()
	t.Cleanup(hs.Close)
	return &testutil.Server{App: a, URL: hs.URL, HTTP: hs, T: t, Client: hs.Client()}
}

func newWorld(t *testing.T) *world {
	t.Helper()
	s := newServer(t, nil)
	f := s.Seed()
	w := &world{Server: s, F: f}
	requireAreas(t, s, f.Supplier.Admin.Token, f.BuyerA.Admin.Token, f.RelA)
	for _, p := range []struct {
		sku, name, price, install, maint string
		life, lead                       int
	}{
		{"NW-CNC-500", "CNC milling centre 500", "84500.00", "6200.00", "3900.00", 12, 56},
		{"NW-SP-1120", "Spindle bearing kit", "420.50", "0.00", "0.00", 3, 5},
		{"NW-COOL-20", "Coolant concentrate 20 l", "89.90", "0.00", "0.00", 1, 2},
	} {
		amt := func(s string) money.Amount {
			a, err := money.Parse(s, "EUR")
			if err != nil {
				t.Fatal(err)
			}
			return a
		}
		created, err := s.Store.CreateProduct(context.Background(), f.Supplier.Admin.Caller(), product.Product{
			SKU: p.sku, Name: p.name, UnitPrice: amt(p.price), Currency: "EUR", LeadTimeDays: p.lead, Active: true,
			InstallationCost: amt(p.install), AnnualMaintenanceCost: amt(p.maint), ExpectedLifeYears: p.life,
		})
		if err != nil {
			t.Fatalf("create product: %v", err)
		}
		w.Products = append(w.Products, created)
	}
	return w
}

// requireAPI skips the test when this build of the server lacks an endpoint the
// page needs (an area not merged yet); once merged, the test runs for real.
func (w *world) requireAPI(t *testing.T, method, path, token string) {
	t.Helper()
	req, _ := http.NewRequest(method, w.URL+"/api/v1"+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := w.Client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode == http.StatusNotFound || res.StatusCode == http.StatusMethodNotAllowed {
		t.Fatalf("%s %s is missing from the server", method, path)
	}
}

// requireAreas fails fast, with a clear message, when the server lacks one of
// the areas the page calls on every screen (otherwise the failure would surface
// later as an unexplained console error).
func requireAreas(t *testing.T, s *testutil.Server, supplierToken, buyerToken, relID string) {
	t.Helper()
	probes := []struct{ method, path, token string }{
		{"GET", "/relationships/" + relID + "/orders", buyerToken},
		{"GET", "/relationships/" + relID + "/forecasts", buyerToken},
		{"GET", "/relationships/" + relID + "/tickets", buyerToken},
		{"GET", "/relationships/" + relID + "/scorecard", buyerToken},
		{"GET", "/health/overview", supplierToken},
		{"GET", "/notifications", buyerToken},
		{"POST", "/ws/ticket", buyerToken},
	}
	for _, p := range probes {
		req, _ := http.NewRequest(p.method, s.URL+"/api/v1"+p.path, nil)
		req.Header.Set("Authorization", "Bearer "+p.token)
		res, err := s.Client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode == http.StatusNotFound || res.StatusCode == http.StatusMethodNotAllowed {
			t.Fatalf("%s %s is missing: the page calls it on every screen", p.method, p.path)
		}
	}
}
