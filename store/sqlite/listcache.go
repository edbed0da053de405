package sqlite

import (
	"sync"

	"taizhang/entries"
)

// Listed entries by revision. An entry row never changes without its rev
// changing — except its unit path, which a unit move rewrites and which List
// therefore always reads fresh, and its signals, whose check forgets the
// cached row — so a decoded row can be reused for as long as its rev is
// current. The newest entries of a unit are what everyone lists, so after one
// read a page comes from the index walk and memory.
//
// Two generations approximate least-recently-used: when the current one fills,
// it becomes the previous one and the oldest generation is dropped.
const listCacheGeneration = 10_000

type listKey struct {
	id  string
	rev int
}

type listCache struct {
	mu        sync.Mutex
	cur, prev map[listKey]entries.Entry
}

func newListCache() *listCache {
	return &listCache{cur: map[listKey]entries.Entry{}, prev: map[listKey]entries.Entry{}}
}

// forget drops a row that changed without a new revision.
func (c *listCache) forget(k listKey) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.cur, k)
	delete(c.prev, k)
}

func (c *listCache) get(k listKey) (entries.Entry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.cur[k]; ok {
		return e, true
	}
	e, ok := c.prev[k]
	if ok {
		c.putLocked(k, e)
	}
	return e, ok
}

func (c *listCache) put(k listKey, e entries.Entry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.putLocked(k, e)
}

func (c *listCache) putLocked(k listKey, e entries.Entry) {
	if len(c.cur) >= listCacheGeneration {
		c.prev, c.cur = c.cur, make(map[listKey]entries.Entry, listCacheGeneration)
	}
	c.cur[k] = e
}
