package entries

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"taizhang/audit"
	"taizhang/auth"
	"taizhang/errs"
	"taizhang/forms"
	"taizhang/signals"
)

// Doubtful reports whether the entry has a signal nobody has explained yet.
func (e Entry) Doubtful() bool {
	for _, s := range e.Signals {
		if s.Explained == nil {
			return true
		}
	}
	return false
}

// markSignals marks a submission for its signals check, which runs after
// the filing is answered (CheckSignals): a filing never waits for it, and
// a check that fails never fails a filing.
func (s *Service) markSignals(e *Entry) {
	if s.Signals != nil {
		e.SignalsDue = true
	}
}

// CheckSignals checks up to limit entries due for it, oldest first, under
// the system scope of root, and returns how many it stored. An entry that
// changed meanwhile stays due for the next run; of two instances checking
// one entry, one stores. An entry whose check fails stays due and does not
// hold up the others: their errors are returned together, after all ran.
//
// The entries are checked one after another, each seeing the prints of those
// before it (signals.Batch), and their results are stored together: the
// store commits them in one transaction rather than one each, which was
// a fifth of the CPU a filing cost (docs/performance.md).
//
// When ctx ends, the check stops after the entry it is on, storing nothing.
// The store's work runs without ctx's cancellation: each statement under a
// context that can end cost the embedded store's driver a goroutine waiting
// to interrupt it, 2–3% of a filing's CPU, for statements that take
// microseconds.
func (s *Service) CheckSignals(ctx context.Context, root string, limit int) (int, error) {
	if s.Signals == nil || ctx.Err() != nil {
		return 0, ctx.Err()
	}
	work := context.WithoutCancel(ctx)
	system := auth.SystemScope(root)
	due, err := s.Store.SignalsDue(work, system, limit)
	if err != nil {
		return 0, err
	}
	batch := signals.NewBatch(s.Signals.Index)
	detector := *s.Signals
	detector.Index = batch
	var results []checked
	var failed []error
	for _, e := range due {
		c, err := s.checkOne(work, &detector, e)
		if ctx.Err() != nil {
			return 0, ctx.Err()
		}
		if err != nil {
			failed = append(failed, fmt.Errorf("signals of entry %s: %w", e.ID, err))
		} else {
			batch.Add(*c.fx.Prints)
			results = append(results, *c)
		}
	}
	stored, unstored := s.storeChecked(work, system, results)
	return stored, errors.Join(append(failed, unstored...)...)
}

// checked is an entry with its signals found, to be stored.
type checked struct {
	e  Entry
	fx Effects
}

// checkOne finds an entry's signals, as the entry was read: if it changed
// since, SetSignals stores nothing and it stays due.
func (s *Service) checkOne(ctx context.Context, detector *signals.Detector, e Entry) (*checked, error) {
	v, err := s.Versions.GetVersion(ctx, e.FormID, e.FormVersion)
	if err != nil {
		return nil, err
	}
	// The author's own scope: their photos are theirs.
	author := auth.Claims{UserID: e.AuthorID, UnitID: e.UnitID, Roles: []auth.Role{auth.RoleCadre}}.Scope()
	subject, err := s.subject(ctx, author, e, v.Schema)
	if err != nil {
		return nil, err
	}
	found, prints, err := detector.Detect(ctx, subject)
	if err != nil {
		return nil, err
	}
	// Only a submission makes an entry due, and each revision is checked
	// once: an entry submitted as it was filed (revision 1) has no prints yet.
	prints.First = e.Rev == 1
	before := e
	e.Signals, e.SignalsDue = signals.Carry(found, e.Signals), false
	fx := Effects{Prints: &prints}
	withLedger(&fx, &before, e, &v.Schema, false) // the flagged count follows
	return &checked{e: e, fx: fx}, nil
}

// storeChecked stores the results all at once, so that the store can write
// them in one transaction, and returns how many it stored.
func (s *Service) storeChecked(ctx context.Context, system auth.Scope, results []checked) (int, []error) {
	var mu sync.Mutex
	var wg sync.WaitGroup
	stored, failed := 0, []error(nil)
	for _, c := range results {
		wg.Go(func() {
			ok, err := s.Store.SetSignals(ctx, system, c.e.ID, c.e.Rev, c.e.Signals, c.fx)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				failed = append(failed, fmt.Errorf("signals of entry %s: %w", c.e.ID, err))
			} else if ok {
				stored++
			}
		})
	}
	wg.Wait()
	return stored, failed
}

