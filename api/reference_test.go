package api

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

// TestAPIReferenceListsEveryRoute keeps docs/api.md's route table equal to the
// route table itself: `bin/taizhang routes` prints the lines it must hold.
func TestAPIReferenceListsEveryRoute(t *testing.T) {
	doc, err := os.ReadFile("../docs/api.md")
	if err != nil {
		t.Fatal(err)
	}
	var table bytes.Buffer
	if err := WriteRouteTable(&table); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(doc), table.String()) {
		t.Fatalf("docs/api.md does not hold the current route table; replace it with the output of `bin/taizhang routes`:\n%s", table.String())
	}
}
