//go:build tools

// Package tools pins modules that only tests and tools import, so that go.mod
// keeps them when a package that uses them is not yet written.
package tools

import (
	_ "github.com/chromedp/chromedp"
	_ "github.com/gorilla/websocket"
	_ "github.com/jackc/pgx/v5"
)
