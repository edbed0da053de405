// Package board is the public commitment board (公开承诺): the reviewed
// entries of forms marked as public commitments, per unit and for the city,
// readable by anyone — the masses the commitments are made to — without
// signing in. Only fields the form marks public are shown, with the unit,
// the deadline, the progress and, after 销号, the evidence photos; never
// who filed or reviewed, nor names, phones or ID numbers.
package board

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"taizhang/auth"
	"taizhang/entries"
	"taizhang/errs"
	"taizhang/forms"
	"taizhang/org"
)

// Page is one unit's board.
type Page struct {
	Unit    string    `json:"unit"` // the unit's name with its path
	Slug    string    `json:"slug"`
	Items   []Item    `json:"items"`
	Updated time.Time `json:"updated"`
}

// Item is one commitment.
type Item struct {
	Form     string   `json:"form"`
	Unit     string   `json:"unit"`
	Status   string   `json:"status"` // in words
	Closed   bool     `json:"closed"`
	Fields   []Shown  `json:"fields"`
	Deadline string   `json:"deadline,omitempty"`
	Progress string   `json:"progress,omitempty"`
	Evidence []string `json:"evidence"` // photos after 销号 (attachment ids)
	Filed    string   `json:"filed"`    // the day it was filed
}

// Shown is a public field and its value in words.
type Shown struct {
	Label string `json:"label"`
	Value string `json:"value"`
}

// shownStatuses are the states a commitment is public in: reviewed and on.
var shownStatuses = map[string]bool{"approved": true, "accepted": true, "rectifying": true, "rectified": true, "closed": true}

// MaxItems bounds a board: the most recent commitments.
const MaxItems = 200

// cacheFor is how long a board is served from memory: every poster's QR
// code brings readers, and a commitment changes a few times a month.
const cacheFor = time.Minute

// Board builds boards from the store.
type Board struct {
	Entries interface {
		List(ctx context.Context, scope auth.Scope, q entries.Query) (entries.Page, error)
		Get(ctx context.Context, scope auth.Scope, id string) (entries.Entry, error)
	}
	Forms interface {
		ListForms(ctx context.Context, scope auth.Scope) ([]forms.Definition, error)
	}
	Versions interface {
		GetVersion(ctx context.Context, formID string, version int) (forms.Version, error)
	}
	Units func(ctx context.Context) ([]org.Unit, error)
	Now   func() time.Time

	mu    sync.Mutex
	cache map[string]cached
}

type cached struct {
	page  Page
	until time.Time
}

var errNoBoard = errs.New(errs.NotFound, "没有这个单位的公开承诺")

// Unit returns the board of the unit a slug names (its code, else its id),
// covering the units below it.
func (b *Board) Unit(ctx context.Context, slug string) (Page, error) {
	now := b.Now()
	b.mu.Lock()
	c, ok := b.cache[slug]
	b.mu.Unlock()
	if ok && now.Before(c.until) {
		return c.page, nil
	}
	page, err := b.build(ctx, slug, now)
	if err != nil {
		return Page{}, err
	}
	b.mu.Lock()
	if b.cache == nil || len(b.cache) > 10_000 {
		b.cache = map[string]cached{}
	}
	b.cache[slug] = cached{page: page, until: now.Add(cacheFor)}
	b.mu.Unlock()
	return page, nil
}

// Shows reports whether a photo is evidence on a unit's board: the only
// attachments served without signing in.
func (b *Board) Shows(ctx context.Context, slug, attachmentID string) (bool, error) {
	page, err := b.Unit(ctx, slug)
	if err != nil {
		return false, err
	}
	for _, item := range page.Items {
		if slices.Contains(item.Evidence, attachmentID) {
			return true, nil
		}
	}
	return false, nil
}

// RootOf is the root unit id (the system scope every board reads under).
func (b *Board) RootOf(ctx context.Context) (string, error) {
	units, err := b.Units(ctx)
	if err != nil || len(units) == 0 {
		return "", err
	}
	return units[0].Path[0], nil
}

func (b *Board) build(ctx context.Context, slug string, now time.Time) (Page, error) {
	units, err := b.Units(ctx)
	if err != nil {
		return Page{}, err
	}
	unit, ok := find(units, slug)
	if !ok {
		return Page{}, errNoBoard
	}
	names := map[string]string{}
	for _, u := range units {
		names[u.ID] = u.Name
	}
	system := auth.SystemScope(unit.Path[0])
	defs, err := b.Forms.ListForms(ctx, system)
	if err != nil {
		return Page{}, err
	}
	page := Page{Unit: unitName(unit.Path, names), Slug: slug, Items: []Item{}, Updated: now}
	for _, def := range defs {
		if def.LatestVersion == 0 {
			continue
		}
		latest, err := b.Versions.GetVersion(ctx, def.ID, def.LatestVersion)
		if err != nil || !latest.Schema.PublicCommitment {
			continue
		}
		items, err := b.items(ctx, system, def, unit, names)
		if err != nil {
			return Page{}, err
		}
		page.Items = append(page.Items, items...)
	}
	if len(page.Items) > MaxItems {
		page.Items = page.Items[:MaxItems]
	}
	return page, nil
}

