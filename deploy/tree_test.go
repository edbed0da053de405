package deploy

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// outside matches a relative path that climbs out of the repository into the
// sibling "shared" folder of the workplace, which a clone elsewhere does not have.
var outside = regexp.MustCompile(`(\.\./)+shared/`)

// TestNothingReadsOutsideTheRepository keeps every test runnable from a fresh
// clone: code and scripts name only files inside the tree (documents may still
// mention where something came from).
func TestNothingReadsOutsideTheRepository(t *testing.T) {
	skip := map[string]bool{"node_modules": true, ".git": true, "dist": true, "data": true, "bin": true, "screenshots": true}
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if skip[d.Name()] {
				return filepath.SkipDir
			}
			return nil
		}
		if strings.HasSuffix(path, ".md") || strings.HasSuffix(path, ".json") || strings.HasSuffix(path, ".png") {
			return nil
		}
		raw, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if loc := outside.FindIndex(raw); loc != nil {
			t.Errorf("%s reads outside the repository: %q", path, raw[loc[0]:loc[1]])
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
