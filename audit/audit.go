// Package audit is the append-only accountability log: logins, role changes,
// form publishes, every change to an entry, exports. Each record holds the hash of
// the one before it, so deleting or editing any record breaks the chain, which
// `taizhang audit verify` detects.
package audit

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"taizhang/auth"
)

// Record is one audited action.
type Record struct {
	Seq      int64          `json:"seq"`
	At       time.Time      `json:"at"`
	ActorID  string         `json:"actorId"`
	Action   string         `json:"action"`   // e.g. login, user.update, form.publish, entry.approve
	UnitPath []string       `json:"unitPath"` // where it happened: scope checks test it
	Target   string         `json:"target"`   // the id acted on
	Detail   map[string]any `json:"detail,omitempty"`
	PrevHash string         `json:"prevHash"`
	Hash     string         `json:"hash"`
}

// ComputeHash is SHA-256 over the previous hash and the record's content.
func (r Record) ComputeHash() string {
	r.Hash = ""
	r.At = r.At.UTC().Truncate(time.Millisecond)
	body, _ := json.Marshal(r) // struct order and sorted map keys: deterministic
	sum := sha256.Sum256(append([]byte(r.PrevHash+"\n"), body...))
	return hex.EncodeToString(sum[:])
}

// Query filters a scoped listing, newest first.
type Query struct {
	Action, ActorID string
	From, To        time.Time
	BeforeSeq       int64 // paging: records with a smaller seq; 0: from the newest
	Limit           int
}

// Store keeps the chain. Append assigns Seq, PrevHash and Hash so that concurrent
// appends still form one chain.
type Store interface {
	Append(ctx context.Context, r Record) (Record, error)
	// List returns records whose unit path contains the scope's unit.
	List(ctx context.Context, scope auth.Scope, q Query) ([]Record, error)
	// Walk visits every record in Seq order, unscoped: for verification only.
	Walk(ctx context.Context, fn func(Record) error) error
}

// Log writes records stamped with the clock. A nil *Log writes nothing, so
// services can run without one in tests that do not look at the audit.
type Log struct {
	Store Store
	Now   func() time.Time
}

// Record appends one action.
func (l *Log) Record(ctx context.Context, actorID, action string, unitPath []string, target string, detail map[string]any) error {
	if l == nil {
		return nil
	}
	_, err := l.Store.Append(ctx, Record{At: l.Now().UTC().Truncate(time.Millisecond), ActorID: actorID, Action: action,
		UnitPath: unitPath, Target: target, Detail: detail})
	return err
}

// Verify walks the chain and reports the first broken link.
func Verify(ctx context.Context, s Store) (int64, error) {
	var n int64
	prev := ""
	err := s.Walk(ctx, func(r Record) error {
		n++
		switch {
		case r.Seq != n:
			return fmt.Errorf("record %d: expected sequence number %d: a record is missing", r.Seq, n)
		case r.PrevHash != prev:
			return fmt.Errorf("record %d: its previous hash does not match record %d", r.Seq, n-1)
		case r.Hash != r.ComputeHash():
			return fmt.Errorf("record %d: its content does not match its hash: it was altered", r.Seq)
		}
		prev = r.Hash
		return nil
	})
	return n, err
}
