package api

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"taizhang/signals/signalstest"
)

// BenchmarkEntryAnswer encodes the answer to a filing of a thirty-field entry
// (2 KB of data) the two ways: encoding/json, which validates the stored
// data again, and encodeEntryAnswer, which copies it.
func BenchmarkEntryAnswer(b *testing.B) {
	data := map[string]any{}
	for i := range 30 {
		if i%2 == 0 {
			data[fmt.Sprintf("f%02d", i)] = signalstest.Words(uint64(i), 10)
		} else {
			data[fmt.Sprintf("f%02d", i)] = float64(i)
		}
	}
	raw, _ := json.Marshal(data)
	at := time.Date(2026, 12, 2, 8, 0, 0, 0, time.UTC)
	item := entryJSON{ID: "01KBD5Q7ZG3M2W9X8V7T6S5R4Q", FormID: "01KBD5Q7ZG3M2W9X8V7T6S5R4P", FormVersion: 1, Title: "三十项",
		UnitID: "01KBD5Q7ZG3M2W9X8V7T6S5R4N", UnitName: "城关镇 / 红旗村", AuthorID: "01KBD5Q7ZG3M2W9X8V7T6S5R4M", AuthorName: "孙干部",
		ClientID: "cpu-00000001", Data: json.RawMessage(raw), Status: "submitted", Rev: 1, Attachments: []string{}, CreatedAt: at,
		SubmittedAt: &at, UpdatedAt: at, Actions: []string{"withdraw"}}
	b.Run("encoding-json", func(b *testing.B) {
		for b.Loop() {
			_, _ = json.Marshal(map[string]any{"entry": item})
		}
	})
	b.Run("data-copied", func(b *testing.B) {
		for b.Loop() {
			_ = encodeEntryAnswer(item)
		}
	})
}
