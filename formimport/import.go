// Package formimport moves a ledger kept in Excel into a form: columns
// matched to fields by their labels (or by a mapping the office adjusts),
// every row checked by the form engine with its unit and filer found by name
// or phone, a report of every problem by row and column in Chinese, and
// nothing written unless every row passes. docs/exports.md.
package formimport

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"taizhang/audit"
	"taizhang/auth"
	"taizhang/entries"
	"taizhang/errs"
	"taizhang/forms"
	"taizhang/org"
	"taizhang/workbook"
)

// MaxRows is the most rows one file imports.
const MaxRows = 10_000

// maxProblems bounds the report: past it, the count of what was left out.
const maxProblems = 200

// What a column may be besides a field.
const (
	ColUnit   = "@unit"
	ColAuthor = "@author"
	ColStatus = "@status"
)

// Importer imports into a form what the caller may file for its subtree.
type Importer struct {
	Entries *entries.Service
	Forms   interface {
		Readable(ctx context.Context, scope auth.Scope, unitPath []string, id string, version int) (forms.Definition, forms.Version, error)
	}
	Tree  *org.TreeCache
	Users org.UserStore
	Audit *audit.Log
	Now   func() time.Time
}

// Column is a header of the sheet and what it was matched to ("" nothing).
type Column struct {
	Header string `json:"header"`
	Field  string `json:"field"`
	Label  string `json:"label,omitempty"`
}

// Target is something a column can be matched to, for the PWA's choices.
type Target struct {
	Key   string `json:"key"`
	Label string `json:"label"`
}

