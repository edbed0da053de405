package api

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"taizhang/entries"
	"taizhang/errs"
	"taizhang/signals"
)

type entryJSON struct {
	ID          string     `json:"id"`
	FormID      string     `json:"formId"`
	FormVersion int        `json:"formVersion"`
	FormTitle   string     `json:"formTitle,omitempty"` // the title of the version it was filed on
	Title       string     `json:"title,omitempty"`     // the value of the form's title field
	UnitID      string     `json:"unitId"`
	UnitName    string     `json:"unitName,omitempty"` // the unit's path below the caller's unit
	AuthorID    string     `json:"authorId"`
	AuthorName  string     `json:"authorName,omitempty"`
	ClientID    string     `json:"clientId"`
	Data        any        `json:"data,omitempty"` // always present: nil only inside encodeEntryPage
	Status      string     `json:"status"`
	Rev         int        `json:"rev"`
	Period      string     `json:"period,omitempty"`
	DueAt       *time.Time `json:"dueAt"`
	Overdue     bool       `json:"overdue"`
	Attachments []string   `json:"attachments"`
	// AttachmentsArrived counts those already uploaded (GET of one entry only): a
	// draft may name photos still waiting in a phone's outbox.
	AttachmentsArrived *int       `json:"attachmentsArrived,omitempty"`
	CreatedAt          time.Time  `json:"createdAt"`
	SubmittedAt        *time.Time `json:"submittedAt"`
	UpdatedAt          time.Time  `json:"updatedAt"`
	ClientCreatedAt    *time.Time `json:"clientCreatedAt"`
	LastEvent          *eventJSON `json:"lastEvent,omitempty"`
	// StateDueAt is when the reviewer should act on the entry's current state.
	StateDueAt    *time.Time `json:"stateDueAt"`
	ReviewOverdue bool       `json:"reviewOverdue"`
	// Actions the caller may take now: always on one entry, on lists when
	// asked with ?withActions=true (it costs a reviewer lookup per unit).
	Actions []string `json:"actions,omitempty"`
	// Measures is each rectification measure's progress (one entry only).
	Measures []entries.MeasureState `json:"measures,omitempty"`
	// Notice tells the filer something they should know about the step just
	// taken (nobody can review it).
	Notice string `json:"notice,omitempty"`
	// Signals are the questions found at submission; always a list.
	Signals []signalJSON `json:"signals"`
}

// signalJSON is a signal with its kind in words.
type signalJSON struct {
	signals.Signal
	KindName string `json:"kindName"`
}

func toSignalsJSON(list []signals.Signal) []signalJSON {
	out := make([]signalJSON, len(list))
	for i, s := range list {
		out[i] = signalJSON{Signal: s, KindName: signals.KindNames[s.Kind]}
	}
	return out
}

// eventJSON is a history event with the actor's name.
type eventJSON struct {
	entries.Event
	ActorName string `json:"actorName,omitempty"`
}

// named adds what names an entry: its unit's path and its author's name.
func (n namer) named(out entryJSON, e entries.Entry) entryJSON {
	out.UnitName, out.AuthorName = n.unitPath(e), n.users[e.AuthorID]
	if out.LastEvent != nil {
		out.LastEvent.ActorName = n.users[out.LastEvent.ActorID]
	}
	return out
}

func (n namer) history(h []entries.Event) []eventJSON {
	out := make([]eventJSON, len(h))
	for i, ev := range h {
		out[i] = eventJSON{Event: ev, ActorName: n.users[ev.ActorID]}
	}
	return out
}

const noReviewerNotice = "本单位及上级暂无审核人，已通知管理员"

