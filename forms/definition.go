package forms

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"taizhang/auth"
	"taizhang/errs"
)

// Definition is a form as administrators manage it: an editable draft, the
// number of its latest published version, and its assignments. It belongs to
// the unit whose administrator created it.
type Definition struct {
	ID            string
	OwnerUnitID   string
	OwnerPath     []string // scope checks test it
	Key           string
	Draft         Form
	LatestVersion int // 0: never published
	Archived      bool
	Assignments   []Assignment
	Rev           int
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// Version is one published schema. It never changes once stored; every entry
// records the version it was filled against and is shown and exported with it.
type Version struct {
	FormID      string
	Version     int
	Hash        string // SHA-256 of the schema's JSON
	Schema      Form
	PublishedAt time.Time
	PublishedBy string
}

// HashSchema identifies a schema's content.
func HashSchema(f Form) string {
	raw, _ := json.Marshal(f) // struct fields in order, map keys sorted: deterministic
	sum := sha256.Sum256(raw)
	return hex.EncodeToString(sum[:])
}

// fieldTypesByPath lists value fields as "key" or "group.key" → type.
func fieldTypesByPath(prefix string, fields []Field, out map[string]string) {
	for _, f := range fields {
		if !f.holdsValue() {
			continue
		}
		out[prefix+f.Key] = f.Type
		if f.Type == "group" {
			fieldTypesByPath(prefix+f.Key+".", f.Fields, out)
		}
	}
}

// CheckCompatible refuses a schema that gives an existing or removed key a new
// type: old entries store values under that key, and exports merge columns by key,
// so a key must mean one kind of value forever.
func CheckCompatible(next Form, previous []Version) error {
	known := map[string]string{}
	for _, v := range previous {
		fieldTypesByPath("", v.Schema.Fields, known)
	}
	now := map[string]string{}
	fieldTypesByPath("", next.Fields, now)
	for path, typ := range now {
		if old, ok := known[path]; ok && old != typ {
			return &errs.Error{Code: errs.Conflict,
				Message: fmt.Sprintf("字段“%s”在以前的版本中是 %s 类型，不能改为 %s；请换一个新的字段标识", path, old, typ),
				Fields:  []errs.FieldError{{Field: path, Code: "type_changed", Message: fmt.Sprintf("原类型 %s，新类型 %s", old, typ)}}}
		}
	}
	return nil
}

// Store keeps form definitions and their versions. Management reads and writes
// are scoped by the owner unit's path; filers reach forms through assignments.
type Store interface {
	InsertForm(ctx context.Context, scope auth.Scope, d Definition) error
	GetForm(ctx context.Context, scope auth.Scope, id string) (Definition, error)
	// ListForms returns the forms owned in the caller's subtree.
	ListForms(ctx context.Context, scope auth.Scope) ([]Definition, error)
	// ListAssigned returns unarchived forms assigned to the unit at unitPath: to the
	// unit itself, or to an ancestor with descendants included.
	ListAssigned(ctx context.Context, unitPath []string) ([]Definition, error)
	// FormByID reads a definition without a scope and without its draft: callers
	// decide access from its owner path and assignments (Service.Readable does),
	// and filing or reading an entry never needs the draft, the biggest part.
	FormByID(ctx context.Context, id string) (Definition, error)
	// UpdateForm writes Draft, LatestVersion, Archived, Assignments and UpdatedAt
	// if the stored Rev equals d.Rev, storing Rev+1; otherwise errs.Conflict.
	UpdateForm(ctx context.Context, scope auth.Scope, d Definition) error
	// InsertVersion stores a published version; errs.Duplicate if that number exists.
	InsertVersion(ctx context.Context, v Version) error
	GetVersion(ctx context.Context, formID string, version int) (Version, error)
	ListVersions(ctx context.Context, formID string) ([]Version, error)
}

// AssignedTo reports whether the definition is assigned to the unit at unitPath,
// and with which assignment.
func (d Definition) AssignedTo(unitPath []string) (Assignment, bool) {
	if len(unitPath) == 0 {
		return Assignment{}, false
	}
	own := unitPath[len(unitPath)-1]
	for _, a := range d.Assignments {
		if a.UnitID == own {
			return a, true
		}
		for _, ancestor := range unitPath[:len(unitPath)-1] {
			if a.UnitID == ancestor && a.Descendants() {
				return a, true
			}
		}
	}
	return Assignment{}, false
}
