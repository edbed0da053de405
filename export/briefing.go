package export

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"taizhang/auth"
	"taizhang/errs"
	"taizhang/forms"
	"taizhang/ledger"
	"taizhang/reports"
)

// BriefingRounds is how many rounds, ending with the asked one, sheet 1 shows.
const BriefingRounds = 8

// Briefing is the weekly 通报 of one form and round for a unit's subtree.
type Briefing struct {
	FormID string `json:"formId"`
	Period string `json:"period"`
	UnitID string `json:"unitId,omitempty"`
}

var statusLabels = map[string]string{ledger.OnTime: "按时", ledger.Late: "逾期补报", ledger.Missing: "未报",
	ledger.Pending: "未到期", ledger.Exempted: "免报"}

var statusColours = map[string]string{ledger.OnTime: "C6EFCE", ledger.Late: "FFEB9C", ledger.Missing: "FFC7CE",
	ledger.Pending: "EDEDED", ledger.Exempted: "DDEBF7"}

// briefingData is what the four sheets show, read before anything is written.
type briefingData struct {
	matrix  reports.Matrix
	owing   []reports.Owing
	overdue []reports.Late
	summary reports.Summary
}

// WriteBriefing writes the 通报 workbook: compliance over the last rounds,
// the round's late and missing units with their filers, overdue
// rectification items, and the counts by category.
func (s *Service) WriteBriefing(ctx context.Context, scope auth.Scope, reps *reports.Service, b Briefing, w io.Writer) error {
	start, next, ok := reports.PeriodSpan(b.Period)
	if !ok {
		return &errs.Error{Code: errs.Unprocessable, Message: "请指定期次，如 2026-W48 或 2026-11",
			Fields: []errs.FieldError{{Field: "period", Code: "invalid", Message: "期次应为周（2026-W48）或月（2026-11）"}}}
	}
	span := start.AddDate(0, 0, -7*(BriefingRounds-1))
	if !strings.Contains(b.Period, "-W") {
		span = start.AddDate(0, -(BriefingRounds - 1), 0)
	}
	var d briefingData
	var err error
	if d.matrix, err = reps.Compliance(ctx, scope, b.FormID, b.UnitID, reports.Range{From: span, To: next.Add(-time.Second)}); err != nil {
		return err
	}
	d.matrix = upTo(d.matrix, b.Period)
	if d.owing, err = reps.Obligations(ctx, scope, b.FormID, b.Period, "", b.UnitID); err != nil {
		return err
	}
	if d.overdue, err = reps.Overdue(ctx, scope, b.UnitID); err != nil {
		return err
	}
	if d.summary, err = reps.Summary(ctx, scope, b.FormID, b.UnitID, reports.Range{From: start, To: next.Add(-time.Second)}); err != nil {
		return err
	}
	title := fmt.Sprintf("%s作风问题专项整治 · %s报送情况通报（%s）", d.matrix.UnitName, d.matrix.FormTitle, reports.PeriodLabel(b.Period))
	stamp := "导出时间：" + s.Now().In(forms.Beijing).Format("2006年1月2日 15:04")
	return writeBriefing(d, b.Period, title, stamp, w)
}

// upTo drops the rounds after period (the next one, open at the span's end):
// a 通报 looks back.
func upTo(m reports.Matrix, period string) reports.Matrix {
	n := 0
	for n < len(m.Periods) && m.Periods[n].Period <= period {
		n++
	}
	m.Periods = m.Periods[:n]
	for i := range m.Rows {
		m.Rows[i].Cells = m.Rows[i].Cells[:min(n, len(m.Rows[i].Cells))]
	}
	return m
}

// briefingBook writes a small workbook cell by cell, with a title block and
// print setup on every sheet.
type briefingBook struct {
	f              *excelize.File
	title, stamp   string
	header, status map[string]int
	head, plain    int
}

func writeBriefing(d briefingData, period, title, stamp string, w io.Writer) error {
	f := excelize.NewFile()
	defer f.Close()
	bb := &briefingBook{f: f, title: title, stamp: stamp, status: map[string]int{}}
	if err := bb.styles(); err != nil {
		return err
	}
	steps := []func() error{
		func() error { return bb.compliance(d.matrix) },
		func() error { return bb.owing(d.owing, period) },
		func() error { return bb.overdue(d.overdue) },
		func() error { return bb.counts(d.summary) },
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return err
		}
	}
	f.SetActiveSheet(0)
	return f.Write(w)
}

