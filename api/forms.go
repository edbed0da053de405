package api

import (
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"taizhang/auth"
	"taizhang/errs"
	"taizhang/forms"
)

type formJSON struct {
	ID            string             `json:"id"`
	Key           string             `json:"key"`
	Title         string             `json:"title"`
	Category      forms.Category     `json:"category"`
	Workflow      string             `json:"workflow"`
	OwnerUnitID   string             `json:"ownerUnitId"`
	LatestVersion int                `json:"latestVersion"`
	Archived      bool               `json:"archived"`
	Draft         *forms.Form        `json:"draft,omitempty"`
	Assignments   []forms.Assignment `json:"assignments,omitempty"`
	// Schedule is how often the form is due ("weekly", "monthly", "once"),
	// from its first assignment: the reports pick their periods by it.
	Schedule  string     `json:"schedule,omitempty"`
	Period    string     `json:"period,omitempty"`
	Due       *time.Time `json:"due,omitempty"`
	UpdatedAt time.Time  `json:"updatedAt"`
}

// toFormJSON shows a definition; managers also see the draft and assignments.
func toFormJSON(d forms.Definition, manager bool) formJSON {
	out := formJSON{ID: d.ID, Key: d.Key, Title: d.Draft.Title, Category: d.Draft.Category, Workflow: d.Draft.Workflow,
		OwnerUnitID: d.OwnerUnitID, LatestVersion: d.LatestVersion, Archived: d.Archived, UpdatedAt: d.UpdatedAt}
	if len(d.Assignments) > 0 {
		out.Schedule = d.Assignments[0].Schedule.Kind
	}
	if manager {
		draft := d.Draft
		out.Draft, out.Assignments = &draft, d.Assignments
	}
	return out
}

func (s *server) createForm(c *fiber.Ctx) error {
	var draft forms.Form
	if err := bindJSON(c, &draft); err != nil {
		return err
	}
	d, err := s.deps.Forms.Create(c.UserContext(), scopeOf(c), draft)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(toFormJSON(d, true))
}

func (s *server) saveDraft(c *fiber.Ctx) error {
	var draft forms.Form
	if err := bindJSON(c, &draft); err != nil {
		return err
	}
	d, err := s.deps.Forms.SaveDraft(c.UserContext(), scopeOf(c), c.Params("id"), draft)
	if err != nil {
		return err
	}
	return c.JSON(toFormJSON(d, true))
}

func (s *server) publishForm(c *fiber.Ctx) error {
	v, err := s.deps.Forms.Publish(c.UserContext(), scopeOf(c), c.Params("id"))
	if err != nil {
		return err
	}
	s.openRounds(c)
	return c.JSON(fiber.Map{"formId": v.FormID, "version": v.Version, "hash": v.Hash, "publishedAt": v.PublishedAt})
}

// openRounds opens the rounds a change opened. A failure is logged, not
// returned: the change is saved, and the minute's sweep retries.
func (s *server) openRounds(c *fiber.Ctx) {
	if s.deps.OpenRounds == nil {
		return
	}
	if _, err := s.deps.OpenRounds(c.UserContext()); err != nil {
		s.deps.Log.Warn("opening ledger rounds", "err", err)
	}
}

func (s *server) archiveForm(c *fiber.Ctx) error {
	d, err := s.deps.Forms.Archive(c.UserContext(), scopeOf(c), c.Params("id"))
	if err != nil {
		return err
	}
	return c.JSON(toFormJSON(d, true))
}

func (s *server) setAssignments(c *fiber.Ctx) error {
	var in struct {
		Assignments []forms.Assignment `json:"assignments"`
	}
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	d, err := s.deps.Forms.SetAssignments(c.UserContext(), scopeOf(c), c.Params("id"), in.Assignments)
	if err != nil {
		return err
	}
	s.openRounds(c)
	return c.JSON(toFormJSON(d, true))
}

