package entries

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"taizhang/audit"
	"taizhang/auth"
	"taizhang/errs"
	"taizhang/forms"
	"taizhang/ids"
	"taizhang/notify"
)

// reviewersAt returns the supervisors of the entry's level-th reviewing unit.
func (s *Service) reviewersAt(ctx context.Context, e Entry, level int) ([]string, error) {
	units, byUnit, err := s.People.ReviewUnits(ctx, e.UnitPath, e.AuthorID)
	if err != nil || len(units) < level {
		return nil, err
	}
	return byUnit[units[level-1]], nil
}

// Workflows returns the workflow of each listed entry's form version, keyed by
// WorkflowKey, reading each distinct version once.
func (s *Service) Workflows(ctx context.Context, items []Entry) (map[string]Workflow, error) {
	versions, err := s.FormVersions(ctx, items)
	if err != nil {
		return nil, err
	}
	return WorkflowsOf(versions), nil
}

// WorkflowsOf maps FormVersions' result to each version's workflow.
func WorkflowsOf(versions map[string]forms.Version) map[string]Workflow {
	out := make(map[string]Workflow, len(versions))
	for key, v := range versions {
		out[key] = Workflows[v.Schema.Workflow]
	}
	return out
}

// FormVersions returns the form version of each listed entry, keyed by
// WorkflowKey, reading each distinct version once.
func (s *Service) FormVersions(ctx context.Context, items []Entry) (map[string]forms.Version, error) {
	out := map[string]forms.Version{}
	for _, e := range items {
		key := WorkflowKey(e)
		if _, seen := out[key]; seen {
			continue
		}
		v, err := s.Versions.GetVersion(ctx, e.FormID, e.FormVersion)
		if err != nil {
			return nil, err
		}
		out[key] = v
	}
	return out, nil
}

// WorkflowKey names an entry's form version in the map Workflows returns.
func WorkflowKey(e Entry) string { return fmt.Sprintf("%s@%d", e.FormID, e.FormVersion) }

// Get returns an entry with the form version that renders it.
func (s *Service) Get(ctx context.Context, scope auth.Scope, id string) (Entry, forms.Version, error) {
	e, err := s.Store.Get(ctx, scope, id)
	if err != nil {
		return Entry{}, forms.Version{}, err
	}
	v, err := s.Versions.GetVersion(ctx, e.FormID, e.FormVersion)
	return e, v, err
}

// List returns a page of entries in the caller's scope; overdue means open and
// past its deadline now.
func (s *Service) List(ctx context.Context, scope auth.Scope, q Query, overdue bool) (Page, error) {
	if overdue {
		q.OverdueAt = s.Now()
	}
	return s.Store.List(ctx, scope, q)
}

// Count counts the entries List would show over all pages.
func (s *Service) Count(ctx context.Context, scope auth.Scope, q Query, overdue bool) (int, error) {
	if overdue {
		q.OverdueAt = s.Now()
	}
	return s.Store.Count(ctx, scope, q)
}

// Edit replaces the data of the caller's own draft or returned entry, if rev is
// still current (412 otherwise). Edits are checked for types, like drafts; the
// submit action checks everything.
func (s *Service) Edit(ctx context.Context, scope auth.Scope, id string, rev int, data map[string]any) (Entry, error) {
	e, version, err := s.Get(ctx, scope, id)
	if err != nil {
		return Entry{}, err
	}
	if e.AuthorID != scope.UserID() {
		return Entry{}, errs.New(errs.Forbidden, "只有填报人可以修改")
	}
	if e.Rev != rev {
		return Entry{}, errs.New(errs.PreconditionFailed, "记录已被修改，请刷新后再编辑")
	}
	if e.Status != "draft" && e.Status != "returned" {
		return Entry{}, errs.New(errs.Conflict, "只有草稿或被退回的记录可以修改")
	}
	_, inScope, err := s.Units(ctx, scope)
	if err != nil {
		return Entry{}, err
	}
	clean, err := validate(version.Schema, data, false, inScope, s.Now)
	if err != nil {
		return Entry{}, err
	}
	if err := s.checkAttachments(ctx, scope, version.Schema, clean, false); err != nil {
		return Entry{}, err
	}
	var stored map[string]any
	_ = json.Unmarshal(e.Data, &stored)
	before := e
	now := s.Now().UTC().Truncate(time.Millisecond)
	event := Event{At: now, ActorID: scope.UserID(), ActorRole: string(auth.RoleCadre), Action: "edit", From: e.Status,
		To: e.Status, Changes: Diff(stored, clean)}
	e.setData(clean, version.Schema)
	e.UpdatedAt, e.History = now, append(e.History, event)
	fx, _, err := s.effects(ctx, scope, e, event, rev+1)
	if err != nil {
		return Entry{}, err
	}
	withLedger(&fx, &before, e, &version.Schema, false)
	updated, err := s.Store.Update(ctx, scope, e, rev, fx)
	if errs.Is(err, errs.Conflict) {
		return Entry{}, errs.New(errs.PreconditionFailed, "记录已被修改，请刷新后再编辑")
	}
	return updated, err
}

