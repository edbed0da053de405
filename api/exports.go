package api

import (
	"bytes"
	"net/url"
	"os"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"taizhang/entries"
	"taizhang/errs"
	"taizhang/export"
	"taizhang/forms"
)

var contentTypes = map[string]string{
	export.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	export.CSV:  "text/csv; charset=utf-8",
}

// entryFilters reads the entry list's filters from the query string.
func entryFilters(c *fiber.Ctx) (entries.Query, error) {
	q := entries.Query{FormID: c.Query("formId"), Status: c.Query("status"), UnitID: c.Query("unitId"),
		AuthorID: c.Query("authorId"), Period: c.Query("period"), Q: c.Query("q"), Cursor: c.Query("cursor")}
	var err error
	if q.From, err = queryTime(c, "from"); err != nil {
		return q, err
	}
	q.To, err = queryTime(c, "to")
	return q, err
}

// exportRequest reads an export of a form's entries: the list's filters,
// mask=false with a reason for full ID-card and phone numbers.
func exportRequest(c *fiber.Ctx, formID, format string) (export.Request, error) {
	q, err := entryFilters(c)
	return export.Request{FormID: formID, Query: q, Overdue: c.QueryBool("overdue"), Format: format,
		Unmask: c.Query("mask") == "false", Reason: c.Query("reason"), BaseURL: c.BaseURL()}, err
}

// exportEntries streams a form's entries as xlsx or csv, up to
// export.MaxDirectRows; beyond that 413 points to the jobs API. The file is
// written and counted before a byte is sent, so no truncated file leaves.
func (s *server) exportEntries(c *fiber.Ctx) error {
	req, err := exportRequest(c, c.Params("id"), c.Params("format"))
	if err != nil {
		return err
	}
	svc := s.deps.Exports.Service
	plan, err := svc.Plan(c.UserContext(), scopeOf(c), req)
	if err != nil {
		return err
	}
	if err := svc.CheckDirect(plan); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(s.deps.Exports.Dir, "direct-*.part")
	if err != nil {
		return err
	}
	_ = os.Remove(tmp.Name()) // the open file lives until sent
	rows, err := svc.Write(c.UserContext(), scopeOf(c), plan, tmp, nil)
	if err == nil {
		err = svc.Record(c.UserContext(), scopeOf(c), plan, rows)
	}
	size, serr := tmp.Seek(0, 1)
	if err == nil {
		err = serr
	}
	if err == nil {
		_, err = tmp.Seek(0, 0)
	}
	if err != nil {
		tmp.Close()
		return err
	}
	attachment(c, plan.Format, export.FileName(plan.Title, plan.Format, s.deps.Now()))
	c.Set("X-Total-Count", strconv.Itoa(rows))
	return c.SendStream(tmp, int(size)) // fasthttp closes it once sent
}