func (bb *briefingBook) styles() error {
	var err error
	border := []excelize.Border{{Type: "left", Color: "999999", Style: 1}, {Type: "right", Color: "999999", Style: 1},
		{Type: "top", Color: "999999", Style: 1}, {Type: "bottom", Color: "999999", Style: 1}}
	set := func(s *excelize.Style) int {
		var id int
		if err == nil {
			id, err = bb.f.NewStyle(s)
		}
		return id
	}
	bb.head = set(&excelize.Style{Font: &excelize.Font{Bold: true, Size: 14}})
	bb.header = map[string]int{"": set(&excelize.Style{Font: &excelize.Font{Bold: true}, Border: border,
		Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}}, Alignment: &excelize.Alignment{Horizontal: "center", WrapText: true}})}
	bb.plain = set(&excelize.Style{Border: border, Alignment: &excelize.Alignment{WrapText: true, Vertical: "center"}})
	for status, colour := range statusColours {
		bb.status[status] = set(&excelize.Style{Border: border, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{colour}},
			Alignment: &excelize.Alignment{Horizontal: "center"}})
	}
	return err
}

// sheet starts a sheet: title, export time, the header on row 3, A4
// landscape, rows 1–3 printed on every page.
func (bb *briefingBook) sheet(name string, header []string, widths []float64) error {
	if bb.f.SheetCount == 1 && bb.f.GetSheetName(0) == "Sheet1" {
		if err := bb.f.SetSheetName("Sheet1", name); err != nil {
			return err
		}
	} else if _, err := bb.f.NewSheet(name); err != nil {
		return err
	}
	last, _ := excelize.ColumnNumberToName(max(len(header), 1))
	size, landscape, fit := 9, "landscape", 1 // 9: A4
	steps := []error{
		bb.f.SetCellValue(name, "A1", bb.title), bb.f.MergeCell(name, "A1", last+"1"), bb.f.SetCellStyle(name, "A1", "A1", bb.head),
		bb.f.SetCellValue(name, "A2", bb.stamp), bb.f.MergeCell(name, "A2", last+"2"),
		bb.f.SetSheetRow(name, "A3", &header), bb.f.SetCellStyle(name, "A3", last+"3", bb.header[""]),
		bb.f.SetPageLayout(name, &excelize.PageLayoutOptions{Size: &size, Orientation: &landscape, FitToWidth: &fit}),
		bb.f.SetDefinedName(&excelize.DefinedName{Name: "_xlnm.Print_Titles", RefersTo: fmt.Sprintf("'%s'!$1:$3", name), Scope: name}),
		bb.f.SetPanes(name, &excelize.Panes{Freeze: true, YSplit: 3, TopLeftCell: "A4", ActivePane: "bottomLeft"}),
	}
	for i, width := range widths {
		col, _ := excelize.ColumnNumberToName(i + 1)
		steps = append(steps, bb.f.SetColWidth(name, col, col, width))
	}
	for _, err := range steps {
		if err != nil {
			return err
		}
	}
	return nil
}

// row writes texts and numbers; strings that a spreadsheet would take for a
// formula stay strings (SetCellValue never writes a formula).
func (bb *briefingBook) row(sheet string, n int, cells []any, style int) error {
	ref, _ := excelize.CoordinatesToCellName(1, n)
	if err := bb.f.SetSheetRow(sheet, ref, &cells); err != nil {
		return err
	}
	last, _ := excelize.CoordinatesToCellName(max(len(cells), 1), n)
	return bb.f.SetCellStyle(sheet, ref, last, style)
}

func (bb *briefingBook) compliance(m reports.Matrix) error {
	const name = "报送情况"
	header := []string{"单位"}
	widths := []float64{28}
	for _, p := range m.Periods {
		header, widths = append(header, p.Label), append(widths, 14)
	}
	header, widths = append(header, "按时率"), append(widths, 10)
	if err := bb.sheet(name, header, widths); err != nil {
		return err
	}
	for i, r := range m.Rows {
		n := i + 4
		if err := bb.row(name, n, []any{r.Name}, bb.plain); err != nil {
			return err
		}
		for j, c := range r.Cells {
			ref, _ := excelize.CoordinatesToCellName(j+2, n)
			text, style := cellText(c)
			if err := bb.f.SetCellValue(name, ref, text); err != nil {
				return err
			}
			if err := bb.f.SetCellStyle(name, ref, ref, bb.statusStyle(style)); err != nil {
				return err
			}
		}
		ref, _ := excelize.CoordinatesToCellName(len(r.Cells)+2, n)
		if r.OnTimeRate != nil {
			if err := bb.f.SetCellValue(name, ref, *r.OnTimeRate); err != nil {
				return err
			}
		}
		if err := bb.f.SetCellStyle(name, ref, ref, bb.percent()); err != nil {
			return err
		}
	}
	legend := "图例：按时（绿）、逾期补报（黄）、未报（红）、未到期（灰）、免报（蓝）；下级单位格内为其所辖单位的计数。"
	ref, _ := excelize.CoordinatesToCellName(1, len(m.Rows)+5)
	return bb.f.SetCellValue(name, ref, legend)
}

