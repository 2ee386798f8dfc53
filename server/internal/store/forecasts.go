package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/rapport/rapport/server/internal/domain/access"
	"github.com/rapport/rapport/server/internal/domain/errs"
	"github.com/rapport/rapport/server/internal/domain/event"
	"github.com/rapport/rapport/server/internal/domain/forecast"
	"github.com/rapport/rapport/server/internal/domain/product"
)

type forecastRevisionRow struct {
	ID             string
	RelationshipID string
	ProductID      string
	Revision       int
	Kind           string
	Note           string
	AuthorID       string
	CreatedAt      time.Time
}

func (forecastRevisionRow) TableName() string { return "forecast_revisions" }

func (r forecastRevisionRow) revision(periods []forecast.PeriodQuantity) forecast.Revision {
	if periods == nil {
		periods = []forecast.PeriodQuantity{}
	}
	return forecast.Revision{ID: r.ID, Kind: forecast.Kind(r.Kind), Revision: r.Revision, ProductID: r.ProductID,
		Note: r.Note, Periods: periods, AuthorID: r.AuthorID, CreatedAt: r.CreatedAt.UTC()}
}

type forecastPeriodRow struct {
	RevisionID string
	Period     string
	Quantity   int64
}

func (forecastPeriodRow) TableName() string { return "forecast_periods" }

// insertBatch is the number of rows per INSERT: well under SQLite's and
// PostgreSQL's limits on bound parameters.
const insertBatch = 1000

// sideForKind is the side that may submit each kind of revision.
func sideForKind(k forecast.Kind) (access.Side, string) {
	if k == forecast.KindCommit {
		return access.Supplier, "commit capacity"
	}
	return access.Buyer, "revise the forecast"
}

// SubmitForecast stores a buyer's forecast revision or a supplier's commit (by
// kind) for one product of rel's supplier, and emits forecast.revised or
// forecast.committed in the same transaction.
func (s *Store) SubmitForecast(ctx context.Context, rel access.Rel, kind forecast.Kind, sub forecast.Submission) (forecast.Revision, error) {
	if side, what := sideForKind(kind); rel.Side != side {
		return forecast.Revision{}, errs.Forbiddenf("only the %s can %s", side, what)
	}
	if err := sub.Validate(s.now()); err != nil {
		return forecast.Revision{}, err
	}
	p, err := s.RelProduct(ctx, rel, sub.ProductID)
	if errors.Is(err, errs.ErrNotFound) {
		return forecast.Revision{}, errs.Invalid("product_id", "is not a product of this relationship's supplier")
	}
	if err != nil {
		return forecast.Revision{}, err
	}
	var out forecast.Revision
	err = s.write(ctx, "submit "+string(kind), func(t *tx) error {
		revs, err := t.addRevisions(rel, kind, sub.Note, []productPeriods{{productID: p.ID, sku: p.SKU, periods: sub.Periods}}, "api")
		if err != nil {
			return err
		}
		out = revs[0]
		return nil
	})
	return out, err
}

// productPeriods is one product's part of a submission or import.
type productPeriods struct {
	productID, sku string
	periods        []forecast.PeriodQuantity
}

// addRevisions writes one new revision per product (numbered after the latest of
// its kind), their periods in batches, and one event per product.
func (t *tx) addRevisions(rel access.Rel, kind forecast.Kind, note string, parts []productPeriods, source string) ([]forecast.Revision, error) {
	// Serialize revision numbering per relationship (PostgreSQL); SQLite has one writer.
	var relID string
	if err := t.lockRow(&relID, "SELECT id FROM relationships WHERE id = ?", rel.ID); err != nil {
		return nil, err
	}
	latest, err := t.latestRevisionNumbers(rel.ID, kind)
	if err != nil {
		return nil, err
	}
	now := t.s.now()
	rows := make([]forecastRevisionRow, len(parts))
	var periods []forecastPeriodRow
	out := make([]forecast.Revision, len(parts))
	for i, part := range parts {
		rows[i] = forecastRevisionRow{ID: NewID(), RelationshipID: rel.ID, ProductID: part.productID, Revision: latest[part.productID] + 1,
			Kind: string(kind), Note: note, AuthorID: rel.Caller.UserID, CreatedAt: now}
		for _, pq := range part.periods {
			periods = append(periods, forecastPeriodRow{RevisionID: rows[i].ID, Period: pq.Period, Quantity: pq.Quantity})
		}
		out[i] = rows[i].revision(part.periods)
	}
	if err := t.CreateInBatches(&rows, insertBatch).Error; err != nil {
		return nil, fmt.Errorf("insert revisions: %w", err)
	}
	if err := t.CreateInBatches(&periods, insertBatch).Error; err != nil {
		return nil, fmt.Errorf("insert periods: %w", err)
	}
	return out, t.emitRevisions(rel, kind, parts, out, source)
}

