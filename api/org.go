package api

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"taizhang/auth"
	"taizhang/errs"
	"taizhang/org"
)

type unitJSON struct {
	ID        string   `json:"id"`
	ParentID  string   `json:"parentId"`
	Name      string   `json:"name"`
	Kind      string   `json:"kind"`
	Code      string   `json:"code"`
	SortOrder int      `json:"sortOrder"`
	Active    bool     `json:"active"`
	Path      []string `json:"path"`
}

func toUnitJSON(u org.Unit) unitJSON {
	return unitJSON{ID: u.ID, ParentID: u.ParentID, Name: u.Name, Kind: string(u.Kind), Code: u.Code,
		SortOrder: u.SortOrder, Active: u.Active, Path: u.Path}
}

// listUnits answers the caller's visible subtree as a flat JSON array, from the
// tree cache (every screen asks for it).
func (s *server) listUnits(c *fiber.Ctx) error {
	units, err := s.deps.Tree.Subtree(c.UserContext(), scopeOf(c))
	if err != nil {
		return err
	}
	out := make([]unitJSON, len(units))
	for i, u := range units {
		out[i] = toUnitJSON(u)
	}
	return c.JSON(out)
}

// unreviewedUnits lists the administrator's units whose filers' entries have
// nobody to review them: the units page shows them as a warning.
func (s *server) unreviewedUnits(c *fiber.Ctx) error {
	units, err := s.deps.Org.Unreviewed(c.UserContext(), scopeOf(c))
	if err != nil {
		return err
	}
	out := make([]unitJSON, len(units))
	for i, u := range units {
		out[i] = toUnitJSON(u)
	}
	return c.JSON(out)
}

func (s *server) createUnit(c *fiber.Ctx) error {
	var in struct {
		Name      string `json:"name"`
		ParentID  string `json:"parentId"`
		Kind      string `json:"kind"`
		Code      string `json:"code"`
		SortOrder int    `json:"sortOrder"`
	}
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	u, err := s.deps.Org.CreateUnit(c.UserContext(), scopeOf(c), org.NewUnit{Name: in.Name, ParentID: in.ParentID,
		Kind: org.UnitKind(in.Kind), Code: in.Code, SortOrder: in.SortOrder})
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(toUnitJSON(u))
}

func (s *server) updateUnit(c *fiber.Ctx) error {
	var in struct {
		Name      *string       `json:"name"`
		Kind      *org.UnitKind `json:"kind"`
		Code      *string       `json:"code"`
		SortOrder *int          `json:"sortOrder"`
		Active    *bool         `json:"active"`
	}
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	u, err := s.deps.Org.UpdateUnit(c.UserContext(), scopeOf(c), c.Params("id"), org.UnitChanges{
		Name: in.Name, Kind: in.Kind, Code: in.Code, SortOrder: in.SortOrder, Active: in.Active})
	if err != nil {
		return err
	}
	return c.JSON(toUnitJSON(u))
}

func (s *server) moveUnit(c *fiber.Ctx) error {
	var in struct {
		ParentID string `json:"parentId"`
	}
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	u, err := s.deps.Org.MoveUnit(c.UserContext(), scopeOf(c), c.Params("id"), in.ParentID)
	if err != nil {
		return err
	}
	return c.JSON(toUnitJSON(u))
}

const maxUsersPage = 200

// listUsers pages by id: ?unitId (that subtree, within scope), ?limit, ?cursor.
func (s *server) listUsers(c *fiber.Ctx) error {
	limit := 50
	if raw := c.Query("limit"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 || n > maxUsersPage {
			return errs.Fields("每页条数无效", errs.FieldError{Field: "limit", Code: "out_of_range",
				Message: "每页条数应在 1 到 200 之间", Params: map[string]any{"min": 1, "max": maxUsersPage}})
		}
		limit = n
	}
	users, err := s.deps.Users.ListUsers(c.UserContext(), scopeOf(c), c.Query("unitId"), c.Query("cursor"), limit+1)
	if err != nil {
		return err
	}
	next := ""
	if len(users) > limit {
		users = users[:limit]
		next = users[limit-1].ID
	}
	items := make([]userJSON, len(users))
	for i, u := range users {
		items[i] = toUserJSON(u)
	}
	return c.JSON(fiber.Map{"items": items, "nextCursor": next})
}

func (s *server) createUser(c *fiber.Ctx) error {
	var in struct {
		Phone    string      `json:"phone"`
		Name     string      `json:"name"`
		UnitID   string      `json:"unitId"`
		Roles    []auth.Role `json:"roles"`
		Password string      `json:"password"`
	}
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	u, err := s.deps.Org.CreateUser(c.UserContext(), scopeOf(c), org.NewUser{Phone: in.Phone, Name: in.Name,
		UnitID: in.UnitID, Roles: in.Roles, Password: in.Password})
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(toUserJSON(u))
}

func (s *server) updateUser(c *fiber.Ctx) error {
	var in struct {
		Name   *string      `json:"name"`
		UnitID *string      `json:"unitId"`
		Roles  *[]auth.Role `json:"roles"`
		Active *bool        `json:"active"`
	}
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	u, err := s.deps.Org.UpdateUser(c.UserContext(), scopeOf(c), c.Params("id"), org.UserChanges{
		Name: in.Name, UnitID: in.UnitID, Roles: in.Roles, Active: in.Active})
	if err != nil {
		return err
	}
	return c.JSON(toUserJSON(u))
}

func (s *server) resetPassword(c *fiber.Ctx) error {
	var in struct {
		Password string `json:"password"`
	}
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	u, err := s.deps.Org.ResetPassword(c.UserContext(), scopeOf(c), c.Params("id"), in.Password)
	if err != nil {
		return err
	}
	return c.JSON(toUserJSON(u))
}
