package auth

import (
	"strings"
	"testing"
	"time"

	"github.com/rapport/rapport/server/internal/domain/access"
)

// A verified token is answered from the cache only inside the window in which
// it verified: past its expiry, or with the clock before its issue, it is
// refused exactly as a first verification would refuse it; a token that differs
// in one character is never a hit.
func TestVerifiedTokenCacheKeepsEveryCheck(t *testing.T) {
	at := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	now := at
	tok, err := NewTokens([]byte(strings.Repeat("k", 32)), 15*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	tok.SetClock(func() time.Time { return now })
	caller := access.Caller{UserID: "u1", OrgID: "o1", Role: "member", Department: "purchasing"}
	token, err := tok.Issue(caller)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		got, err := tok.Verify(token)
		if err != nil || got != caller {
			t.Fatalf("verification %d: %+v, %v", i+1, got, err)
		}
	}
	if len(tok.verified) != 1 {
		t.Fatalf("%d cached tokens, want 1", len(tok.verified))
	}

	// One character of the signature changed: not the cached token, and refused.
	tampered := token[:len(token)-2] + string("AB"[strings.IndexByte("AB", token[len(token)-2])+1&1]) + token[len(token)-1:]
	if _, err := tok.Verify(tampered); err == nil {
		t.Error("a tampered token verified")
	}

	now = at.Add(15*time.Minute + 6*time.Second) // past exp and its leeway
	if _, err := tok.Verify(token); err == nil {
		t.Error("an expired token verified from the cache")
	}
	now = at.Add(-time.Minute) // clock before the token's issue
	if _, err := tok.Verify(token); err == nil {
		t.Error("a token verified before its issue time")
	}
	now = at.Add(time.Minute)
	if got, err := tok.Verify(token); err != nil || got != caller {
		t.Errorf("back inside its window: %+v, %v", got, err)
	}

	// Another key does not accept what this one cached.
	other, _ := NewTokens([]byte(strings.Repeat("x", 32)), 15*time.Minute)
	other.SetClock(func() time.Time { return now })
	if _, err := other.Verify(token); err == nil {
		t.Error("a token signed with another key verified")
	}

	// The cache is bounded.
	for i := range verifiedCacheSize + 10 {
		c := caller
		c.UserID = "u" + strings.Repeat("x", i%7) + string(rune('a'+i%26)) + time.Duration(i).String()
		tk, _ := tok.Issue(c)
		if _, err := tok.Verify(tk); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(tok.verified); n > verifiedCacheSize {
		t.Errorf("%d cached tokens, above the bound %d", n, verifiedCacheSize)
	}
}