func optional(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func toEntryJSON(e entries.Entry, wf entries.Workflow, now time.Time) entryJSON {
	attachments := e.Attachments
	if attachments == nil {
		attachments = []string{}
	}
	out := entryJSON{ID: e.ID, FormID: e.FormID, FormVersion: e.FormVersion, Title: e.Title, UnitID: e.UnitID, AuthorID: e.AuthorID,
		ClientID: e.ClientID, Data: e.Data, Status: e.Status, Rev: e.Rev, Period: e.Period, DueAt: optional(e.DueAt),
		Overdue: e.Open && !e.DueAt.IsZero() && e.DueAt.Before(now), Attachments: attachments, CreatedAt: e.CreatedAt,
		SubmittedAt: optional(e.SubmittedAt), UpdatedAt: e.UpdatedAt, ClientCreatedAt: optional(e.ClientCreatedAt),
		Signals: toSignalsJSON(e.Signals)}
	if last, ok := e.LastEvent(); ok {
		out.LastEvent = &eventJSON{Event: last} // the reviewer's comment on a returned entry
	}
	if due := wf.StateDueAt(e); !due.IsZero() {
		out.StateDueAt, out.ReviewOverdue = &due, due.Before(now)
	}
	return out
}

func (s *server) fileEntry(c *fiber.Ctx) error {
	var in struct {
		ClientID        string         `json:"clientId"`
		Data            map[string]any `json:"data"`
		Submit          bool           `json:"submit"`
		ClientCreatedAt time.Time      `json:"clientCreatedAt"`
		Period          string         `json:"period"` // an earlier round still owed (补报)
	}
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	e, created, err := s.deps.Entries.File(c.UserContext(), scopeOf(c), c.Params("formId"), entries.FileRequest{
		ClientID: in.ClientID, Data: in.Data, Submit: in.Submit, ClientCreatedAt: in.ClientCreatedAt, Period: in.Period})
	if err != nil {
		return err
	}
	status := fiber.StatusOK // a replay: nothing was created
	if created {
		status = fiber.StatusCreated
	}
	return s.sendEntry(c, status, e)
}

// sendEntry answers with one entry and its revision as ETag.
func (s *server) sendEntry(c *fiber.Ctx, status int, e entries.Entry) error {
	workflows, err := s.deps.Entries.Workflows(c.UserContext(), []entries.Entry{e})
	if err != nil {
		return err
	}
	may, err := s.deps.Entries.MayDo(c.UserContext(), scopeOf(c), []entries.Entry{e}, workflows)
	if err != nil {
		return err
	}
	names, err := s.namesFor(c, []entries.Entry{e})
	if err != nil {
		return err
	}
	out := names.named(toEntryJSON(e, workflows[entries.WorkflowKey(e)], s.deps.Now()), e)
	out.Actions = may[e.ID]
	if e.NoReviewer {
		out.Notice = noReviewerNotice
	}
	c.Set(fiber.HeaderETag, strconv.Itoa(e.Rev))
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
	return c.Status(status).Send(encodeEntryAnswer(out))
}

func (s *server) listEntries(c *fiber.Ctx) error {
	q, err := entryFilters(c)
	if err != nil {
		return err
	}
	if q.Limit, err = queryInt(c, "limit"); err != nil {
		return err
	}
	page, err := s.deps.Entries.List(c.UserContext(), scopeOf(c), q, c.QueryBool("overdue"))
	if err != nil {
		return err
	}
	versions, err := s.deps.Entries.FormVersions(c.UserContext(), page.Items)
	if err != nil {
		return err
	}
	workflows := entries.WorkflowsOf(versions)
	var may map[string][]string
	if c.QueryBool("withActions") {
		if may, err = s.deps.Entries.MayDo(c.UserContext(), scopeOf(c), page.Items, workflows); err != nil {
			return err
		}
	}
	names, err := s.namesFor(c, page.Items)
	if err != nil {
		return err
	}
	now := s.deps.Now()
	items := make([]entryJSON, len(page.Items))
	for i, e := range page.Items {
		items[i] = names.named(toEntryJSON(e, workflows[entries.WorkflowKey(e)], now), e)
		items[i].Actions, items[i].FormTitle = may[e.ID], versions[entries.WorkflowKey(e)].Schema.Title
	}
	total := -1
	if c.QueryBool("count") { // the office's lists show how many match
		if total, err = s.deps.Entries.Count(c.UserContext(), scopeOf(c), q, c.QueryBool("overdue")); err != nil {
			return err
		}
	}
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
	return c.Send(encodeEntryPage(items, page.NextCursor, total))
}

// encodeEntryPage writes {"items": [...], "nextCursor": "…"[, "total": n]} with
// each entry's data copied as stored: it is JSON the server encoded itself, and
// having encoding/json re-validate twenty entries' data was half the CPU of a
// list page.
func encodeEntryPage(items []entryJSON, nextCursor string, total int) []byte {
	size := 64
	for _, item := range items {
		data, _ := item.Data.(json.RawMessage)
		size += len(data) + 1024 // the other fields of an entry take well under 1 KB
	}
	buf := append(make([]byte, 0, size), `{"items":[`...)
	for i, item := range items {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = appendEntry(buf, item)
	}
	cursor, _ := json.Marshal(nextCursor)
	buf = append(append(buf, `],"nextCursor":`...), cursor...)
	if total >= 0 {
		buf = strconv.AppendInt(append(buf, `,"total":`...), int64(total), 10)
	}
	return append(buf, '}')
}

// encodeEntryAnswer writes {"entry": …}, the entry's data copied as a page's
// are: every filing and step is answered so, and re-validating the data it
// has just encoded was a third of encoding the answer.
func encodeEntryAnswer(item entryJSON) []byte {
	data, _ := item.Data.(json.RawMessage)
	buf := append(make([]byte, 0, len(data)+1024), `{"entry":`...)
	return append(appendEntry(buf, item), '}')
}

// appendEntry appends an entry's JSON with its data as stored, written first.
func appendEntry(buf []byte, item entryJSON) []byte {
	data, _ := item.Data.(json.RawMessage)
	if len(data) == 0 {
		data = json.RawMessage("null")
	}
	item.Data = nil // omitted below, then written first
	rest, _ := json.Marshal(item)
	buf = append(append(append(buf, `{"data":`...), data...), ',')
	return append(buf, rest[1:]...)
}

func queryInt(c *fiber.Ctx, name string) (int, error) {
	raw := c.Query(name)
	if raw == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(raw)
	if err != nil {
		return 0, errs.Fields("参数无效", errs.FieldError{Field: name, Code: "invalid", Message: name + " 应为整数"})
	}
	return n, nil
}

// queryTime reads a query parameter with parseDay.
func queryTime(c *fiber.Ctx, name string) (time.Time, error) { return parseDay(name, c.Query(name)) }

func (s *server) getEntry(c *fiber.Ctx) error {
	e, v, err := s.deps.Entries.Get(c.UserContext(), scopeOf(c), c.Params("id"))
	if err != nil {
		return err
	}
	history := e.History
	if history == nil {
		history = []entries.Event{}
	}
	wf := entries.Workflows[v.Schema.Workflow]
	names, err := s.namesFor(c, []entries.Entry{e})
	if err != nil {
		return err
	}
	out := names.named(toEntryJSON(e, wf, s.deps.Now()), e)
	out.FormTitle, out.Measures = v.Schema.Title, e.Measures()
	may, err := s.deps.Entries.MayDo(c.UserContext(), scopeOf(c), []entries.Entry{e}, map[string]entries.Workflow{entries.WorkflowKey(e): wf})
	if err != nil {
		return err
	}
	out.Actions = may[e.ID]
	arrived := 0
	for _, id := range e.Attachments {
		if _, err := s.deps.Attachments.Get(c.UserContext(), scopeOf(c), id); err == nil {
			arrived++
		} else if !errs.Is(err, errs.NotFound) {
			return err
		}
	}
	out.AttachmentsArrived = &arrived
	c.Set(fiber.HeaderETag, strconv.Itoa(e.Rev))
	form := fiber.Map{"id": v.FormID, "version": v.Version}
	if !knowsForm(c.Query("knownForms"), v.FormID, v.Version) {
		form["schema"] = v.Schema // 8.8 KB for a typical form: only when the client lacks it
	}
	return c.JSON(fiber.Map{"entry": out, "history": names.history(history), "form": form})
}

// knowsForm reads ?knownForms=ID@VERSION,… — the form versions whose schema
// the client keeps (at most 50 are looked at) — for the entry's form version.
func knowsForm(known, formID string, version int) bool {
	want := formID + "@" + strconv.Itoa(version)
	for i, item := range strings.Split(known, ",") {
		if i == 50 {
			return false
		}
		if item == want {
			return true
		}
	}
	return false
}

func (s *server) editEntry(c *fiber.Ctx) error {
	raw := c.Get(fiber.HeaderIfMatch)
	if raw == "" {
		return errs.New(errs.PreconditionNeeded, "请在 If-Match 头中提供记录的版本号（rev）")
	}
	rev, err := strconv.Atoi(trimQuotes(raw))
	if err != nil {
		return errs.New(errs.PreconditionFailed, "If-Match 应为记录的版本号（rev）")
	}
	var in struct {
		Data map[string]any `json:"data"`
	}
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	e, err := s.deps.Entries.Edit(c.UserContext(), scopeOf(c), c.Params("id"), rev, in.Data)
	if err != nil {
		return err
	}
	return s.sendEntry(c, fiber.StatusOK, e)
}

// trimQuotes accepts both If-Match: 3 and the quoted ETag form If-Match: "3".
func trimQuotes(s string) string {
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		return s[1 : len(s)-1]
	}
	return s
}

