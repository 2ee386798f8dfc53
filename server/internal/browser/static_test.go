package browser_test

import (
	"io/fs"
	"regexp"
	"strings"
	"testing"

	"github.com/rapport/rapport/frontend"
)

// The page never turns data into HTML: no innerHTML and friends, no inline
// scripts or handlers, no inline style attributes (the CSP forbids them too).
func TestStaticFilesBuildNoHTMLFromStrings(t *testing.T) {
	banned := map[string]*regexp.Regexp{
		".js":   regexp.MustCompile(`\.(innerHTML|outerHTML)\s*=|insertAdjacentHTML|document\.write|\beval\(|new Function\(|setAttribute\(\s*['"](style|on\w+)['"]`),
		".html": regexp.MustCompile(`(?i)<script>|\son\w+\s*=|\sstyle\s*=`),
	}
	n := 0
	err := fs.WalkDir(frontend.Files, "static", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		for ext, re := range banned {
			if !strings.HasSuffix(path, ext) {
				continue
			}
			n++
			b, err := fs.ReadFile(frontend.Files, path)
			if err != nil {
				return err
			}
			for i, line := range strings.Split(string(b), "\n") {
				if re.MatchString(line) {
					t.Errorf("%s:%d builds HTML from a string or inlines script/style: %s", path, i+1, strings.TrimSpace(line))
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 10 {
		t.Fatalf("checked only %d files; is frontend/static embedded?", n)
	}
}
