package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

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

// OwnProduct returns a product of the caller's own catalogue.
func (s *Store) OwnProduct(ctx context.Context, caller access.Caller, id string) (product.Product, error) {
	var row productRow
	err := s.read(ctx).Where("id = ? AND supplier_org_id = ?", id, caller.OrgID).Take(&row).Error
	return row.product(), mapErr("product", err)
}

// UpdateProduct changes a product of the caller's catalogue: apply edits a copy
// of the current version (and validates it); ifMatch guards against overwriting
// someone else's change. The SKU stays unique per supplier.
func (s *Store) UpdateProduct(ctx context.Context, caller access.Caller, id string, ifMatch int64, apply func(*product.Product) error) (product.Product, error) {
	var out productRow
	err := s.write(ctx, "update product", func(t *tx) error {
		var row productRow
		if err := t.lockRow(&row, `SELECT * FROM products WHERE id = ? AND supplier_org_id = ?`, id, caller.OrgID); err != nil {
			return err
		}
		if err := checkVersion(ifMatch, row.Version); err != nil {
			return err
		}
		p := row.product()
		if err := apply(&p); err != nil {
			return err
		}
		var n int64
		if err := t.Model(&productRow{}).Where("supplier_org_id = ? AND sku = ? AND id <> ?", caller.OrgID, p.SKU, id).Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			return errs.Invalid("sku", "is already used by another product of yours")
		}
		p.ID, p.SupplierOrgID, p.CreatedAt = row.ID, row.SupplierOrgID, row.CreatedAt
		p.Version, p.UpdatedAt = row.Version+1, t.s.now()
		out = productRowOf(p)
		res := t.Model(&productRow{}).Where("id = ? AND version = ?", id, row.Version).Select("*").Updates(&out)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return errs.ErrStale
		}
		return nil
	})
	return out.product(), err
}

// ListOwnProducts lists the caller's (supplier) catalogue by id, active or not.
func (s *Store) ListOwnProducts(ctx context.Context, caller access.Caller, q string, p Page) ([]product.Product, string, error) {
	var rows []productRow
	db := searchProducts(s.read(ctx).Where("supplier_org_id = ?", caller.OrgID), q)
	if err := p.apply(db, "id").Find(&rows).Error; err != nil {
		return nil, "", mapErr("list products", err)
	}
	rows, next := pageResult(p, rows, func(r productRow) string { return r.ID })
	out := make([]product.Product, len(rows))
	for i, r := range rows {
		out[i] = r.product()
	}
	return out, next, nil
}

// searchProducts matches q against the SKU (prefix) and the name (substring),
// case-insensitively on both databases.
func searchProducts(db *gorm.DB, q string) *gorm.DB {
	q = strings.ToLower(strings.TrimSpace(q))
	if q == "" {
		return db
	}
	esc := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(q)
	return db.Where(`(LOWER(sku) LIKE ? ESCAPE '\' OR LOWER(name) LIKE ? ESCAPE '\')`, esc+"%", "%"+esc+"%")
}

// productsOf scopes a products query to rel's supplier; buyers see active ones only.
func productsOf(db *gorm.DB, rel access.Rel) *gorm.DB {
	q := db.Model(&productRow{}).Where("supplier_org_id = ?", rel.SupplierOrgID)
	if rel.Side == access.Buyer {
		q = q.Where("active = ?", true)
	}
	return q
}

