// Package auth issues and verifies access tokens (HS256 JWT), hashes passwords,
// makes opaque refresh and invitation tokens, and rate-limits login.
package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/crypto/bcrypt"
	"golang.org/x/time/rate"

	"github.com/rapport/rapport/server/internal/domain/access"
)

// Issuer and Audience are checked on every access token.
const (
	Issuer   = "rapport"
	Audience = "rapport-api"
)

// BcryptCost is the password hashing cost; tests lower it.
var BcryptCost = 12

// Claims are the access token's claims.
type Claims struct {
	OrgID      string `json:"org"`
	Role       string `json:"role"`
	Department string `json:"dept"`
	jwt.RegisteredClaims
}

// Tokens signs and verifies access tokens.
type Tokens struct {
	key    []byte
	ttl    time.Duration
	now    func() time.Time
	parser *jwt.Parser

	// verified remembers tokens already verified, until they expire: a token is
	// immutable and signed, so its checks only change with the clock, which a
	// hit re-checks. It saves the HMAC and the claims' JSON on every request.
	mu       sync.RWMutex
	verified map[string]verifiedToken
}

// verifiedToken is a verified token's caller and validity window.
type verifiedToken struct {
	caller     access.Caller
	from, till time.Time
}

// verifiedCacheSize bounds the verified-token cache; when full it starts over.
const verifiedCacheSize = 4096

// tokenLeeway is the clock skew allowed around a token's iat and exp.
const tokenLeeway = 5 * time.Second

// NewTokens returns a signer with an HS256 key of at least 32 bytes.
func NewTokens(key []byte, ttl time.Duration) (*Tokens, error) {
	if len(key) < 32 {
		return nil, errors.New("jwt key must be at least 32 bytes")
	}
	t := &Tokens{key: key, ttl: ttl, now: time.Now, verified: map[string]verifiedToken{}}
	t.parser = jwt.NewParser(
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithIssuer(Issuer), jwt.WithAudience(Audience),
		jwt.WithExpirationRequired(), jwt.WithIssuedAt(), jwt.WithLeeway(tokenLeeway),
		jwt.WithTimeFunc(func() time.Time { return t.now() }),
	)
	return t, nil
}

// SetClock replaces the clock (tests).
func (t *Tokens) SetClock(now func() time.Time) { t.now = now }

// TTL is the access token lifetime.
func (t *Tokens) TTL() time.Duration { return t.ttl }

// Issue signs an access token for c.
func (t *Tokens) Issue(c access.Caller) (string, error) {
	now := t.now()
	claims := Claims{OrgID: c.OrgID, Role: c.Role, Department: c.Department, RegisteredClaims: jwt.RegisteredClaims{
		Issuer: Issuer, Audience: jwt.ClaimStrings{Audience}, Subject: c.UserID,
		IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(now.Add(t.ttl)),
	}}
	return jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(t.key)
}

// Verify checks signature, alg, exp, iss and aud and returns the caller.
// A token verified before is answered from memory while the clock is inside
// the window in which it verified (issued-at minus the leeway, up to its expiry
// without the leeway); outside it, it is verified again in full.
func (t *Tokens) Verify(token string) (access.Caller, error) {
	now := t.now()
	t.mu.RLock()
	v, ok := t.verified[token]
	t.mu.RUnlock()
	if ok && !now.Before(v.from) && now.Before(v.till) {
		return v.caller, nil
	}
	var claims Claims
	_, err := t.parser.ParseWithClaims(token, &claims, func(*jwt.Token) (any, error) { return t.key, nil })
	if err != nil {
		return access.Caller{}, fmt.Errorf("verify token: %w", err)
	}
	if claims.Subject == "" || claims.OrgID == "" {
		return access.Caller{}, errors.New("verify token: missing subject")
	}
	caller := access.Caller{UserID: claims.Subject, OrgID: claims.OrgID, Role: claims.Role, Department: claims.Department}
	if claims.IssuedAt != nil && claims.ExpiresAt != nil {
		t.mu.Lock()
		if len(t.verified) >= verifiedCacheSize {
			clear(t.verified)
		}
		t.verified[token] = verifiedToken{caller: caller, from: claims.IssuedAt.Add(-tokenLeeway), till: claims.ExpiresAt.Time}
		t.mu.Unlock()
	}
	return caller, nil
}

