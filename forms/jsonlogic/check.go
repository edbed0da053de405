package jsonlogic

import "fmt"

// knownOps is every operator Apply implements.
func knownOps() map[string]bool {
	known := map[string]bool{"var": true, "missing": true, "missing_some": true, "today": true}
	for op := range simpleOps {
		known[op] = true
	}
	for _, op := range lazyNames {
		known[op] = true
	}
	return known
}

// Check validates a rule before it is stored in a schema: every operator is known
// and nesting stays within MaxDepth. Rules that pass cannot fail at evaluation for
// those reasons.
func Check(rule any) error {
	return check(rule, knownOps(), 0)
}

func check(rule any, known map[string]bool, depth int) error {
	if depth > MaxDepth {
		return ErrTooDeep
	}
	if list, ok := rule.([]any); ok {
		for _, r := range list {
			if err := check(r, known, depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	op, args, ok := operator(rule)
	if !ok {
		return nil
	}
	if !known[op] {
		return fmt.Errorf("%w %q", ErrUnknownOperator, op)
	}
	return check(args, known, depth+1)
}
