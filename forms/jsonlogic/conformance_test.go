package jsonlogic

import (
	"encoding/json"
	"os"
	"reflect"
	"testing"
)

// TestConformance runs the official JsonLogic suite (testdata/, see its README), the
// same file the front end's tests run through json-logic-js.
func TestConformance(t *testing.T) {
	raw, err := os.ReadFile("testdata/jsonlogic-tests.json")
	if err != nil {
		t.Fatalf("the conformance suite is missing: %v", err)
	}
	var suite []any
	if err := json.Unmarshal(raw, &suite); err != nil {
		t.Fatal(err)
	}
	cases := 0
	for _, item := range suite {
		tc, ok := item.([]any)
		if !ok {
			continue // a section heading
		}
		cases++
		got, err := Evaluator{}.Apply(tc[0], tc[1])
		if err != nil {
			t.Errorf("rule %s: %v", mustJSON(tc[0]), err)
			continue
		}
		if !sameJSON(got, tc[2]) {
			t.Errorf("rule %s data %s: got %s, want %s", mustJSON(tc[0]), mustJSON(tc[1]), mustJSON(got), mustJSON(tc[2]))
		}
	}
	if cases != 278 {
		t.Fatalf("ran %d cases, the suite has 278", cases)
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// sameJSON compares as JSON values, so 1 and 1.0 are equal, as deepStrictEqual
// sees them in JavaScript.
func sameJSON(a, b any) bool {
	var x, y any
	_ = json.Unmarshal([]byte(mustJSON(a)), &x)
	_ = json.Unmarshal([]byte(mustJSON(b)), &y)
	return reflect.DeepEqual(x, y)
}
