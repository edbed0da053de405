package api

import (
	"encoding/json"
	"net/url"

	"github.com/gofiber/fiber/v2"

	"taizhang/errs"
	"taizhang/orgimport"
)

// importUnitsUsers takes an .xlsx upload (multipart field "file"). With
// ?dryRun=true it only validates. Any bad row: 400 listing every problem, nothing
// written.
func (s *server) importUnitsUsers(c *fiber.Ctx) error {
	header, err := c.FormFile("file")
	if err != nil {
		return errs.Fields("请上传 Excel 文件", errs.FieldError{Field: "file", Code: "required", Message: "请选择要导入的 .xlsx 文件"})
	}
	file, err := header.Open()
	if err != nil {
		return err
	}
	defer file.Close()
	dryRun := c.QueryBool("dryRun")
	result, err := s.deps.Importer.Import(c.UserContext(), scopeOf(c), file, dryRun)
	if err != nil {
		return err
	}
	status := fiber.StatusCreated
	if dryRun {
		status = fiber.StatusOK
	}
	return c.Status(status).JSON(fiber.Map{"units": result.Units, "users": result.Users, "dryRun": dryRun})
}

func (s *server) importTemplate(c *fiber.Ctx) error {
	body, err := orgimport.Template()
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="units-users.xlsx"; filename*=UTF-8''`+
		url.PathEscape("单位用户导入模板.xlsx"))
	return c.Send(body)
}

// importEntries moves an Excel ledger into a form (multipart "file", and
// optionally "mapping": JSON of header → field key, @unit, @author, @status
// or "" to ignore). ?dryRun=true checks and reports every problem (200); a
// real import writes all rows (201) or, with any problem, nothing (422).
func (s *server) importEntries(c *fiber.Ctx) error {
	header, err := c.FormFile("file")
	if err != nil {
		return errs.Fields("请上传 Excel 文件", errs.FieldError{Field: "file", Code: "required", Message: "请选择要导入的 .xlsx 文件"})
	}
	var mapping map[string]string
	if raw := c.FormValue("mapping"); raw != "" {
		if err := json.Unmarshal([]byte(raw), &mapping); err != nil {
			return errs.Fields("列对应关系无效", errs.FieldError{Field: "mapping", Code: "invalid", Message: "mapping 应为 {\"表头\": \"栏目标识\"} 形式的 JSON"})
		}
	}
	file, err := header.Open()
	if err != nil {
		return err
	}
	defer file.Close()
	dryRun := c.QueryBool("dryRun")
	res, err := s.deps.EntryImporter.Import(c.UserContext(), scopeOf(c), c.Params("id"), header.Filename, file, mapping, dryRun)
	if err != nil {
		return err
	}
	if dryRun {
		return c.JSON(res)
	}
	return c.Status(fiber.StatusCreated).JSON(res)
}