// listForms: administrators and the office get every form owned in their
// subtree; everyone else the forms assigned to their unit, each with its current
// period and deadline.
func (s *server) listForms(c *fiber.Ctx) error {
	scope := scopeOf(c)
	items := []formJSON{}
	// Administrators manage forms and the office filters entries by them: both
	// list the forms owned in their subtree (drafts for administrators only).
	// ?assigned=true gives anyone the forms their own unit must fill.
	if (scope.Has(auth.RoleAdmin) || scope.Has(auth.RoleOffice)) && !c.QueryBool("assigned") {
		defs, err := s.deps.Forms.Store.ListForms(c.UserContext(), scope)
		if err != nil {
			return err
		}
		for _, d := range defs {
			items = append(items, toFormJSON(d, scope.Has(auth.RoleAdmin)))
		}
		return c.JSON(fiber.Map{"items": items})
	}
	path, _, err := s.deps.Tree.OwnPath(c.UserContext(), scopeOf(c))
	if err != nil {
		return err
	}
	assigned, err := s.deps.Forms.ForUnit(c.UserContext(), path)
	if err != nil {
		return err
	}
	for _, a := range assigned {
		item := toFormJSON(a.Form, false)
		if a.Due {
			due := a.Period.Due
			item.Period, item.Due = a.Period.Key, &due
		}
		items = append(items, item)
	}
	return c.JSON(fiber.Map{"items": items})
}

// readable resolves a form and version (?version=N, default latest) the caller
// manages or must fill.
func (s *server) readable(c *fiber.Ctx) (forms.Definition, forms.Version, error) {
	version := 0
	if raw := c.Query("version"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 {
			return forms.Definition{}, forms.Version{}, errs.Fields("版本号无效", errs.FieldError{Field: "version", Code: "invalid", Message: "版本号应为正整数"})
		}
		version = n
	}
	path, _, err := s.deps.Tree.OwnPath(c.UserContext(), scopeOf(c))
	if err != nil {
		return forms.Definition{}, forms.Version{}, err
	}
	return s.deps.Forms.Readable(c.UserContext(), scopeOf(c), path, c.Params("id"), version)
}

func (s *server) getForm(c *fiber.Ctx) error {
	d, v, err := s.readable(c)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"id": d.ID, "key": d.Key, "version": v.Version, "latestVersion": d.LatestVersion,
		"hash": v.Hash, "publishedAt": v.PublishedAt, "archived": d.Archived, "schema": v.Schema})
}

func (s *server) formJSONSchema(c *fiber.Ctx) error {
	_, v, err := s.readable(c)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "application/schema+json")
	return c.JSON(forms.JSONSchema(v.Schema, v.Version), "application/schema+json")
}

// validateForm is the builder's preview and the PWA's pre-flight: it validates
// data against ?version=N, or the draft for the form's managers, or the latest
// version, and always answers 200 with the outcome.
func (s *server) validateForm(c *fiber.Ctx) error {
	if len(c.Body()) > forms.MaxDataBytes {
		return errs.New(errs.TooLarge, "填报数据不能超过 1 MB")
	}
	var in struct {
		Data map[string]any `json:"data"`
	}
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	schema, err := s.schemaToValidate(c)
	if err != nil {
		return err
	}
	units, err := s.deps.Tree.Subtree(c.UserContext(), scopeOf(c))
	if err != nil {
		return err
	}
	inScope := map[string]bool{}
	for _, u := range units {
		inScope[u.ID] = true
	}
	res := forms.Validate(&schema, in.Data, forms.Submit, &forms.Env{Now: time.Now,
		UnitInScope: func(id string) bool { return inScope[id] }})
	errors := res.Errors
	if errors == nil {
		errors = []errs.FieldError{}
	}
	return c.JSON(fiber.Map{"valid": res.Valid(), "errors": errors, "visible": res.Visible, "computed": res.Computed})
}

func (s *server) schemaToValidate(c *fiber.Ctx) (forms.Form, error) {
	if c.Query("version") == "" {
		if d, err := s.deps.Forms.Store.GetForm(c.UserContext(), scopeOf(c), c.Params("id")); err == nil {
			return d.Draft, nil
		} else if !errs.Is(err, errs.NotFound) {
			return forms.Form{}, err
		}
	}
	_, v, err := s.readable(c)
	return v.Schema, err
}

func (s *server) formTemplates(c *fiber.Ctx) error {
	return c.JSON(fiber.Map{"items": forms.Templates(forms.DefaultCampaignEnd)})
}
