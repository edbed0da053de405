// Command testreport reads `go test -json` on stdin and prints what a person
// needs: each package's result, the whole output of every failed test, and
// every skipped test with its reason (the contract suite's skips name what a
// backend lacks). It exits 1 if anything failed. The full log is the input.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"strings"
)

type event struct {
	Action  string
	Package string
	Test    string
	Elapsed float64
	Output  string
}

func main() {
	output := map[string][]string{} // package/test → its lines so far
	failed := false
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 16<<20)
	for in.Scan() {
		var e event
		if json.Unmarshal(in.Bytes(), &e) != nil {
			fmt.Println(in.Text()) // build errors arrive as plain text
			continue
		}
		key := e.Package + " " + e.Test
		switch e.Action {
		case "build-output":
			fmt.Print(e.Output)
		case "build-fail":
			failed = true
		case "output":
			output[key] = append(output[key], e.Output)
		case "skip":
			if e.Test != "" {
				fmt.Printf("SKIP %s %s: %s\n", e.Package, e.Test, reason(output[key]))
			}
			delete(output, key)
		case "fail":
			failed = true
			if e.Test == "" {
				fmt.Printf("FAIL %s (%.1fs)\n", e.Package, e.Elapsed)
			}
			fmt.Print(strings.Join(output[key], ""))
			delete(output, key)
		case "pass":
			if e.Test == "" {
				fmt.Printf("ok   %s (%.1fs)\n", e.Package, e.Elapsed)
			}
			delete(output, key)
		}
	}
	if failed {
		os.Exit(1)
	}
}

// reason is the message a skipped test gave, without go test's framing.
func reason(lines []string) string {
	var out []string
	for _, l := range lines {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "=== ") || strings.HasPrefix(l, "--- SKIP") {
			continue
		}
		out = append(out, l)
	}
	return strings.Join(out, " ")
}
