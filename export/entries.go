package export

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"

	"taizhang/audit"
	"taizhang/auth"
	"taizhang/entries"
	"taizhang/errs"
	"taizhang/forms"
	"taizhang/org"
	"taizhang/reports"
	"taizhang/signals"
)

// Service exports what the caller may read.
type Service struct {
	Entries *entries.Service
	Forms   interface {
		Readable(ctx context.Context, scope auth.Scope, unitPath []string, id string, version int) (forms.Definition, forms.Version, error)
	}
	Versions interface {
		ListVersions(ctx context.Context, formID string) ([]forms.Version, error)
	}
	Tree  *org.TreeCache
	Users org.UserStore
	Audit *audit.Log
	Now   func() time.Time
	// DirectLimit and JobLimit override MaxDirectRows and MaxJobRows (tests).
	DirectLimit, JobLimit int
}

func (s *Service) directLimit() int { return cmp.Or(s.DirectLimit, MaxDirectRows) }
func (s *Service) jobLimit() int    { return cmp.Or(s.JobLimit, MaxJobRows) }

// CheckDirect refuses a direct download beyond its limit, naming the jobs API.
func (s *Service) CheckDirect(p Plan) error {
	if p.Total > s.directLimit() {
		return TooMany(p.Total, s.directLimit(), "POST /api/v1/exports")
	}
	return nil
}

// Request is an export of a form's entries: the entry list's filters, a
// format, and whether ID-card and phone numbers are shown in full.
type Request struct {
	FormID  string        `json:"formId"`
	Query   entries.Query `json:"query"`
	Overdue bool          `json:"overdue,omitempty"`
	Format  string        `json:"format"`
	Unmask  bool          `json:"unmask,omitempty"`
	Reason  string        `json:"reason,omitempty"` // why unmasked: audited
	BaseURL string        `json:"baseUrl,omitempty"`
}

// Plan is a checked request with what it will write: the form's versions
// merged into columns, the query frozen at the moment it was counted, and how
// many rows it has.
type Plan struct {
	Request
	Title    string
	versions []forms.Version
	cols     []Column
	Total    int
}

var (
	errFormat = &errs.Error{Code: errs.Unprocessable, Message: "导出格式应为 xlsx 或 csv",
		Fields: []errs.FieldError{{Field: "format", Code: "invalid", Message: "导出格式应为 xlsx 或 csv"}}}
	errNoUnit = errs.New(errs.NotFound, "单位不存在或不在您的查看范围内")
)

// Plan checks a request in the caller's scope and counts its rows. A cadre
// exports only their own entries; a unit filter outside the scope is 404;
// unmasked exports are for the office and administrators, with a reason.
func (s *Service) Plan(ctx context.Context, scope auth.Scope, req Request) (Plan, error) {
	if req.Format != XLSX && req.Format != CSV {
		return Plan{}, errFormat
	}
	if err := checkUnmask(scope, &req); err != nil {
		return Plan{}, err
	}
	if req.Query.UnitID != "" {
		if _, err := s.Tree.PathOf(ctx, scope, req.Query.UnitID); err != nil {
			return Plan{}, errNoUnit
		}
	}
	own, _, err := s.Entries.Units(ctx, scope)
	if err != nil {
		return Plan{}, err
	}
	_, latest, err := s.Forms.Readable(ctx, scope, own, req.FormID, 0)
	if err != nil {
		return Plan{}, err
	}
	versions, err := s.Versions.ListVersions(ctx, req.FormID)
	if err != nil {
		return Plan{}, err
	}
	slices.SortFunc(versions, func(a, b forms.Version) int { return a.Version - b.Version })
	p := Plan{Request: req, Title: latest.Schema.Title, versions: versions, cols: Columns(versions)}
	p.Query = frozen(scope, req, s.Now())
	p.Overdue = false // frozen into Query.OverdueAt
	p.Total, err = s.Entries.Count(ctx, scope, p.Query, false)
	return p, err
}

func checkUnmask(scope auth.Scope, req *Request) error {
	req.Reason = strings.TrimSpace(req.Reason)
	switch {
	case !req.Unmask:
		req.Reason = ""
	case !scope.Has(auth.RoleOffice) && !scope.Has(auth.RoleAdmin):
		return errs.New(errs.Forbidden, "只有领导小组办公室和管理员可以导出未脱敏的身份证号和手机号")
	case req.Reason == "":
		return &errs.Error{Code: errs.Unprocessable, Message: "导出未脱敏数据须说明理由",
			Fields: []errs.FieldError{{Field: "reason", Code: "required", Message: "请填写导出未脱敏数据的理由（将记入审计日志）"}}}
	}
	return nil
}

