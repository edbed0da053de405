package entries

import (
	"context"

	"taizhang/auth"
	"taizhang/errs"
)

// Scan walks a listing page by page, at most max entries, handing fn each
// entry with its form version's workflow and title: what reports and
// reminders read of entries past a deadline.
func (s *Service) Scan(ctx context.Context, scope auth.Scope, q Query, max int, fn func(e Entry, wf Workflow, formTitle string) error) error {
	q.Limit = MaxLimit
	for read := 0; read < max; {
		page, err := s.Store.List(ctx, scope, q)
		if errs.Is(err, errs.NotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		versions, err := s.FormVersions(ctx, page.Items)
		if err != nil {
			return err
		}
		workflows := WorkflowsOf(versions)
		for _, e := range page.Items {
			key := WorkflowKey(e)
			if err := fn(e, workflows[key], versions[key].Schema.Title); err != nil {
				return err
			}
		}
		read += len(page.Items)
		if page.NextCursor == "" {
			return nil
		}
		q.Cursor = page.NextCursor
	}
	return nil
}
