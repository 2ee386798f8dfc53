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
	err := cfg.Validate()
	if err == nil {
		t.Fatal("invalid config accepted")
	}
	for _, want := range []string{"RAPPORT_ACCESS_TTL", "RAPPORT_JWT_SECRET", "RAPPORT_DATABASE_URL", "RAPPORT_SQLITE_SYNCHRONOUS", "RAPPORT_PUBLIC_ORIGIN"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not mention %s: %v", want, err)
		}
	}
	def := Default()
	if err := def.Validate(); err != nil {
		t.Fatalf("defaults invalid: %v", err)
	}
}

func TestLogValueMasksSecrets(t *testing.T) {
	cfg := Default()
	cfg.JWTSecret = "super-secret-value-super-secret-value"
	cfg.DatabaseURL = "postgres://app:hunter2@db:5432/rapport"
	s := cfg.LogValue().String()
	if strings.Contains(s, "hunter2") || strings.Contains(s, "super-secret") {
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
