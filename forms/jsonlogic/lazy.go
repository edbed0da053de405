package jsonlogic

// lazyNames are the operators that evaluate their own arguments: branches, short
// circuits and the array operators that run a rule per element.
var lazyNames = []string{"if", "?:", "and", "or", "filter", "map", "reduce", "all", "some", "none"}

// lazy runs a lazy operator; found is false for any other operator.
func (e Evaluator) lazy(op string, args []any, data any, depth int) (v any, found bool, err error) {
	switch op {
	case "if", "?:":
		v, err = e.ifOp(args, data, depth)
	case "and", "or":
		v, err = e.andOr(op == "or")(args, data, depth)
	case "filter":
		v, err = e.filter(args, data, depth)
	case "map":
		v, err = e.mapOp(args, data, depth)
	case "reduce":
		v, err = e.reduce(args, data, depth)
	case "all", "some":
		v, err = e.quantifier(op == "all")(args, data, depth)
	case "none":
		v, err = e.none(args, data, depth)
	default:
		return nil, false, nil
	}
	return v, true, err
}

func (e Evaluator) ifOp(args []any, data any, depth int) (any, error) {
	i := 0
	for ; i < len(args)-1; i += 2 {
		cond, err := e.apply(args[i], data, depth)
		if err != nil {
			return nil, err
		}
		if Truthy(cond) {
			return e.apply(args[i+1], data, depth)
		}
	}
	if i == len(args)-1 {
		return e.apply(args[i], data, depth)
	}
	return nil, nil
}

// andOr returns the first value whose truthiness equals stopOn, else the last.
func (e Evaluator) andOr(stopOn bool) func([]any, any, int) (any, error) {
	return func(args []any, data any, depth int) (any, error) {
		var current any
		for _, a := range args {
			v, err := e.apply(a, data, depth)
			if err != nil {
				return nil, err
			}
			current = v
			if Truthy(v) == stopOn {
				return v, nil
			}
		}
		return current, nil
	}
}

// scoped evaluates the array argument and returns it with the per-item rule.
func (e Evaluator) scoped(args []any, data any, depth int) ([]any, any, bool, error) {
	items, err := e.apply(arg(args, 0), data, depth)
	if err != nil {
		return nil, nil, false, err
	}
	list, ok := items.([]any)
	return list, arg(args, 1), ok, nil
}

func (e Evaluator) filter(args []any, data any, depth int) (any, error) {
	list, rule, ok, err := e.scoped(args, data, depth)
	if err != nil || !ok {
		return []any{}, err
	}
	out := []any{}
	for _, item := range list {
		keep, err := e.apply(rule, item, depth)
		if err != nil {
			return nil, err
		}
		if Truthy(keep) {
			out = append(out, item)
		}
	}
	return out, nil
}

func (e Evaluator) mapOp(args []any, data any, depth int) (any, error) {
	list, rule, ok, err := e.scoped(args, data, depth)
	if err != nil || !ok {
		return []any{}, err
	}
	out := make([]any, len(list))
	for i, item := range list {
		if out[i], err = e.apply(rule, item, depth); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (e Evaluator) reduce(args []any, data any, depth int) (any, error) {
	list, rule, ok, err := e.scoped(args, data, depth)
	if err != nil {
		return nil, err
	}
	acc, err := e.apply(arg(args, 2), data, depth)
	if err != nil || !ok {
		return acc, err
	}
	for _, item := range list {
		if acc, err = e.apply(rule, map[string]any{"current": item, "accumulator": acc}, depth); err != nil {
			return nil, err
		}
	}
	return acc, nil
}

// quantifier is "all" (every item passes; false for an empty list) and "some".
func (e Evaluator) quantifier(all bool) func([]any, any, int) (any, error) {
	return func(args []any, data any, depth int) (any, error) {
		list, rule, _, err := e.scoped(args, data, depth)
		if err != nil || len(list) == 0 {
			return false, err
		}
		for _, item := range list {
			v, err := e.apply(rule, item, depth)
			if err != nil {
				return nil, err
			}
			if Truthy(v) != all {
				return !all, nil
			}
		}
		return all, nil
	}
}

func (e Evaluator) none(args []any, data any, depth int) (any, error) {
	found, err := e.quantifier(false)(args, data, depth)
	if err != nil {
		return nil, err
	}
	return !found.(bool), nil
}
