package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm/clause"

	"github.com/rapport/rapport/server/internal/domain/access"
	"github.com/rapport/rapport/server/internal/domain/event"
	"github.com/rapport/rapport/server/internal/domain/health"
)

// healthSnapshotRow is one relationship's judgement of one day (0001's table).
type healthSnapshotRow struct {
	RelationshipID string
	Day            string
	Score          int
	Status         string
	Signals        string // {"key": score or null when unavailable}
	ComputedAt     time.Time
}

func (healthSnapshotRow) TableName() string { return "health_snapshots" }

// healthStateRow is a relationship's latest judgement and alert memory (0006).
type healthStateRow struct {
	RelationshipID   string `gorm:"primaryKey"`
	SupplierOrgID    string
	Day              string
	Score            int
	Status           string
	Change30d        *int `gorm:"column:change_30d"`
	LastBuyerAt      *time.Time
	WorstKey         string
	WorstScore       int
	WorstExplanation string
	SilenceAlertAt   *time.Time
	ComputedAt       time.Time
}

func (healthStateRow) TableName() string { return "health_state" }

// SnapshotOptions tune one run of the health snapshot job.
type SnapshotOptions struct {
	// Alerts raises health.alert events; the demo's backfill of past days turns
	// it off so that a year of history does not flood the feed.
	Alerts bool
	// RelationshipIDs limits the run to these relationships (nil: all).
	RelationshipIDs []string
	// ChunkSize is how many relationships (of one supplier) are judged and
	// written per transaction; 0 means DefaultSnapshotChunk.
	ChunkSize int
	// MaxDuty is the share of wall time the run may work, in (0, 1): after each
	// chunk it pauses for the chunk's duration × (1/MaxDuty − 1), so that
	// requests find the CPU and the SQLite writer free most of the time. 0 (or
	// 1 and above) runs at full speed, as tests, the benchmark and the backfill do.
	MaxDuty float64
}

// DefaultSnapshotChunk keeps one chunk to a fraction of a second of reading and
// a few milliseconds of writing on the 1,000-relationship dataset.
const DefaultSnapshotChunk = 25

func (o SnapshotOptions) chunkSize() int {
	if o.ChunkSize > 0 {
		return o.ChunkSize
	}
	return DefaultSnapshotChunk
}

// pauseAfter is how long to rest after a chunk that worked for work, so that
// working time stays at most MaxDuty of the wall time.
func (o SnapshotOptions) pauseAfter(work time.Duration) time.Duration {
	if o.MaxDuty <= 0 || o.MaxDuty >= 1 || work <= 0 {
		return 0
	}
	return time.Duration(float64(work) * (1/o.MaxDuty - 1))
}

// systemActor is who raises health alerts.
var systemActor = access.Caller{}

// systemSide marks events written by the server itself, never by a person.
const systemSide access.Side = "system"

// RunHealthSnapshots judges, as of now, every relationship that has no snapshot
// for now's day yet: it writes the day's snapshot, refreshes the relationship's
// state and raises the alerts due. It works in chunks of one supplier's
// relationships, each written in its own transaction, resting between chunks
// as opts.MaxDuty asks. Running it again the same day does nothing; a run
// stopped by ctx leaves whole chunks behind and the next run does the rest.
// It returns how many relationships it judged (also when stopped).
func (s *Store) RunHealthSnapshots(ctx context.Context, now time.Time, opts SnapshotOptions) (int, error) {
	now = now.UTC()
	day := now.Format(time.DateOnly)
	rels, err := s.relsWithoutSnapshot(ctx, day, now, opts.RelationshipIDs)
	if err != nil || len(rels) == 0 {
		return 0, mapErr("health snapshots", err)
	}
	settings, err := s.allHealthSettings(ctx)
	if err != nil {
		return 0, mapErr("health snapshots", err)
	}
	chunks := supplierChunks(rels, opts.chunkSize())
	judged := 0
	for i, chunk := range chunks {
		if err := ctx.Err(); err != nil {
			return judged, mapErr("health snapshots", err)
		}
		set, ok := settings[chunk[0].SupplierOrgID]
		if !ok {
			set = health.DefaultSettings()
		}
		began := time.Now()
		n, err := s.snapshotChunk(ctx, chunk, set, now, opts.Alerts)
		if err != nil {
			return judged, mapErr("health snapshots", err)
		}
		judged += n
		work := time.Since(began)
		var rest time.Duration
		if i < len(chunks)-1 {
			rest = opts.pauseAfter(work)
		}
		s.log.Debug("health snapshot chunk", "day", day, "chunk", i+1, "chunks", len(chunks), "relationships", n, "work", work, "pause", rest)
		if err := sleepCtx(ctx, rest); err != nil {
			return judged, mapErr("health snapshots", err)
		}
	}
	return judged, nil
}