// LoadOrCreateKey returns the configured secret, or the one kept in dataDir,
// generating it (0600) on first start.
func LoadOrCreateKey(secret, dataDir string) ([]byte, error) {
	if secret != "" {
		return []byte(secret), nil
	}
	path := filepath.Join(dataDir, "jwt.key")
	if b, err := os.ReadFile(path); err == nil {
		key := strings.TrimSpace(string(b))
		if len(key) < 32 {
			return nil, fmt.Errorf("%s is too short; delete it to generate a new key", path)
		}
		return []byte(key), nil
	} else if !os.IsNotExist(err) {
		return nil, fmt.Errorf("read jwt key: %w", err)
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("create data folder: %w", err)
	}
	key := RandomToken(48)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("create jwt key: %w", err)
	}
	if _, err := f.WriteString(key + "\n"); err != nil {
		f.Close()
		return nil, fmt.Errorf("write jwt key: %w", err)
	}
	return []byte(key), f.Close()
}

// RandomToken returns n random bytes, base64url encoded.
func RandomToken(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// HashToken is how opaque tokens are stored: only their SHA-256.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// HashPassword hashes a password with bcrypt.
func HashPassword(pw string) (string, error) {
	b, err := bcrypt.GenerateFromPassword([]byte(pw), BcryptCost)
	return string(b), err
}

// dummyHash is compared against when the email is unknown, so both failures cost the same.
var dummyHash = sync.OnceValue(func() []byte {
	b, _ := bcrypt.GenerateFromPassword([]byte("rapport-dummy-password"), BcryptCost)
	return b
})

// CheckPassword compares pw with hash; an empty hash still spends the time.
func CheckPassword(hash, pw string) bool {
	if hash == "" {
		_ = bcrypt.CompareHashAndPassword(dummyHash(), []byte(pw))
		return false
	}
	return bcrypt.CompareHashAndPassword([]byte(hash), []byte(pw)) == nil
}

// Limiter rate-limits by key (an IP, an account or a user), forgetting idle keys.
type Limiter struct {
	mu      sync.Mutex
	every   rate.Limit
	burst   int
	buckets map[string]*bucket
	now     func() time.Time
}

type bucket struct {
	lim  *rate.Limiter
	seen time.Time
}

// NewLimiter allows perMinute events per key per minute, with that burst.
func NewLimiter(perMinute int) *Limiter {
	return NewRateLimiter(rate.Every(time.Minute/time.Duration(perMinute)), perMinute)
}

// NewRateLimiter allows events per key at the given rate (per second), with
// burst events at once after a quiet spell.
func NewRateLimiter(perSecond rate.Limit, burst int) *Limiter {
	return &Limiter{every: perSecond, burst: burst, buckets: map[string]*bucket{}, now: time.Now}
}

// Allow reports whether key may act now.
func (l *Limiter) Allow(key string) bool {
	ok, _ := l.Reserve(key)
	return ok
}

// Reserve reports whether key may act now and, when it may not, how long until
// it may (for Retry-After). A refused event uses up nothing.
func (l *Limiter) Reserve(key string) (ok bool, retryAfter time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if len(l.buckets) > 100_000 {
		for k, b := range l.buckets {
			if now.Sub(b.seen) > 10*time.Minute {
				delete(l.buckets, k)
			}
		}
	}
	b, ok := l.buckets[key]
	if !ok {
		b = &bucket{lim: rate.NewLimiter(l.every, l.burst)}
		l.buckets[key] = b
	}
	b.seen = now
	if b.lim.AllowN(now, 1) {
		return true, 0
	}
	if l.every <= 0 {
		return false, time.Minute
	}
	// Rounded up, so waiting exactly this long is always enough.
	missing := 1 - b.lim.TokensAt(now)
	return false, time.Duration(math.Ceil(missing / float64(l.every) * float64(time.Second)))
}