// explainSignal records a reviewer's answer to one of an entry's signals:
// {comment} → 200 {entry}.
func (s *server) explainSignal(c *fiber.Ctx) error {
	var in struct {
		Comment string `json:"comment"`
	}
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	index, err := strconv.Atoi(c.Params("index"))
	if err != nil {
		return errs.New(errs.NotFound, "疑点不存在")
	}
	me, err := s.deps.Users.GetUser(c.UserContext(), scopeOf(c), scopeOf(c).UserID())
	if err != nil {
		return err
	}
	e, err := s.deps.Entries.ExplainSignal(c.UserContext(), scopeOf(c), c.Params("id"), index, in.Comment, me.Name)
	if err != nil {
		return err
	}
	return s.sendEntry(c, fiber.StatusOK, e)
}

func (s *server) entryAction(c *fiber.Ctx) error {
	var in struct {
		Action  string         `json:"action"`
		Comment string         `json:"comment"`
		Rev     int            `json:"rev"`
		Data    map[string]any `json:"data"`
	}
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	e, err := s.deps.Entries.Act(c.UserContext(), scopeOf(c), c.Params("id"), entries.ActionRequest{
		Action: in.Action, Comment: in.Comment, Rev: in.Rev, Data: in.Data})
	if err != nil {
		return err
	}
	return s.sendEntry(c, fiber.StatusOK, e)
}