// supplierChunks cuts rels, sorted by supplier, into runs of at most size
// relationships of one supplier (settings and alert recipients are per supplier).
func supplierChunks(rels []healthRel, size int) [][]healthRel {
	var chunks [][]healthRel
	for start := 0; start < len(rels); {
		end := start + 1
		for end < len(rels) && end-start < size && rels[end].SupplierOrgID == rels[start].SupplierOrgID {
			end++
		}
		chunks = append(chunks, rels[start:end])
		start = end
	}
	return chunks
}

// sleepCtx waits for d, or less when ctx ends first (shutdown does not wait
// for a paced run).
func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// relsWithoutSnapshot lists relationships that existed at now and lack day's snapshot.
func (s *Store) relsWithoutSnapshot(ctx context.Context, day string, now time.Time, only []string) ([]healthRel, error) {
	q := healthRelSelect + ` WHERE r.created_at <= ? AND NOT EXISTS (SELECT 1 FROM health_snapshots hs WHERE hs.relationship_id = r.id AND hs.day = ?)`
	args := []any{now, day}
	if only != nil {
		if len(only) == 0 {
			return nil, nil
		}
		q += ` AND r.id IN ?`
		args = append(args, only)
	}
	var rels []healthRel
	err := s.read(ctx).Raw(q+` ORDER BY r.supplier_org_id, r.id`, args...).Scan(&rels).Error
	return rels, err
}

// snapshotChunk judges one chunk of one supplier's relationships and writes the
// snapshots, states and alerts in one transaction. It returns how many it judged:
// those another run (or an overview's first read) judged meanwhile are left out.
func (s *Store) snapshotChunk(ctx context.Context, rels []healthRel, set health.Settings, now time.Time, alerts bool) (int, error) {
	rels, err := s.stillWithoutSnapshot(ctx, rels, now.Format(time.DateOnly))
	if err != nil || len(rels) == 0 {
		return 0, err
	}
	facts, err := gatherFacts(ctx, s.r, rels, now, set.WindowDays)
	if err != nil {
		return 0, err
	}
	ids := make([]string, len(rels))
	for i, r := range rels {
		ids[i] = r.ID
	}
	prev, past, err := s.previousHealth(ctx, ids, now.AddDate(0, 0, -30).Format(time.DateOnly))
	if err != nil {
		return 0, err
	}
	var notify []string
	if alerts {
		if err := s.read(ctx).Model(&userRow{}).Where("org_id = ? AND active = ?", rels[0].SupplierOrgID, true).Order("id").Pluck("id", &notify).Error; err != nil {
			return 0, err
		}
	}
	j := judgement{set: set, now: now, alerts: alerts, notify: notify}
	snaps := make([]healthSnapshotRow, 0, len(rels))
	states := make([]healthStateRow, 0, len(rels))
	var raised []event.Event
	for _, r := range rels {
		snap, st, evs := j.judge(r, *facts[r.ID], prev[r.ID], past)
		snaps, states, raised = append(snaps, snap), append(states, st), append(raised, evs...)
	}
	if err := s.writeSnapshots(ctx, snaps, states, raised); err != nil {
		return 0, err
	}
	return len(rels), nil
}

