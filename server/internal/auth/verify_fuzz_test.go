package auth

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/rapport/rapport/server/internal/domain/access"
)

const fuzzKey = "fuzz-key-fuzz-key-fuzz-key-0123456789"

// FuzzVerify feeds arbitrary strings to the access-token check. Whatever the
// input, Verify must not panic, and it may accept a token only if it is an
// HS256 JWT signed with our key whose claims name a subject and an
// organization, issued by us for our audience and not expired.
func FuzzVerify(f *testing.F) {
	tokens, err := NewTokens([]byte(fuzzKey), 15*time.Minute)
	if err != nil {
		f.Fatal(err)
	}
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	tokens.SetClock(func() time.Time { return now })
	good, _ := tokens.Issue(access.Caller{UserID: "u1", OrgID: "o1", Role: "admin", Department: "sales"})
	f.Add(good)
	parts := strings.Split(good, ".")
	f.Add(parts[0] + "." + parts[1] + ".")                                                                      // no signature
	f.Add(b64(`{"alg":"none","typ":"JWT"}`) + "." + parts[1] + ".")                                             // alg none
	f.Add(b64(`{"alg":"HS512","typ":"JWT"}`) + "." + parts[1] + "." + parts[2])                                 // alg swapped
	f.Add(b64(`{"alg":"RS256","typ":"JWT"}`) + "." + parts[1] + "." + parts[2])                                 // key confusion
	f.Add(parts[0] + "." + b64(`{"sub":"u1","org":"o1","iss":"rapport","aud":"rapport-api"}`) + "." + parts[2]) // no exp, wrong sig
	f.Add("")
	f.Add("..")
	f.Add(strings.Repeat("a", 4096))
	f.Fuzz(func(t *testing.T, token string) {
		caller, err := tokens.Verify(token)
		if err != nil {
			return
		}
		if caller.UserID == "" || caller.OrgID == "" {
			t.Fatalf("accepted a token without subject or organization: %q", token)
		}
		p := strings.Split(token, ".")
		if len(p) != 3 {
			t.Fatalf("accepted a token that is not three segments: %q", token)
		}
		mac := hmac.New(sha256.New, []byte(fuzzKey))
		mac.Write([]byte(p[0] + "." + p[1]))
		sig, err := base64.RawURLEncoding.DecodeString(p[2])
		if err != nil || !hmac.Equal(sig, mac.Sum(nil)) {
			t.Fatalf("accepted a token not signed with our key: %q", token)
		}
		var hdr struct{ Alg string }
		raw, _ := base64.RawURLEncoding.DecodeString(p[0])
		if json.Unmarshal(raw, &hdr) != nil || hdr.Alg != "HS256" {
			t.Fatalf("accepted a token whose header is not HS256: %q", raw)
		}
		var claims Claims
		raw, _ = base64.RawURLEncoding.DecodeString(p[1])
		if json.Unmarshal(raw, &claims) != nil || claims.ExpiresAt == nil || !claims.ExpiresAt.After(now.Add(-5*time.Second)) ||
			claims.Issuer != Issuer || !containsAudience(claims.Audience, Audience) {
			t.Fatalf("accepted a token with bad claims: %s", raw)
		}
	})
}

func containsAudience(auds []string, want string) bool {
	for _, a := range auds {
		if a == want {
			return true
		}
	}
	return false
}

func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
