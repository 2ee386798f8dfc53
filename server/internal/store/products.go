package store

import (
	"context"
	"time"

	"github.com/rapport/rapport/server/internal/domain/access"
	"github.com/rapport/rapport/server/internal/domain/errs"
	"github.com/rapport/rapport/server/internal/domain/money"
	"github.com/rapport/rapport/server/internal/domain/product"
)

type productRow struct {
	ID                    string
	SupplierOrgID         string
	SKU                   string `gorm:"column:sku"`
	Name                  string
	Description           string
	UnitPrice             int64
	Currency              string
	LeadTimeDays          int
	Active                bool
	InstallationCost      int64
	AnnualMaintenanceCost int64
	ExpectedLifeYears     int
	Version               int64
	CreatedAt             time.Time
	UpdatedAt             time.Time
}

func (productRow) TableName() string { return "products" }

func (r productRow) product() product.Product {
	return product.Product{ID: r.ID, SupplierOrgID: r.SupplierOrgID, SKU: r.SKU, Name: r.Name, Description: r.Description,
		UnitPrice: money.Amount(r.UnitPrice), Currency: r.Currency, LeadTimeDays: r.LeadTimeDays, Active: r.Active,
		InstallationCost: money.Amount(r.InstallationCost), AnnualMaintenanceCost: money.Amount(r.AnnualMaintenanceCost),
		ExpectedLifeYears: r.ExpectedLifeYears, Version: r.Version, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
}

func productRowOf(p product.Product) productRow {
	return productRow{ID: p.ID, SupplierOrgID: p.SupplierOrgID, SKU: p.SKU, Name: p.Name, Description: p.Description,
		UnitPrice: int64(p.UnitPrice), Currency: p.Currency, LeadTimeDays: p.LeadTimeDays, Active: p.Active,
		InstallationCost: int64(p.InstallationCost), AnnualMaintenanceCost: int64(p.AnnualMaintenanceCost),
		ExpectedLifeYears: p.ExpectedLifeYears, Version: p.Version, CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt}
}

// CreateProduct adds a product to the caller's (supplier) catalogue; the SKU is
// unique per supplier.
func (s *Store) CreateProduct(ctx context.Context, caller access.Caller, p product.Product) (product.Product, error) {
	now := s.now()
	p.ID, p.SupplierOrgID, p.Version, p.CreatedAt, p.UpdatedAt = NewID(), caller.OrgID, 1, now, now
	row := productRowOf(p)
	err := s.write(ctx, "create product", func(t *tx) error {
		var n int64
		if err := t.Model(&productRow{}).Where("supplier_org_id = ? AND sku = ?", caller.OrgID, p.SKU).Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			return errs.Invalid("sku", "is already used by another product of yours")
		}
		return t.Create(&row).Error
	})
	return row.product(), err
}

// RelProduct returns a product of rel's supplier, visible to both sides of rel.
func (s *Store) RelProduct(ctx context.Context, rel access.Rel, id string) (product.Product, error) {
	var row productRow
	err := s.read(ctx).Where("id = ? AND supplier_org_id = ?", id, rel.SupplierOrgID).Take(&row).Error
	return row.product(), mapErr("product", err)
}

// RelProductsBySKU returns rel's supplier's products with the given SKUs, by SKU.
func (s *Store) RelProductsBySKU(ctx context.Context, rel access.Rel, skus []string) (map[string]product.Product, error) {
	out := map[string]product.Product{}
	for start := 0; start < len(skus); start += 500 {
		end := min(start+500, len(skus))
		var rows []productRow
		if err := s.read(ctx).Where("supplier_org_id = ? AND sku IN ?", rel.SupplierOrgID, skus[start:end]).Find(&rows).Error; err != nil {
			return nil, mapErr("products by sku", err)
		}
		for _, r := range rows {
			out[r.SKU] = r.product()
		}
	}
	return out, nil
}
