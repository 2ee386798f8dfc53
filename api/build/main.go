// Command build assembles api/openapi.yaml from api/parts/*.yaml: the base part
// holds the document; every other part adds paths and components. Run it from the
// repository root after editing a part: go run ./api/build
package main

import (
	"fmt"
	"os"

	"github.com/rapport/rapport/api/merge"
)

func main() {
	out, err := merge.Parts("api/parts")
	if err != nil {
		fmt.Fprintln(os.Stderr, "build openapi:", err)
		os.Exit(1)
	}
	if err := os.WriteFile("api/openapi.yaml", out, 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "build openapi:", err)
		os.Exit(1)
	}
}