// frozen fixes the query at now, so that the count and the pages read later
// agree while people go on filing: entries created after now are left out,
// overdue means overdue now.
func frozen(scope auth.Scope, req Request, now time.Time) entries.Query {
	q := req.Query
	q.FormID, q.Cursor, q.Limit = req.FormID, "", entries.MaxLimit
	if q.To.IsZero() || q.To.After(now) {
		q.To = now
	}
	if req.Overdue {
		q.OverdueAt = now
	}
	if !scope.Has(auth.RoleSupervisor) && !scope.Has(auth.RoleOffice) && !scope.Has(auth.RoleAdmin) {
		q.AuthorID = scope.UserID() // a cadre's export is their own entries
	}
	return q
}

// fixedHeader heads the columns every export starts with.
var fixedHeader = []string{"编号", "单位", "填报人", "状态", "周期", "截止时间", "提交时间", "最后操作", "是否逾期", "疑点", "版本"}

// Write writes the plan's rows as a book to w, reporting progress after each
// page. The row count must equal the plan's count: a file with fewer or more
// rows than the query has is never offered (errs.Conflict: try again).
func (s *Service) Write(ctx context.Context, scope auth.Scope, p Plan, w io.Writer, progress func(rows int)) (int, error) {
	book, err := NewBook(p.Format)
	if err != nil {
		return 0, err
	}
	switch b := book.(type) {
	case *csvBook:
		if err := b.Stream(w); err != nil {
			return 0, err
		}
	case *xlsxBook:
		b.Stream(w)
	}
	sheets, err := s.sheets(book, p)
	if err != nil {
		return 0, err
	}
	names, err := s.names(ctx, scope)
	if err != nil {
		return 0, err
	}
	rows, err := s.rows(ctx, scope, p, names, sheets, progress)
	if err != nil {
		return rows, err
	}
	if rows != p.Total {
		return rows, errs.New(errs.Conflict, fmt.Sprintf("导出期间数据发生变化（应为 %d 行，读到 %d 行），请重新导出", p.Total, rows))
	}
	if err := book.Notes("说明", Legend(p.versions, p.cols)); err != nil {
		return rows, err
	}
	return rows, book.Close(w)
}

// sheetSet is the main sheet and one sheet per repeating group.
type sheetSet struct {
	main   Sheet
	groups map[string]Sheet // by group key
}

func (s *Service) sheets(book Book, p Plan) (sheetSet, error) {
	header := slices.Clone(fixedHeader)
	for _, c := range p.cols {
		label := c.Label
		if c.Field.Type == "group" || c.Field.Type == "photo" || c.Field.Type == "file" {
			label += "（数量）"
		}
		header = append(header, label)
	}
	header = append(header, "附件数", "链接")
	set := sheetSet{groups: map[string]Sheet{}}
	var err error
	if set.main, err = book.Sheet(sheetName(p.Title, nil), header); err != nil {
		return set, err
	}
	used := []string{sheetName(p.Title, nil), "说明"}
	for _, c := range p.cols {
		if c.Field.Type != "group" {
			continue
		}
		name := sheetName(c.Label, used)
		used = append(used, name)
		h := []string{"编号", "序号"}
		for _, f := range valueFields(c.Field.Fields) {
			h = append(h, f.Label)
		}
		if set.groups[c.Key], err = book.Sheet(name, h); err != nil {
			return set, err
		}
	}
	return set, nil
}