// stillWithoutSnapshot drops from rels those that got day's snapshot since the
// run listed them, so that a long paced run does not trip over them.
func (s *Store) stillWithoutSnapshot(ctx context.Context, rels []healthRel, day string) ([]healthRel, error) {
	ids := make([]string, len(rels))
	for i, r := range rels {
		ids[i] = r.ID
	}
	var done []string
	if err := s.read(ctx).Model(&healthSnapshotRow{}).Where("day = ? AND relationship_id IN ?", day, ids).Pluck("relationship_id", &done).Error; err != nil {
		return nil, err
	}
	if len(done) == 0 {
		return rels, nil
	}
	judged := make(map[string]bool, len(done))
	for _, id := range done {
		judged[id] = true
	}
	left := make([]healthRel, 0, len(rels)-len(done))
	for _, r := range rels {
		if !judged[r.ID] {
			left = append(left, r)
		}
	}
	return left, nil
}

// judgement is one run's context for judging relationships.
type judgement struct {
	set    health.Settings
	now    time.Time
	alerts bool
	notify []string
}

// judge computes one relationship's snapshot, new state and due alerts.
func (j judgement) judge(r healthRel, f health.Facts, prev healthStateRow, past map[string]int) (healthSnapshotRow, healthStateRow, []event.Event) {
	h := health.Compute(f, j.set)
	prevState := health.AlertState{LastStatus: prev.Status, SilenceAlertAt: prev.SilenceAlertAt}
	due, next := health.Decide(prevState, f, h)
	if !j.alerts {
		due, next.SilenceAlertAt = nil, prevState.SilenceAlertAt
	}
	day := j.now.Format(time.DateOnly)
	snap := healthSnapshotRow{RelationshipID: r.ID, Day: day, Score: h.Score, Status: h.Status, Signals: compactSignals(h), ComputedAt: j.now}
	st := healthStateRow{RelationshipID: r.ID, SupplierOrgID: r.SupplierOrgID, Day: day, Score: h.Score, Status: h.Status,
		LastBuyerAt: f.LastBuyerAt, SilenceAlertAt: next.SilenceAlertAt, ComputedAt: j.now}
	if old, ok := past[r.ID]; ok {
		change := h.Score - old
		st.Change30d = &change
	}
	if w, ok := h.Worst(); ok {
		st.WorstKey, st.WorstScore, st.WorstExplanation = w.Key, w.Score, w.Explanation
	}
	evs := make([]event.Event, 0, len(due))
	for _, a := range due {
		evs = append(evs, alertEvent(r, a, j.now, j.notify))
	}
	return snap, st, evs
}

// previousHealth loads the alert memory of ids and their scores on pastDay.
func (s *Store) previousHealth(ctx context.Context, ids []string, pastDay string) (map[string]healthStateRow, map[string]int, error) {
	var states []healthStateRow
	if err := s.read(ctx).Where("relationship_id IN ?", ids).Find(&states).Error; err != nil {
		return nil, nil, err
	}
	prev := make(map[string]healthStateRow, len(states))
	for _, st := range states {
		prev[st.RelationshipID] = st
	}
	var snaps []healthSnapshotRow
	if err := s.read(ctx).Select("relationship_id, score").Where("day = ? AND relationship_id IN ?", pastDay, ids).Find(&snaps).Error; err != nil {
		return nil, nil, err
	}
	past := make(map[string]int, len(snaps))
	for _, sn := range snaps {
		past[sn.RelationshipID] = sn.Score
	}
	return prev, past, nil
}

// writeSnapshots stores one chunk's results atomically: a concurrent run of the
// same day fails on the snapshots' primary key and leaves nothing behind.
func (s *Store) writeSnapshots(ctx context.Context, snaps []healthSnapshotRow, states []healthStateRow, alerts []event.Event) error {
	return s.write(ctx, "write health snapshots", func(t *tx) error {
		if err := t.CreateInBatches(snaps, 200).Error; err != nil {
			return fmt.Errorf("insert snapshots: %w", err)
		}
		if err := t.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "relationship_id"}}, UpdateAll: true}).CreateInBatches(states, 200).Error; err != nil {
			return fmt.Errorf("upsert health state: %w", err)
		}
		for _, ev := range alerts {
			if _, err := t.emit(ev.RelationshipID, systemActor, systemSide, ev); err != nil {
				return err
			}
		}
		return nil
	})
}