func (bb *briefingBook) statusStyle(status string) int {
	if id, ok := bb.status[status]; ok {
		return id
	}
	return bb.plain
}

func (bb *briefingBook) percent() int {
	if id, ok := bb.status["%"]; ok {
		return id
	}
	id, _ := bb.f.NewStyle(&excelize.Style{NumFmt: 10, Border: []excelize.Border{{Type: "left", Color: "999999", Style: 1},
		{Type: "right", Color: "999999", Style: 1}, {Type: "top", Color: "999999", Style: 1}, {Type: "bottom", Color: "999999", Style: 1}}})
	bb.status["%"] = id
	return id
}

// cellText names a cell's state, and its colour: a unit's status, or for a
// subtree its counts, coloured by the worst of them.
func cellText(c reports.Cell) (string, string) {
	if c.Status != "" {
		return statusLabels[c.Status], c.Status
	}
	var parts []string
	worst := ""
	for _, st := range []string{ledger.Missing, ledger.Late, ledger.OnTime, ledger.Pending, ledger.Exempted} {
		if n := c.Counts[st]; n > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", statusLabels[st], n))
			if worst == "" {
				worst = st
			}
		}
	}
	return strings.Join(parts, "，"), worst
}

func (bb *briefingBook) owing(list []reports.Owing, period string) error {
	const name = "逾期和未报单位"
	if err := bb.sheet(name, []string{"单位", "期次", "情况", "截止时间", "提交时间", "填报人", "联系电话"}, []float64{32, 14, 10, 18, 18, 20, 28}); err != nil {
		return err
	}
	n := 4
	for _, o := range list {
		if o.Status != ledger.Late && o.Status != ledger.Missing {
			continue
		}
		var people, phones []string
		for _, f := range o.Filers {
			people, phones = append(people, f.Name), append(phones, f.Phone)
		}
		submitted := ""
		if o.FirstSubmittedAt != nil {
			submitted = o.FirstSubmittedAt.In(forms.Beijing).Format("2006-01-02 15:04")
		}
		cells := []any{o.UnitPath, reports.PeriodLabel(period), statusLabels[o.Status], o.DueAt.In(forms.Beijing).Format("2006-01-02 15:04"),
			submitted, strings.Join(people, "、"), strings.Join(phones, "、")}
		if err := bb.row(name, n, cells, bb.plain); err != nil {
			return err
		}
		ref, _ := excelize.CoordinatesToCellName(3, n)
		if err := bb.f.SetCellStyle(name, ref, ref, bb.statusStyle(o.Status)); err != nil {
			return err
		}
		n++
	}
	if n == 4 {
		return bb.row(name, n, []any{"本期没有逾期或未报的单位"}, bb.plain)
	}
	return nil
}

func (bb *briefingBook) overdue(list []reports.Late) error {
	const name = "逾期整改事项"
	if err := bb.sheet(name, []string{"事项", "表单", "单位", "状态", "整改期限", "逾期天数"}, []float64{36, 18, 24, 12, 14, 10}); err != nil {
		return err
	}
	n := 4
	for _, l := range list {
		if l.Kind != "rectification" {
			continue
		}
		cells := []any{l.Title, l.FormTitle, l.UnitName, named(statusNames, l.Status), l.DueAt.In(forms.Beijing).Format("2006-01-02"), l.DaysOverdue}
		if err := bb.row(name, n, cells, bb.plain); err != nil {
			return err
		}
		n++
	}
	if n == 4 {
		return bb.row(name, n, []any{"没有逾期的整改事项"}, bb.plain)
	}
	return nil
}

func (bb *briefingBook) counts(s reports.Summary) error {
	const name = "分类统计"
	if err := bb.sheet(name, []string{"分类", "项目", "条数"}, []float64{20, 32, 10}); err != nil {
		return err
	}
	n := 4
	add := func(group, item string, count int) error {
		err := bb.row(name, n, []any{group, item, count}, bb.plain)
		n++
		return err
	}
	for _, b := range s.ByOption {
		for _, o := range b.Options {
			if err := add(b.Label, o.Label, o.N); err != nil {
				return err
			}
		}
	}
	for _, st := range []string{"submitted", "reviewed", "approved", "returned", "rejected", "accepted", "rectifying", "rectified", "closed", "filed"} {
		if c := s.ByStatus[st]; c > 0 {
			if err := add("按状态", named(statusNames, st), c); err != nil {
				return err
			}
		}
	}
	for _, u := range s.ByUnit {
		if err := add("按单位", u.Name, u.N); err != nil {
			return err
		}
	}
	return add("合计", "", s.Total)
}