// latestRevisionNumbers returns, per product, the newest revision number of kind in rel.
func (t *tx) latestRevisionNumbers(relID string, kind forecast.Kind) (map[string]int, error) {
	var rows []struct {
		ProductID string
		Latest    int
	}
	err := t.Model(&forecastRevisionRow{}).Select("product_id, MAX(revision) AS latest").
		Where("relationship_id = ? AND kind = ?", relID, string(kind)).Group("product_id").Scan(&rows).Error
	out := make(map[string]int, len(rows))
	for _, r := range rows {
		out[r.ProductID] = r.Latest
	}
	return out, err
}

// emitRevisions writes one event per new revision. A forecast notifies the
// relationship's account owner; a commit notifies the author of the forecast it answers.
func (t *tx) emitRevisions(rel access.Rel, kind forecast.Kind, parts []productPeriods, revs []forecast.Revision, source string) error {
	typ := event.ForecastRevised
	if kind == forecast.KindCommit {
		typ = event.ForecastCommitted
	}
	var owner []string
	if kind == forecast.KindForecast {
		if err := t.Model(&relationshipRow{}).Where("id = ? AND account_owner_id IS NOT NULL", rel.ID).Pluck("account_owner_id", &owner).Error; err != nil {
			return err
		}
	}
	for i, r := range revs {
		notify := owner
		if kind == forecast.KindCommit {
			if err := t.Model(&forecastRevisionRow{}).Where("relationship_id = ? AND product_id = ? AND kind = ?", rel.ID, r.ProductID, string(forecast.KindForecast)).
				Order("revision DESC").Limit(1).Pluck("author_id", &notify).Error; err != nil {
				return err
			}
		}
		if notify == nil {
			notify = []string{}
		}
		data := map[string]any{"revision_id": r.ID, "product_id": r.ProductID, "sku": parts[i].sku, "revision": r.Revision,
			"periods": len(r.Periods), "source": source, "notify": notify}
		if _, err := t.emitRel(rel, event.New(typ, "forecast", r.ID, data)); err != nil {
			return err
		}
	}
	return nil
}

// ImportForecastCSV replaces nothing and adds one forecast revision per product
// named in the file, all in one transaction, or, when any row is bad, writes
// nothing and returns a validation error listing every bad line.
func (s *Store) ImportForecastCSV(ctx context.Context, rel access.Rel, data []byte, note string) (forecast.ImportResult, error) {
	var res forecast.ImportResult
	if rel.Side != access.Buyer {
		return res, errs.Forbiddenf("only the buyer can import a forecast")
	}
	rows, bad, err := forecast.ParseCSV(data, forecast.MaxCSVRows)
	if err != nil {
		return res, err
	}
	now := s.now()
	for _, r := range rows {
		if msg := forecast.CheckPeriodInWindow(r.Period, now); msg != "" {
			bad = append(bad, forecast.LineError{Line: r.Line, Message: "period " + msg})
		}
	}
	parts, unknown, err := s.groupBySKU(ctx, rel, rows)
	if err != nil {
		return res, err
	}
	bad = append(bad, unknown...)
	if len(bad) > 0 {
		return res, forecast.LinesError(bad)
	}
	var revs []forecast.Revision
	err = s.write(ctx, "import forecast", func(t *tx) error {
		revs, err = t.addRevisions(rel, forecast.KindForecast, note, parts, "csv")
		return err
	})
	if err != nil {
		return res, err
	}
	res.Rows = len(rows)
	res.Items = make([]forecast.ImportedRevision, len(revs))
	for i, r := range revs {
		res.Items[i] = forecast.ImportedRevision{ID: r.ID, ProductID: r.ProductID, SKU: parts[i].sku, Revision: r.Revision, Periods: len(r.Periods)}
	}
	return res, nil
}

// groupBySKU resolves the rows' SKUs to rel's supplier's products and groups the
// rows per product in file order; rows of unknown SKUs come back as line errors.
func (s *Store) groupBySKU(ctx context.Context, rel access.Rel, rows []forecast.CSVRow) ([]productPeriods, []forecast.LineError, error) {
	var skus []string
	seen := map[string]bool{}
	for _, r := range rows {
		if !seen[r.SKU] {
			seen[r.SKU] = true
			skus = append(skus, r.SKU)
		}
	}
	products, err := s.RelProductsBySKU(ctx, rel, skus)
	if err != nil {
		return nil, nil, err
	}
	var parts []productPeriods
	at := map[string]int{}
	var bad []forecast.LineError
	for _, r := range rows {
		p, ok := products[r.SKU]
		if !ok {
			bad = append(bad, forecast.LineError{Line: r.Line, Message: fmt.Sprintf("sku %s is not a product of this relationship's supplier", r.SKU)})
			continue
		}
		i, ok := at[p.ID]
		if !ok {
			i = len(parts)
			at[p.ID] = i
			parts = append(parts, productPeriods{productID: p.ID, sku: p.SKU})
		}
		parts[i].periods = append(parts[i].periods, forecast.PeriodQuantity{Period: r.Period, Quantity: r.Quantity})
	}
	return parts, bad, nil
}