// Problem is one cell (or row) that cannot be imported.
type Problem struct {
	Row     int    `json:"row"` // the sheet's row number
	Column  string `json:"column,omitempty"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Result is what an import found and did.
type Result struct {
	DryRun   bool      `json:"dryRun"`
	Rows     int       `json:"rows"`
	Valid    bool      `json:"valid"`
	Created  int       `json:"created"`
	Skipped  int       `json:"skipped"` // rows imported before from this file
	Columns  []Column  `json:"columns"`
	Targets  []Target  `json:"targets"`
	Problems []Problem `json:"problems"`
	Omitted  int       `json:"omitted,omitempty"` // problems beyond those listed
}

// Import reads an xlsx and checks every row; unless dryRun and only when
// every row passes, it writes them all. mapping (header → field key, @unit,
// @author, @status, or "" to ignore) overrides the matching by label.
func (im *Importer) Import(ctx context.Context, scope auth.Scope, formID, fileName string, r io.Reader, mapping map[string]string, dryRun bool) (Result, error) {
	if !scope.Has(auth.RoleOffice) && !scope.Has(auth.RoleAdmin) {
		return Result{}, errs.New(errs.Forbidden, "只有领导小组办公室和管理员可以导入台账")
	}
	raw, err := io.ReadAll(io.LimitReader(r, workbook.MaxFileBytes+1))
	if err != nil {
		return Result{}, errs.Wrap(errs.Invalid, "上传中断，请重试", err)
	}
	own, _, err := im.Entries.Units(ctx, scope)
	if err != nil {
		return Result{}, err
	}
	def, version, err := im.Forms.Readable(ctx, scope, own, formID, 0)
	if err != nil {
		return Result{}, err
	}
	rows, err := readSheet(raw)
	if err != nil {
		return Result{}, err
	}
	units, err := im.Tree.Subtree(ctx, scope)
	if err != nil {
		return Result{}, err
	}
	dir, err := newDirectory(ctx, scope, units, im.Users)
	if err != nil {
		return Result{}, err
	}
	sum := sha256.Sum256(raw)
	c := &check{im: im, def: def, version: version, dir: dir, own: own, fileID: hex.EncodeToString(sum[:8]), fileName: fileName,
		wf: entries.Workflows[version.Schema.Workflow], author: scope.UserID()}
	c.schema = withoutRequiredFiles(version.Schema)
	res := Result{DryRun: dryRun, Rows: len(rows) - 1, Columns: c.match(rows[0], mapping), Targets: c.targets(), Problems: []Problem{}}
	imported := c.rows(rows[1:])
	res.Problems, res.Omitted = append(res.Problems, c.problems...), c.omitted
	res.Valid = len(c.problems) == 0 && c.omitted == 0
	if !res.Valid && !dryRun {
		return res, c.refusal(res)
	}
	if dryRun || !res.Valid {
		return res, nil
	}
	if res.Created, res.Skipped, err = im.Entries.Import(ctx, scope, version, imported); err != nil {
		return res, err
	}
	return res, im.Audit.Record(ctx, scope.UserID(), "entries.import", own, def.ID,
		map[string]any{"file": fileName, "sha256": hex.EncodeToString(sum[:]), "rows": res.Rows, "created": res.Created, "skipped": res.Skipped})
}

// withoutRequiredFiles makes photos, files and signatures optional: a sheet
// cannot carry them, and a ledger kept in Excel has none to give. Imported
// entries say where they came from in their history.
func withoutRequiredFiles(f forms.Form) *forms.Form {
	f.Fields = slices.Clone(f.Fields)
	for i, field := range f.Fields {
		if field.Type == "photo" || field.Type == "file" || field.Type == "signature" {
			f.Fields[i].Required, f.Fields[i].RequiredIf, f.Fields[i].ValidIf = false, nil, nil
		}
	}
	return &f
}

// readSheet reads the first sheet: the header row and up to MaxRows rows,
// dropping empty rows at the end.
func readSheet(raw []byte) ([][]string, error) {
	f, err := workbook.Open(bytes.NewReader(raw))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	it, err := f.Rows(f.GetSheetName(0))
	if err != nil {
		return nil, errs.Wrap(errs.Invalid, "读取不到工作表，请检查文件", err)
	}
	defer it.Close()
	var rows [][]string
	for it.Next() {
		if len(rows) > MaxRows {
			return nil, errs.New(errs.TooLarge, fmt.Sprintf("每次最多导入 %d 行，请分批导入", MaxRows))
		}
		cols, err := it.Columns(excelize.Options{RawCellValue: true})
		if err != nil {
			return nil, errs.Wrap(errs.Invalid, "文件内容无法读取", err)
		}
		rows = append(rows, cols)
	}
	for len(rows) > 0 && blank(rows[len(rows)-1]) {
		rows = rows[:len(rows)-1]
	}
	if len(rows) < 2 {
		return nil, errs.New(errs.Invalid, "文件中没有数据：第一行应为表头，从第二行起每行一条记录")
	}
	return rows, nil
}

func blank(row []string) bool {
	return !slices.ContainsFunc(row, func(s string) bool { return strings.TrimSpace(s) != "" })
}

// check is one file being checked against one form version.
type check struct {
	im       *Importer
	def      forms.Definition
	version  forms.Version
	wf       entries.Workflow
	dir      *directory
	own      []string
	author   string
	fileID   string
	fileName string
	cols     []Column
	fields   map[string]forms.Field
	schema   *forms.Form // the version's, with photos and files optional
	problems []Problem
	omitted  int
}

var fixedTargets = map[string][]string{
	ColUnit:   {"单位", "填报单位", "所属单位", "责任单位"},
	ColAuthor: {"填报人", "填报人手机号", "填报人电话", "录入人"},
	ColStatus: {"状态"},
}

func (c *check) targets() []Target {
	out := []Target{{ColUnit, "单位"}, {ColAuthor, "填报人（姓名或手机号）"}, {ColStatus, "状态"}}
	for _, f := range c.version.Schema.Fields {
		if importable(f) {
			out = append(out, Target{f.Key, f.Label})
		}
	}
	return out
}

// match pairs each header with a target: the mapping's word first, then a
// field of the same label, then the fixed columns' usual names.
func (c *check) match(header []string, mapping map[string]string) []Column {
	c.fields = map[string]forms.Field{}
	for _, f := range c.version.Schema.Fields {
		if importable(f) {
			c.fields[f.Key] = f
		}
	}
	labels := map[string]string{ColUnit: "单位", ColAuthor: "填报人", ColStatus: "状态"}
	for _, t := range c.targets() {
		labels[t.Key] = t.Label
	}
	used := map[string]bool{}
	for _, h := range header {
		h = strings.TrimSpace(h)
		col := Column{Header: h}
		if key, ok := mapping[h]; ok {
			if _, known := labels[key]; known || key == "" {
				col.Field = key
			} else {
				c.add(1, h, "unknown_field", fmt.Sprintf("表头“%s”对应的栏目“%s”不存在", h, key))
			}
		} else {
			col.Field = c.byLabel(normal(h))
		}
		if col.Field != "" && used[col.Field] {
			c.add(1, h, "duplicate_column", fmt.Sprintf("“%s”与前面的列对应同一栏目“%s”，请只保留一列", h, labels[col.Field]))
			col.Field = ""
		}
		used[col.Field] = col.Field != ""
		col.Label = labels[col.Field]
		c.cols = append(c.cols, col)
	}
	for _, f := range c.version.Schema.Fields {
		switch {
		case f.Type == "group" && (f.Required || f.MinItems != nil && *f.MinItems > 0):
			c.add(1, "", "group_required", fmt.Sprintf("“%s”是多条明细，不能从 Excel 的一行导入，这张表单暂不支持导入", f.Label))
		case importable(f) && f.Required && !used[f.Key] && f.VisibleIf == nil:
			c.add(1, "", "missing_column", fmt.Sprintf("缺少必填栏目“%s”的列", f.Label))
		}
	}
	return c.cols
}

func (c *check) byLabel(h string) string {
	for _, f := range c.version.Schema.Fields {
		if importable(f) && normal(f.Label) == h {
			return f.Key
		}
	}
	for key, names := range fixedTargets {
		if slices.Contains(names, h) {
			return key
		}
	}
	return ""
}

// normal drops what sheets add to headers: spaces, asterisks, （必填）.
func normal(h string) string {
	h = strings.NewReplacer(" ", "", "\u3000", "", "*", "", "（必填）", "", "(必填)", "").Replace(h)
	return strings.TrimSpace(h)
}

func (c *check) add(row int, column, code, message string) {
	if len(c.problems) >= maxProblems {
		c.omitted++
		return
	}
	c.problems = append(c.problems, Problem{Row: row, Column: column, Code: code, Message: message})
}

// addAt adds a problem of one cell, saying where: 第 3 行“投入资金”：应为数字.
func (c *check) addAt(row int, column, code, problem string) {
	c.add(row, column, code, fmt.Sprintf("第 %d 行“%s”：%s", row, column, problem))
}

// rows checks every data row and returns those to write.
func (c *check) rows(rows [][]string) []entries.Imported {
	out := make([]entries.Imported, 0, len(rows))
	env := &forms.Env{Now: c.im.Now, UnitInScope: func(id string) bool { return c.dir.unitIDs[id] },
		UserInScope: func(id string) bool { _, ok := c.dir.byID[id]; return ok }}
	for i, cells := range rows {
		n := i + 2 // the sheet's row number: the header is row 1
		if blank(cells) {
			continue
		}
		if row, ok := c.row(n, cells, env); ok {
			out = append(out, row)
		}
	}
	return out
}

func (c *check) row(n int, cells []string, env *forms.Env) (entries.Imported, bool) {
	before := len(c.problems) + c.omitted
	row := entries.Imported{ClientID: "import-" + c.fileID + "-" + strconv.Itoa(n), UnitPath: c.own, AuthorID: c.author,
		Data: map[string]any{}, Source: fmt.Sprintf("从 Excel 导入：%s 第 %d 行", c.fileName, n)}
	for j, col := range c.cols {
		if j >= len(cells) || col.Field == "" || strings.TrimSpace(cells[j]) == "" {
			continue
		}
		c.cell(n, col, strings.TrimSpace(cells[j]), &row)
	}
	if _, assigned := c.def.AssignedTo(row.UnitPath); !assigned {
		c.add(n, c.header(ColUnit), "not_assigned", fmt.Sprintf("第 %d 行：该表单未分配给“%s”", n, c.dir.names[row.UnitPath[len(row.UnitPath)-1]]))
	}
	res := forms.Validate(c.schema, row.Data, forms.Submit, env)
	if !res.Valid() {
		for _, fe := range res.Err().(*errs.Error).Fields {
			key, _, _ := strings.Cut(fe.Field, ".")
			key, _, _ = strings.Cut(key, "[")
			column := c.header(key)
			if column == "" {
				column = c.fields[key].Label
			}
			c.addAt(n, column, fe.Code, fe.Message)
		}
	}
	row.Data = res.Data
	return row, len(c.problems)+c.omitted == before
}

func (c *check) cell(n int, col Column, raw string, row *entries.Imported) {
	switch col.Field {
	case ColUnit:
		if u, problem := c.dir.unit(raw); problem != "" {
			c.addAt(n, col.Header, "unknown_unit", problem)
		} else {
			row.UnitPath = u.Path
		}
	case ColAuthor:
		if u, problem := c.dir.user(raw); problem != "" {
			c.addAt(n, col.Header, "unknown_user", problem)
		} else {
			row.AuthorID = u.ID
		}
	case ColStatus:
		row.Status = c.status(n, col.Header, raw)
	default:
		if v, problem := cellValue(c.fields[col.Field], raw, c.dir); problem != "" {
			c.addAt(n, col.Header, "invalid", problem)
		} else {
			row.Data[col.Field] = v
		}
	}
}

// status reads a state by its Chinese name among the workflow's.
func (c *check) status(n int, header, raw string) string {
	var names []string
	for _, s := range c.wf.States() {
		if entries.StatusNames[s] == raw || s == raw {
			return s
		}
		names = append(names, entries.StatusNames[s])
	}
	c.addAt(n, header, "invalid_status", "应为 "+strings.Join(names, "、")+" 之一")
	return ""
}

func (c *check) header(field string) string {
	for _, col := range c.cols {
		if col.Field == field {
			return col.Header
		}
	}
	return ""
}

// refusal is the 422 of an import with problems, each at rows[n].header.
func (c *check) refusal(res Result) error {
	fields := make([]errs.FieldError, 0, len(res.Problems))
	for _, p := range res.Problems {
		fields = append(fields, errs.FieldError{Field: fmt.Sprintf("rows[%d].%s", p.Row, p.Column), Code: p.Code, Message: p.Message,
			Params: map[string]any{"row": p.Row, "column": p.Column}})
	}
	message := fmt.Sprintf("导入文件有 %d 处错误，未导入任何数据", len(res.Problems)+res.Omitted)
	return &errs.Error{Code: errs.Unprocessable, Message: message, Fields: fields}
}
