package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rapport/rapport/server/internal/store"
	"github.com/rapport/rapport/server/internal/testutil"
)

// The CLI contract: org create prints the new org's id; migrate, demo and backup work.
func TestCLI(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("RAPPORT_DATA_DIR", dir)
	t.Setenv("RAPPORT_LOG_LEVEL", "error")
	var out, errOut bytes.Buffer
	if err := run([]string{"migrate"}, &out, &errOut); err != nil {
		t.Fatalf("migrate: %v\n%s", err, errOut.String())
	}
	if err := run([]string{"org", "create", "--name", "Acme Machines", "--admin-email", "a@acme.test", "--admin-password", "weak"}, &out, &errOut); err == nil {
		t.Fatal("weak admin password accepted")
	}
	out.Reset()
	if err := run([]string{"org", "create", "--name", "Acme Machines", "--admin-email", "a@acme.test", "--admin-password", "a-long-password"}, &out, &errOut); err != nil {
		t.Fatalf("org create: %v", err)
	}
	orgID := strings.TrimSpace(out.String())
	if orgID == "" || strings.ContainsAny(orgID, " \n") {
		t.Fatalf("org create printed %q, want the id alone", out.String())
	}
	out.Reset()
	if err := run([]string{"demo"}, &out, &errOut); err != nil {
		t.Fatalf("demo: %v", err)
	}
	if !strings.Contains(out.String(), "anna.berg@nordwerk.example") {
		t.Fatalf("demo did not print the logins:\n%s", out.String())
	}
	backup := filepath.Join(t.TempDir(), "backup.db")
	if err := run([]string{"backup", "--to", backup}, &out, &errOut); err != nil {
		t.Fatalf("backup: %v", err)
	}
	st, err := store.Open(store.Options{SQLitePath: backup, Logger: testutil.Logger()})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	org, err := st.Org(ctx, orgID)
	if err != nil || org.Name != "Acme Machines" {
		t.Fatalf("backup lacks the org: %+v %v", org, err)
	}
	if err := run([]string{"backup", "--to", backup}, &out, &errOut); err == nil {
		t.Fatal("backup overwrote an existing file")
	}
	if err := run([]string{"bogus"}, &out, &errOut); err == nil {
		t.Fatal("unknown command accepted")
	}
	if _, err := os.Stat(filepath.Join(dir, "jwt.key")); err != nil {
		t.Fatalf("jwt key not generated: %v", err)
	}
	if fi, _ := os.Stat(filepath.Join(dir, "jwt.key")); fi.Mode().Perm() != 0o600 {
		t.Fatalf("jwt key mode %v, want 0600", fi.Mode().Perm())
	}
}
