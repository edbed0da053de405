package orgimport

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/xuri/excelize/v2"

	"taizhang/auth"
	"taizhang/errs"
	"taizhang/org"
	"taizhang/workbook"
)

// Importer validates and applies a workbook within the caller's scope.
type Importer struct {
	Units    org.UnitStore
	Users    org.UserStore
	Password auth.PasswordParams
	Now      func() time.Time
}

// Result counts what an import created (or would create, in a dry run).
type Result struct {
	Units, Users int
}

// plan is a validated workbook, ready to write.
type plan struct {
	units []org.Unit
	users []plannedUser
}

type plannedUser struct {
	user     org.User
	password string
}

// Import reads the workbook, validates every row and, unless dryRun, writes it.
// Any problem in any row means nothing is written; the error lists them all.
func (im *Importer) Import(ctx context.Context, scope auth.Scope, r io.Reader, dryRun bool) (Result, error) {
	if err := scope.Require(auth.RoleAdmin); err != nil {
		return Result{}, err
	}
	f, err := workbook.Open(r)
	if err != nil {
		return Result{}, err
	}
	defer f.Close()
	unitRows, userRows, err := readSheets(f)
	if err != nil {
		return Result{}, err
	}
	visible, err := im.Units.ListUnits(ctx, scope)
	if err != nil {
		return Result{}, err
	}
	v := &validator{ctx: ctx, scope: scope, users: im.Users, dir: newDirectory(visible), now: im.Now().UTC().Truncate(time.Millisecond), phones: map[string]int{}}
	p := v.validate(unitRows, userRows)
	if len(v.problems) > 0 {
		return Result{}, &errs.Error{Code: errs.Invalid, Fields: v.problems,
			Message: fmt.Sprintf("导入文件有 %d 处错误，未导入任何数据", len(v.problems))}
	}
	if v.err != nil {
		return Result{}, v.err
	}
	result := Result{Units: len(p.units), Users: len(p.users)}
	if dryRun {
		return result, nil
	}
	return result, im.write(ctx, scope, p)
}

func readSheets(f *excelize.File) (units, users [][]string, err error) {
	var problems []errs.FieldError
	budget := MaxRows + 1 // data rows read across both sheets; one more proves the file too large
	read := func(sheet string, headers []string) [][]string {
		rows, err := readRows(f, sheet, &budget)
		if err != nil {
			problems = append(problems, errs.FieldError{Field: sheet, Code: "missing_sheet",
				Message: fmt.Sprintf("缺少“%s”表，请使用下载的模板", sheet)})
			return nil
		}
		if len(rows) == 0 || !slices.Equal(trimAll(pad(rows[0], len(headers))[:len(headers)]), headers) {
			problems = append(problems, errs.FieldError{Field: sheet, Code: "wrong_headers",
				Message: fmt.Sprintf("“%s”表的表头应为：%s", sheet, strings.Join(headers, "、"))})
			return nil
		}
		return rows[1:]
	}
	units, users = read(UnitSheet, unitHeaders), read(UserSheet, userHeaders)
	if problems != nil {
		return nil, nil, errs.Fields("文件格式与模板不符", problems...)
	}
	if budget < 0 || len(units)+len(users) > MaxRows {
		return nil, nil, errs.New(errs.TooLarge, fmt.Sprintf("每次最多导入 %d 行，请分批导入", MaxRows))
	}
	return units, users, nil
}

// readRows streams a sheet's rows (the header and then data rows while budget
// lasts), so an oversized file is refused without parsing all of it.
func readRows(f *excelize.File, sheet string, budget *int) ([][]string, error) {
	it, err := f.Rows(sheet)
	if err != nil {
		return nil, err
	}
	defer it.Close()
	var out [][]string
	for it.Next() {
		if len(out) > 0 { // the header does not count
			if *budget--; *budget < 0 {
				break
			}
		}
		cols, err := it.Columns(excelize.Options{RawCellValue: true})
		if err != nil {
			return nil, err
		}
		out = append(out, cols)
	}
	return out, it.Error()
}

func pad(row []string, n int) []string {
	for len(row) < n {
		row = append(row, "")
	}
	return row
}

func trimAll(row []string) []string {
	out := make([]string, len(row))
	for i, s := range row {
		out[i] = strings.TrimSpace(s)
	}
	return out
}

// write creates the units in file order (parents before children), then the
// users. Passwords are hashed in parallel: argon2id is deliberately slow.
func (im *Importer) write(ctx context.Context, scope auth.Scope, p plan) error {
	for _, u := range p.units {
		if err := im.Units.InsertUnit(ctx, scope, u); err != nil {
			return fmt.Errorf("import unit %s: %w", u.Name, err)
		}
	}
	if err := hashAll(p.users, im.Password); err != nil {
		return err
	}
	for _, pu := range p.users {
		if err := im.Users.InsertUser(ctx, scope, pu.user); err != nil {
			return fmt.Errorf("import user %s: %w", pu.user.Phone, err)
		}
	}
	return nil
}

func hashAll(users []plannedUser, params auth.PasswordParams) error {
	var wg sync.WaitGroup
	errc := make(chan error, len(users))
	sem := make(chan struct{}, 2)
	for i := range users {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			hash, err := auth.HashPassword(users[i].password, params)
			users[i].user.PasswordHash = hash
			errc <- err
		}()
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		if err != nil {
			return err
		}
	}
	return nil
}

// rowField names a cell for the report: machine-readable path plus a Chinese
// message that says sheet, row and column.
func rowProblem(sheet string, row int, column, code, message string) errs.FieldError {
	key := map[string]string{UnitSheet: "units", UserSheet: "users"}[sheet]
	return errs.FieldError{Field: key + "[" + strconv.Itoa(row) + "]." + column, Code: code,
		Message: fmt.Sprintf("“%s”表第 %d 行：%s", sheet, row, message)}
}
