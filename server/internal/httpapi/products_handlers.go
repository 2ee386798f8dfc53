package httpapi

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/rapport/rapport/server/internal/domain/access"
	"github.com/rapport/rapport/server/internal/domain/errs"
	"github.com/rapport/rapport/server/internal/domain/money"
	"github.com/rapport/rapport/server/internal/domain/product"
)

type servicePlanJSON struct {
	InstallationCost      string `json:"installation_cost"`
	AnnualMaintenanceCost string `json:"annual_maintenance_cost"`
	ExpectedLifeYears     int    `json:"expected_life_years"`
}

// productJSON is the product shape of DESIGN; on relationship views unit_price
// is the price for that customer, with list_price and price_source beside it.
type productJSON struct {
	ID           string          `json:"id"`
	SKU          string          `json:"sku"`
	Name         string          `json:"name"`
	Description  string          `json:"description"`
	UnitPrice    string          `json:"unit_price"`
	Currency     string          `json:"currency"`
	LeadTimeDays int             `json:"lead_time_days"`
	Active       bool            `json:"active"`
	ServicePlan  servicePlanJSON `json:"service_plan"`
	Version      int64           `json:"version"`
	ListPrice    string          `json:"list_price,omitempty"`
	PriceSource  string          `json:"price_source,omitempty"`
}

func productOut(p product.Product) productJSON {
	return productJSON{ID: p.ID, SKU: p.SKU, Name: p.Name, Description: p.Description, UnitPrice: money.Format(p.UnitPrice, p.Currency),
		Currency: p.Currency, LeadTimeDays: p.LeadTimeDays, Active: p.Active, Version: p.Version,
		ServicePlan: servicePlanJSON{InstallationCost: money.Format(p.InstallationCost, p.Currency),
			AnnualMaintenanceCost: money.Format(p.AnnualMaintenanceCost, p.Currency), ExpectedLifeYears: p.ExpectedLifeYears}}
}

func pricedOut(p product.Priced) productJSON {
	out := productOut(p.Product)
	out.ListPrice, out.PriceSource = money.Format(p.ListPrice, p.Currency), "list"
	if p.Contract {
		out.PriceSource = "contract"
	}
	return out
}

type servicePlanRequest struct {
	InstallationCost      *string `json:"installation_cost"`
	AnnualMaintenanceCost *string `json:"annual_maintenance_cost"`
	ExpectedLifeYears     *int    `json:"expected_life_years"`
}

// productRequest is both the create body and the PATCH body: on PATCH, absent
// fields keep their value.
type productRequest struct {
	SKU          *string             `json:"sku"`
	Name         *string             `json:"name"`
	Description  *string             `json:"description"`
	UnitPrice    *string             `json:"unit_price"`
	Currency     *string             `json:"currency"`
	LeadTimeDays *int                `json:"lead_time_days"`
	Active       *bool               `json:"active"`
	ServicePlan  *servicePlanRequest `json:"service_plan"`
}

// apply writes the request's fields onto p and validates the result. Money is
// parsed in the resulting currency, so a currency change re-reads the amounts.
func (r productRequest) apply(p *product.Product) error {
	setStr := func(dst *string, src *string) {
		if src != nil {
			*dst = *src
		}
	}
	setStr(&p.SKU, r.SKU)
	setStr(&p.Name, r.Name)
	setStr(&p.Description, r.Description)
	setStr(&p.Currency, r.Currency)
	if r.LeadTimeDays != nil {
		p.LeadTimeDays = *r.LeadTimeDays
	}
	if r.Active != nil {
		p.Active = *r.Active
	}
	var v errs.Validator
	parse := func(field string, src *string, dst *money.Amount) {
		if src == nil {
			return
		}
		a, err := money.Parse(*src, p.Currency)
		if v.Check(err == nil, field, "must be a decimal amount such as \"1250.00\" with at most %d decimals", money.Exponent(p.Currency)) {
			*dst = a
		}
	}
	parse("unit_price", r.UnitPrice, &p.UnitPrice)
	if sp := r.ServicePlan; sp != nil {
		parse("service_plan.installation_cost", sp.InstallationCost, &p.InstallationCost)
		parse("service_plan.annual_maintenance_cost", sp.AnnualMaintenanceCost, &p.AnnualMaintenanceCost)
		if sp.ExpectedLifeYears != nil {
			p.ExpectedLifeYears = *sp.ExpectedLifeYears
		}
	}
	if err := v.Err(); err != nil {
		return err
	}
	return p.Validate()
}

func (a *API) createProduct(c *gin.Context) {
	ctx := c.Request.Context()
	if err := a.Store.RequireSupplierOrg(ctx, caller(c)); err != nil {
		fail(c, err)
		return
	}
	var req productRequest
	if !decode(c, &req) {
		return
	}
	var v errs.Validator
	v.Check(req.UnitPrice != nil, "unit_price", "is required")
	v.Check(req.Currency != nil, "currency", "is required")
	if err := v.Err(); err != nil {
		fail(c, err)
		return
	}
	p := product.Product{Active: true}
	if err := req.apply(&p); err != nil {
		fail(c, err)
		return
	}
	created, err := a.Store.CreateProduct(ctx, caller(c), p)
	if err != nil {
		fail(c, err)
		return
	}
	etag(c, created.Version)
	c.JSON(http.StatusCreated, productOut(created))
}

