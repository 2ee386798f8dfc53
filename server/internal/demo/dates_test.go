package demo_test

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// The demo is a story told up to the moment it is seeded: nothing in it is
// dated later, and every relationship's health history has a snapshot for each
// day of the year up to today. Both once depended on the moment: seeded on the
// 3rd–11th of a month, some capacity commits were dated days ahead; seeded
// before 23:00 UTC, yesterday's snapshots were missing.
func TestDemoDatesNothingAheadAndSnapshotsEveryDay(t *testing.T) {
	for _, now := range []time.Time{yesterdayAt(12 * time.Hour), time.Date(2027, time.January, 8, 12, 0, 0, 0, time.UTC)} {
		t.Run(now.Format(time.DateOnly), func(t *testing.T) {
			db := seededAt(t, now).Store.Reader()
			var tables []string // the story's tables: not when the migrations ran
			if err := db.Raw(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name != 'schema_migrations'`).Scan(&tables).Error; err != nil {
				t.Fatal(err)
			}
			checked := 0
			for _, table := range tables {
				var cols []string
				if err := db.Raw(`SELECT name FROM pragma_table_info(?)`, table).Scan(&cols).Error; err != nil {
					t.Fatal(err)
				}
				for _, col := range cols {
					// Deadlines (due_at, expires_at) lie ahead by nature.
					if (col != "at" && !strings.HasSuffix(col, "_at")) || strings.HasSuffix(col, "due_at") || col == "expires_at" {
						continue
					}
					checked++
					q := fmt.Sprintf(`SELECT %s FROM %s WHERE %s IS NOT NULL`, col, table, col)
					var all []time.Time
					if err := db.Raw(q).Scan(&all).Error; err != nil {
						t.Fatalf("%s: %v", q, err)
					}
					var ahead []time.Time
					for _, at := range all {
						if at.After(now) {
							ahead = append(ahead, at)
						}
					}
					if len(ahead) > 0 {
						t.Errorf("%s.%s: %d of %d dated after the seeding moment %s, e.g. %s", table, col, len(ahead), len(all), now, ahead[0].UTC())
					}
				}
			}
			if checked < 20 {
				t.Fatalf("checked only %d timestamp columns", checked)
			}
			var spans []struct {
				RelationshipID string
				Days           int
				First, Last    string
			}
			if err := db.Raw(`SELECT relationship_id, COUNT(DISTINCT day) AS days, MIN(day) AS first, MAX(day) AS last
				FROM health_snapshots GROUP BY relationship_id`).Scan(&spans).Error; err != nil {
				t.Fatal(err)
			}
			if len(spans) == 0 {
				t.Fatal("no health snapshots")
			}
			for _, g := range spans {
				first, _ := time.Parse(time.DateOnly, g.First)
				want := int(now.Truncate(24*time.Hour).Sub(first).Hours()/24) + 1
				if g.Last != now.Format(time.DateOnly) || g.Days != want {
					t.Errorf("relationship %s: snapshots on %d days from %s to %s, want every day to %s (%d)",
						g.RelationshipID, g.Days, g.First, g.Last, now.Format(time.DateOnly), want)
				}
			}
		})
	}
}