// items are a form's public entries in the unit's subtree, newest first.
func (b *Board) items(ctx context.Context, system auth.Scope, def forms.Definition, unit org.Unit, names map[string]string) ([]Item, error) {
	var out []Item
	q := entries.Query{FormID: def.ID, UnitID: unit.ID, Limit: entries.MaxLimit}
	for len(out) < MaxItems {
		page, err := b.Entries.List(ctx, system, q)
		if err != nil {
			return nil, err
		}
		for _, listed := range page.Items {
			if !shownStatuses[listed.Status] {
				continue
			}
			e, err := b.Entries.Get(ctx, system, listed.ID) // the whole history: progress and evidence
			if err != nil {
				return nil, err
			}
			v, err := b.Versions.GetVersion(ctx, e.FormID, e.FormVersion)
			if err != nil {
				return nil, err
			}
			if v.Schema.PublicCommitment {
				out = append(out, item(e, v.Schema, pathName(e.UnitPath[len(unit.Path)-1:], names)))
			}
		}
		if page.NextCursor == "" {
			return out, nil
		}
		q.Cursor = page.NextCursor
	}
	return out, nil
}

func item(e entries.Entry, schema forms.Form, unitName string) Item {
	var data map[string]any
	_ = json.Unmarshal(e.Data, &data)
	it := Item{Form: schema.Title, Unit: unitName, Status: entries.StatusNames[e.Status], Closed: e.Status == "closed",
		Fields: shown(schema.Fields, data, ""), Evidence: []string{}, Filed: day(e.CreatedAt)}
	if !e.DueAt.IsZero() {
		it.Deadline = day(e.DueAt)
	}
	if measures := e.Measures(); len(measures) > 0 {
		done := 0
		for _, m := range measures {
			if m.Done {
				done++
			}
		}
		it.Progress = fmt.Sprintf("整改措施 %d/%d 项已完成", done, len(measures))
	}
	if it.Closed {
		for _, ev := range e.History {
			if d, ok := ev.Data.(map[string]any); ok {
				for _, p := range asList(d["evidencePhotos"]) {
					if id, ok := p.(string); ok && !slices.Contains(it.Evidence, id) {
						it.Evidence = append(it.Evidence, id)
					}
				}
			}
		}
	}
	return it
}

// shown lists the public fields with values in words; a public group's
// rows each become one line of its public subfields.
func shown(fields []forms.Field, data map[string]any, prefix string) []Shown {
	var out []Shown
	for _, f := range fields {
		if !f.Public || data[f.Key] == nil {
			continue
		}
		if f.Type == "group" {
			for i, row := range asList(data[f.Key]) {
				values := map[string]any{}
				if m, ok := row.(map[string]any); ok {
					values = m
				}
				var parts []string
				for _, s := range shown(f.Fields, values, "") {
					parts = append(parts, s.Label+"："+s.Value)
				}
				if len(parts) > 0 {
					out = append(out, Shown{Label: fmt.Sprintf("%s%s %d", prefix, f.Label, i+1), Value: strings.Join(parts, "；")})
				}
			}
			continue
		}
		if v := words(f, data[f.Key]); v != "" {
			out = append(out, Shown{Label: prefix + f.Label, Value: v})
		}
	}
	return out
}

// words is a value as people read it: options by label.
func words(f forms.Field, v any) string {
	switch x := v.(type) {
	case string:
		return f.LabelOf(x)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		if x {
			return "是"
		}
		return "否"
	case []any:
		var parts []string
		for _, item := range x {
			parts = append(parts, words(f, item))
		}
		return strings.Join(parts, "、")
	}
	return ""
}

func asList(v any) []any {
	list, _ := v.([]any)
	return list
}

// find is the unit a slug names: its code, else its id.
func find(units []org.Unit, slug string) (org.Unit, bool) {
	for _, u := range units {
		if u.Active && (u.Code != "" && u.Code == slug || u.ID == slug) {
			return u, true
		}
	}
	return org.Unit{}, false
}

// pathName names a unit by the ids of its path ("城关镇/红旗村").
func pathName(path []string, names map[string]string) string {
	parts := make([]string, len(path))
	for i, id := range path {
		parts[i] = names[id]
	}
	return strings.Join(parts, "/")
}

// unitName is a board's unit with its path below the city (the city alone
// for the city's board).
func unitName(path []string, names map[string]string) string {
	if len(path) > 1 {
		path = path[1:]
	}
	return pathName(path, names)
}

func day(t time.Time) string { return t.In(forms.Beijing).Format(time.DateOnly) }