// ForecastRevisions lists one product's revisions of kind, newest first, each
// compared with the revision before it. The cursor is a revision number.
func (s *Store) ForecastRevisions(ctx context.Context, rel access.Rel, productID string, kind forecast.Kind, p Page) ([]forecast.RevisionChanges, string, error) {
	q := s.read(ctx).Where("relationship_id = ? AND product_id = ? AND kind = ?", rel.ID, productID, string(kind))
	if p.After != "" {
		before, err := strconv.Atoi(p.After)
		if err != nil {
			return nil, "", errs.Invalid("cursor", "is not a cursor this server issued")
		}
		q = q.Where("revision < ?", before)
	}
	var rows []forecastRevisionRow
	if err := q.Order("revision DESC").Limit(p.Limit + 1).Find(&rows).Error; err != nil {
		return nil, "", mapErr("list forecast revisions", err)
	}
	periods, err := s.revisionPeriods(ctx, rows)
	if err != nil {
		return nil, "", err
	}
	// The extra row is only there as the previous revision of the page's last one.
	revs := make([]forecast.Revision, len(rows))
	for i, r := range rows {
		revs[i] = r.revision(periods[r.ID])
	}
	page, next := pageResult(p, rows, func(r forecastRevisionRow) string { return strconv.Itoa(r.Revision) })
	out := make([]forecast.RevisionChanges, len(page))
	for i := range page {
		var prev *forecast.Revision
		if i+1 < len(revs) && revs[i+1].Revision == revs[i].Revision-1 {
			prev = &revs[i+1]
		}
		out[i] = forecast.RevisionChanges{Revision: revs[i], Changes: forecast.Compare(revs[i], prev)}
	}
	return out, next, nil
}

// revisionPeriods loads the periods of the given revisions, by revision id.
func (s *Store) revisionPeriods(ctx context.Context, revs []forecastRevisionRow) (map[string][]forecast.PeriodQuantity, error) {
	out := map[string][]forecast.PeriodQuantity{}
	if len(revs) == 0 {
		return out, nil
	}
	ids := make([]string, len(revs))
	for i, r := range revs {
		ids[i] = r.ID
	}
	var rows []forecastPeriodRow
	if err := s.read(ctx).Where("revision_id IN ?", ids).Order("period").Find(&rows).Error; err != nil {
		return nil, mapErr("forecast periods", err)
	}
	for _, r := range rows {
		out[r.RevisionID] = append(out[r.RevisionID], forecast.PeriodQuantity{Period: r.Period, Quantity: r.Quantity})
	}
	return out, nil
}

// ForecastCandidates returns up to n products of rel's supplier worth
// forecasting: those the buyer ordered most (cancelled and rejected orders aside)
// first, then the rest of the active catalogue by SKU.
func (s *Store) ForecastCandidates(ctx context.Context, rel access.Rel, n int) ([]product.Product, error) {
	var ordered []string
	err := s.read(ctx).Table("order_lines l").Joins("JOIN orders o ON o.id = l.order_id").
		Where("o.relationship_id = ? AND o.status NOT IN ?", rel.ID, []string{"cancelled", "rejected"}).
		Group("l.product_id").Order("SUM(l.quantity) DESC, l.product_id").Limit(n).Pluck("l.product_id", &ordered).Error
	if err != nil {
		return nil, mapErr("forecast candidates", err)
	}
	var out []product.Product
	for _, id := range ordered {
		if p, err := s.RelProduct(ctx, rel, id); err == nil {
			out = append(out, p)
		}
	}
	var rows []productRow
	q := s.read(ctx).Where("supplier_org_id = ? AND active = ?", rel.SupplierOrgID, true)
	if len(ordered) > 0 {
		q = q.Where("id NOT IN ?", ordered)
	}
	if err := q.Order("sku").Limit(n).Find(&rows).Error; err != nil {
		return nil, mapErr("forecast candidates", err)
	}
	for _, r := range rows {
		if len(out) < n {
			out = append(out, r.product())
		}
	}
	return out, nil
}
