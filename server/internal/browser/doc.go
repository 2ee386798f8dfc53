// Package browser holds the browser tests of the web page: a real server on a
// real database, driven through Debian's Chromium with chromedp. The package has
// no non-test code; see harness_test.go.
package browser
