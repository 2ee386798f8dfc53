package product

import (
	"testing"

	"github.com/rapport/rapport/server/internal/domain/money"
)

func TestComputeTCO(t *testing.T) {
	p := Product{Currency: "EUR", InstallationCost: 800000, AnnualMaintenanceCost: 450050, ExpectedLifeYears: 12}
	got, err := ComputeTCO(p, 12500000, 2, 0)
	if err != nil {
		t.Fatal(err)
	}
	f := func(a money.Amount) string { return money.Format(a, "EUR") }
	if got.Years != 12 || f(got.Acquisition) != "250000.00" || f(got.Installation) != "16000.00" || f(got.MaintenancePerYear) != "9001.00" ||
		f(got.MaintenanceTotal) != "108012.00" || f(got.Total) != "374012.00" || f(got.CostPerYear) != "31167.67" {
		t.Fatalf("%+v", got)
	}
	// No expected life: one year, not a division by zero.
	if got, err := ComputeTCO(Product{Currency: "EUR"}, 10, 3, 0); err != nil || got.Years != 1 || got.Total != 30 || got.CostPerYear != 30 {
		t.Fatalf("%+v %v", got, err)
	}
	for _, c := range []struct{ qty, years int64 }{{0, 1}, {-1, 1}, {MaxTCOQuantity + 1, 1}, {1, -1}, {1, MaxTCOYears + 1}} {
		if _, err := ComputeTCO(p, 1, c.qty, c.years); err == nil {
			t.Errorf("quantity %d years %d accepted", c.qty, c.years)
		}
	}
	if _, err := ComputeTCO(p, money.MaxAmount/10, MaxTCOQuantity, 1); err == nil {
		t.Error("overflow accepted")
	}
}
