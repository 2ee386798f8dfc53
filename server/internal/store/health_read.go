package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/rapport/rapport/server/internal/domain/access"
	"github.com/rapport/rapport/server/internal/domain/account"
	"github.com/rapport/rapport/server/internal/domain/errs"
	"github.com/rapport/rapport/server/internal/domain/health"
)

type healthSettingsRow struct {
	SupplierOrgID string `gorm:"primaryKey"`
	Weights       string
	HealthyMin    int
	WatchMin      int
	WindowDays    int
	Version       int64
	UpdatedAt     time.Time
}

func (healthSettingsRow) TableName() string { return "health_settings" }

func (r healthSettingsRow) settings() health.Settings {
	set := health.DefaultSettings()
	weights := map[string]int{}
	if json.Unmarshal([]byte(r.Weights), &weights) == nil {
		for k := range set.Weights {
			set.Weights[k] = weights[k]
		}
	}
	set.HealthyMin, set.WatchMin, set.WindowDays, set.Version = r.HealthyMin, r.WatchMin, r.WindowDays, r.Version
	return set
}

// HealthSettings returns the caller organization's health settings (the
// defaults, version 0, until an admin saves some).
func (s *Store) HealthSettings(ctx context.Context, caller access.Caller) (health.Settings, error) {
	var rows []healthSettingsRow
	if err := s.read(ctx).Where("supplier_org_id = ?", caller.OrgID).Limit(1).Find(&rows).Error; err != nil {
		return health.Settings{}, mapErr("health settings", err)
	}
	if len(rows) == 0 {
		return health.DefaultSettings(), nil
	}
	return rows[0].settings(), nil
}

// SaveHealthSettings replaces the caller organization's settings (admins only);
// ifMatch (0: none) must name the current version. New weights apply from the
// next daily snapshot and at once to each relationship's live health.
func (s *Store) SaveHealthSettings(ctx context.Context, caller access.Caller, set health.Settings, ifMatch int64) (health.Settings, error) {
	if !caller.IsAdmin() {
		return health.Settings{}, errs.Forbiddenf("only an admin changes the health settings")
	}
	if err := set.Validate(); err != nil {
		return health.Settings{}, err
	}
	weights, _ := json.Marshal(set.Weights)
	err := s.write(ctx, "save health settings", func(t *tx) error {
		var cur []healthSettingsRow
		q := `SELECT * FROM health_settings WHERE supplier_org_id = ?`
		if t.s.dialect == Postgres {
			q += " FOR UPDATE"
		}
		if err := t.Raw(q, caller.OrgID).Scan(&cur).Error; err != nil {
			return err
		}
		version := int64(0)
		if len(cur) > 0 {
			version = cur[0].Version
		}
		if ifMatch != 0 && ifMatch != version {
			return checkVersion(ifMatch, version)
		}
		row := healthSettingsRow{SupplierOrgID: caller.OrgID, Weights: string(weights), HealthyMin: set.HealthyMin, WatchMin: set.WatchMin,
			WindowDays: set.WindowDays, Version: version + 1, UpdatedAt: t.s.now()}
		set.Version = row.Version
		if len(cur) == 0 {
			return t.Create(&row).Error
		}
		return t.Save(&row).Error
	})
	return set, err
}

// supplierOnly hides relationship health from the buyer: for them it does not
// exist (404), so they never learn that the supplier keeps such a view.
func supplierOnly(rel access.Rel) error {
	if rel.Side != access.Supplier {
		return fmt.Errorf("health: %w", errs.ErrNotFound)
	}
	return nil
}

// RelationshipHealth judges rel as of now, signal by signal.
func (s *Store) RelationshipHealth(ctx context.Context, rel access.Rel) (health.Report, error) {
	if err := supplierOnly(rel); err != nil {
		return health.Report{}, err
	}
	var rels []healthRel
	if err := s.read(ctx).Raw(healthRelSelect+` WHERE r.id = ?`, rel.ID).Scan(&rels).Error; err != nil || len(rels) == 0 {
		return health.Report{}, mapErr("relationship health", orNotFound(err))
	}
	set, err := s.HealthSettings(ctx, access.Caller{OrgID: rel.SupplierOrgID})
	if err != nil {
		return health.Report{}, err
	}
	now := s.now()
	facts, err := gatherFacts(ctx, s.r, rels, now, set.WindowDays)
	if err != nil {
		return health.Report{}, mapErr("relationship health", err)
	}
	h := health.Compute(*facts[rel.ID], set)
	rep := health.Report{Health: h, BuyerName: rels[0].BuyerName, SilenceThresholdDays: rels[0].SilenceThresholdDays, HealthyMin: set.HealthyMin, WatchMin: set.WatchMin}
	var past []int
	err = s.read(ctx).Model(&healthSnapshotRow{}).Where("relationship_id = ? AND day = ?", rel.ID, now.AddDate(0, 0, -30).Format(time.DateOnly)).Pluck("score", &past).Error
	if len(past) > 0 {
		change := h.Score - past[0]
		rep.Change30d = &change
	}
	return rep, mapErr("relationship health", err)
}

func orNotFound(err error) error {
	if err == nil {
		return errs.ErrNotFound
	}
	return err
}

