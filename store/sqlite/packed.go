package sqlite

import (
	"bytes"
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"strings"

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
// and entries written before, keep their JSON in entries.data (the latter
// until their next write); a row holds one of the two, never both.

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
	data, err := unpacker.DecodeAll(packed, nil)
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
		data, err := entryData(plain, packed)
		if err != nil {
			return nil, err
		}
		return hasText(data, q), nil
	})
}

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
