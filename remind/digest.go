package remind

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"taizhang/auth"
	"taizhang/entries"
	"taizhang/forms"
	"taizhang/ledger"
	"taizhang/notify"
)

// KindDigest is the office's morning overview.
const KindDigest = "digest"

// DigestHour is when (Beijing) the office's daily overview goes out.
const DigestHour = 8

// digestItem is something the overview counts, where it is.
type digestItem struct {
	what string // "工作周报（2026年第49周）未报", "整改逾期", "审核超期"
	path []string
}

// digest sends each office user, once a day after DigestHour, how many units
// missed the rounds due in the last day and how many entries are past a
// rectification or review deadline in their subtree: one message instead of
// one per unit. The day is claimed first, so the scans run once a day.
func (s *Service) digest(ctx context.Context, scope auth.Scope, tree tree, defs []forms.Definition, now time.Time) ([]message, error) {
	b := now.In(forms.Beijing)
	if b.Hour() < DigestHour {
		return nil, nil
	}
	day := b.Format("2006-01-02")
	fresh, err := s.Store.Record(ctx, []string{"digest-day|" + day}, now)
	if err != nil || len(fresh) == 0 {
		return nil, err
	}
	items, err := s.digestItems(ctx, scope, defs, now)
	if err != nil || len(items) == 0 {
		return nil, err
	}
	var all []string
	for id := range tree.names {
		all = append(all, id)
	}
	office, err := s.Users.WithRole(ctx, scope, auth.RoleOffice, all)
	if err != nil {
		return nil, err
	}
	var out []message
	for _, u := range office {
		counts, order := map[string]int{}, []string{}
		for _, it := range items {
			if slices.Contains(it.path, u.UnitID) {
				if counts[it.what] == 0 {
					order = append(order, it.what)
				}
				counts[it.what]++
			}
		}
		if len(order) == 0 {
			continue
		}
		parts := make([]string, len(order))
		for i, what := range order {
			parts[i] = fmt.Sprintf(what, counts[what])
		}
		text := fmt.Sprintf("每日概况（%s）：%s。详情请在 统计 中查看。", b.Format("1月2日"), strings.Join(parts, "；"))
		out = append(out, message{key: strings.Join([]string{KindDigest, u.ID, day}, "|"),
			n: notify.Notification{UserID: u.ID, Kind: KindDigest, Message: text, UnitID: u.UnitID}})
	}
	return out, nil
}

// digestItems lists what the overview counts: each unit that missed a round
// due in the last day, each rectification item past its deadline, each
// entry past its review's deadline.
func (s *Service) digestItems(ctx context.Context, scope auth.Scope, defs []forms.Definition, now time.Time) ([]digestItem, error) {
	var items []digestItem
	for _, d := range defs {
		if d.LatestVersion == 0 || d.Archived {
			continue
		}
		var keys []string
		for _, a := range d.Assignments {
			keys = dueIn(keys, a, d.CreatedAt, now.Add(-24*time.Hour), now)
		}
		if len(keys) == 0 {
			continue
		}
		v, err := s.Versions.GetVersion(ctx, d.ID, d.LatestVersion)
		if err != nil {
			return nil, err
		}
		list, err := s.Ledger.Obligations(ctx, scope, ledger.ObligationQuery{FormID: d.ID, Periods: keys})
		if err != nil {
			return nil, err
		}
		for _, o := range list {
			if o.Owed && o.Status(now) == ledger.Missing {
				r := roundInfo{title: v.Schema.Title, period: o.Period}
				items = append(items, digestItem{what: r.name() + " %d 个单位未报送", path: o.UnitPath})
			}
		}
	}
	if s.Entries == nil {
		return items, nil
	}
	err := s.Entries.Scan(ctx, scope, entries.Query{OverdueAt: now}, maxEntries, func(e entries.Entry, wf entries.Workflow, _ string) error {
		if wf.RectificationLate(e, now) {
			items = append(items, digestItem{what: "整改逾期 %d 项", path: e.UnitPath})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, status := range entries.ReviewStates {
		err := s.Entries.Scan(ctx, scope, entries.Query{Status: status}, maxEntries, func(e entries.Entry, wf entries.Workflow, _ string) error {
			if _, late := wf.ReviewLate(e, now); late {
				items = append(items, digestItem{what: "审核超期 %d 项", path: e.UnitPath})
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return items, nil
}
