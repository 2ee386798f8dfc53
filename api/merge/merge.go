// Package merge joins the OpenAPI parts in api/parts into one document.
package merge

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"go.yaml.in/yaml/v3"
)

const header = "# GENERATED from api/parts/*.yaml by `go run ./api/build`. Edit the parts, not this file.\n"

// Parts reads every *.yaml in dir (sorted; the first is the base document) and
// returns the merged document. A path or component defined twice is an error.
func Parts(dir string) ([]byte, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil || len(files) == 0 {
		return nil, fmt.Errorf("no parts in %s", dir)
	}
	sort.Strings(files)
	var base yaml.Node
	if err := readYAML(files[0], &base); err != nil {
		return nil, err
	}
	root := base.Content[0]
	for _, f := range files[1:] {
		var part yaml.Node
		if err := readYAML(f, &part); err != nil {
			return nil, err
		}
		if len(part.Content) == 0 {
			continue
		}
		if err := mergeMap(root, part.Content[0], f, 0); err != nil {
			return nil, err
		}
	}
	var buf bytes.Buffer
	buf.WriteString(header)
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(&base); err != nil {
		return nil, err
	}
	return buf.Bytes(), enc.Close()
}

func readYAML(path string, n *yaml.Node) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := yaml.Unmarshal(b, n); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// mergeMap adds src's keys to dst: paths and components merge two levels deep
// (components/schemas/Name); anything else defined twice is an error.
func mergeMap(dst, src *yaml.Node, file string, depth int) error {
	for i := 0; i+1 < len(src.Content); i += 2 {
		key, val := src.Content[i], src.Content[i+1]
		existing := lookup(dst, key.Value)
		switch {
		case existing == nil:
			dst.Content = append(dst.Content, key, val)
		case depth < 2 && existing.Kind == yaml.MappingNode && val.Kind == yaml.MappingNode && (depth > 0 || key.Value == "paths" || key.Value == "components"):
			if err := mergeMap(existing, val, file, depth+1); err != nil {
				return err
			}
		default:
			return fmt.Errorf("%s: %q is already defined by another part", file, key.Value)
		}
	}
	return nil
}

func lookup(m *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}
