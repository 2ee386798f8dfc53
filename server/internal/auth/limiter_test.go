package auth

import (
	"testing"
	"time"

	"golang.org/x/time/rate"
)

// TestRateLimiterBurstThenRefill: a key gets its burst at once, then one event
// per interval; a refusal says how long to wait and uses up nothing; keys are
// independent.
func TestRateLimiterBurstThenRefill(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	l := NewRateLimiter(rate.Limit(2), 5) // 2 per second, burst 5
	l.now = func() time.Time { return now }
	for i := 0; i < 5; i++ {
		if ok, _ := l.Reserve("user:a"); !ok {
			t.Fatalf("event %d of the burst refused", i+1)
		}
	}
	ok, wait := l.Reserve("user:a")
	if ok {
		t.Fatal("event past the burst allowed")
	}
	if wait <= 0 || wait > 500*time.Millisecond {
		t.Fatalf("retry after %v, want (0, 500ms]", wait)
	}
	// Refusals do not push the next allowed moment further away.
	for i := 0; i < 10; i++ {
		l.Reserve("user:a")
	}
	if ok, _ := l.Reserve("user:b"); !ok {
		t.Fatal("another key was limited by user:a's burst")
	}
	now = now.Add(wait)
	if ok, _ := l.Reserve("user:a"); !ok {
		t.Fatalf("still refused after waiting the announced %v", wait)
	}
	if ok, _ := l.Reserve("user:a"); ok {
		t.Fatal("a second event allowed in the same instant after the refill of one")
	}
}

// TestPerMinuteLimiter keeps the login limiter's meaning: perMinute at once,
// then one every 60/perMinute seconds.
func TestPerMinuteLimiter(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	l := NewLimiter(10)
	l.now = func() time.Time { return now }
	for i := 0; i < 10; i++ {
		if !l.Allow("ip:1") {
			t.Fatalf("attempt %d refused", i+1)
		}
	}
	if ok, wait := l.Reserve("ip:1"); ok || wait < 5*time.Second || wait > 6*time.Second {
		t.Fatalf("11th attempt: allowed %v, retry after %v; want refused, about 6s", ok, wait)
	}
}
