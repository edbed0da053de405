package api

import (
	"cmp"
	"context"
	"slices"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"taizhang/audit"
	"taizhang/auth"
	"taizhang/errs"
	"taizhang/notify"
)

// listAudit pages the audit log of the caller's subtree, newest first:
// ?action&actorId&from&to&limit&cursor (the cursor is a sequence number).
func (s *server) listAudit(c *fiber.Ctx) error {
	q := audit.Query{Action: c.Query("action"), ActorID: c.Query("actorId"), Limit: 50}
	var err error
	if q.From, err = queryTime(c, "from"); err != nil {
		return err
	}
	if q.To, err = queryTime(c, "to"); err != nil {
		return err
	}
	if n, err := queryInt(c, "limit"); err != nil || n < 0 || n > 200 {
		return errs.Fields("每页条数无效", errs.FieldError{Field: "limit", Code: "out_of_range", Message: "每页条数应在 1 到 200 之间"})
	} else if n > 0 {
		q.Limit = n
	}
	if raw := c.Query("cursor"); raw != "" {
		if q.BeforeSeq, err = strconv.ParseInt(raw, 10, 64); err != nil {
			return errs.Fields("分页游标无效", errs.FieldError{Field: "cursor", Code: "invalid", Message: "分页游标无效"})
		}
	}
	records, err := s.deps.AuditStore.List(c.UserContext(), scopeOf(c), q)
	if err != nil {
		return err
	}
	next := ""
	if len(records) == q.Limit {
		next = strconv.FormatInt(records[len(records)-1].Seq, 10)
	}
	return c.JSON(fiber.Map{"items": s.namedRecords(c.UserContext(), scopeOf(c), records), "nextCursor": next})
}

// namedRecord is an audit record with the names it speaks of, so that the
// office reads who did what to whom, not ids.
type namedRecord struct {
	audit.Record
	ActorName  string `json:"actorName"`
	TargetName string `json:"targetName,omitempty"` // "" when it names nothing the caller may read
}

// namedRecords names each record's actor and target, looking each name up
// once, within the caller's scope: what is outside it stays unnamed.
func (s *server) namedRecords(ctx context.Context, scope auth.Scope, records []audit.Record) []namedRecord {
	seen := map[string]string{}
	once := func(key string, look func() string) string {
		if name, ok := seen[key]; ok {
			return name
		}
		seen[key] = look()
		return seen[key]
	}
	person := func(id string) string {
		return once("user:"+id, func() string {
			u, err := s.deps.Users.GetUser(ctx, scope, id)
			if err != nil {
				return ""
			}
			return u.Name
		})
	}
	unitName, _ := s.deps.Tree.NameOf(ctx) // only units on a record's own path are named
	ownPath, _, _ := s.deps.Tree.OwnPath(ctx, scope)
	target := func(r audit.Record) string {
		switch kind, _, _ := strings.Cut(r.Action, "."); kind {
		case "user", "login", "password":
			return person(r.Target)
		case "unit", "obligation":
			if unitName != nil && slices.Contains(r.UnitPath, r.Target) {
				return unitName(r.Target)
			}
		case "form", "export", "entries":
			return once("form:"+r.Target, func() string {
				_, v, err := s.deps.Forms.Readable(ctx, scope, ownPath, r.Target, 0)
				if err != nil {
					return ""
				}
				return v.Schema.Title
			})
		case "entry":
			return once("entry:"+r.Target, func() string {
				e, v, err := s.deps.Entries.Get(ctx, scope, r.Target)
				if err != nil {
					return ""
				}
				return cmp.Or(e.Title, v.Schema.Title)
			})
		}
		return ""
	}
	out := make([]namedRecord, len(records))
	for i, r := range records {
		out[i] = namedRecord{Record: r, ActorName: person(r.ActorID), TargetName: target(r)}
	}
	return out
}

func (s *server) listNotifications(c *fiber.Ctx) error {
	list, err := s.deps.Notifications.ListNotifications(c.UserContext(), scopeOf(c), c.QueryBool("unread"), 100)
	if err != nil {
		return err
	}
	items := make([]fiber.Map, len(list))
	for i, n := range list {
		items[i] = fiber.Map{"id": n.ID, "entryId": n.EntryID, "kind": n.Kind, "message": n.Message,
			"createdAt": n.CreatedAt, "read": !n.ReadAt.IsZero()}
		if n.FormID != "" { // a reminder: the round it is about
			items[i]["formId"], items[i]["unitId"], items[i]["period"] = n.FormID, n.UnitID, n.Period
		}
	}
	return c.JSON(fiber.Map{"items": items})
}

// readNotifications marks the given ids read, or all when ids is empty.
func (s *server) readNotifications(c *fiber.Ctx) error {
	var in struct {
		IDs []string `json:"ids"`
	}
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	if err := notify.MarkRead(c.UserContext(), s.deps.Notifications, scopeOf(c), in.IDs, s.deps.Now()); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}
