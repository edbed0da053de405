package api

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"taizhang/audit"
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
	if records == nil {
		records = []audit.Record{}
	}
	return c.JSON(fiber.Map{"items": records, "nextCursor": next})
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
