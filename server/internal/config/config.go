// Package config holds Rapport's settings: a struct with defaults, loaded from an
// optional env-style file and RAPPORT_* environment variables, then validated.
package config

import (
	"bufio"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Config is every setting of a Rapport server.
type Config struct {
	Addr           string        // RAPPORT_ADDR: listen address.
	DataDir        string        // RAPPORT_DATA_DIR: SQLite database and generated secrets.
	DatabaseURL    string        // RAPPORT_DATABASE_URL: empty for SQLite, postgres://… for PostgreSQL.
	JWTSecret      string        // RAPPORT_JWT_SECRET: HS256 key; generated once into the data folder when empty.
	PublicOrigin   string        // RAPPORT_PUBLIC_ORIGIN: the origin browsers use (default http://RAPPORT_ADDR); websocket Origin must match.
	AllowedOrigins []string      // RAPPORT_ALLOWED_ORIGINS: extra accepted websocket/CORS origins, comma separated.
	TrustedProxies []string      // RAPPORT_TRUSTED_PROXIES: reverse proxies (IPs or CIDRs, comma separated) whose X-Forwarded-For is believed; empty trusts none.
	SQLiteSync     string        // RAPPORT_SQLITE_SYNCHRONOUS: FULL (default, durable) or NORMAL.
	AccessTTL      time.Duration // RAPPORT_ACCESS_TTL: access token lifetime, at most 15m.
	RefreshTTL     time.Duration // RAPPORT_REFRESH_TTL: refresh token lifetime.
	InvitationTTL  time.Duration // RAPPORT_INVITATION_TTL: how long an invitation can be accepted.
	BodyLimit      int64         // RAPPORT_BODY_LIMIT: request body limit in bytes (CSV imports get 16x).
	LoginPerMinute int           // RAPPORT_LOGIN_PER_MINUTE: login attempts per account (per IPv4 address or IPv6 /64: three times this).
	OrderRate      int           // RAPPORT_ORDER_RATE: orders a user may place per minute (burst: a quarter of it); 0 disables.
	RequestTimeout time.Duration // RAPPORT_REQUEST_TIMEOUT: deadline of a request's work (CSV imports get 2x); also PostgreSQL's statement_timeout.
	MetricsToken   string        // RAPPORT_METRICS_TOKEN: bearer token /metrics requires; empty serves /metrics to loopback clients only.
	LogLevel       string        // RAPPORT_LOG_LEVEL: debug, info, warn, error.
	JobInterval    time.Duration // RAPPORT_JOB_INTERVAL: how often background jobs (promises, SLAs, health) run.
}

// MaxRequestTimeout is the longest RAPPORT_REQUEST_TIMEOUT: past the HTTP
// server's write timeout (60 s) no answer could be written anyway.
const MaxRequestTimeout = 60 * time.Second

// OrderBurst is how many orders a user may place at once after a quiet spell:
// a quarter of the per-minute rate, at least one.
func (c *Config) OrderBurst() int { return max(c.OrderRate/4, 1) }

// Default returns the configuration used when nothing is set.
func Default() Config {
	return Config{
		Addr:           "127.0.0.1:8080",
		DataDir:        "data",
		SQLiteSync:     "FULL",
		AccessTTL:      15 * time.Minute,
		RefreshTTL:     30 * 24 * time.Hour,
		InvitationTTL:  7 * 24 * time.Hour,
		BodyLimit:      1 << 20,
		LoginPerMinute: 10,
		OrderRate:      120,
		RequestTimeout: 30 * time.Second,
		LogLevel:       "info",
		JobInterval:    time.Minute,
		PublicOrigin:   "http://127.0.0.1:8080",
	}
}

// Load builds the configuration: defaults, then the file (if path is not empty),
// then the process environment, which wins.
func Load(path string) (Config, error) {
	cfg := Default()
	cfg.PublicOrigin = "" // derived from the address unless set
	if path != "" {
		vars, err := readEnvFile(path)
		if err != nil {
			return cfg, err
		}
		if err := cfg.apply(func(k string) (string, bool) { v, ok := vars[k]; return v, ok }); err != nil {
			return cfg, fmt.Errorf("config file %s: %w", path, err)
		}
	}
	if err := cfg.apply(os.LookupEnv); err != nil {
		return cfg, fmt.Errorf("environment: %w", err)
	}
	cfg.defaultOrigin()
	return cfg, cfg.Validate()
}

// readEnvFile parses KEY=VALUE lines; blank lines and # comments are ignored.
func readEnvFile(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open config: %w", err)
	}
	defer f.Close()
	vars := map[string]string{}
	sc := bufio.NewScanner(f)
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		k, v, ok := strings.Cut(text, "=")
		if !ok {
			return nil, fmt.Errorf("%s:%d: expected KEY=VALUE", path, line)
		}
		vars[strings.TrimSpace(k)] = strings.Trim(strings.TrimSpace(v), `"'`)
	}
	return vars, sc.Err()
}

