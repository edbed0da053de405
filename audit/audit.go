// Package audit is the append-only accountability log: logins, role changes,
// form publishes, every change to an entry, exports. Each record holds the hash of
// the one before it, keyed with a secret kept outside the database (HMAC-SHA256),
// so deleting, editing or rewriting records breaks the chain, and checkpoints of
// its head written outside the database reveal a cut-off tail. `taizhang audit
// verify` checks both; docs/entries.md says what is and is not detected.
package audit

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
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

// keyedPrefix marks a hash made with the key. Chains written before keys
// existed hold plain SHA-256 hashes, accepted only before the first keyed one.
const keyedPrefix = "hmac:"

// Seal computes the record's hash over the previous hash and its content:
// HMAC-SHA256 under key, or, without a key, plain SHA-256 (tests, and chains
// written before keys). Without the key nobody can forge a keyed hash, so a
// record changed with every later hash recomputed no longer verifies.
func (r Record) Seal(key []byte) string {
	r.Hash = ""
	r.At = r.At.UTC().Truncate(time.Millisecond)
	body, _ := json.Marshal(r) // struct order and sorted map keys: deterministic
	message := append([]byte(r.PrevHash+"\n"), body...)
	if len(key) == 0 {
		sum := sha256.Sum256(message)
		return hex.EncodeToString(sum[:])
	}
	mac := hmac.New(sha256.New, key)
	mac.Write(message)
	return keyedPrefix + hex.EncodeToString(mac.Sum(nil))
}

// Keyed reports whether the record's hash was made with a key.
func (r Record) Keyed() bool { return strings.HasPrefix(r.Hash, keyedPrefix) }

// Query filters a scoped listing, newest first.
type Query struct {
	Action, ActorID string
	From, To        time.Time
	BeforeSeq       int64 // paging: records with a smaller seq; 0: from the newest
	Limit           int
}

// Store keeps the chain. Append assigns Seq, PrevHash and Hash (sealed with the
// key the store was opened with) so that concurrent appends still form one chain.
type Store interface {
	Append(ctx context.Context, r Record) (Record, error)
	// List returns records whose unit path contains the scope's unit.
	List(ctx context.Context, scope auth.Scope, q Query) ([]Record, error)
	// Walk visits every record in Seq order, unscoped: for verification only.
	Walk(ctx context.Context, fn func(Record) error) error
	// Head returns the newest record, or a zero Record for an empty log.
	Head(ctx context.Context) (Record, error)
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

// Report is what Verify found in an intact chain.
type Report struct {
	Records int64
	// Unkeyed counts the records at the start of the chain written before it
	// was keyed: their edits are detected, a rewrite of them is not.
	Unkeyed int64
	// Covered is the latest checkpoint's sequence number: records after it
	// could be cut off without a trace.
	Covered int64
}

// Verify walks the chain and reports the first broken link: a record missing,
// out of order, edited, sealed with another key, or unkeyed after keyed ones;
// and, for each checkpoint, a record that is gone or differs from the one the
// checkpoint saw. Checkpoints must be valid (ReadCheckpoints checks them).
func Verify(ctx context.Context, s Store, key []byte, checkpoints ...Checkpoint) (Report, error) {
	var rep Report
	want := map[int64]string{}
	for _, c := range checkpoints {
		want[c.Seq] = c.Hash
		rep.Covered = max(rep.Covered, c.Seq)
	}
	prev := ""
	err := s.Walk(ctx, func(r Record) error {
		rep.Records++
		if err := checkLink(r, rep, prev, key); err != nil {
			return err
		}
		if !r.Keyed() {
			rep.Unkeyed++
		}
		if hash, ok := want[r.Seq]; ok && hash != r.Hash {
			return fmt.Errorf("record %d differs from the checkpoint that recorded it: the chain was rewritten", r.Seq)
		}
		prev = r.Hash
		return nil
	})
	if err == nil && rep.Records < rep.Covered {
		err = fmt.Errorf("the chain ends at record %d but a checkpoint saw record %d: records were cut off", rep.Records, rep.Covered)
	}
	return rep, err
}

func checkLink(r Record, rep Report, prev string, key []byte) error {
	n := rep.Records
	switch {
	case r.Seq != n:
		return fmt.Errorf("record %d: expected sequence number %d: a record is missing", r.Seq, n)
	case r.PrevHash != prev:
		return fmt.Errorf("record %d: its previous hash does not match record %d", r.Seq, n-1)
	case !r.Keyed() && rep.Unkeyed != n-1:
		return fmt.Errorf("record %d: unkeyed after keyed records: it was rewritten without the key", r.Seq)
	case r.Keyed() && len(key) == 0:
		return fmt.Errorf("record %d is keyed, but no audit key was given", r.Seq)
	case r.Keyed() && r.Hash != r.Seal(key):
		return fmt.Errorf("record %d: its content does not match its hash under the audit key: it was altered (or the key is not the one it was written with)", r.Seq)
	case !r.Keyed() && r.Hash != r.Seal(nil):
		return fmt.Errorf("record %d: its content does not match its hash: it was altered", r.Seq)
	}
	return nil
}
