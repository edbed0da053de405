package api

import (
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