func (c *Config) apply(lookup func(string) (string, bool)) error {
	str := func(key string, dst *string) {
		if v, ok := lookup(key); ok {
			*dst = v
		}
	}
	var errs []error
	dur := func(key string, dst *time.Duration) {
		if v, ok := lookup(key); ok && v != "" {
			d, err := time.ParseDuration(v)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", key, err))
				return
			}
			*dst = d
		}
	}
	integer := func(key string, dst *int64) {
		if v, ok := lookup(key); ok && v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", key, err))
				return
			}
			*dst = n
		}
	}
	str("RAPPORT_ADDR", &c.Addr)
	str("RAPPORT_DATA_DIR", &c.DataDir)
	str("RAPPORT_DATABASE_URL", &c.DatabaseURL)
	str("RAPPORT_JWT_SECRET", &c.JWTSecret)
	str("RAPPORT_PUBLIC_ORIGIN", &c.PublicOrigin)
	list := func(key string, dst *[]string) {
		if v, ok := lookup(key); ok {
			*dst = nil
			for _, item := range strings.Split(v, ",") {
				if item = strings.TrimSpace(item); item != "" {
					*dst = append(*dst, item)
				}
			}
		}
	}
	list("RAPPORT_ALLOWED_ORIGINS", &c.AllowedOrigins)
	list("RAPPORT_TRUSTED_PROXIES", &c.TrustedProxies)
	str("RAPPORT_SQLITE_SYNCHRONOUS", &c.SQLiteSync)
	str("RAPPORT_LOG_LEVEL", &c.LogLevel)
	str("RAPPORT_METRICS_TOKEN", &c.MetricsToken)
	dur("RAPPORT_ACCESS_TTL", &c.AccessTTL)
	dur("RAPPORT_REFRESH_TTL", &c.RefreshTTL)
	dur("RAPPORT_INVITATION_TTL", &c.InvitationTTL)
	dur("RAPPORT_JOB_INTERVAL", &c.JobInterval)
	dur("RAPPORT_REQUEST_TIMEOUT", &c.RequestTimeout)
	integer("RAPPORT_BODY_LIMIT", &c.BodyLimit)
	var perMinute int64 = int64(c.LoginPerMinute)
	integer("RAPPORT_LOGIN_PER_MINUTE", &perMinute)
	c.LoginPerMinute = int(perMinute)
	orderRate := int64(c.OrderRate)
	integer("RAPPORT_ORDER_RATE", &orderRate)
	c.OrderRate = int(orderRate)
	return errors.Join(errs...)
}

// defaultOrigin derives the public origin from the listen address when it is not
// set, so a server moved to another port still accepts its own page's websockets.
func (c *Config) defaultOrigin() {
	if c.PublicOrigin != "" {
		return
	}
	host, port, err := net.SplitHostPort(c.Addr)
	if err != nil {
		return
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "localhost"
	}
	c.PublicOrigin = "http://" + net.JoinHostPort(host, port)
}

