package forms

import (
	"context"
	"slices"
	"sync"
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

	mu   sync.Mutex
	at   int64
	kept map[string]Definition
}

// maxDefinitions bounds the cache; beyond it, it starts again empty.
const maxDefinitions = 2_000

// FormByID returns the definition read at the current forms version.
func (c *DefinitionCache) FormByID(ctx context.Context, id string) (Definition, error) {
	v, err := c.Version(ctx)
	if err != nil {
		return Definition{}, err
	}
	if d, ok := c.lookup(v, id); ok {
		return cloneDefinition(d), nil
	}
	d, err := c.Store.FormByID(ctx, id)
	if err != nil {
		return Definition{}, err
	}
	c.keep(v, cloneDefinition(d))
	return d, nil
}

// lookup finds what was read at exactly version v; a newer v empties the
// cache first.
func (c *DefinitionCache) lookup(v int64, id string) (Definition, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.moveTo(v)
	if v != c.at {
		return Definition{}, false
	}
	d, ok := c.kept[id]
	return d, ok
}

// keep stores what was read after reading version v, unless the cache has
// moved past v meanwhile.
func (c *DefinitionCache) keep(v int64, d Definition) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.moveTo(v)
	if v != c.at {
		return
	}
	if c.kept == nil || len(c.kept) >= maxDefinitions {
		c.kept = map[string]Definition{}
	}
	c.kept[d.ID] = d
}

func (c *DefinitionCache) moveTo(v int64) {
	if v > c.at {
		c.at, c.kept = v, nil
	}
}

// cloneDefinition copies the slices a caller could change.
func cloneDefinition(d Definition) Definition {
	d.OwnerPath, d.Assignments = slices.Clone(d.OwnerPath), slices.Clone(d.Assignments)
	return d
}
