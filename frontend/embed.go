// Package frontend embeds the web page: plain ES modules and CSS, no build step.
package frontend

import "embed"

// Files holds static/, served at the site root by the API.
//
//go:embed static
var Files embed.FS
