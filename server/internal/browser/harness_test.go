package browser_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// EnvRequireBrowser turns a missing Chromium into a failure (CI sets it).
const EnvRequireBrowser = "RAPPORT_REQUIRE_BROWSER"

// EnvArtifacts names the folder screenshots are written to.
const EnvArtifacts = "RAPPORT_TEST_ARTIFACTS"

var (
	browserCtx  context.Context // one browser for the whole test binary
	browserWhy  string          // why there is none
	artifactDir string
	artOnce     sync.Once
)

func chromiumPath() string {
	if p := os.Getenv("RAPPORT_CHROMIUM"); p != "" {
		return p
	}
	for _, p := range []string{"/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	return ""
}

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	path := chromiumPath()
	if path == "" {
		browserWhy = "Chromium is not installed (apt-get install -y chromium)"
		return m.Run()
	}
	profile, err := os.MkdirTemp("", "rapport-chromium-")
	if err != nil {
		browserWhy = err.Error()
		return m.Run()
	}
	defer os.RemoveAll(profile)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox,
		chromedp.UserDataDir(profile),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("lang", "en-GB"),
		chromedp.WindowSize(1280, 800),
	)
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(alloc)
	defer cancel()
	if err := chromedp.Do(ctx); err != nil { // starts the browser, no timeout bound to it
		browserWhy = fmt.Sprintf("start Chromium %s: %v", path, err)
		return m.Run()
	}
	browserCtx = ctx
	return m.Run()
}

// needBrowser skips (or, with RAPPORT_REQUIRE_BROWSER=1, fails) without Chromium.
func needBrowser(t *testing.T) {
	t.Helper()
	if browserCtx != nil {
		return
	}
	if os.Getenv(EnvRequireBrowser) == "1" {
		t.Fatalf("a browser is required (%s=1): %s", EnvRequireBrowser, browserWhy)
	}
	t.Skip(browserWhy)
}

// artifacts is the folder screenshots go to.
func artifacts(t *testing.T) string {
	artOnce.Do(func() {
		artifactDir = os.Getenv(EnvArtifacts)
		if artifactDir == "" {
			artifactDir = filepath.Join(os.TempDir(), "rapport-browser-artifacts")
		}
		if err := os.MkdirAll(artifactDir, 0o755); err != nil {
			t.Fatalf("artifacts: %v", err)
		}
	})
	return artifactDir
}

// Page is one signed-in (or not) person: an isolated browser context (its own
// storage, like a separate browser profile) with one tab.
type Page struct {
	t        *testing.T
	ctx      context.Context
	base     string
	name     string
	mu       sync.Mutex
	problems []string
	network  []string // the expected API answers Chromium logged
	allowed  []*regexp.Regexp
}

// expectedNetwork are API answers the page handles itself (a validation error
// shown next to a field, a refresh after 401, a conflict it explains): Chromium
// still logs them as failed loads, which is not a page error.
var expectedNetwork = regexp.MustCompile(`status of (401|409|412|422) `)

// openPage opens a new isolated browser context at the given viewport size.
func openPage(t *testing.T, base, name string, width, height int64) *Page {
	t.Helper()
	needBrowser(t)
	ctx, cancel := chromedp.NewContext(browserCtx, chromedp.WithNewBrowserContext())
	p := &Page{t: t, ctx: ctx, base: base, name: name}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(width, height)); err != nil {
		cancel()
		t.Fatalf("%s: open tab: %v", name, err)
	}
	messages := chromedp.Console(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for m, err := range messages {
			if err != nil {
				return
			}
			p.record(m)
		}
	}()
	t.Cleanup(func() {
		cancel()
		<-done
		p.assertClean()
	})
	return p
}

func (p *Page) record(m chromedp.ConsoleMessage) {
	if m.Type != chromedp.ConsoleError && m.Type != chromedp.ConsoleException {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if m.Source == "network" && expectedNetwork.MatchString(m.Text) {
		p.network = append(p.network, m.Text+" "+m.URL)
		return
	}
	for _, re := range p.allowed {
		if re.MatchString(m.Text) {
			return
		}
	}
	p.problems = append(p.problems, fmt.Sprintf("%s %s (%s:%d)", m.Type, m.Text, m.URL, m.Line+1))
}

// sawNetwork reports whether Chromium logged an expected API answer matching re.
func (p *Page) sawNetwork(re string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, n := range p.network {
		if regexp.MustCompile(re).MatchString(n) {
			return true
		}
	}
	return false
}

func (p *Page) assertClean() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, pr := range p.problems {
		p.t.Errorf("%s: console: %s", p.name, pr)
	}
}

// do runs actions with a generous timeout; a failure ends the test with a
// screenshot of what the page showed.
func (p *Page) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		p.fail(what, err)
	}
}

func (p *Page) fail(what string, err error) {
	p.t.Helper()
	shot := p.shot("FAILED-" + sanitize(what))
	body, _ := chromedp.Run(p.ctx, chromedp.Evaluate[string](`document.body.innerText.slice(0, 3000)`))
	p.t.Fatalf("%s: %s: %v\nscreenshot: %s\npage text:\n%s", p.name, what, err, shot, body)
}

