package main

import (
	"os/exec"
	"strings"
	"testing"
)

// TestImportDirection keeps the layering of docs/architecture.md true: the domain
// imports neither Fiber nor a database driver, only api imports Fiber, only the
// store adapters import their drivers, and the binary never links FerretDB.
func TestImportDirection(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}: {{join .Imports \" \"}}", "taizhang/cmd/taizhang").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	allowed := map[string][]string{
		"github.com/gofiber/fiber":    {"taizhang/api"},
		"go.mongodb.org/mongo-driver": {"taizhang/store/mongo"},
		"modernc.org/sqlite":          {"taizhang/store/sqlite"},
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		pkg, imports, _ := strings.Cut(line, ": ")
		if strings.Contains(pkg, "FerretDB") {
			t.Errorf("the production binary links %s", pkg)
		}
		if !strings.HasPrefix(pkg, "taizhang/") || pkg == "taizhang/cmd/taizhang" {
			continue
		}
		for _, imp := range strings.Fields(imports) {
			if imp == "taizhang/api" || imp == "taizhang/cmd/taizhang" {
				t.Errorf("%s imports %s: nothing may import api or main", pkg, imp)
			}
			for prefix, users := range allowed {
				if strings.HasPrefix(imp, prefix) && !containsPrefix(users, pkg) {
					t.Errorf("%s imports %s; only %v may", pkg, imp, users)
				}
			}
		}
	}
}

func containsPrefix(list []string, s string) bool {
	for _, p := range list {
		if s == p || strings.HasPrefix(s, p+"/") {
			return true
		}
	}
	return false
}
