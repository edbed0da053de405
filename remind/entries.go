package remind

import (
	"context"
	"fmt"
	"strings"
	"time"

	"taizhang/auth"
	"taizhang/entries"
	"taizhang/forms"
	"taizhang/notify"
)

// More kinds a sweep sends, about single entries.
const (
	KindDeadline      = "deadline"      // a rectification item's deadline: 3 days before, and when it passed
	KindReviewOverdue = "reviewOverdue" // an entry waiting for its reviewer past the review's deadline
)

// DeadlineAhead is how long before a rectification deadline its author hears.
const DeadlineAhead = 72 * time.Hour

// maxEntries bounds how many entries one sweep reads for each rule.
const maxEntries = 5000

// People finds who reviews an entry (org.Directory).
type People interface {
	ReviewUnits(ctx context.Context, unitPath []string, authorID string) ([]string, map[string][]string, error)
}

// entryRules decides the messages about entries: rectification items near or
// past their deadline (the author; a day after it, the supervisors above
// too) and entries waiting for review past the review's deadline (their
// reviewers).
func (s *Service) entryRules(ctx context.Context, scope auth.Scope, tree tree, now time.Time) ([]message, error) {
	if s.Entries == nil {
		return nil, nil
	}
	var out []message
	// Open entries due within three days, or already past due.
	err := s.Entries.Scan(ctx, scope, entries.Query{OverdueAt: now.Add(DeadlineAhead)}, maxEntries, func(e entries.Entry, wf entries.Workflow, title string) error {
		if wf.Name != "rectification" || e.Status == "draft" || e.DueAt.IsZero() {
			return nil
		}
		msgs, err := s.deadline(ctx, tree, e, title, now)
		out = append(out, msgs...)
		return err
	})
	if err != nil {
		return nil, err
	}
	for _, status := range entries.ReviewStates {
		err := s.Entries.Scan(ctx, scope, entries.Query{Status: status}, maxEntries, func(e entries.Entry, wf entries.Workflow, title string) error {
			due, late := wf.ReviewLate(e, now)
			if !late {
				return nil
			}
			msgs, err := s.reviewOverdue(ctx, tree, e, title, due, now)
			out = append(out, msgs...)
			return err
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (s *Service) deadline(ctx context.Context, tree tree, e entries.Entry, title string, now time.Time) ([]message, error) {
	day := e.DueAt.In(forms.Beijing).Format("2006-01-02")
	name := entryName(e, title)
	if now.Before(e.DueAt) {
		text := fmt.Sprintf("%s的整改期限是 %s，还剩不到 3 天，请抓紧整改并报送整改情况。", name, e.DueAt.In(forms.Beijing).Format("1月2日"))
		return []message{entryMessage(KindDeadline, "ahead", e.AuthorID, e, day, text)}, nil
	}
	days := int(now.Sub(e.DueAt).Hours()/24) + 1
	text := fmt.Sprintf("%s已超过整改期限（%s）%d 天，请尽快整改并报送整改情况。", name, e.DueAt.In(forms.Beijing).Format("1月2日"), days)
	out := []message{entryMessage(KindDeadline, "overdue", e.AuthorID, e, day, text)}
	if now.Sub(e.DueAt) < 24*time.Hour {
		return out, nil
	}
	reviewers, err := s.reviewers(ctx, e)
	for _, id := range reviewers {
		text := fmt.Sprintf("%s（%s）已超过整改期限（%s）%d 天仍未整改到位，请督促。", name, tree.names[e.UnitID], e.DueAt.In(forms.Beijing).Format("1月2日"), days)
		out = append(out, entryMessage(KindDeadline, "overdue-supervisor", id, e, day, text))
	}
	return out, err
}

func (s *Service) reviewOverdue(ctx context.Context, tree tree, e entries.Entry, title string, due, now time.Time) ([]message, error) {
	reviewers, err := s.reviewers(ctx, e)
	var out []message
	for _, id := range reviewers {
		text := fmt.Sprintf("%s（%s）等待审核已超过期限（%s），请尽快处理。", entryName(e, title), tree.names[e.UnitID], due.In(forms.Beijing).Format("1月2日 15:04"))
		out = append(out, entryMessage(KindReviewOverdue, e.Status, id, e, due.In(forms.Beijing).Format("2006-01-02T15:04"), text))
	}
	return out, err
}

// reviewers are the supervisors of the nearest unit that reviews the entry.
func (s *Service) reviewers(ctx context.Context, e entries.Entry) ([]string, error) {
	if s.People == nil {
		return nil, nil
	}
	units, byUnit, err := s.People.ReviewUnits(ctx, e.UnitPath, e.AuthorID)
	if err != nil || len(units) == 0 {
		return nil, err
	}
	return byUnit[units[0]], nil
}

func entryName(e entries.Entry, formTitle string) string {
	if e.Title != "" {
		return "“" + e.Title + "”"
	}
	return formTitle + "记录"
}

// entryMessage is a message about one entry, once per (kind, step,
// recipient, entry, when).
func entryMessage(kind, step, userID string, e entries.Entry, when, text string) message {
	return message{key: strings.Join([]string{kind, step, userID, e.ID, when}, "|"),
		n: notify.Notification{UserID: userID, EntryID: e.ID, Kind: kind, Message: text, FormID: e.FormID, UnitID: e.UnitID}}
}
