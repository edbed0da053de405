// Package orgimport reads units and users from an .xlsx workbook with Chinese
// headers. Every row is validated before anything is written: a workbook with
// one bad row writes nothing and comes back with a report of every problem.
package orgimport

import (
	"bytes"

	"github.com/xuri/excelize/v2"
)

// Sheet and column names of the template; they are the contract with the files
// administrators fill in.
const (
	UnitSheet = "单位"
	UserSheet = "用户"
	HelpSheet = "说明"
)

var (
	unitHeaders = []string{"单位名称", "上级单位", "单位类型", "编码", "排序"}
	userHeaders = []string{"姓名", "手机号", "所属单位", "角色", "初始密码"}
)

// MaxRows bounds one import: enough for a whole county, small enough to validate
// in memory within a request.
const MaxRows = 10_000

var helpText = [][]string{
	{"填写说明"},
	{"1. “单位”表：每行一个新单位。上级单位可以是已有单位，也可以是本表前面行中的新单位。"},
	{"2. 单位名称在上级单位下不能重复。引用单位时写名称；名称不唯一时写完整路径，如 东城区/城关镇。"},
	{"3. 单位类型：市、区县、部门、乡镇街道、村、社区、基层党组织。"},
	{"4. “用户”表：每行一个账号。手机号为 11 位中国大陆手机号，不能重复。"},
	{"5. 角色：干部、审核人、管理员、领导小组办公室，多个角色用顿号或逗号分隔；只能授予您自己拥有的角色。"},
	{"6. 初始密码至少 8 位，不能全是数字，不能包含手机号。用户首次登录后必须修改密码。"},
	{"7. 任何一行有错误时，整个文件都不会导入，系统会列出所有错误。每次最多 10000 行。"},
}

// Template returns the workbook administrators download, with one example row
// per sheet.
func Template() ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", UnitSheet); err != nil {
		return nil, err
	}
	rows := map[string][][]string{
		UnitSheet: {unitHeaders, {"城关镇", "东城区", "乡镇街道", "", "1"}, {"红旗村", "东城区/城关镇", "村", "", "1"}},
		UserSheet: {userHeaders, {"张三", "13800138000", "东城区/城关镇/红旗村", "干部", "ChangeMe2026"}},
		HelpSheet: helpText,
	}
	for _, name := range []string{UnitSheet, UserSheet, HelpSheet} {
		if name != UnitSheet {
			if _, err := f.NewSheet(name); err != nil {
				return nil, err
			}
		}
		for i, row := range rows[name] {
			cell, _ := excelize.CoordinatesToCellName(1, i+1)
			if err := f.SetSheetRow(name, cell, &row); err != nil {
				return nil, err
			}
		}
		_ = f.SetColWidth(name, "A", "E", 22)
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