// ActionRequest is a workflow step: approve, return with a comment, rectify with
// evidence… Rev is the revision the caller saw.
type ActionRequest struct {
	Action  string
	Comment string
	Rev     int
	Data    map[string]any
}

// Act runs a workflow transition as one conditional update on (id, scope, rev):
// of two reviewers acting at once, exactly one wins and the other gets 409. The
// update is conditioned on the revision the transition was checked against, and
// that must be the one the caller saw: a step checked against one state can
// never land on another.
func (s *Service) Act(ctx context.Context, scope auth.Scope, id string, req ActionRequest) (Entry, error) {
	e, version, err := s.Get(ctx, scope, id)
	if err != nil {
		return Entry{}, err
	}
	if req.Rev != e.Rev {
		return Entry{}, StaleRevision(e.Rev)
	}
	wf := Workflows[version.Schema.Workflow]
	t, who, err := s.permitted(ctx, scope, wf, e, req.Action)
	if err != nil {
		return Entry{}, err
	}
	if err := s.checkStep(ctx, scope, t, e, req); err != nil {
		return Entry{}, err
	}
	before := e
	now := s.Now().UTC().Truncate(time.Millisecond)
	event := Event{At: now, ActorID: scope.UserID(), ActorRole: string(who), Action: t.Action, From: e.Status, To: t.To,
		Comment: forms.TrimBlank(req.Comment), Data: actionData(t, req)}
	if event.To == "" {
		event.To = e.Status
	}
	if t.Action == "submit" {
		if err := s.resubmit(ctx, scope, &e, version.Schema, req.Data, &event); err != nil {
			return Entry{}, err
		}
		e.SubmittedAt = now
	}
	e.Status, e.Open, e.UpdatedAt = event.To, wf.IsOpen(event.To), now
	e.History = append(e.History, event)
	e.Attachments = mergeIDs(e.Attachments, evidenceIDs([]Event{event}))
	if due := measuresDue(e.Measures()); !due.IsZero() {
		e.DueAt = due
	}
	return s.write(ctx, scope, before, e, event, &version.Schema, t.Action == "submit")
}

// permitted finds the transition for action from the entry's state and checks
// that the caller may take it.
func (s *Service) permitted(ctx context.Context, scope auth.Scope, wf Workflow, e Entry, action string) (Transition, Who, error) {
	allowed := wf.Allowed(e.Status)
	var reviewUnits []string
	for _, t := range wf.Transitions {
		if t.Action != action || !slices.Contains(t.From, e.Status) {
			continue
		}
		if t.Level > 0 && reviewUnits == nil {
			var err error
			if reviewUnits, _, err = s.People.ReviewUnits(ctx, e.UnitPath, e.AuthorID); err != nil {
				return Transition{}, "", err
			}
		}
		if who, ok := mayAct(t, e, scope, reviewUnits); ok {
			return t, who, nil
		}
		return Transition{}, "", errs.New(errs.Forbidden, "您不能对这条记录执行此操作")
	}
	return Transition{}, "", &errs.Error{Code: errs.Conflict,
		Message: fmt.Sprintf("当前状态（%s）不能执行“%s”；可执行: %s", e.Status, action, strings.Join(allowed, ", ")),
		Fields:  []errs.FieldError{{Field: "action", Code: "not_allowed", Params: map[string]any{"allowed": allowed}}}}
}

