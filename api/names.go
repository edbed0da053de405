package api

import (
	"slices"
	"strings"

	"github.com/gofiber/fiber/v2"

	"taizhang/entries"
	"taizhang/org"
)

// namer puts names on what a screen shows: who filed or acted (users by id)
// and where (the unit's path below the caller's own unit).
type namer struct {
	unit      func(id string) string
	users     map[string]string
	scopeUnit string
}

// namesFor looks up, in two reads, the names of the entries' authors, of
// everyone in their histories, and of their units. The caller's own name
// comes from the account read this request, if it was (every write reads it):
// a filing's answer names nobody else, and needs no read for that.
func (s *server) namesFor(c *fiber.Ctx, items []entries.Entry) (namer, error) {
	ctx, scope := c.UserContext(), scopeOf(c)
	unit, err := s.deps.Tree.NameOf(ctx)
	if err != nil {
		return namer{}, err
	}
	caller, known := c.Locals(callerKey).(org.User)
	seen := map[string]bool{}
	var ids []string
	add := func(id string) {
		if id != "" && !seen[id] && !(known && id == caller.ID) {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	for _, e := range items {
		add(e.AuthorID)
		for _, ev := range e.History {
			add(ev.ActorID)
		}
	}
	users, err := s.deps.Users.Names(ctx, scope, ids)
	if known && users != nil {
		users[caller.ID] = caller.Name
	}
	scopeUnit, _ := scope.UnitID()
	return namer{unit: unit, users: users, scopeUnit: scopeUnit}, err
}

// unitPath names the entry's unit by its path below the caller's unit
// (东城区/城关镇/红旗村 for the city's office, 红旗村 for the village's cadre).
func (n namer) unitPath(e entries.Entry) string {
	path := e.UnitPath
	if i := slices.Index(path, n.scopeUnit); i >= 0 {
		path = path[min(i+1, len(path)-1):]
	}
	names := make([]string, 0, len(path))
	for _, id := range path {
		if name := n.unit(id); name != "" {
			names = append(names, name)
		}
	}
	return strings.Join(names, "/")
}
