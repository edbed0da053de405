package entries

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"taizhang/attachments"
	"taizhang/auth"
	"taizhang/errs"
	"taizhang/forms"
	"taizhang/ids"
	"taizhang/ledger"
	"taizhang/signals"
)

// Service is what cadres and supervisors do all day: file, edit, and move entries
// through their form's workflow, with history, audit and notifications.
type Service struct {
	Store Store
	Forms interface {
		Readable(ctx context.Context, scope auth.Scope, unitPath []string, id string, version int) (forms.Definition, forms.Version, error)
	}
	// Versions reads a pinned version: whoever can read an entry can read its form.
	Versions interface {
		GetVersion(ctx context.Context, formID string, version int) (forms.Version, error)
	}
	// Units returns the caller's own unit path and a test of which units are in their scope.
	Units func(ctx context.Context, scope auth.Scope) (own []string, inScope func(unitID string) bool, err error)
	// People says who reviews an entry and who administers its unit.
	People People
	Now    func() time.Time
	// Attachments, when set, lets filings check that every referenced
	// attachment was uploaded by the author (and is an image in photo fields).
	Attachments attachments.Store
	// Ledger is read for late filings (补报): which rounds a unit still owes.
	Ledger ledger.Store
	// Signals, when set, checks each submission for reused photos, photos
	// that contradict the entry, copied text and boilerplate.
	Signals *signals.Detector
}

// People finds who acts on an entry besides its author (org.Directory).
type People interface {
	// ReviewUnits returns the units on unitPath — the entry's own first — that
	// have active supervisors other than the author, nearest first, and each
	// one's supervisors.
	ReviewUnits(ctx context.Context, unitPath []string, authorID string) ([]string, map[string][]string, error)
	// Admins returns the administrators of the units on unitPath.
	Admins(ctx context.Context, unitPath []string) ([]string, error)
}

// FileRequest is a filing from a device.
type FileRequest struct {
	ClientID        string
	Data            map[string]any
	Submit          bool
	ClientCreatedAt time.Time
	// Period files for an earlier round the unit still owes (补报); empty:
	// the current round.
	Period string
}

var clientIDPattern = regexp.MustCompile(`^[A-Za-z0-9-]{8,64}$`)

// File stores a new entry, or, for a replay of the same clientId by the same
// author, returns the entry already stored (created false) and changes nothing.
// A replay whose payload differs is a conflict naming the stored entry.
func (s *Service) File(ctx context.Context, scope auth.Scope, formID string, in FileRequest) (Entry, bool, error) {
	if !clientIDPattern.MatchString(in.ClientID) {
		return Entry{}, false, errs.Fields("clientId 无效", errs.FieldError{Field: "clientId", Code: "invalid", Message: "clientId 应为设备生成的 UUID"})
	}
	raw, _ := json.Marshal(in.Data) // once: its size is checked and its hash kept (decoded JSON always encodes)
	hash := hashPayload(raw, in.Submit, in.Period)
	// Replays are rare, so the unique (author, clientId) index finds them: the
	// first filing pays no extra read, and a replay is recognised either when its
	// insert collides or when filing it anew fails (the form may have changed
	// since the phone first sent it, and a replay must still get its entry back).
	e, schema, err := s.newEntry(ctx, scope, formID, in, raw, hash)
	if err == nil {
		var fx Effects
		if fx, e.NoReviewer, err = s.effects(ctx, scope, e, e.History[0], 1); err == nil {
			if in.Submit {
				s.markSignals(&e)
			}
			withLedger(&fx, nil, e, &schema, in.Submit)
			err = s.Store.Insert(ctx, scope, e, fx)
		}
	}
	if err == nil {
		e.Rev = 1
		return e, true, nil
	}
	stored, getErr := s.Store.GetByClientID(ctx, scope, scope.UserID(), in.ClientID)
	switch {
	case getErr == nil:
		if stored.Status == "submitted" { // a replay tells the filer what the first answer did
			reviewers, err := s.reviewersAt(ctx, stored, 1)
			if err != nil {
				return Entry{}, false, err
			}
			stored.NoReviewer = len(reviewers) == 0
		}
		return replay(stored, hash)
	case errs.Is(getErr, errs.NotFound):
		return Entry{}, false, err
	default:
		return Entry{}, false, getErr
	}
}

func replay(stored Entry, hash string) (Entry, bool, error) {
	if stored.PayloadHash != hash {
		return Entry{}, false, &errs.Error{Code: errs.Conflict,
			Message: "该 clientId 已用于另一条不同内容的记录（" + stored.ID + "）",
			Fields:  []errs.FieldError{{Field: "clientId", Code: "reused", Message: "已存在的记录: " + stored.ID, Params: map[string]any{"entryId": stored.ID}}}}
	}
	return stored, false, nil
}