// sheetName makes a valid, unused sheet name: at most 31 characters, none of []:*?/\.
func sheetName(s string, used []string) string {
	s = strings.Map(func(r rune) rune {
		if strings.ContainsRune(`[]:*?/\`, r) {
			return '_'
		}
		return r
	}, s)
	if r := []rune(s); len(r) > 28 {
		s = string(r[:28])
	}
	if s == "" {
		s = "记录"
	}
	name := s
	for i := 2; slices.Contains(used, name); i++ {
		name = fmt.Sprintf("%s%d", s, i)
	}
	return name
}

// decoded is an entry with its data read, ready to become a row.
type decoded struct {
	entries.Entry
	data map[string]any
}

// rows reads pages and decodes their data in one goroutine while this one
// writes rows: on two cores reading and writing overlap. Names are loaded by
// the reader, page by page, before the page is handed over.
func (s *Service) rows(ctx context.Context, scope auth.Scope, p Plan, names *nameCache, sheets sheetSet, progress func(int)) (int, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	pages := make(chan []decoded, 4)
	var readErr error
	go func() {
		defer close(pages)
		readErr = s.read(ctx, scope, p.Query, p.cols, names, pages)
	}()
	now, rows := s.Now(), 0
	for page := range pages {
		for _, d := range page {
			if err := s.row(p, d, names, sheets, now); err != nil {
				return rows, err
			}
		}
		rows += len(page)
		if progress != nil {
			progress(rows)
		}
	}
	return rows, readErr
}

// read sends the query's entries page by page, decoded and named.
func (s *Service) read(ctx context.Context, scope auth.Scope, q entries.Query, cols []Column, names *nameCache, out chan<- []decoded) error {
	for {
		page, err := s.Entries.List(ctx, scope, q, false)
		if err != nil {
			return err
		}
		batch := make([]decoded, len(page.Items))
		for i, e := range page.Items {
			batch[i].Entry = e
			if err := json.Unmarshal(e.Data, &batch[i].data); err != nil {
				return fmt.Errorf("entry %s: %w", e.ID, err)
			}
		}
		if err := names.load(ctx, batch, cols); err != nil {
			return err
		}
		select {
		case out <- batch:
		case <-ctx.Done():
			return ctx.Err()
		}
		if page.NextCursor == "" {
			return nil
		}
		q.Cursor = page.NextCursor
	}
}

// doubts is the 疑点 cell: each signal in words, those a reviewer has
// explained marked so.
func doubts(list []signals.Signal) string {
	parts := make([]string, len(list))
	for i, s := range list {
		parts[i] = signals.KindNames[s.Kind] + "：" + s.Detail
		if s.Explained != nil {
			parts[i] += "（已核实：" + s.Explained.Comment + "）"
		}
	}
	return strings.Join(parts, "；")
}

func (s *Service) row(p Plan, e decoded, names *nameCache, sheets sheetSet, now time.Time) error {
	data := e.data
	mask := !p.Unmask
	cells := make([]any, 0, len(fixedHeader)+len(p.cols)+2)
	cells = append(cells, e.ID, names.Unit(e.UnitID), names.User(e.AuthorID), named(statusNames, e.Status),
		reports.PeriodLabel(e.Period), when(e.DueAt), when(e.SubmittedAt), lastAction(e.Entry, names), yesNo(e.Open && !e.DueAt.IsZero() && e.DueAt.Before(now)),
		doubts(e.Signals), float64(e.FormVersion))
	for _, c := range p.cols {
		cells = append(cells, valueOf(c.Field, data[c.Key], names, mask))
		if c.Field.Type == "group" {
			if err := groupRows(sheets.groups[c.Key], e.ID, c.Field, data[c.Key], names, mask); err != nil {
				return err
			}
		}
	}
	link := any(nil)
	if p.BaseURL != "" {
		link = p.BaseURL + "/entries/" + e.ID
	}
	cells = append(cells, float64(len(e.Attachments)), link)
	return sheets.main.Row(cells)
}

// groupRows writes a repeating group's items, one row each, keyed by the
// entry's 编号 and the item's number.
func groupRows(sheet Sheet, id string, group forms.Field, v any, names Names, mask bool) error {
	items, _ := v.([]any)
	fields := valueFields(group.Fields)
	for i, item := range items {
		m, _ := item.(map[string]any)
		cells := []any{id, float64(i + 1)}
		for _, f := range fields {
			cells = append(cells, valueOf(f, m[f.Key], names, mask))
		}
		if err := sheet.Row(cells); err != nil {
			return err
		}
	}
	return nil
}

func when(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return Date{T: t.In(forms.Beijing), Clock: true}
}

func yesNo(b bool) string {
	if b {
		return "是"
	}
	return "否"
}

// lastAction reads "通过 · 张三 · 2026-11-27 10:00".
func lastAction(e entries.Entry, names Names) string {
	ev, ok := e.LastEvent()
	if !ok {
		return ""
	}
	return named(actionNames, ev.Action) + " · " + names.User(ev.ActorID) + " · " + ev.At.In(forms.Beijing).Format("2006-01-02 15:04")
}

// nameCache names units by their full path and people by name, reading the
// names of a page's people once.
type nameCache struct {
	scope auth.Scope
	users org.UserStore
	paths map[string]string // unit id → full path of names
	mu    sync.Mutex        // the reader loads people's names while the writer reads them
	names map[string]string
}

// names names every unit by its path once: an export names the same few
// hundred units a hundred thousand times.
func (s *Service) names(ctx context.Context, scope auth.Scope) (*nameCache, error) {
	unit, err := s.Tree.NameOf(ctx)
	if err != nil {
		return nil, err
	}
	all, err := s.Tree.All(ctx)
	paths := make(map[string]string, len(all))
	for _, u := range all {
		names := make([]string, len(u.Path))
		for i, id := range u.Path {
			names[i] = unit(id)
		}
		paths[u.ID] = strings.Join(names, "/")
	}
	return &nameCache{scope: scope, users: s.Users, paths: paths, names: map[string]string{}}, err
}

// Unit reads paths, which nothing changes after names made them.
func (n *nameCache) Unit(id string) string { return n.paths[id] }

func (n *nameCache) User(id string) string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.names[id]
}

// load reads the names of a page's people not read before: authors, the last
// actors, and people named in user fields.
func (n *nameCache) load(ctx context.Context, page []decoded, cols []Column) error {
	n.mu.Lock()
	var missing []string
	add := func(id string) {
		if _, ok := n.names[id]; !ok && id != "" && !slices.Contains(missing, id) {
			missing = append(missing, id)
		}
	}
	for _, e := range page {
		add(e.AuthorID)
		if ev, ok := e.LastEvent(); ok {
			add(ev.ActorID)
		}
		for _, id := range userValues(cols, e.data) {
			add(id)
		}
	}
	n.mu.Unlock()
	if len(missing) == 0 {
		return nil
	}
	found, err := n.users.Names(ctx, n.scope, missing)
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, id := range missing {
		n.names[id] = found[id] // "" for someone unknown: asked once
	}
	return err
}

func userValues(cols []Column, data map[string]any) []string {
	var out []string
	for _, c := range cols {
		switch c.Field.Type {
		case "user":
			if s, ok := data[c.Key].(string); ok {
				out = append(out, s)
			}
		case "group":
			items, _ := data[c.Key].([]any)
			for _, item := range items {
				m, _ := item.(map[string]any)
				for _, f := range c.Field.Fields {
					if s, ok := m[f.Key].(string); ok && f.Type == "user" {
						out = append(out, s)
					}
				}
			}
		}
	}
	return out
}

// Record audits an export: who, which form and filters, how many rows, and
// for an unmasked one its reason.
func (s *Service) Record(ctx context.Context, scope auth.Scope, p Plan, rows int) error {
	own, _, err := s.Entries.Units(ctx, scope)
	if err != nil {
		return err
	}
	detail := map[string]any{"format": p.Format, "rows": rows, "filters": filters(p), "masked": !p.Unmask}
	if p.Unmask {
		detail["reason"] = p.Reason
	}
	return s.Audit.Record(ctx, scope.UserID(), "export.entries", own, p.FormID, detail)
}

// RecordBriefing audits a 通报 export.
func (s *Service) RecordBriefing(ctx context.Context, scope auth.Scope, b Briefing) error {
	own, _, err := s.Entries.Units(ctx, scope)
	if err != nil {
		return err
	}
	return s.Audit.Record(ctx, scope.UserID(), "export.briefing", own, b.FormID, map[string]any{"period": b.Period, "unitId": b.UnitID})
}

// filters lists the filters the export was asked with, for the audit.
func filters(p Plan) map[string]any {
	q := p.Query
	out := map[string]any{}
	for key, value := range map[string]string{"status": q.Status, "unitId": q.UnitID, "authorId": q.AuthorID, "period": q.Period, "q": q.Q} {
		if value != "" {
			out[key] = value
		}
	}
	if !q.From.IsZero() {
		out["from"] = q.From
	}
	out["to"] = q.To
	if !q.OverdueAt.IsZero() {
		out["overdueAt"] = q.OverdueAt
	}
	return out
}
