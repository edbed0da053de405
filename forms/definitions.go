package forms

import (
	"context"
	"slices"

	"taizhang/versioned"
)

// DefinitionCache keeps form definitions as FormByID reads them (without
// their drafts) for as long as the store's forms version stays the same.
// Every filing and every read of an entry asks for its form's definition —
// who it is assigned to, whether it is archived, its latest version — and
// that was one query each, one round trip to MongoDB; now a request reads
// the store's versions, which it reads anyway. Every write to a form moves
// the version (by trigger on SQLite, in the write's transaction on MongoDB).
type DefinitionCache struct {
	Store interface {
		FormByID(ctx context.Context, id string) (Definition, error)
	}
	// Version is the store's forms version, read once per request
	// (org.ReadVersions).
	Version func(ctx context.Context) (int64, error)

	kept versioned.Map[formsVersion, Definition]
}

// formsVersion is the store's forms version as versioned.Map compares it.
type formsVersion int64

func (v formsVersion) After(old formsVersion) bool { return v > old }

// maxDefinitions bounds the cache; beyond it, it starts again empty.
const maxDefinitions = 2_000

// FormByID returns the definition read at the current forms version.
func (c *DefinitionCache) FormByID(ctx context.Context, id string) (Definition, error) {
	v, err := c.Version(ctx)
	if err != nil {
		return Definition{}, err
	}
	if d, ok := c.kept.Get(formsVersion(v), id); ok {
		return cloneDefinition(d), nil
	}
	d, err := c.Store.FormByID(ctx, id)
	if err != nil {
		return Definition{}, err
	}
	c.kept.Put(formsVersion(v), id, cloneDefinition(d), maxDefinitions)
	return d, nil
}

// cloneDefinition copies the slices a caller could change.
func cloneDefinition(d Definition) Definition {
	d.OwnerPath, d.Assignments = slices.Clone(d.OwnerPath), slices.Clone(d.Assignments)
	return d
}
