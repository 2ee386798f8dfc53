package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestLoadLayersFileThenEnvironment(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rapport.env")
	os.WriteFile(path, []byte("# comment\nRAPPORT_ADDR=0.0.0.0:9000\nRAPPORT_ACCESS_TTL=10m\nRAPPORT_PUBLIC_ORIGIN=\"https://portal.example.com\"\n"), 0o600)
	t.Setenv("RAPPORT_ADDR", "127.0.0.1:9100")
	t.Setenv("RAPPORT_ALLOWED_ORIGINS", "https://a.example.com, https://b.example.com")
	cfg, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Addr != "127.0.0.1:9100" || cfg.AccessTTL != 10*time.Minute || cfg.PublicOrigin != "https://portal.example.com" {
		t.Errorf("cfg = %+v", cfg)
	}
	if got := cfg.Origins(); len(got) != 3 || got[2] != "https://b.example.com" {
		t.Errorf("origins = %v", got)
	}
}

func TestValidateReportsEveryBadSetting(t *testing.T) {
	cfg := Default()
	cfg.AccessTTL = time.Hour
	cfg.JWTSecret = "short"
	cfg.DatabaseURL = "mysql://x"
	cfg.SQLiteSync = "OFF"
	cfg.PublicOrigin = "ftp://x"
	cfg.OrderRate = -1
	cfg.RequestTimeout = 2 * time.Minute
	cfg.MetricsToken = "short"
	err := cfg.Validate()
	if err == nil {
		t.Fatal("invalid config accepted")
	}
	for _, want := range []string{"RAPPORT_ACCESS_TTL", "RAPPORT_JWT_SECRET", "RAPPORT_DATABASE_URL", "RAPPORT_SQLITE_SYNCHRONOUS", "RAPPORT_PUBLIC_ORIGIN",
		"RAPPORT_ORDER_RATE", "RAPPORT_REQUEST_TIMEOUT", "RAPPORT_METRICS_TOKEN"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not mention %s: %v", want, err)
		}
	}
	def := Default()
	if err := def.Validate(); err != nil {
		t.Fatalf("defaults invalid: %v", err)
	}
}

// TestAbuseLimitSettings: the order limit, request deadline and metrics token
// are read from the environment, with defaults a real buyer terminal never meets.
func TestAbuseLimitSettings(t *testing.T) {
	def := Default()
	if def.OrderRate != 120 || def.OrderBurst() != 30 || def.RequestTimeout != 30*time.Second || def.MetricsToken != "" {
		t.Fatalf("defaults: order rate %d burst %d, timeout %v, metrics token %q", def.OrderRate, def.OrderBurst(), def.RequestTimeout, def.MetricsToken)
	}
	t.Setenv("RAPPORT_ORDER_RATE", "0")
	t.Setenv("RAPPORT_REQUEST_TIMEOUT", "2s")
	t.Setenv("RAPPORT_METRICS_TOKEN", "scrape-token-0123456789")
	cfg, err := Load("")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.OrderRate != 0 || cfg.OrderBurst() != 1 || cfg.RequestTimeout != 2*time.Second || cfg.MetricsToken != "scrape-token-0123456789" {
		t.Fatalf("cfg = %+v", cfg)
	}
	t.Setenv("RAPPORT_ORDER_RATE", "many")
	if _, err := Load(""); err == nil || !strings.Contains(err.Error(), "RAPPORT_ORDER_RATE") {
		t.Fatalf("a non-number order rate: %v", err)
	}
}

func TestLogValueMasksSecrets(t *testing.T) {
	cfg := Default()
	cfg.MetricsToken = "scrape-token-secret-0123456789"
	cfg.JWTSecret = "super-secret-value-super-secret-value"
	cfg.DatabaseURL = "postgres://app:hunter2@db:5432/rapport"
	s := cfg.LogValue().String()
	if strings.Contains(s, "hunter2") || strings.Contains(s, "super-secret") || strings.Contains(s, "scrape-token") {
		t.Fatalf("secrets logged: %s", s)
	}
}

func TestPublicOriginFollowsTheListenAddress(t *testing.T) {
	t.Setenv("RAPPORT_ADDR", "0.0.0.0:9200")
	cfg, err := Load("")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.PublicOrigin != "http://localhost:9200" {
		t.Fatalf("origin = %q", cfg.PublicOrigin)
	}
}

// TestTrustedProxiesSetting: RAPPORT_TRUSTED_PROXIES is a comma-separated list of
// IPs and CIDR ranges, empty by default (no proxy trusted); a value that is not
// one, or a /0 range that trusts everyone, stops the start with a clear error.
func TestTrustedProxiesSetting(t *testing.T) {
	if def := Default(); def.TrustedProxies != nil {
		t.Fatalf("default trusted proxies = %v, want none", def.TrustedProxies)
	}
	t.Setenv("RAPPORT_TRUSTED_PROXIES", " 10.0.0.2, 10.1.0.0/16 ,,2001:db8::/32,::1")
	cfg, err := Load("")
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"10.0.0.2", "10.1.0.0/16", "2001:db8::/32", "::1"}; strings.Join(cfg.TrustedProxies, " ") != strings.Join(want, " ") {
		t.Fatalf("trusted proxies = %q, want %q", cfg.TrustedProxies, want)
	}
	for _, bad := range []string{"10.0.0.300", "10.0.0.0/33", "proxy.internal", "10.0.0.0/", "fe80::1%eth0", "0.0.0.0/0", "::/0"} {
		t.Setenv("RAPPORT_TRUSTED_PROXIES", "10.0.0.2,"+bad)
		_, err := Load("")
		if err == nil || !strings.Contains(err.Error(), "RAPPORT_TRUSTED_PROXIES") || !strings.Contains(err.Error(), `"`+bad+`"`) {
			t.Errorf("%q accepted or not named: %v", bad, err)
		}
	}
}