// HealthHistory returns rel's daily snapshots of the last days days, oldest
// first, and the direction of change over them.
func (s *Store) HealthHistory(ctx context.Context, rel access.Rel, days int) (health.History, error) {
	if err := supplierOnly(rel); err != nil {
		return health.History{}, err
	}
	since := s.now().AddDate(0, 0, -days).Format(time.DateOnly)
	var rows []healthSnapshotRow
	err := s.read(ctx).Select("day, score, status").Where("relationship_id = ? AND day > ?", rel.ID, since).Order("day").Find(&rows).Error
	if err != nil {
		return health.History{}, mapErr("health history", err)
	}
	points := make([]health.Point, len(rows))
	for i, r := range rows {
		points[i] = health.Point{Day: r.Day, Score: r.Score, Status: r.Status}
	}
	return health.NewHistory(rel.ID, days, points), nil
}

// OverviewFilter narrows the portfolio overview.
type OverviewFilter struct {
	Status         string // "" or a status
	AccountOwnerID string // "" or a supplier user id
}

type overviewRow struct {
	RelationshipID   string
	Day              string
	Score            int
	Status           string
	Change30d        *int `gorm:"column:change_30d"`
	LastBuyerAt      *time.Time
	WorstKey         string
	WorstScore       int
	WorstExplanation string
	BuyerOrgID       string
	BuyerName        string
	AccountOwnerID   *string
	RelCreatedAt     time.Time
}

// HealthOverview lists the caller's customer relationships, riskiest (lowest
// score) first, from the state the daily job maintains: one indexed query.
// Relationships never judged yet (new ones) are judged first.
func (s *Store) HealthOverview(ctx context.Context, caller access.Caller, f OverviewFilter, p Page) ([]health.OverviewItem, string, error) {
	if err := s.judgeUnjudged(ctx, caller.OrgID); err != nil {
		return nil, "", err
	}
	q := `SELECT h.relationship_id, h.day, h.score, h.status, h.change_30d, h.last_buyer_at, h.worst_key, h.worst_score, h.worst_explanation, r.buyer_org_id, b.name AS buyer_name, r.account_owner_id, r.created_at AS rel_created_at
 FROM health_state h JOIN relationships r ON r.id = h.relationship_id JOIN orgs b ON b.id = r.buyer_org_id WHERE h.supplier_org_id = ?`
	args := []any{caller.OrgID}
	if f.Status != "" {
		q += ` AND h.status = ?`
		args = append(args, f.Status)
	}
	if f.AccountOwnerID != "" {
		q += ` AND r.account_owner_id = ?`
		args = append(args, f.AccountOwnerID)
	}
	if p.After != "" {
		score, id, err := parseOverviewCursor(p.After)
		if err != nil {
			return nil, "", err
		}
		q += ` AND (h.score > ? OR (h.score = ? AND h.relationship_id > ?))`
		args = append(args, score, score, id)
	}
	var rows []overviewRow
	if err := s.read(ctx).Raw(q+` ORDER BY h.score, h.relationship_id LIMIT ?`, append(args, p.Limit+1)...).Scan(&rows).Error; err != nil {
		return nil, "", mapErr("health overview", err)
	}
	rows, next := pageResult(p, rows, func(r overviewRow) string { return fmt.Sprintf("%d|%s", r.Score, r.RelationshipID) })
	now := s.now()
	out := make([]health.OverviewItem, len(rows))
	for i, r := range rows {
		since := r.RelCreatedAt
		if r.LastBuyerAt != nil {
			since = *r.LastBuyerAt
		}
		out[i] = health.OverviewItem{RelationshipID: r.RelationshipID, Buyer: account.OrgRef{ID: r.BuyerOrgID, Name: r.BuyerName}, AccountOwnerID: r.AccountOwnerID,
			Score: r.Score, Status: r.Status, Change30d: r.Change30d, SilenceDays: health.DaysBetween(since, now), Day: r.Day}
		if r.WorstKey != "" {
			out[i].WorstSignal = &health.WorstSignal{Key: r.WorstKey, Score: r.WorstScore, Explanation: r.WorstExplanation}
		}
	}
	return out, next, nil
}

func parseOverviewCursor(key string) (int, string, error) {
	scoreText, id, ok := strings.Cut(key, "|")
	score, err := strconv.Atoi(scoreText)
	if !ok || err != nil {
		return 0, "", errs.Invalid("cursor", "is not a cursor this server issued")
	}
	return score, id, nil
}

// judgeUnjudged runs today's snapshot for the supplier's relationships that
// have no health state yet, so a new customer appears in the overview at once.
func (s *Store) judgeUnjudged(ctx context.Context, supplierOrgID string) error {
	var ids []string
	err := s.read(ctx).Raw(`SELECT r.id FROM relationships r WHERE r.supplier_org_id = ?
 AND NOT EXISTS (SELECT 1 FROM health_state h WHERE h.relationship_id = r.id)`, supplierOrgID).Scan(&ids).Error
	if err != nil || len(ids) == 0 {
		return mapErr("health overview", err)
	}
	_, err = s.RunHealthSnapshots(ctx, s.now(), SnapshotOptions{Alerts: true, RelationshipIDs: ids})
	return err
}
