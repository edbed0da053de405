package export

import "taizhang/entries"

var (
	statusNames = entries.StatusNames
	actionNames = entries.ActionNames
)

func named(names map[string]string, code string) string {
	if n, ok := names[code]; ok {
		return n
	}
	return code
}
