// Package api embeds the OpenAPI document, the HTTP contract of Rapport.
package api

import _ "embed"

// OpenAPI is api/openapi.yaml, served at /api/v1/openapi.yaml and checked by tests.
//
//go:embed openapi.yaml
var OpenAPI []byte
