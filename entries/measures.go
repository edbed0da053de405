package entries

import (
	"encoding/json"
	"fmt"
	"time"

	"taizhang/forms"
)

// A problem item lists its rectification measures in the group field
// "measures", each with a "deadline" (and an owner). The author reports each
// measure done with its own evidence (action "measure"); the item goes to 销号
// (rectify) when every measure is done. Which measures are done is read from
// the history — measure events since the last reopen — so nothing beside the
// history records it.

// MeasuresKey is the group field holding a problem item's measures.
const MeasuresKey = "measures"

// MeasureState is how far one measure has come.
type MeasureState struct {
	Deadline string    `json:"deadline,omitempty"`
	Done     bool      `json:"done"`
	DoneAt   time.Time `json:"doneAt,omitzero"`
	DoneBy   string    `json:"doneBy,omitempty"`
}

// measureItems are the items of the data's measures group.
func measureItems(data map[string]any) []map[string]any {
	list, _ := data[MeasuresKey].([]any)
	out := make([]map[string]any, 0, len(list))
	for _, item := range list {
		obj, _ := item.(map[string]any)
		out = append(out, obj)
	}
	return out
}

// Measures returns the state of each of the entry's measures, in order: done
// when a measure event named it after the last reopen.
func (e Entry) Measures() []MeasureState {
	var data map[string]any
	if json.Unmarshal(e.Data, &data) != nil {
		return nil
	}
	return measureStates(data, e.History)
}

// measureStates is Measures on data already decoded.
func measureStates(data map[string]any, history []Event) []MeasureState {
	items := measureItems(data)
	out := make([]MeasureState, len(items))
	for i, item := range items {
		out[i].Deadline, _ = item["deadline"].(string)
	}
	for _, ev := range history {
		switch ev.Action {
		case "reopen":
			for i := range out {
				out[i].Done, out[i].DoneAt, out[i].DoneBy = false, time.Time{}, ""
			}
		case "measure":
			if i, ok := measureIndex(ev.Data); ok && i < len(out) {
				out[i].Done, out[i].DoneAt, out[i].DoneBy = true, ev.At, ev.ActorID
			}
		}
	}
	return out
}

// measureIndex reads the measure number an action's data names.
func measureIndex(data any) (int, bool) {
	m, _ := data.(map[string]any)
	switch n := m["measure"].(type) {
	case float64:
		if n >= 0 && n == float64(int(n)) {
			return int(n), true
		}
	case int:
		return n, n >= 0
	}
	return 0, false
}

// measuresDue is when a problem item is overdue: the end (Beijing time) of
// the earliest deadline among its open measures, or, when every measure is
// done, of the latest one. Zero when the data has no dated measures.
func measuresDue(states []MeasureState) time.Time {
	var earliestOpen, latest time.Time
	for _, m := range states {
		d, err := time.ParseInLocation(time.DateOnly, m.Deadline, forms.Beijing)
		if err != nil {
			continue
		}
		end := d.AddDate(0, 0, 1).UTC()
		if end.After(latest) {
			latest = end
		}
		if !m.Done && (earliestOpen.IsZero() || end.Before(earliestOpen)) {
			earliestOpen = end
		}
	}
	if !earliestOpen.IsZero() {
		return earliestOpen
	}
	return latest
}

// checkMeasureStep refuses a measure report for a measure that does not exist
// or is done already, and a request for 销号 while measures are still open.
func checkMeasureStep(action string, states []MeasureState, data map[string]any) error {
	switch action {
	case "measure":
		i, ok := measureIndex(data)
		if !ok || i >= len(states) {
			return unprocessable("data.measure", "no_such_measure", fmt.Sprintf("没有第 %d 项措施", i+1))
		}
		if states[i].Done {
			return unprocessable("data.measure", "already_done", fmt.Sprintf("第 %d 项措施已报完成", i+1))
		}
	case "rectify":
		open := 0
		for _, m := range states {
			if !m.Done {
				open++
			}
		}
		if open > 0 && len(states) > 0 {
			return unprocessable("data", "measures_open", fmt.Sprintf("还有 %d 项措施未报完成，请逐项报送整改结果后再提请销号", open))
		}
	}
	return nil
}
