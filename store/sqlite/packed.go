package sqlite

import (
	"bytes"
	"context"
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/klauspost/compress/zstd"
	"modernc.org/sqlite"

	"taizhang/entries"
)

// An entry's data is its largest part (2 KB of a 3.9 KB entry in
// docs/performance.md), and SQLite does not compress pages, so the store
// keeps it zstd-compressed in entries.packed: 0.69 of its size on Chinese
// text. The fastest level with entropy coding of all literals: the default
// level packs to 0.64 but took twice the CPU in a filing (about 0.1 ms,
// with its larger tables cold in cache). Short data that would not shrink,
// and entries written before (until packOld reaches them), keep their JSON in
// entries.data; a row holds one of the two, never both.

var (
	// One encoder and one decoder per CPU (their default), shared by all
	// filings and reads; a damaged frame cannot claim more than 64 MiB.
	packer, _   = zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithAllLitEntropyCompression(true), zstd.WithEncoderCRC(false))
	unpacker, _ = zstd.NewReader(nil, zstd.WithDecoderConcurrency(0), zstd.WithDecoderMaxMemory(64<<20))
)

// pack is what Insert and Update store in entries.data and entries.packed:
// the data compressed, or as it is when that is not smaller (short entries).
func pack(data json.RawMessage) (plain string, packed []byte) {
	packed = packer.EncodeAll(data, make([]byte, 0, len(data)))
	if len(packed) >= len(data) {
		return string(data), nil
	}
	return "", packed
}

// entryData is an entry's JSON from the row's two columns.
func entryData(plain string, packed []byte) (json.RawMessage, error) {
	if packed == nil {
		return json.RawMessage(plain), nil
	}
	return unpack(packed, nil)
}

// unpack decompresses packed data, appending to dst.
func unpack(packed, dst []byte) ([]byte, error) {
	data, err := unpacker.DecodeAll(packed, dst)
	if err != nil {
		return nil, fmt.Errorf("entry data unreadable: %w", err)
	}
	return data, nil
}

// hasTextFunction is the SQL function Query.Q filters with:
// taizhang_has_text(e.data, e.packed, q) is 1 when a text value of the
// entry's data holds q (entries.HasText: keys, numbers and choices' codes are
// not text).
const hasTextFunction = "taizhang_has_text"

func init() {
	sqlite.MustRegisterDeterministicScalarFunction(hasTextFunction, 3, func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
		plain, _ := args[0].(string)
		packed, _ := args[1].([]byte)
		q, _ := args[2].(string)
		if packed == nil {
			return hasText(json.RawMessage(plain), q), nil
		}
		// A search unpacks every entry of the subtree and keeps none: one
		// buffer per search in flight rather than one per entry (15% of a
		// search, -bench SearchPacked).
		buf := searchBuffers.Get().(*[]byte)
		defer searchBuffers.Put(buf)
		data, err := unpack(packed, (*buf)[:0])
		if err != nil {
			return nil, err
		}
		*buf = data
		return hasText(data, q), nil
	})
}

var searchBuffers = sync.Pool{New: func() any { return new([]byte) }}

// hasText is entries.HasText, first ruling out data whose bytes do not hold
// q at all — most entries, and far cheaper than decoding them. Text that JSON
// would write escaped cannot be ruled out that way.
func hasText(data json.RawMessage, q string) bool {
	if !strings.ContainsAny(q, "\"\\<>&\u2028\u2029") && !hasControl(q) && !bytes.Contains(data, []byte(q)) {
		return false
	}
	return entries.HasText(data, q)
}

// hasControl reports a control character, which JSON always escapes.
func hasControl(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return r < 0x20 }) >= 0
}

// packOldBatch is how many entries written before packing one transaction
// packs.
const packOldBatch = 200

// startPackingOld packs, in the background after Open, the entries written
// before packing: oldest first, a batch at a time, each batch followed by a
// pause as long as it took, so a store upgraded with a year of entries
// shrinks without holding up its start or its filings. One pass over the
// rows that existed at Open (later ones are packed when written); Close
// stops it. The pages freed are reused by new entries; VACUUM gives them
// back to the disk.
func (db *DB) startPackingOld() {
	var last int64
	_ = db.writer.QueryRow(`SELECT coalesce(max(rowid), 0) FROM entries`).Scan(&last)
	ctx, cancel := context.WithCancel(context.Background())
	db.stopPackingOld, db.packedOld = cancel, make(chan struct{})
	go func() {
		defer close(db.packedOld)
		for after := int64(0); after < last; {
			start := time.Now()
			next, err := db.packOld(ctx, after, last)
			if err != nil {
				return // tracked; the next start goes on
			}
			after = next
			select {
			case <-ctx.Done():
				return
			case <-time.After(time.Since(start)):
			}
		}
	}()
}

// packOld packs the entries after the row after, up to upTo, that still
// keep their JSON (at most packOldBatch) and returns the last row it read.
// An entry written meanwhile (another revision) is left as that write left it.
func (db *DB) packOld(ctx context.Context, after, upTo int64) (last int64, err error) {
	defer db.track("entries.pack_old", time.Now(), &err)
	type old struct {
		row  int64
		id   string
		rev  int
		data string
	}
	rows, err := queryAll(ctx, db, "read entries to pack", func(row scanner) (o old, err error) {
		return o, row.Scan(&o.row, &o.id, &o.rev, &o.data)
	}, `SELECT rowid, id, rev, data FROM entries WHERE rowid > ? AND rowid <= ? AND packed IS NULL ORDER BY rowid LIMIT ?`,
		after, upTo, packOldBatch)
	if err != nil || len(rows) == 0 {
		return upTo, err
	}
	return rows[len(rows)-1].row, db.inTx(ctx, "pack entries", func(tx *txn) error {
		for _, o := range rows {
			if _, packed := pack(json.RawMessage(o.data)); packed != nil {
				if _, err := tx.ExecContext(ctx, `UPDATE entries SET data = '', packed = ? WHERE id = ? AND rev = ? AND packed IS NULL`,
					packed, o.id, o.rev); err != nil {
					return err
				}
			}
		}
		return nil
	})
}
