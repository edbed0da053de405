package forms

import (
	"context"
	"testing"

	"taizhang/errs"
)

type countingVersions struct{ reads int }

func (c *countingVersions) GetVersion(_ context.Context, formID string, version int) (Version, error) {
	c.reads++
	if version > 1 {
		return Version{}, errs.New(errs.NotFound, "no such version")
	}
	return Version{FormID: formID, Version: version}, nil
}

func TestVersionCacheReadsOnce(t *testing.T) {
	source := &countingVersions{}
	cache := &VersionCache{Source: source}
	for range 3 {
		if v, err := cache.GetVersion(context.Background(), "f", 1); err != nil || v.Version != 1 {
			t.Fatal(v, err)
		}
	}
	if _, err := cache.GetVersion(context.Background(), "f", 2); err == nil {
		t.Fatal("a missing version must not be cached as found")
	}
	if source.reads != 2 {
		t.Fatalf("%d reads, want 2 (one per version asked)", source.reads)
	}
}