func sanitize(s string) string {
	return strings.Trim(regexp.MustCompile(`[^a-zA-Z0-9]+`).ReplaceAllString(s, "-"), "-")
}

// waitFor waits until the JavaScript expression is truthy.
func (p *Page) waitFor(what, expr string) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, 20*time.Second)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`!!(`+expr+`)`, chromedp.WithPollingInterval(50*time.Millisecond))); err != nil {
		p.fail("wait for "+what, err)
	}
}

// eval returns the value of a JavaScript expression.
func evalAs[T any](p *Page, expr string) T {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, 20*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		p.fail("evaluate "+expr, err)
	}
	return v
}

// text returns the text of the first element matching the CSS selector.
func (p *Page) text(sel string) string {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, 20*time.Second)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel), chromedp.NodeVisible))
	if err != nil {
		p.fail("text of "+sel, err)
	}
	return s
}

// visit opens a page route ("#/…").
func (p *Page) visit(route string) {
	p.t.Helper()
	p.do("open "+route, chromedp.Navigate(p.base+"/"+route))
}

// click clicks the first visible element matching the CSS selector.
func (p *Page) click(sel string) {
	p.t.Helper()
	p.do("click "+sel, chromedp.WaitVisible(chromedp.CSS(sel)), chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible))
}

// typeInto types into the first visible element matching the CSS selector.
func (p *Page) typeInto(sel, text string) {
	p.t.Helper()
	p.do("type into "+sel, chromedp.WaitVisible(chromedp.CSS(sel)), chromedp.SendKeys(chromedp.CSS(sel), text, chromedp.NodeVisible))
}

// setValue sets an input's value (dates, selects) and fires input/change.
func (p *Page) setValue(sel, value string) {
	p.t.Helper()
	p.waitFor(sel, `document.querySelector(`+jsString(sel)+`)`)
	evalAs[bool](p, `(() => { const e = document.querySelector(`+jsString(sel)+`); e.value = `+jsString(value)+`;
		e.dispatchEvent(new Event('input', {bubbles: true})); e.dispatchEvent(new Event('change', {bubbles: true})); return true })()`)
}

// login signs in through the sign-in form and waits for the home page.
func (p *Page) login(email, password string) {
	p.t.Helper()
	p.visit("#/")
	p.setValue("#login-email", "")
	p.setValue("#login-password", "")
	p.typeInto("#login-email", email)
	p.typeInto("#login-password", password)
	p.click("#login button[type=submit]")
	p.waitFor("signed in", `document.querySelector('#signout') && !document.querySelector('#signout').hidden && document.querySelector('main h1') && !document.querySelector('#login')`)
}

// shot writes a full-page screenshot to the artifacts folder and returns its path.
func (p *Page) shot(name string) string {
	dir := artifacts(p.t)
	ctx, cancel := context.WithTimeout(p.ctx, 20*time.Second)
	defer cancel()
	buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		p.t.Logf("%s: screenshot %s: %v", p.name, name, err)
		return ""
	}
	path := filepath.Join(dir, name+".png")
	if err := os.WriteFile(path, buf, 0o644); err != nil {
		p.t.Logf("write screenshot: %v", err)
	}
	return path
}

func jsString(s string) string {
	r := strings.NewReplacer(`\`, `\\`, "`", "\\`", "$", `\$`)
	return "`" + r.Replace(s) + "`"
}

func navigate(url string) chromedp.Action[chromedp.Void] { return chromedp.Navigate(url) }

// assertAccessible checks what a keyboard or screen-reader user depends on:
// every visible form control has a label, every button and link a name, and no
// element is wider than the viewport (nothing cut off on a phone).
func (p *Page) assertAccessible(where string) {
	p.t.Helper()
	problems := evalAs[[]string](p, `(() => {
		const out = [];
		const visible = (e) => e.offsetParent !== null || e.getClientRects().length > 0;
		const named = (e) => (e.getAttribute('aria-label') || '').trim() || (e.labels && [...e.labels].some(l => l.textContent.trim()));
		for (const e of document.querySelectorAll('main input, main select, main textarea')) {
			if (e.type === 'hidden' || !visible(e)) continue;
			if (!named(e)) out.push('unlabelled ' + e.tagName.toLowerCase() + ' name=' + e.name);
		}
		for (const e of document.querySelectorAll('button, a[href]')) {
			if (!visible(e)) continue;
			if (!(e.textContent.trim() || (e.getAttribute('aria-label') || '').trim())) out.push('nameless ' + e.tagName.toLowerCase());
		}
		if (document.documentElement.scrollWidth > window.innerWidth + 1) out.push('page wider than the viewport: ' + document.documentElement.scrollWidth + ' > ' + window.innerWidth);
		return out;
	})()`)
	for _, pr := range problems {
		p.t.Errorf("%s: %s: %s", p.name, where, pr)
	}
}
