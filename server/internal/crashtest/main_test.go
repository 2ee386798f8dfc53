package crashtest

import (
	"os"
	"path/filepath"
	"testing"
)

// TestMain removes the binary built for the tests once they are done.
func TestMain(m *testing.M) {
	code := m.Run()
	if binPath != "" {
		os.RemoveAll(filepath.Dir(binPath))
	}
	os.Exit(code)
}
