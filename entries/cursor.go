package entries

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"time"

	"taizhang/errs"
	"taizhang/ids"
)

// Page sizes: small enough for a phone, bounded so a client cannot ask for everything.
const (
	DefaultLimit = 20
	MaxLimit     = 100
)

// Position is where a page ends in the (CreatedAt, ID) descending order. Keyset
// positions, unlike offsets, stay correct while new entries arrive at the top.
type Position struct {
	CreatedAt time.Time
	ID        string
}

// EncodeCursor makes an opaque cursor for the page after p.
func EncodeCursor(p Position) string {
	raw := strconv.FormatInt(p.CreatedAt.UnixMilli(), 10) + ":" + p.ID
	return base64.RawURLEncoding.EncodeToString([]byte(raw))
}

// DecodeCursor parses a cursor; an empty cursor means the first page (ok false).
func DecodeCursor(cursor string) (p Position, ok bool, err error) {
	if cursor == "" {
		return Position{}, false, nil
	}
	bad := errs.Fields("分页游标无效", errs.FieldError{Field: "cursor", Code: "invalid", Message: "分页游标无效，请从第一页重新加载"})
	raw, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil {
		return Position{}, false, bad
	}
	msText, id, found := strings.Cut(string(raw), ":")
	ms, err := strconv.ParseInt(msText, 10, 64)
	if !found || err != nil || !ids.Valid(id) {
		return Position{}, false, bad
	}
	return Position{CreatedAt: time.UnixMilli(ms).UTC(), ID: id}, true, nil
}

// NormalizeLimit applies the default and the maximum page size.
func NormalizeLimit(limit int) (int, error) {
	switch {
	case limit == 0:
		return DefaultLimit, nil
	case limit < 0 || limit > MaxLimit:
		return 0, errs.Fields("每页条数无效", errs.FieldError{Field: "limit", Code: "out_of_range",
			Message: fmt.Sprintf("每页条数应在 1 到 %d 之间", MaxLimit), Params: map[string]any{"min": 1, "max": MaxLimit}})
	}
	return limit, nil
}

// ListPlan is a checked Query: the page size to fetch and where to start.
type ListPlan struct {
	Limit int
	After *Position // nil: the first page
}

// PlanList validates a query's limit and cursor for a store.
func PlanList(q Query) (ListPlan, error) {
	limit, err := NormalizeLimit(q.Limit)
	if err != nil {
		return ListPlan{}, err
	}
	pos, ok, err := DecodeCursor(q.Cursor)
	if err != nil || !ok {
		return ListPlan{Limit: limit}, err
	}
	return ListPlan{Limit: limit, After: &pos}, nil
}

// NextCursor returns the cursor after items when a full page came back. Stores ask
// for limit+1 rows and pass them all; the extra row only proves there is more.
func NextCursor(items []Entry, limit int) ([]Entry, string) {
	if len(items) <= limit {
		return items, ""
	}
	items = items[:limit]
	last := items[limit-1]
	return items, EncodeCursor(Position{CreatedAt: last.CreatedAt, ID: last.ID})
}