// checkStep checks what the step carries: its comment and evidence, the
// measure it reports, and that evidence photos are the actor's own uploads.
func (s *Service) checkStep(ctx context.Context, scope auth.Scope, t Transition, e Entry, req ActionRequest) error {
	measures := e.Measures()
	if t.Action == "measure" || t.Action == "rectify" {
		if err := checkMeasureStep(t.Action, measures, req.Data); err != nil {
			return err
		}
	}
	if t.Action == "rectify" && len(measures) > 0 {
		t.RequireAnyOf = nil // each measure brought its own evidence
	}
	if err := checkActionInput(t, req); err != nil {
		return err
	}
	photos, _ := req.Data["evidencePhotos"].([]any)
	refs := make([]attachmentRef, 0, len(photos))
	for i, p := range photos {
		id, _ := p.(string)
		refs = append(refs, attachmentRef{path: fmt.Sprintf("data.evidencePhotos[%d]", i), id: id, image: true})
	}
	return s.checkRefs(ctx, scope, refs, true)
}

// write stores the step with its audit record, notifications and what it
// changes in the ledger; a lost race is 409 naming the revision that won.
func (s *Service) write(ctx context.Context, scope auth.Scope, before, e Entry, event Event, schema *forms.Form, submitted bool) (Entry, error) {
	checked := e.Rev
	fx, noReviewer, err := s.effects(ctx, scope, e, event, checked+1)
	if err != nil {
		return Entry{}, err
	}
	if submitted {
		s.markSignals(&e)
	}
	withLedger(&fx, &before, e, schema, submitted)
	updated, err := s.Store.Update(ctx, scope, e, checked, fx)
	if errs.Is(err, errs.Conflict) {
		if current, getErr := s.Store.Get(ctx, scope, e.ID); getErr == nil {
			return Entry{}, StaleRevision(current.Rev)
		}
	}
	updated.NoReviewer = noReviewer
	return updated, err
}

// resubmit validates the data being submitted — new data from the request, or
// the stored draft — fully against the entry's own version.
func (s *Service) resubmit(ctx context.Context, scope auth.Scope, e *Entry, schema forms.Form, data map[string]any, event *Event) error {
	var stored map[string]any
	_ = json.Unmarshal(e.Data, &stored)
	if data == nil {
		data = stored
	}
	_, inScope, err := s.Units(ctx, scope)
	if err != nil {
		return err
	}
	clean, err := validate(schema, data, true, inScope, s.Now)
	if err != nil {
		return err
	}
	if err := s.checkAttachments(ctx, scope, schema, clean, true); err != nil {
		return err
	}
	event.Changes, event.Data = Diff(stored, clean), nil
	e.setData(clean, schema)
	return nil
}

func checkActionInput(t Transition, req ActionRequest) error {
	if forms.HasBadText(req.Comment) || len(req.Comment) > forms.MaxTextBytes {
		return &errs.Error{Code: errs.Unprocessable, Message: "意见含有无法识别的字符或过长",
			Fields: []errs.FieldError{{Field: "comment", Code: "invalid_char", Message: "意见含有控制字符或乱码，或超过 64 KB"}}}
	}
	if t.RequireComment && forms.TrimBlank(req.Comment) == "" {
		return unprocessable("comment", "required", "请填写意见：写明原因和需要怎么做")
	}
	if evidence, _ := req.Data["evidence"].(string); forms.HasBadText(evidence) || len(evidence) > forms.MaxTextBytes {
		return unprocessable("data.evidence", "invalid_char", "整改情况含有控制字符或乱码，或超过 64 KB")
	}
	if len(t.RequireAnyOf) == 0 {
		return nil
	}
	for _, key := range t.RequireAnyOf {
		if v, ok := req.Data[key]; ok && !forms.IsBlank(v) {
			return nil
		}
	}
	return &errs.Error{Code: errs.Unprocessable, Message: "请提供整改佐证（文字说明或照片）",
		Fields: []errs.FieldError{{Field: "data." + t.RequireAnyOf[0], Code: "required", Message: "请提供整改佐证（文字说明或照片）"}}}
}

func unprocessable(field, code, message string) error {
	return &errs.Error{Code: errs.Unprocessable, Message: message,
		Fields: []errs.FieldError{{Field: field, Code: code, Message: message}}}
}

// actionData keeps what an action carries besides the form data (evidence).
func actionData(t Transition, req ActionRequest) any {
	if t.Action == "submit" || len(req.Data) == 0 {
		return nil
	}
	return req.Data
}

