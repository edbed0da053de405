package forms

import (
	"context"
	"strconv"
	"sync"
)

// VersionCache keeps published versions in memory. A version never changes once
// published, so the cache needs no invalidation and is safe across instances;
// entries read their pinned version on every filing and display.
type VersionCache struct {
	Source interface {
		GetVersion(ctx context.Context, formID string, version int) (Version, error)
	}
	versions sync.Map // formID@version → Version
}

// GetVersion returns a version, from memory after the first read.
func (c *VersionCache) GetVersion(ctx context.Context, formID string, version int) (Version, error) {
	key := formID + "@" + strconv.Itoa(version)
	if v, ok := c.versions.Load(key); ok {
		return v.(Version), nil
	}
	v, err := c.Source.GetVersion(ctx, formID, version)
	if err != nil {
		return v, err
	}
	c.versions.Store(key, v)
	return v, nil
}
