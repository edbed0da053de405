package audit

import (
	"bufio"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"time"
)

// Checkpoint anchors the chain's head outside the database: the newest record's
// sequence number and hash at a time, signed with the audit key. Someone who can
// rewrite the database can cut off the chain's tail or rebuild it; a checkpoint
// kept elsewhere still names the record that was there.
type Checkpoint struct {
	Seq  int64     `json:"seq"`
	Hash string    `json:"hash"`
	At   time.Time `json:"at"`
	MAC  string    `json:"mac"`
}

func checkpointMAC(key []byte, seq int64, hash string, at time.Time) string {
	mac := hmac.New(sha256.New, key)
	fmt.Fprintf(mac, "taizhang audit checkpoint\n%d\n%s\n%s", seq, hash, at.UTC().Format(time.RFC3339Nano))
	return hex.EncodeToString(mac.Sum(nil))
}

// NewCheckpoint signs the head record at a time.
func NewCheckpoint(key []byte, head Record, at time.Time) Checkpoint {
	at = at.UTC().Truncate(time.Millisecond)
	return Checkpoint{Seq: head.Seq, Hash: head.Hash, At: at, MAC: checkpointMAC(key, head.Seq, head.Hash, at)}
}

// ReadCheckpoints reads checkpoint lines (JSON, one per line, as written to the
// checkpoint file and the server log) and checks each signature. Other lines
// are skipped, so a whole server log can be given.
func ReadCheckpoints(r io.Reader, key []byte) ([]Checkpoint, error) {
	var out []Checkpoint
	lines := bufio.NewScanner(r)
	lines.Buffer(make([]byte, 64<<10), 1<<20)
	for n := 1; lines.Scan(); n++ {
		var c Checkpoint
		if json.Unmarshal(lines.Bytes(), &c) != nil || c.MAC == "" {
			continue
		}
		if !hmac.Equal([]byte(c.MAC), []byte(checkpointMAC(key, c.Seq, c.Hash, c.At))) {
			return nil, fmt.Errorf("checkpoint on line %d (record %d) is not signed by this audit key: it was forged or altered", n, c.Seq)
		}
		out = append(out, c)
	}
	return out, lines.Err()
}

// Checkpointer writes a checkpoint of the chain's head to a file (appending a
// line) and to the log, whenever the head moved since the last one.
type Checkpointer struct {
	Store Store
	Key   []byte
	Path  string
	Log   *slog.Logger
	Now   func() time.Time

	last int64
}

// CheckpointEvery is how often a running server anchors the chain: records
// appended since the last checkpoint are the ones a cut could remove unseen.
const CheckpointEvery = time.Minute

// Write records the current head if it moved.
func (c *Checkpointer) Write(ctx context.Context) error {
	head, err := c.Store.Head(ctx)
	if err != nil || head.Seq == 0 || head.Seq == c.last {
		return err
	}
	cp := NewCheckpoint(c.Key, head, c.Now())
	line, _ := json.Marshal(cp)
	f, err := os.OpenFile(c.Path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	_, writeErr := f.Write(append(line, '\n'))
	if err := errors.Join(writeErr, f.Sync(), f.Close()); err != nil {
		return err
	}
	c.last = head.Seq
	// With TAIZHANG_LOG_FORMAT=json this log line is itself a checkpoint
	// that ReadCheckpoints accepts, wherever the log is shipped.
	c.Log.Info("audit checkpoint", "seq", cp.Seq, "hash", cp.Hash, "at", cp.At, "mac", cp.MAC)
	return nil
}

// Run writes checkpoints every CheckpointEvery until ctx ends, and a last one
// then (with its own short deadline, since ctx is done).
func (c *Checkpointer) Run(ctx context.Context) {
	for {
		if err := c.Write(ctx); err != nil && ctx.Err() == nil {
			c.Log.Warn("writing an audit checkpoint", "err", err)
		}
		select {
		case <-ctx.Done():
			final, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			defer cancel()
			if err := c.Write(final); err != nil {
				c.Log.Warn("writing the last audit checkpoint", "err", err)
			}
			return
		case <-time.After(CheckpointEvery):
		}
	}
}

// String is how a checkpoint is shown by verify.
func (c Checkpoint) String() string {
	return "record " + strconv.FormatInt(c.Seq, 10) + " at " + c.At.Format(time.RFC3339)
}