// Validate reports every setting that cannot work.
func (c *Config) Validate() error {
	c.defaultOrigin()
	var errs []error
	if c.Addr == "" {
		errs = append(errs, errors.New("RAPPORT_ADDR is empty"))
	}
	if c.DatabaseURL == "" && c.DataDir == "" {
		errs = append(errs, errors.New("RAPPORT_DATA_DIR is empty and no RAPPORT_DATABASE_URL is set"))
	}
	if c.DatabaseURL != "" && !strings.HasPrefix(c.DatabaseURL, "postgres://") && !strings.HasPrefix(c.DatabaseURL, "postgresql://") {
		errs = append(errs, errors.New("RAPPORT_DATABASE_URL must be a postgres:// URL"))
	}
	if c.JWTSecret != "" && len(c.JWTSecret) < 32 {
		errs = append(errs, errors.New("RAPPORT_JWT_SECRET must be at least 32 characters"))
	}
	if u, err := url.Parse(c.PublicOrigin); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, errors.New("RAPPORT_PUBLIC_ORIGIN must be an http(s) origin such as https://rapport.example.com"))
	}
	switch strings.ToUpper(c.SQLiteSync) {
	case "FULL", "NORMAL", "EXTRA":
		c.SQLiteSync = strings.ToUpper(c.SQLiteSync)
	default:
		errs = append(errs, errors.New("RAPPORT_SQLITE_SYNCHRONOUS must be FULL, EXTRA or NORMAL"))
	}
	if c.AccessTTL <= 0 || c.AccessTTL > 15*time.Minute {
		errs = append(errs, errors.New("RAPPORT_ACCESS_TTL must be between 1s and 15m"))
	}
	if c.RefreshTTL < c.AccessTTL {
		errs = append(errs, errors.New("RAPPORT_REFRESH_TTL must be longer than the access token lifetime"))
	}
	if c.InvitationTTL <= 0 {
		errs = append(errs, errors.New("RAPPORT_INVITATION_TTL must be positive"))
	}
	if c.BodyLimit < 1024 {
		errs = append(errs, errors.New("RAPPORT_BODY_LIMIT must be at least 1024 bytes"))
	}
	if c.LoginPerMinute < 1 {
		errs = append(errs, errors.New("RAPPORT_LOGIN_PER_MINUTE must be at least 1"))
	}
	if c.OrderRate < 0 || c.OrderRate > 1_000_000 {
		errs = append(errs, errors.New("RAPPORT_ORDER_RATE must be between 0 (no limit) and 1000000 orders per minute"))
	}
	if c.RequestTimeout < time.Second || c.RequestTimeout > MaxRequestTimeout {
		errs = append(errs, fmt.Errorf("RAPPORT_REQUEST_TIMEOUT must be between 1s and %v (the server's write timeout)", MaxRequestTimeout))
	}
	if c.MetricsToken != "" && len(c.MetricsToken) < 16 {
		errs = append(errs, errors.New("RAPPORT_METRICS_TOKEN must be at least 16 characters"))
	}
	if err := validateProxies(c.TrustedProxies); err != nil {
		errs = append(errs, err)
	}
	if c.JobInterval < time.Second {
		errs = append(errs, errors.New("RAPPORT_JOB_INTERVAL must be at least 1s"))
	}
	if _, err := ParseLogLevel(c.LogLevel); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// validateProxies checks RAPPORT_TRUSTED_PROXIES with the parsers Gin's
// SetTrustedProxies uses, so a value accepted here is accepted there. A /0
// range is refused: trusting every peer lets any client name its own address.
func validateProxies(proxies []string) error {
	var errs []error
	for _, p := range proxies {
		bad := fmt.Errorf("RAPPORT_TRUSTED_PROXIES: %q is not an IP address or CIDR range", p)
		if !strings.Contains(p, "/") {
			if net.ParseIP(p) == nil {
				errs = append(errs, bad)
			}
			continue
		}
		_, ipNet, err := net.ParseCIDR(p)
		if err != nil {
			errs = append(errs, bad)
			continue
		}
		if ones, _ := ipNet.Mask.Size(); ones == 0 {
			errs = append(errs, fmt.Errorf("RAPPORT_TRUSTED_PROXIES: %q trusts every address, so any client could choose the address it is limited by; list your proxies instead", p))
		}
	}
	return errors.Join(errs...)
}

// ParseLogLevel turns a level name into a slog level.
func ParseLogLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return l, fmt.Errorf("RAPPORT_LOG_LEVEL: %w", err)
	}
	return l, nil
}

// Origins is every origin accepted for websocket upgrades and CORS.
func (c *Config) Origins() []string {
	return append([]string{strings.TrimRight(c.PublicOrigin, "/")}, c.AllowedOrigins...)
}

// SQLitePath is where the embedded database lives.
func (c *Config) SQLitePath() string { return filepath.Join(c.DataDir, "rapport.db") }

// LogValue masks secrets when the configuration is logged at start.
func (c Config) LogValue() slog.Value {
	db := "sqlite:" + c.SQLitePath()
	if c.DatabaseURL != "" {
		db = maskURL(c.DatabaseURL)
	}
	secret := "generated"
	if c.JWTSecret != "" {
		secret = "set (masked)"
	}
	metrics := "loopback only"
	if c.MetricsToken != "" {
		metrics = "bearer token (masked)"
	}
	return slog.GroupValue(
		slog.String("addr", c.Addr), slog.String("database", db),
		slog.String("public_origin", c.PublicOrigin), slog.String("jwt_secret", secret),
		slog.String("sqlite_synchronous", c.SQLiteSync), slog.Duration("access_ttl", c.AccessTTL),
		slog.Int64("body_limit", c.BodyLimit), slog.Int("order_rate", c.OrderRate),
		slog.Duration("request_timeout", c.RequestTimeout), slog.String("metrics", metrics),
		slog.Any("trusted_proxies", c.TrustedProxies),
	)
}

func maskURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparseable)"
	}
	if u.User != nil {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.Redacted()
}