// subject is what the detector looks at: the entry's own photos with their
// prints and EXIF, the date and place it claims, its long text.
func (s *Service) subject(ctx context.Context, scope auth.Scope, e Entry, schema forms.Form) (signals.Subject, error) {
	var data map[string]any
	_ = json.Unmarshal(e.Data, &data)
	sub := signals.Subject{EntryID: e.ID, FormID: e.FormID, UnitID: e.UnitID, AuthorID: e.AuthorID, Period: e.Period,
		Root: e.UnitPath[0], Claimed: e.SubmittedAt, Text: signals.LongText(data)}
	for _, f := range schema.Fields {
		switch f.Type {
		case "date":
			if v, ok := data[f.Key].(string); ok && sub.Claimed.Equal(e.SubmittedAt) {
				if day, err := time.ParseInLocation(time.DateOnly, v, forms.Beijing); err == nil {
					sub.Claimed = day.Add(12 * time.Hour) // midday: a day's photos are all "that day"
				}
			}
		case "geopoint":
			if p, ok := data[f.Key].(map[string]any); ok && sub.Place == nil {
				lat, _ := p["lat"].(float64)
				lng, _ := p["lng"].(float64)
				sub.Place = &signals.Place{Lat: lat, Lng: lng}
			}
		}
	}
	if s.Attachments == nil {
		return sub, nil
	}
	owned, err := s.Attachments.Ownership(ctx, scope, attachmentIDs(schema.Fields, data))
	if err != nil {
		return sub, err
	}
	for _, a := range owned.Own {
		if a.IsImage() {
			sub.Photos = append(sub.Photos, signals.Photo{AttachmentID: a.ID, SHA256: a.SHA256, Print: a.Print, Meta: a.Meta})
		}
	}
	return sub, nil
}

// ExplainSignal records a reviewer's answer to the entry's signal at index:
// kept on the entry, audited. Only a supervisor or the office who can read
// the entry, and did not file it, may explain.
func (s *Service) ExplainSignal(ctx context.Context, scope auth.Scope, id string, index int, comment, byName string) (Entry, error) {
	e, version, err := s.Get(ctx, scope, id)
	if err != nil {
		return Entry{}, err
	}
	before := e
	before.Signals = slices.Clone(e.Signals)
	if e.AuthorID == scope.UserID() || !scope.Has(auth.RoleSupervisor) && !scope.Has(auth.RoleOffice) {
		return Entry{}, errs.New(errs.Forbidden, "只有审核人员可以说明疑点")
	}
	if index < 0 || index >= len(e.Signals) {
		return Entry{}, errs.New(errs.NotFound, "疑点不存在")
	}
	comment = forms.TrimBlank(comment)
	switch {
	case comment == "":
		return Entry{}, unprocessable("comment", "required", "请写明核实情况")
	case forms.HasBadText(comment) || len([]rune(comment)) > 500:
		return Entry{}, unprocessable("comment", "invalid", "说明含有无法识别的字符，或超过 500 字")
	}
	now := s.Now().UTC().Truncate(time.Millisecond)
	signal := &e.Signals[index]
	signal.Explained = &signals.Explanation{Comment: comment, By: scope.UserID(), ByName: byName, At: now}
	fx := Effects{Audit: &audit.Record{At: now, ActorID: scope.UserID(), Action: "entry.signal.explain", UnitPath: e.UnitPath, Target: e.ID,
		Detail: map[string]any{"kind": signal.Kind, "otherEntryId": signal.OtherEntryID, "comment": comment}}}
	withLedger(&fx, &before, e, &version.Schema, false) // the last explained: no longer counted as flagged
	updated, err := s.Store.Update(ctx, scope, e, e.Rev, fx)
	if errs.Is(err, errs.Conflict) {
		return Entry{}, StaleRevision(e.Rev)
	}
	return updated, err
}

// UseSignals turns signal detection on, with index keeping the prints and
// names naming units in details (org.TreeCache.NameOf).
func (s *Service) UseSignals(index signals.Index, names func(ctx context.Context) (func(id string) string, error)) {
	s.Signals = &signals.Detector{
		Index: index,
		TextOf: func(ctx context.Context, scope auth.Scope, id string) (string, error) {
			e, err := s.Store.Get(ctx, scope, id)
			if err != nil {
				return "", err
			}
			var data map[string]any
			_ = json.Unmarshal(e.Data, &data)
			return signals.LongText(data), nil
		},
		UnitName: func(ctx context.Context, id string) string {
			if nameOf, err := names(ctx); err == nil && nameOf(id) != "" {
				return nameOf(id)
			}
			return "另一单位"
		},
	}
}
