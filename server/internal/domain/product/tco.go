package product

import (
	"github.com/rapport/rapport/server/internal/domain/errs"
	"github.com/rapport/rapport/server/internal/domain/money"
)

// Limits of a TCO request: a quantity a buyer could plausibly order, and a horizon
// of at most a century.
const (
	MaxTCOQuantity = 1_000_000
	MaxTCOYears    = 100
)

// TCO is the total cost of ownership of quantity units over years: what the
// purchase really costs, not just the price. Money is in minor units of Currency.
type TCO struct {
	Currency           string
	Quantity           int64
	Years              int64
	Acquisition        money.Amount
	Installation       money.Amount
	MaintenancePerYear money.Amount
	MaintenanceTotal   money.Amount
	Total              money.Amount
	CostPerYear        money.Amount // Total / Years, rounded half up to the minor unit
}

// ComputeTCO computes the TCO of p at unitPrice (the caller's effective price:
// the contract price when there is one). years 0 means the expected life (at
// least one year). Overflow is a 422 on quantity.
func ComputeTCO(p Product, unitPrice money.Amount, quantity, years int64) (TCO, error) {
	var v errs.Validator
	v.Check(quantity >= 1 && quantity <= MaxTCOQuantity, "quantity", "must be an integer between 1 and %d", MaxTCOQuantity)
	v.Check(years >= 0 && years <= MaxTCOYears, "years", "must be an integer between 1 and %d", MaxTCOYears)
	if err := v.Err(); err != nil {
		return TCO{}, err
	}
	if years == 0 {
		years = max(int64(p.ExpectedLifeYears), 1)
	}
	t := TCO{Currency: p.Currency, Quantity: quantity, Years: years}
	var err error
	overflow := func(e error) {
		if e != nil && err == nil {
			err = errs.Invalid("quantity", "is too large: the total cost would overflow")
		}
	}
	var e error
	t.Acquisition, e = money.Mul(unitPrice, quantity)
	overflow(e)
	t.Installation, e = money.Mul(p.InstallationCost, quantity)
	overflow(e)
	t.MaintenancePerYear, e = money.Mul(p.AnnualMaintenanceCost, quantity)
	overflow(e)
	t.MaintenanceTotal, e = money.Mul(t.MaintenancePerYear, years)
	overflow(e)
	t.Total, e = money.Add(t.Acquisition, t.Installation, t.MaintenanceTotal)
	overflow(e)
	if err != nil {
		return TCO{}, err
	}
	t.CostPerYear = (t.Total + money.Amount(years/2)) / money.Amount(years)
	return t, nil
}