// alertEvent builds the health.alert for a, addressed to the supplier's users.
func alertEvent(r healthRel, a health.Alert, now time.Time, notify []string) event.Event {
	data := map[string]any{"kind": a.Kind, "score": a.Score, "next_step": a.NextStep, "buyer_name": r.BuyerName, "notify": notify}
	switch a.Kind {
	case health.AlertSilence:
		data["days"], data["threshold"] = a.Days, a.Threshold
	case health.AlertStatusDrop:
		data["from"], data["to"], data["signal"] = a.From, a.To, a.Signal
	}
	ev := event.New(event.HealthAlert, "relationship", r.ID, data)
	ev.RelationshipID, ev.At, ev.PlanScope = r.ID, now, SupplierOnlyScope
	return ev
}

// compactSignals keeps each signal's sub-score (null when unavailable): enough
// to chart a signal over time without storing a year of explanations.
func compactSignals(h health.Health) string {
	m := make(map[string]*int, len(h.Signals))
	for _, sg := range h.Signals {
		if sg.Available {
			sc := sg.Score
			m[sg.Key] = &sc
		} else {
			m[sg.Key] = nil
		}
	}
	b, _ := json.Marshal(m)
	return string(b)
}

// BackfillHealth writes the daily snapshots from the day of from to the day of
// to (inclusive), each judged as of that day's end, without raising alerts.
func (s *Store) BackfillHealth(ctx context.Context, from, to time.Time) error {
	from, to = from.UTC(), to.UTC()
	start := time.Date(from.Year(), from.Month(), from.Day(), 23, 0, 0, 0, time.UTC)
	end := time.Date(to.Year(), to.Month(), to.Day(), 23, 0, 0, 0, time.UTC)
	for d := start; !d.After(end); d = d.AddDate(0, 0, 1) {
		if _, err := s.RunHealthSnapshots(ctx, d, SnapshotOptions{}); err != nil {
			return fmt.Errorf("backfill %s: %w", d.Format(time.DateOnly), err)
		}
	}
	return nil
}

// allHealthSettings loads every supplier's saved settings.
func (s *Store) allHealthSettings(ctx context.Context) (map[string]health.Settings, error) {
	var rows []healthSettingsRow
	if err := s.read(ctx).Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make(map[string]health.Settings, len(rows))
	for _, r := range rows {
		out[r.SupplierOrgID] = r.settings()
	}
	return out, nil
}

func init() { emitHooks = append(emitHooks, noteBuyerActivity) }

// noteBuyerActivity keeps health_state.last_buyer_at current as events are
// written, so the overview's days of silence are exact between daily runs.
func noteBuyerActivity(t *tx, ev event.Event) error {
	at, ok := buyerActivityAt(ev)
	if !ok {
		return nil
	}
	return t.exec(`UPDATE health_state SET last_buyer_at = ? WHERE relationship_id = ? AND (last_buyer_at IS NULL OR last_buyer_at < ?)`,
		at, ev.RelationshipID, at)
}

// buyerActivityAt tells whether an event means the buyer was heard from, and
// when: an interaction counts when the buyer initiated it, at the time it
// took place (it may be logged later).
func buyerActivityAt(ev event.Event) (time.Time, bool) {
	if ev.Type == event.InteractionLogged {
		var d struct {
			InitiatedBy string `json:"initiated_by"`
			OccurredAt  string `json:"occurred_at"`
		}
		_ = json.Unmarshal(ev.Data, &d)
		at, err := time.Parse(time.RFC3339Nano, d.OccurredAt)
		if err != nil || at.After(ev.At) {
			at = ev.At
		}
		return at.UTC(), d.InitiatedBy == string(access.Buyer)
	}
	if ev.ActorSide != string(access.Buyer) {
		return ev.At, false
	}
	for _, p := range buyerActivityTypes {
		if strings.HasPrefix(ev.Type, p) {
			return ev.At, true
		}
	}
	return ev.At, false
}
