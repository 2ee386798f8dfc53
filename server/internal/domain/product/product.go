// Package product holds the supplier's catalogue: products with a service plan,
// from which the buyer's total cost of ownership is computed.
package product

import (
	"strings"
	"time"
	"unicode/utf8"

	"github.com/rapport/rapport/server/internal/domain/errs"
	"github.com/rapport/rapport/server/internal/domain/money"
)

// Product is one catalogue item of a supplier. Money is in minor units of Currency.
type Product struct {
	ID                    string
	SupplierOrgID         string
	SKU                   string
	Name                  string
	Description           string
	UnitPrice             money.Amount
	Currency              string
	LeadTimeDays          int
	Active                bool
	InstallationCost      money.Amount
	AnnualMaintenanceCost money.Amount
	ExpectedLifeYears     int
	Version               int64
	CreatedAt, UpdatedAt  time.Time
}

// Validate checks a product's fields.
func (p *Product) Validate() error {
	p.SKU = strings.TrimSpace(p.SKU)
	p.Name = strings.TrimSpace(p.Name)
	p.Currency = strings.ToUpper(strings.TrimSpace(p.Currency))
	var v errs.Validator
	switch {
	case p.SKU == "":
		v.Add("sku", "is required")
	case len(p.SKU) > 64 || strings.ContainsAny(p.SKU, " ,\t\r\n\"") || !utf8.ValidString(p.SKU):
		v.Add("sku", "must be at most 64 characters without spaces, commas or quotes")
	}
	switch {
	case p.Name == "":
		v.Add("name", "is required")
	case utf8.RuneCountInString(p.Name) > 200:
		v.Add("name", "must be at most 200 characters")
	}
	v.Check(utf8.RuneCountInString(p.Description) <= 10000, "description", "must be at most 10000 characters")
	v.Check(money.ValidCurrency(p.Currency), "currency", "must be a supported ISO 4217 code such as EUR")
	v.Check(p.UnitPrice >= 0 && p.UnitPrice <= money.MaxAmount, "unit_price", "must not be negative")
	v.Check(p.LeadTimeDays >= 0 && p.LeadTimeDays <= 3650, "lead_time_days", "must be between 0 and 3650")
	v.Check(p.InstallationCost >= 0, "service_plan.installation_cost", "must not be negative")
	v.Check(p.AnnualMaintenanceCost >= 0, "service_plan.annual_maintenance_cost", "must not be negative")
	v.Check(p.ExpectedLifeYears >= 0 && p.ExpectedLifeYears <= 100, "service_plan.expected_life_years", "must be between 0 and 100")
	return v.Err()
}

// Priced is a product as one relationship sees it: UnitPrice holds the price
// that applies to that customer (the contract price when Contract is true) and
// ListPrice the catalogue price.
type Priced struct {
	Product
	ListPrice money.Amount
	Contract  bool
}
