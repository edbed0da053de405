package api

import (
	"github.com/gofiber/fiber/v2"

	"taizhang/audit"
	"taizhang/remind"
)

// robotJSON is a robot as administrators see it: the secret never leaves.
type robotJSON struct {
	Platform  string `json:"platform"`
	URL       string `json:"url"`
	Secret    string `json:"secret,omitempty"` // only in requests
	SecretSet bool   `json:"secretSet"`
}

// unitRobots answers a unit's group robots (its administrators only).
func (s *server) unitRobots(c *fiber.Ctx) error {
	id := c.Params("id")
	if _, err := s.deps.Tree.PathOf(c.UserContext(), scopeOf(c), id); err != nil {
		return err
	}
	robots, err := s.deps.Robots.UnitRobots(c.UserContext(), []string{id})
	if err != nil {
		return err
	}
	out := []robotJSON{}
	for _, r := range robots[id] {
		out = append(out, robotJSON{Platform: r.Platform, URL: r.URL, SecretSet: r.Secret != ""})
	}
	return c.JSON(fiber.Map{"robots": out})
}

// setUnitRobots replaces a unit's group robots. A 钉钉 robot sent again
// without its secret keeps the one stored for the same address.
func (s *server) setUnitRobots(c *fiber.Ctx) error {
	id := c.Params("id")
	path, err := s.deps.Tree.PathOf(c.UserContext(), scopeOf(c), id)
	if err != nil {
		return err
	}
	var in struct {
		Robots []robotJSON `json:"robots"`
	}
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	old, err := s.deps.Robots.UnitRobots(c.UserContext(), []string{id})
	if err != nil {
		return err
	}
	list := make([]remind.Robot, 0, len(in.Robots))
	for _, r := range in.Robots {
		robot := remind.Robot{Platform: r.Platform, URL: r.URL, Secret: r.Secret}
		for _, o := range old[id] {
			if robot.Secret == "" && o.Platform == robot.Platform && o.URL == robot.URL {
				robot.Secret = o.Secret
			}
		}
		list = append(list, robot)
	}
	if err := remind.CheckRobots(list); err != nil {
		return err
	}
	if err := s.deps.Robots.SetUnitRobots(c.UserContext(), id, list); err != nil {
		return err
	}
	platforms := make([]string, len(list))
	for i, r := range list {
		platforms[i] = r.Platform
	}
	log := &audit.Log{Store: s.deps.AuditStore, Now: s.deps.Now}
	if err := log.Record(c.UserContext(), scopeOf(c).UserID(), "unit.robots", path, id, map[string]any{"platforms": platforms}); err != nil {
		return err
	}
	return s.unitRobots(c)
}
