package api

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"taizhang/errs"
	"taizhang/forms"
	"taizhang/reports"
)

// span reads from and to: a date (2026-11-02), a week (2026-W45: from its
// Monday, to its Sunday) or a month (2026-11), in Beijing time.
func span(c *fiber.Ctx) (reports.Range, error) {
	var r reports.Range
	var err error
	if r.From, err = queryDay(c, "from", false); err != nil {
		return r, err
	}
	r.To, err = queryDay(c, "to", true)
	return r, err
}

func queryDay(c *fiber.Ctx, name string, end bool) (time.Time, error) {
	raw := c.Query(name)
	if raw == "" {
		return time.Time{}, nil
	}
	if d, err := time.ParseInLocation(time.DateOnly, raw, forms.Beijing); err == nil {
		return d, nil
	}
	if start, next, ok := reports.PeriodSpan(raw); ok { // a week or a month: its first day, or its last
		if end {
			return next.AddDate(0, 0, -1), nil
		}
		return start, nil
	}
	return time.Time{}, &errs.Error{Code: errs.Unprocessable, Message: name + " 应为日期、周或月",
		Fields: []errs.FieldError{{Field: name, Code: "invalid", Message: "应为日期（2026-11-27）、周（2026-W48）或月（2026-11）"}}}
}

func (s *server) compliance(c *fiber.Ctx) error {
	r, err := span(c)
	if err != nil {
		return err
	}
	m, err := s.deps.Reports.Compliance(c.UserContext(), scopeOf(c), c.Query("formId"), c.Query("unitId"), r)
	if err != nil {
		return err
	}
	return c.JSON(m)
}

func (s *server) reportObligations(c *fiber.Ctx) error {
	list, err := s.deps.Reports.Obligations(c.UserContext(), scopeOf(c), c.Query("formId"), c.Query("period"), c.Query("status"), c.Query("unitId"))
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": list})
}

func (s *server) summary(c *fiber.Ctx) error {
	r, err := span(c)
	if err != nil {
		return err
	}
	sum, err := s.deps.Reports.Summary(c.UserContext(), scopeOf(c), c.Query("formId"), c.Query("unitId"), r)
	if err != nil {
		return err
	}
	return c.JSON(sum)
}

func (s *server) overdue(c *fiber.Ctx) error {
	list, err := s.deps.Reports.Overdue(c.UserContext(), scopeOf(c), c.Query("unitId"))
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": list})
}

func (s *server) exempt(c *fiber.Ctx) error {
	var in struct {
		FormID string `json:"formId"`
		UnitID string `json:"unitId"`
		Period string `json:"period"`
		Reason string `json:"reason"`
	}
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	ex, err := s.deps.Ledger.Exempt(c.UserContext(), scopeOf(c), in.FormID, in.Period, in.UnitID, in.Reason)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(ex)
}

func (s *server) unexempt(c *fiber.Ctx) error {
	if err := s.deps.Ledger.Unexempt(c.UserContext(), scopeOf(c), c.Params("id")); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}