func attachment(c *fiber.Ctx, format, name string) {
	c.Set(fiber.HeaderContentType, contentTypes[format])
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="export.`+format+`"; filename*=UTF-8''`+url.PathEscape(name))
	c.Set(fiber.HeaderCacheControl, "no-store")
}

// briefing answers the weekly 通报 workbook of a form and round.
func (s *server) briefing(c *fiber.Ctx) error {
	b := export.Briefing{FormID: c.Query("formId"), Period: c.Query("period"), UnitID: c.Query("unitId")}
	var buf bytes.Buffer
	svc := s.deps.Exports.Service
	if err := svc.WriteBriefing(c.UserContext(), scopeOf(c), s.deps.Reports, b, &buf); err != nil {
		return err
	}
	if err := svc.RecordBriefing(c.UserContext(), scopeOf(c), b); err != nil {
		return err
	}
	attachment(c, export.XLSX, "通报-"+b.Period+".xlsx")
	return c.Send(buf.Bytes())
}

// jobJSON is a job as its owner sees it.
type jobJSON struct {
	ID         string     `json:"id"`
	Kind       string     `json:"kind"`
	Format     string     `json:"format"`
	Status     string     `json:"status"`
	Rows       int        `json:"rows"`
	Total      int        `json:"total"`
	Progress   float64    `json:"progress"`
	Error      string     `json:"error,omitempty"`
	FileName   string     `json:"fileName,omitempty"`
	CreatedAt  time.Time  `json:"createdAt"`
	FinishedAt *time.Time `json:"finishedAt,omitempty"`
	ExpiresAt  *time.Time `json:"expiresAt,omitempty"`
}

func toJobJSON(j export.Job) jobJSON {
	return jobJSON{ID: j.ID, Kind: j.Kind, Format: j.Format, Status: j.Status, Rows: j.Rows, Total: j.Total, Progress: j.Progress,
		Error: j.Error, FileName: j.FileName, CreatedAt: j.CreatedAt, FinishedAt: j.FinishedAt, ExpiresAt: j.ExpiresAt}
}

// startExport queues an export: {kind, formId, filters, format} → 202 {id}.
func (s *server) startExport(c *fiber.Ctx) error {
	var in struct {
		Kind    string `json:"kind"`
		FormID  string `json:"formId"`
		Format  string `json:"format"`
		Filters struct {
			Status   string `json:"status"`
			UnitID   string `json:"unitId"`
			AuthorID string `json:"authorId"`
			Period   string `json:"period"`
			Overdue  bool   `json:"overdue"`
			From     string `json:"from"`
			To       string `json:"to"`
			Q        string `json:"q"`
			Mask     *bool  `json:"mask"`
			Reason   string `json:"reason"`
		} `json:"filters"`
	}
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	f := in.Filters
	job := export.Job{Kind: in.Kind, Format: in.Format}
	if in.Kind == export.KindBriefing {
		job.Briefing = &export.Briefing{FormID: in.FormID, Period: f.Period, UnitID: f.UnitID}
	} else {
		q := entries.Query{Status: f.Status, UnitID: f.UnitID, AuthorID: f.AuthorID, Period: f.Period, Q: f.Q}
		var err error
		if q.From, err = parseDay("filters.from", f.From); err != nil {
			return err
		}
		if q.To, err = parseDay("filters.to", f.To); err != nil {
			return err
		}
		job.Entries = &export.Request{FormID: in.FormID, Query: q, Overdue: f.Overdue, Unmask: f.Mask != nil && !*f.Mask,
			Reason: f.Reason, BaseURL: c.BaseURL()}
	}
	job, err := s.deps.Exports.Submit(c.UserContext(), scopeOf(c), job)
	if err != nil {
		return err
	}
	c.Location("/api/v1/exports/" + job.ID)
	return c.Status(fiber.StatusAccepted).JSON(toJobJSON(job))
}

func (s *server) listExports(c *fiber.Ctx) error {
	jobs := s.deps.Exports.Mine(scopeOf(c))
	out := make([]jobJSON, len(jobs))
	for i, j := range jobs {
		out[i] = toJobJSON(j)
	}
	return c.JSON(fiber.Map{"items": out})
}

func (s *server) getExport(c *fiber.Ctx) error {
	job, err := s.deps.Exports.Get(scopeOf(c), c.Params("id"))
	if err != nil {
		return err
	}
	return c.JSON(toJobJSON(job))
}

func (s *server) exportFile(c *fiber.Ctx) error {
	f, job, err := s.deps.Exports.Open(scopeOf(c), c.Params("id"))
	if err != nil {
		return err
	}
	info, err := f.Stat()
	if err != nil {
		f.Close()
		return err
	}
	attachment(c, job.Format, job.FileName)
	c.Set("X-Total-Count", strconv.Itoa(job.Rows))
	return c.SendStream(f, int(info.Size()))
}

// parseDay reads a date (the start of that day in Beijing) or an RFC 3339 time.
func parseDay(field, raw string) (time.Time, error) {
	if raw == "" {
		return time.Time{}, nil
	}
	if d, err := time.ParseInLocation(time.DateOnly, raw, forms.Beijing); err == nil {
		return d, nil
	}
	t, err := time.Parse(time.RFC3339, raw)
	if err != nil {
		return time.Time{}, errs.Fields("参数无效", errs.FieldError{Field: field, Code: "invalid", Message: field + " 应为日期（2026-11-27）或 RFC 3339 时间"})
	}
	return t, nil
}
