package demo

import (
	"context"
	"fmt"
	"time"

	"taizhang/auth"
	"taizhang/errs"
	"taizhang/forms"
)

// LoadForms publishes the three campaign templates in the root unit and assigns
// them to the whole city: the weekly report every Friday 12:00, practical things
// monthly (from the first of the next month, so no round is a day long), the
// problem list once, due at the campaign's end. Forms whose key exists are
// left alone.
func LoadForms(ctx context.Context, svc *forms.Service, rootID string) (int, error) {
	system := auth.SystemScope(rootID)
	end := forms.DefaultCampaignEnd
	schedules := map[string]forms.Schedule{
		"weekly":  {Kind: "weekly", Weekday: 5, Time: "12:00"},
		"shishi":  {Kind: "monthly", Day: 31, Time: "18:00"},
		"problem": {Kind: "once", Due: end + "T18:00:00+08:00"},
	}
	loaded := 0
	for _, tmpl := range forms.Templates(end) {
		d, err := svc.Create(ctx, system, tmpl)
		if errs.Is(err, errs.Invalid) { // the key is taken: loaded before
			continue
		}
		if err != nil {
			return loaded, fmt.Errorf("demo form %s: %w", tmpl.Key, err)
		}
		if _, err := svc.Publish(ctx, system, d.ID); err != nil {
			return loaded, err
		}
		assignment := forms.Assignment{UnitID: rootID, Schedule: schedules[tmpl.Key], EndDate: end}
		if tmpl.Key == "shishi" {
			now := svc.Now().In(forms.Beijing)
			assignment.Start = time.Date(now.Year(), now.Month()+1, 1, 0, 0, 0, 0, forms.Beijing).Format(time.DateOnly)
		}
		if _, err := svc.SetAssignments(ctx, system, d.ID, []forms.Assignment{assignment}); err != nil {
			return loaded, err
		}
		loaded++
	}
	return loaded, nil
}