// effects builds what a step writes besides the entry: the audit record and the
// notifications to whoever must act next. rev is the entry's revision after it.
// A step that asks for review when nobody can review it tells the unit's
// administrators instead, and reports noReviewer.
func (s *Service) effects(ctx context.Context, scope auth.Scope, e Entry, ev Event, rev int) (fx Effects, noReviewer bool, err error) {
	fx.Audit = &audit.Record{At: ev.At, ActorID: scope.UserID(), Action: "entry." + ev.Action,
		UnitPath: e.UnitPath, Target: e.ID, Detail: map[string]any{"formId": e.FormID, "from": ev.From, "to": ev.To, "rev": rev}}
	title := e.Title
	if title != "" {
		title = "“" + title + "”"
	}
	var recipients []string
	kind, message := ev.Action, "有新的记录等待您审核"+title
	switch {
	case ev.Action == "submit", ev.Action == "rectify", ev.Action == "approve" && ev.To == "reviewed":
		level := 1
		if ev.Action == "approve" { // two-level approval: the next level's turn
			level = 2
		}
		if recipients, err = s.reviewersAt(ctx, e, level); err == nil && len(recipients) == 0 {
			noReviewer, kind = true, "no_reviewer"
			message = "记录" + title + "无人审核：本单位及上级单位都没有审核人，请指定审核人"
			recipients, err = s.People.Admins(ctx, e.UnitPath)
		}
	case ev.Action == "return", ev.Action == "reject", ev.Action == "reopen", ev.Action == "accept", ev.Action == "close":
		recipients = []string{e.AuthorID}
		message = map[string]string{"return": "您的记录被退回", "reject": "您的记录被驳回", "reopen": "您的问题需重新整改",
			"accept": "您的问题已立项，请按措施整改", "close": "您的问题已销号"}[ev.Action] + title
		if ev.Comment != "" {
			message += "：" + ev.Comment
		}
	}
	for _, userID := range recipients {
		fx.Notifications = append(fx.Notifications, notify.Notification{ID: ids.New(ev.At), UserID: userID, EntryID: e.ID,
			Kind: kind, Message: message, CreatedAt: ev.At})
	}
	return fx, noReviewer, err
}

// MayDo lists, per entry id, the actions the caller may take on it now — what a
// screen offers as buttons. Review units are read once per distinct unit.
func (s *Service) MayDo(ctx context.Context, scope auth.Scope, items []Entry, workflows map[string]Workflow) (map[string][]string, error) {
	out := make(map[string][]string, len(items))
	reviewUnits := map[string][]string{}
	for _, e := range items {
		for _, t := range workflows[WorkflowKey(e)].Transitions {
			if !slices.Contains(t.From, e.Status) {
				continue
			}
			key := e.UnitID + "/" + e.AuthorID // the author is never their own reviewer
			units, known := reviewUnits[key]
			// Only a supervisor who is not the author can act at a level: nobody
			// else needs the reviewer lookup (every filing's answer asks this).
			couldReview := slices.Contains(t.Who, Supervisor) && scope.Has(auth.RoleSupervisor) && e.AuthorID != scope.UserID()
			if t.Level > 0 && !known && couldReview {
				var err error
				if units, _, err = s.People.ReviewUnits(ctx, e.UnitPath, e.AuthorID); err != nil {
					return nil, err
				}
				reviewUnits[key] = units
			}
			if _, ok := mayAct(t, e, scope, units); ok && !slices.Contains(out[e.ID], t.Action) {
				out[e.ID] = append(out[e.ID], t.Action)
			}
		}
	}
	return out, nil
}

// MaxCounted is where Waiting stops counting: a badge shows 99+ beyond it.
const MaxCounted = 100

// Waiting counts the entries waiting for the caller's review (up to
// MaxCounted): those in a reviewer's state where the caller may act.
func (s *Service) Waiting(ctx context.Context, scope auth.Scope) (int, error) {
	if !scope.Has(auth.RoleSupervisor) {
		return 0, nil
	}
	n := 0
	for _, state := range ReviewStates {
		page, err := s.Store.List(ctx, scope, Query{Status: state, Limit: MaxCounted})
		if err != nil {
			return 0, err
		}
		workflows, err := s.Workflows(ctx, page.Items)
		if err != nil {
			return 0, err
		}
		may, err := s.MayDo(ctx, scope, page.Items, workflows)
		if err != nil {
			return 0, err
		}
		n += len(may)
	}
	return min(n, MaxCounted), nil
}