// withPrices pairs products with rel's contract prices, loaded in one query.
func withPrices(db *gorm.DB, rel access.Rel, rows []productRow) ([]product.Priced, error) {
	out := make([]product.Priced, len(rows))
	if len(rows) == 0 {
		return out, nil
	}
	ids := make([]string, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	var prices []contractPriceRow
	if err := db.Where("relationship_id = ? AND product_id IN ?", rel.ID, ids).Find(&prices).Error; err != nil {
		return nil, err
	}
	byID := make(map[string]int64, len(prices))
	for _, p := range prices {
		byID[p.ProductID] = p.UnitPrice
	}
	for i, r := range rows {
		price, ok := byID[r.ID]
		out[i] = r.priced(price, ok)
	}
	return out, nil
}

// priced is the product at the relationship's price: its contract price when it
// has one (hasContract), its list price otherwise.
func (r productRow) priced(contract int64, hasContract bool) product.Priced {
	p := product.Priced{Product: r.product(), ListPrice: money.Amount(r.UnitPrice)}
	if hasContract {
		p.UnitPrice, p.Contract = money.Amount(contract), true
	}
	return p
}

// ListRelProducts lists rel's supplier's catalogue with rel's prices: buyers see
// active products only; q searches SKU and name.
func (s *Store) ListRelProducts(ctx context.Context, rel access.Rel, q string, p Page) ([]product.Priced, string, error) {
	var rows []productRow
	db := s.read(ctx)
	if err := p.apply(searchProducts(productsOf(db, rel), q), "id").Find(&rows).Error; err != nil {
		return nil, "", mapErr("list products", err)
	}
	rows, next := pageResult(p, rows, func(r productRow) string { return r.ID })
	out, err := withPrices(db, rel, rows)
	return out, next, mapErr("list products", err)
}

// RelPricedProduct returns one product of rel's supplier with rel's price;
// buyers get ErrNotFound for inactive products.
func (s *Store) RelPricedProduct(ctx context.Context, rel access.Rel, id string) (product.Priced, error) {
	var rows []productRow
	db := s.read(ctx)
	if err := productsOf(db, rel).Where("id = ?", id).Limit(1).Find(&rows).Error; err != nil {
		return product.Priced{}, mapErr("product", err)
	}
	if len(rows) == 0 {
		return product.Priced{}, fmt.Errorf("product %s: %w", id, errs.ErrNotFound)
	}
	out, err := withPrices(db, rel, rows)
	if err != nil {
		return product.Priced{}, mapErr("product", err)
	}
	return out[0], nil
}

type contractPriceRow struct {
	RelationshipID string
	ProductID      string
	UnitPrice      int64
	UpdatedAt      time.Time
}

func (contractPriceRow) TableName() string { return "contract_prices" }

// SetContractPrice sets (price non-nil) or removes (nil) rel's contract price for
// a product of rel's supplier. Only the supplier sets prices.
func (s *Store) SetContractPrice(ctx context.Context, rel access.Rel, productID string, price *money.Amount) (product.Priced, error) {
	if rel.Side != access.Supplier {
		return product.Priced{}, errs.Forbiddenf("only the supplier sets contract prices")
	}
	err := s.write(ctx, "set contract price", func(t *tx) error {
		var n int64
		if err := t.Model(&productRow{}).Where("id = ? AND supplier_org_id = ?", productID, rel.SupplierOrgID).Count(&n).Error; err != nil {
			return err
		}
		if n == 0 {
			return fmt.Errorf("product %s: %w", productID, errs.ErrNotFound)
		}
		if err := t.Where("relationship_id = ? AND product_id = ?", rel.ID, productID).Delete(&contractPriceRow{}).Error; err != nil {
			return err
		}
		if price == nil {
			return nil
		}
		return t.Create(&contractPriceRow{RelationshipID: rel.ID, ProductID: productID, UnitPrice: int64(*price), UpdatedAt: t.s.now()}).Error
	})
	if err != nil {
		return product.Priced{}, err
	}
	return s.RelPricedProduct(ctx, rel, productID)
}

// RequireSupplierOrg refuses (403) callers whose organization is only ever a
// buyer: catalogues belong to suppliers. A new organization without any
// relationship yet is a supplier setting up its catalogue.
func (s *Store) RequireSupplierOrg(ctx context.Context, caller access.Caller) error {
	var sides []struct {
		Supplier int64
		Buyer    int64
	}
	err := s.read(ctx).Raw(`SELECT
 (SELECT COUNT(*) FROM relationships WHERE supplier_org_id = ?) AS supplier,
 (SELECT COUNT(*) FROM relationships WHERE buyer_org_id = ?) AS buyer`, caller.OrgID, caller.OrgID).Scan(&sides).Error
	if err != nil {
		return mapErr("organization side", err)
	}
	if len(sides) == 1 && sides[0].Buyer > 0 && sides[0].Supplier == 0 {
		return errs.Forbiddenf("only suppliers keep a catalogue")
	}
	return nil
}
