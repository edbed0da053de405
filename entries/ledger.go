package entries

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"time"

	"taizhang/auth"
	"taizhang/errs"
	"taizhang/forms"
	"taizhang/ledger"
)

// snapshot is what the ledger's counts see of an entry now; options reads
// its reportable options from its data (optionsReader).
func snapshot(e Entry, options func(data json.RawMessage) map[string]string) *ledger.Snapshot {
	s := &ledger.Snapshot{FormID: e.FormID, UnitID: e.UnitID, UnitPath: e.UnitPath, Status: e.Status,
		Bucket: ledger.BucketOf(e.Period, e.CreatedAt)}
	if e.Status == "draft" {
		return s
	}
	s.Options = options(e.Data)
	if e.Doubtful() { // counted like an option, so the office's summary shows flagged entries by unit
		if s.Options == nil {
			s.Options = map[string]string{}
		}
		s.Options[ledger.SignalsField] = ledger.Flagged
	}
	return s
}

// optionsReader reads entries' reportable options, decoding the data only
// for a form that has such fields, and once for data it read last. A step
// that keeps the data — a review, a signals check — compares the entry
// before and after it: the check decoded the data three times, twice here.
// Each call returns a map of its own, which snapshot may add to.
func optionsReader(schema *forms.Form) func(data json.RawMessage) map[string]string {
	if len(schema.ReportableFields()) == 0 {
		return func(json.RawMessage) map[string]string { return nil }
	}
	var lastData json.RawMessage
	var last map[string]string
	read := false
	return func(data json.RawMessage) map[string]string {
		if !read || !bytes.Equal(data, lastData) {
			var decoded map[string]any
			_ = json.Unmarshal(data, &decoded)
			last, lastData, read = ledger.OptionsOf(schema, decoded), data, true
		}
		return maps.Clone(last)
	}
}

// withLedger adds to a step's effects what it changes in the ledger: the
// entry counts (from before, nil for a new entry, to after) and, for an entry
// of a scheduled round, its filing — a submission, and for a form filed once
// per period the claim on the round when the entry is created.
func withLedger(fx *Effects, before *Entry, after Entry, schema *forms.Form, submitted bool) {
	options := optionsReader(schema)
	var was *ledger.Snapshot
	if before != nil {
		was = snapshot(*before, options)
	}
	fx.Counts = ledger.Deltas(was, *snapshot(after, options))
	if after.Period == "" {
		return
	}
	f := &ledger.Filing{FormID: after.FormID, Period: after.Period, UnitID: after.UnitID, UnitPath: after.UnitPath,
		DueAt: after.DueAt, EntryID: after.ID, Claim: before == nil && schema.OncePerPeriod()}
	if submitted {
		f.SubmittedAt = after.SubmittedAt // the ledger keeps the first
	}
	if f.Claim || !f.SubmittedAt.IsZero() {
		fx.Filing = f
	}
}

// latePeriod resolves a filing for an earlier round (补报): the round must be
// one of the assignment's, past its due time, and still missing for the
// filer's unit. Refusals are 422 naming the period.
func (s *Service) latePeriod(ctx context.Context, scope auth.Scope, def forms.Definition, a forms.Assignment, unitID, key string, now time.Time) (forms.Period, error) {
	refuse := func(code, message string) (forms.Period, error) {
		return forms.Period{}, &errs.Error{Code: errs.Unprocessable, Message: message,
			Fields: []errs.FieldError{{Field: "period", Code: code, Message: message, Params: map[string]any{"period": key}}}}
	}
	p, ok := a.PeriodOf(key, def.CreatedAt, now)
	if !ok {
		return refuse("unknown_period", fmt.Sprintf("没有“%s”这一期", key))
	}
	if s.Ledger == nil || !now.After(p.Due) {
		return refuse("not_due", "这一期还没到截止时间，请直接填报")
	}
	o, err := ledger.Get(ctx, s.Ledger, scope, def.ID, key, unitID)
	if errs.Is(err, errs.NotFound) {
		return refuse("not_owed", fmt.Sprintf("您的单位在“%s”这一期没有应报义务", key))
	}
	if err != nil {
		return forms.Period{}, err
	}
	if o.Status(now) != ledger.Missing {
		return refuse("already_filed", fmt.Sprintf("“%s”这一期已经报送或已免报，无需补报", key))
	}
	return p, nil
}

// Recount counts every entry from scratch — what `taizhang rollup verify`
// compares with the kept counts and `rebuild` writes — reading the store page
// by page under the root's scope.
func Recount(ctx context.Context, store Store, versions interface {
	GetVersion(ctx context.Context, formID string, version int) (forms.Version, error)
}, rootUnitID string) ([]ledger.Count, error) {
	scope := auth.SystemScope(rootUnitID)
	optionsOf := map[string]func(json.RawMessage) map[string]string{} // by WorkflowKey
	tally := ledger.Tally{}
	for q := (Query{Limit: MaxLimit}); ; {
		page, err := store.List(ctx, scope, q)
		if err != nil {
			return nil, err
		}
		for _, e := range page.Items {
			key := WorkflowKey(e)
			if optionsOf[key] == nil {
				v, err := versions.GetVersion(ctx, e.FormID, e.FormVersion)
				if err != nil {
					return nil, err
				}
				optionsOf[key] = optionsReader(&v.Schema)
			}
			tally.Add(*snapshot(e, optionsOf[key]))
		}
		if page.NextCursor == "" {
			return tally.Counts(), nil
		}
		q.Cursor = page.NextCursor
	}
}