func (a *API) patchProduct(c *gin.Context) {
	ctx := c.Request.Context()
	if err := a.Store.RequireSupplierOrg(ctx, caller(c)); err != nil {
		fail(c, err)
		return
	}
	version, ok := ifMatch(c)
	if !ok {
		return
	}
	var req productRequest
	if !decode(c, &req) {
		return
	}
	updated, err := a.Store.UpdateProduct(ctx, caller(c), c.Param("id"), version, req.apply)
	if err != nil {
		fail(c, err)
		return
	}
	etag(c, updated.Version)
	c.JSON(http.StatusOK, productOut(updated))
}

func (a *API) getOwnProduct(c *gin.Context) {
	ctx := c.Request.Context()
	if err := a.Store.RequireSupplierOrg(ctx, caller(c)); err != nil {
		fail(c, err)
		return
	}
	p, err := a.Store.OwnProduct(ctx, caller(c), c.Param("id"))
	if err != nil {
		fail(c, err)
		return
	}
	etag(c, p.Version)
	c.JSON(http.StatusOK, productOut(p))
}

func (a *API) listOwnProducts(c *gin.Context) {
	ctx := c.Request.Context()
	if err := a.Store.RequireSupplierOrg(ctx, caller(c)); err != nil {
		fail(c, err)
		return
	}
	pg, ok := page(c)
	if !ok {
		return
	}
	items, next, err := a.Store.ListOwnProducts(ctx, caller(c), c.Query("q"), pg)
	if err != nil {
		fail(c, err)
		return
	}
	out := make([]productJSON, len(items))
	for i, p := range items {
		out[i] = productOut(p)
	}
	c.JSON(http.StatusOK, newList(out, next))
}

func (a *API) listRelProducts(c *gin.Context) {
	pg, ok := page(c)
	if !ok {
		return
	}
	if len(c.Query("q")) > 200 {
		fail(c, errs.Invalid("q", "must be at most 200 characters"))
		return
	}
	items, next, err := a.Store.ListRelProducts(c.Request.Context(), relOf(c), c.Query("q"), pg)
	if err != nil {
		fail(c, err)
		return
	}
	out := make([]productJSON, len(items))
	for i, p := range items {
		out[i] = pricedOut(p)
	}
	c.JSON(http.StatusOK, newList(out, next))
}

func (a *API) getRelProduct(c *gin.Context) {
	p, err := a.Store.RelPricedProduct(c.Request.Context(), relOf(c), c.Param("id"))
	if err != nil {
		fail(c, err)
		return
	}
	etag(c, p.Version)
	c.JSON(http.StatusOK, pricedOut(p))
}

type tcoJSON struct {
	ProductID          string `json:"product_id"`
	Currency           string `json:"currency"`
	Quantity           int64  `json:"quantity"`
	Years              int64  `json:"years"`
	UnitPrice          string `json:"unit_price"`
	PriceSource        string `json:"price_source"`
	Acquisition        string `json:"acquisition"`
	Installation       string `json:"installation"`
	MaintenancePerYear string `json:"maintenance_per_year"`
	MaintenanceTotal   string `json:"maintenance_total"`
	Total              string `json:"total"`
	CostPerYear        string `json:"cost_per_year"`
}

func (a *API) productTCO(c *gin.Context) {
	quantity, ok := queryInt(c, "quantity", 1, 1, product.MaxTCOQuantity)
	if !ok {
		return
	}
	years, ok := queryInt(c, "years", 0, 1, product.MaxTCOYears)
	if !ok {
		return
	}
	p, err := a.Store.RelPricedProduct(c.Request.Context(), relOf(c), c.Param("id"))
	if err != nil {
		fail(c, err)
		return
	}
	t, err := product.ComputeTCO(p.Product, p.UnitPrice, quantity, years)
	if err != nil {
		fail(c, err)
		return
	}
	f := func(x money.Amount) string { return money.Format(x, t.Currency) }
	out := tcoJSON{ProductID: p.ID, Currency: t.Currency, Quantity: t.Quantity, Years: t.Years, UnitPrice: f(p.UnitPrice),
		PriceSource: pricedOut(p).PriceSource, Acquisition: f(t.Acquisition), Installation: f(t.Installation),
		MaintenancePerYear: f(t.MaintenancePerYear), MaintenanceTotal: f(t.MaintenanceTotal), Total: f(t.Total), CostPerYear: f(t.CostPerYear)}
	c.JSON(http.StatusOK, out)
}

type contractPriceRequest struct {
	UnitPrice *string `json:"unit_price"`
}

// putContractPrice sets this customer's price for a product; unit_price null
// (or DELETE) returns the customer to the list price.
func (a *API) putContractPrice(c *gin.Context) {
	rel := relOf(c)
	if rel.Side != access.Supplier {
		fail(c, errs.Forbiddenf("only the supplier sets contract prices"))
		return
	}
	var req contractPriceRequest
	if !decode(c, &req) {
		return
	}
	var price *money.Amount
	if req.UnitPrice != nil {
		cur, err := a.Store.RelPricedProduct(c.Request.Context(), rel, c.Param("id"))
		if err != nil {
			fail(c, err)
			return
		}
		amt, err := money.Parse(*req.UnitPrice, cur.Currency)
		if err != nil || amt < 0 {
			fail(c, errs.Invalid("unit_price", "must be a non-negative decimal amount such as \"1250.00\""))
			return
		}
		price = &amt
	}
	a.setContractPrice(c, price)
}

func (a *API) deleteContractPrice(c *gin.Context) {
	if relOf(c).Side != access.Supplier {
		fail(c, errs.Forbiddenf("only the supplier sets contract prices"))
		return
	}
	a.setContractPrice(c, nil)
}

func (a *API) setContractPrice(c *gin.Context, price *money.Amount) {
	p, err := a.Store.SetContractPrice(c.Request.Context(), relOf(c), c.Param("id"), price)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, pricedOut(p))
}