// payloadHash identifies what a device sent, to tell a replay from a reuse.
func payloadHash(data map[string]any, submit bool, period string) string {
	raw, _ := json.Marshal(data)
	return hashPayload(raw, submit, period)
}

// hashPayload is payloadHash of data already encoded: the SHA-256 of
// {"data":…,"period":…,"submit":…} exactly as encoding/json writes that map
// (keys sorted; period absent when empty, so hashes stored before late
// filing still match). Stored entries are compared with it, so it must never
// change (TestPayloadHashAsStored).
func hashPayload(data []byte, submit bool, period string) string {
	h := sha256.New()
	h.Write([]byte(`{"data":`))
	h.Write(data)
	if period != "" {
		p, _ := json.Marshal(period)
		h.Write([]byte(`,"period":`))
		h.Write(p)
	}
	h.Write([]byte(`,"submit":` + strconv.FormatBool(submit) + `}`))
	return hex.EncodeToString(h.Sum(nil))
}

func (s *Service) newEntry(ctx context.Context, scope auth.Scope, formID string, in FileRequest, raw []byte, hash string) (Entry, forms.Form, error) {
	path, inScope, err := s.Units(ctx, scope)
	if err != nil {
		return Entry{}, forms.Form{}, err
	}
	def, version, err := s.Forms.Readable(ctx, scope, path, formID, 0)
	if err != nil {
		return Entry{}, forms.Form{}, err
	}
	assignment, assigned := def.AssignedTo(path)
	if !assigned || def.Archived {
		return Entry{}, forms.Form{}, errs.New(errs.Forbidden, "该表单未分配给您的单位，或已归档")
	}
	data, err := validateEncoded(version.Schema, in.Data, raw, in.Submit, inScope, s.Now)
	if err != nil {
		return Entry{}, forms.Form{}, err
	}
	if err := s.checkAttachments(ctx, scope, version.Schema, data, in.Submit); err != nil {
		return Entry{}, forms.Form{}, err
	}
	wf := Workflows[version.Schema.Workflow]
	now := s.Now().UTC().Truncate(time.Millisecond)
	e := Entry{ID: ids.New(now), FormID: def.ID, FormVersion: version.Version, UnitID: path[len(path)-1], UnitPath: path,
		AuthorID: scope.UserID(), ClientID: in.ClientID, Status: "draft", PayloadHash: hash,
		CreatedAt: now, UpdatedAt: now, ClientCreatedAt: in.ClientCreatedAt.UTC().Truncate(time.Millisecond)}
	if err := s.setPeriod(ctx, scope, &e, def, assignment, in.Period, now); err != nil {
		return Entry{}, forms.Form{}, err
	}
	if err := s.checkOnePerPeriod(ctx, scope, e, version.Schema); err != nil {
		return Entry{}, forms.Form{}, err
	}
	event := Event{At: now, ActorID: scope.UserID(), ActorRole: string(auth.RoleCadre), Action: "create", To: "draft"}
	if in.Submit {
		e.Status, e.SubmittedAt = wf.Submitted, now
		event.Action, event.To = "submit", wf.Submitted
	}
	e.setData(data, version.Schema)
	e.Open = wf.IsOpen(e.Status)
	// The first event names no changes: what was filed is the data, with the
	// later events' changes undone. Repeating every field here tripled an
	// entry's weight on disk.
	e.History = []Event{event}
	return e, version.Schema, nil
}

// setPeriod puts a new entry in the round it is filed for: the current one,
// or an earlier one the unit still owes (补报).
func (s *Service) setPeriod(ctx context.Context, scope auth.Scope, e *Entry, def forms.Definition, a forms.Assignment, late string, now time.Time) error {
	p, ok := a.CurrentPeriod(now)
	if late != "" && late != p.Key {
		var err error
		if p, err = s.latePeriod(ctx, scope, def, a, e.UnitID, late, now); err != nil {
			return err
		}
		ok = true
	}
	if ok {
		e.Period, e.DueAt = p.Key, p.Due.UTC()
	}
	return nil
}

// checkOnePerPeriod refuses a second entry of a unit for a round of a form
// filed once per period, naming the first (the PWA offers to open it). The
// store's claim on the round decides races; this says it earlier and better.
func (s *Service) checkOnePerPeriod(ctx context.Context, scope auth.Scope, e Entry, schema forms.Form) error {
	if e.Period == "" || !schema.OncePerPeriod() || s.Ledger == nil {
		return nil
	}
	list, err := s.Ledger.Obligations(ctx, scope, ledger.ObligationQuery{FormID: e.FormID, Periods: []string{e.Period}, UnitID: e.UnitID, OwnOnly: true})
	if err != nil {
		return err
	}
	for _, o := range list {
		if o.EntryID != "" {
			return ledger.ErrFiled(o.EntryID, e.Period)
		}
	}
	return nil
}

