package demo

import (
	"context"
	"testing"
	"time"

	"github.com/rapport/rapport/server/internal/testutil"
)

// The service demo tells each buyer's story: ideas in every state from both
// sides, met and breached SLAs, complaints, a year of interactions, and a silent
// customer that really is silent.
func TestServiceDemo(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, db testutil.DB) {
		a := testutil.OpenApp(t, testutil.Config(t, db))
		ctx := context.Background()
		if _, err := Seed(ctx, a); err != nil {
			t.Fatal(err)
		}
		q := a.Store.Reader()
		var states []struct {
			AuthorSide, Status string
			N                  int
		}
		if err := q.Raw(`SELECT author_side, status, COUNT(*) AS n FROM ideas GROUP BY author_side, status`).Scan(&states).Error; err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for _, s := range states {
			seen[s.AuthorSide+"/"+s.Status] = true
		}
		for _, side := range []string{"supplier", "buyer"} {
			for _, st := range []string{"proposed", "under_review", "accepted", "implemented", "declined", "withdrawn"} {
				if !seen[side+"/"+st] {
					t.Errorf("no %s idea from the %s", st, side)
				}
			}
		}
		var realised int64
		q.Raw(`SELECT COALESCE(SUM(estimated_value), 0) FROM ideas WHERE status = 'implemented'`).Scan(&realised)
		if realised == 0 {
			t.Error("no realised value")
		}

		type perBuyer struct {
			Name                                  string
			Breached, Met, Complaints, RecentComp int
			RecentBuyer, Interactions, Engineers  int
		}
		since45 := time.Now().UTC().AddDate(0, 0, -45)
		since180 := time.Now().UTC().AddDate(0, 0, -180)
		stats := map[string]*perBuyer{}
		var rels []struct{ ID, Name string }
		q.Raw(`SELECT r.id, o.name FROM relationships r JOIN orgs o ON o.id = r.buyer_org_id`).Scan(&rels)
		for _, r := range rels {
			p := &perBuyer{Name: r.Name}
			stats[r.Name] = p
			q.Raw(`SELECT COUNT(*) FROM tickets WHERE relationship_id = ? AND (first_response_breached OR resolution_breached)`, r.ID).Scan(&p.Breached)
			q.Raw(`SELECT COUNT(*) FROM tickets WHERE relationship_id = ? AND resolved_at IS NOT NULL AND NOT first_response_breached AND NOT resolution_breached`, r.ID).Scan(&p.Met)
			q.Raw(`SELECT COUNT(*) FROM tickets WHERE relationship_id = ? AND type = 'complaint'`, r.ID).Scan(&p.Complaints)
			q.Raw(`SELECT COUNT(*) FROM tickets WHERE relationship_id = ? AND type = 'complaint' AND created_at > ?`, r.ID, since180).Scan(&p.RecentComp)
			q.Raw(`SELECT COUNT(*) FROM events WHERE relationship_id = ? AND actor_side = 'buyer' AND at > ? AND (type LIKE 'idea.%' OR type LIKE 'ticket.%' OR type LIKE 'comment.%' OR type = 'interaction.logged')`, r.ID, since45).Scan(&p.RecentBuyer)
			q.Raw(`SELECT COUNT(*) FROM interactions WHERE relationship_id = ?`, r.ID).Scan(&p.Interactions)
			q.Raw(`SELECT COUNT(DISTINCT i.id) FROM interactions i JOIN interaction_participants ip ON ip.interaction_id = i.id
				JOIN users u ON u.id = ip.user_id JOIN relationships r ON r.id = i.relationship_id
				WHERE i.relationship_id = ? AND u.department = 'engineering' AND u.org_id = r.supplier_org_id`, r.ID).Scan(&p.Engineers)
		}
		healthy, watch, risk, silent := stats["Contoso Foods"], stats["Baltic Packaging"], stats["Meridian Pharma"], stats["Harbor Beverages"]
		if healthy == nil || watch == nil || risk == nil || silent == nil {
			t.Fatalf("buyers %v", stats)
		}
		if healthy.Breached != 0 || healthy.Met < 5 || healthy.RecentBuyer == 0 || healthy.Interactions < 20 || healthy.Engineers == 0 {
			t.Errorf("healthy: %+v", *healthy)
		}
		if watch.Breached == 0 || watch.Met == 0 {
			t.Errorf("watch needs some breaches among met SLAs: %+v", *watch)
		}
		if risk.Complaints < 2 || risk.Breached < 3 || risk.Breached <= watch.Breached {
			t.Errorf("at risk needs complaints and more breaches: %+v", *risk)
		}
		if silent.RecentBuyer != 0 || silent.RecentComp != 0 || silent.Complaints != 0 || silent.Interactions == 0 {
			t.Errorf("silent: %+v", *silent)
		}
		var breachEvents int
		q.Raw(`SELECT COUNT(*) FROM events WHERE type = 'ticket.sla_breached'`).Scan(&breachEvents)
		var flagged int
		q.Raw(`SELECT COALESCE(SUM(CASE WHEN first_response_breached THEN 1 ELSE 0 END + CASE WHEN resolution_breached THEN 1 ELSE 0 END), 0) FROM tickets`).Scan(&flagged)
		if breachEvents == 0 || breachEvents < flagged {
			t.Errorf("%d breach events for %d flagged breaches", breachEvents, flagged)
		}
		var mentioned int
		q.Raw(`SELECT COUNT(*) FROM comments WHERE subject_type = 'idea' AND mentions <> '[]'`).Scan(&mentioned)
		if mentioned == 0 {
			t.Error("no idea conversations with @mentions")
		}
		var oldest time.Time
		q.Raw(`SELECT MIN(occurred_at) FROM interactions`).Scan(&oldest)
		if time.Since(oldest) < 300*24*time.Hour {
			t.Errorf("interactions start only %s ago", time.Since(oldest))
		}
	})
}
