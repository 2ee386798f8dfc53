package api_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/rapport/rapport/api"
	"github.com/rapport/rapport/api/merge"
)

// The served document must be exactly the merge of the parts, and valid.
func TestOpenAPIIsBuiltFromPartsAndValid(t *testing.T) {
	want, err := merge.Parts("parts")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(want, api.OpenAPI) {
		t.Fatal("api/openapi.yaml is stale: run `go run ./api/build` from the repository root")
	}
	doc, err := openapi3.NewLoader().LoadFromData(api.OpenAPI)
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("openapi.yaml is invalid: %v", err)
	}
}