// validate checks data against a version: fully on submit, types only for a
// draft. Refusals are 422 with the engine's field paths.
func validate(schema forms.Form, data map[string]any, submit bool, inScope func(unitID string) bool, now func() time.Time) (map[string]any, error) {
	raw, _ := json.Marshal(data)
	return validateEncoded(schema, data, raw, submit, inScope, now)
}

// validateEncoded is validate of data whose encoding raw is at hand.
func validateEncoded(schema forms.Form, data map[string]any, raw []byte, submit bool, inScope func(unitID string) bool, now func() time.Time) (map[string]any, error) {
	if len(raw) > forms.MaxDataBytes {
		return nil, errs.New(errs.TooLarge, "填报数据不能超过 1 MB")
	}
	mode := forms.Draft
	if submit {
		mode = forms.Submit
	}
	res := forms.Validate(&schema, data, mode, &forms.Env{Now: now, UnitInScope: inScope})
	if !res.Valid() {
		err := res.Err().(*errs.Error)
		err.Code = errs.Unprocessable
		return nil, err
	}
	return res.Data, nil
}

// setData stores validated data with what is derived from it: its title,
// attachment ids (the data's and the history's evidence), and
// for problem items the earliest open measure's deadline as due date.
func (e *Entry) setData(data map[string]any, schema forms.Form) {
	e.Data, _ = json.Marshal(data)
	e.Title = forms.TitleOf(&schema, data)
	e.Attachments = mergeIDs(attachmentIDs(schema.Fields, data), evidenceIDs(e.History))
	if due := measuresDue(measureStates(data, e.History)); !due.IsZero() {
		e.DueAt = due
	}
}

// HasText reports whether one of the text values in an entry's data holds q:
// what Query.Q searches (keys and numbers are not text). A store searches its
// own way (SQLite walks the stored JSON; MongoDB narrows by the stored JSON
// text and confirms here).
func HasText(data json.RawMessage, q string) bool {
	var v any
	if json.Unmarshal(data, &v) != nil {
		return false
	}
	var holds func(any) bool
	holds = func(v any) bool {
		switch x := v.(type) {
		case string:
			return strings.Contains(x, q)
		case []any:
			return slices.ContainsFunc(x, holds)
		case map[string]any:
			for _, item := range x {
				if holds(item) {
					return true
				}
			}
		}
		return false
	}
	return holds(v)
}

// checkAttachments refuses data that names an attachment someone else uploaded
// (drafts too: once linked, the file would be readable wherever the entry is),
// a document in a photo field, and on submit an attachment not uploaded yet.
// Drafts may name photos still waiting in the phone's outbox.
func (s *Service) checkAttachments(ctx context.Context, scope auth.Scope, schema forms.Form, data map[string]any, submit bool) error {
	return s.checkRefs(ctx, scope, attachmentRefs(schema.Fields, data, ""), submit)
}

// checkRefs checks attachment references at their paths (see checkAttachments).
func (s *Service) checkRefs(ctx context.Context, scope auth.Scope, refs []attachmentRef, submit bool) error {
	if s.Attachments == nil || len(refs) == 0 {
		return nil
	}
	ids := make([]string, 0, len(refs))
	for _, r := range refs {
		ids = append(ids, r.id)
	}
	owner, err := s.Attachments.Ownership(ctx, scope, ids)
	if err != nil {
		return err
	}
	var problems []errs.FieldError
	for _, r := range refs {
		a, own := owner.Own[r.id]
		switch {
		case owner.Foreign[r.id]:
			problems = append(problems, errs.FieldError{Field: r.path, Code: "attachment_foreign",
				Message: "只能使用自己上传的附件，请重新上传", Params: map[string]any{"id": r.id}})
		case !own && submit:
			problems = append(problems, errs.FieldError{Field: r.path, Code: "attachment_missing",
				Message: "附件尚未上传完成，请稍后重试或重新上传", Params: map[string]any{"id": r.id}})
		case own && r.image && !a.IsImage():
			problems = append(problems, errs.FieldError{Field: r.path, Code: "not_an_image", Message: "照片字段只能上传图片"})
		}
	}
	if problems != nil {
		return &errs.Error{Code: errs.Unprocessable, Message: "附件有误", Fields: problems}
	}
	return nil
}
