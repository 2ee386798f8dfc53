package app

import (
	"testing"
	"time"
)

// A run's deadline is its Timeout when set, else its Interval but at least
// minJobTimeout.
func TestJobTimeout(t *testing.T) {
	for _, c := range []struct {
		name string
		job  Job
		want time.Duration
	}{
		{"interval", Job{Interval: 6 * time.Hour}, 6 * time.Hour},
		{"short interval gets the floor", Job{Interval: time.Second}, time.Minute},
		{"interval at the floor", Job{Interval: time.Minute}, time.Minute},
		{"no interval gets the floor", Job{}, time.Minute},
		{"explicit timeout", Job{Interval: time.Second, Timeout: 50 * time.Millisecond}, 50 * time.Millisecond},
		{"explicit timeout above the interval", Job{Interval: time.Minute, Timeout: 10 * time.Minute}, 10 * time.Minute},
	} {
		if got := c.job.timeout(); got != c.want {
			t.Errorf("%s: timeout of %+v = %v, want %v", c.name, c.job, got, c.want)
		}
	}
}
