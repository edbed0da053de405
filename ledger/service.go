package ledger

import (
	"context"
	"fmt"
	"time"
	"unicode/utf8"

	"taizhang/audit"
	"taizhang/auth"
	"taizhang/errs"
	"taizhang/forms"
	"taizhang/ids"
)

// Service is what the office does to the ledger: excuse an obligation with a
// reason, and take the excuse back. Both are audited.
type Service struct {
	Store Store
	Audit *audit.Log
	Now   func() time.Time
}

var errNoObligation = errs.New(errs.NotFound, "该单位在这一期没有应报义务，或不在您的管理范围内")

// Get returns one unit's owed obligation for a round, in scope.
func Get(ctx context.Context, s Store, scope auth.Scope, formID, period, unitID string) (Obligation, error) {
	list, err := s.Obligations(ctx, scope, ObligationQuery{FormID: formID, Periods: []string{period}, UnitID: unitID, OwnOnly: true})
	if err != nil {
		return Obligation{}, err
	}
	for _, o := range list {
		if o.Owed {
			return o, nil
		}
	}
	return Obligation{}, errNoObligation
}

// Exempt excuses a unit's obligation for a round whose due time has passed.
func (s *Service) Exempt(ctx context.Context, scope auth.Scope, formID, period, unitID, reason string) (Exemption, error) {
	if !scope.Has(auth.RoleOffice) && !scope.Has(auth.RoleAdmin) {
		return Exemption{}, errs.New(errs.Forbidden, "只有领导小组办公室或管理员可以免报")
	}
	reason = forms.TrimBlank(reason)
	if reason == "" || utf8.RuneCountInString(reason) > 200 || forms.HasBadText(reason) {
		return Exemption{}, errs.Fields("请填写免报理由", errs.FieldError{Field: "reason", Code: "required", Message: "请写明免报理由（最多 200 字）"})
	}
	o, err := Get(ctx, s.Store, scope, formID, period, unitID)
	if err != nil {
		return Exemption{}, err
	}
	now := s.Now().UTC().Truncate(time.Millisecond)
	if now.Before(o.DueAt) {
		return Exemption{}, &errs.Error{Code: errs.Unprocessable, Message: "这一期尚未到截止时间，不能免报",
			Fields: []errs.FieldError{{Field: "period", Code: "not_due", Message: fmt.Sprintf("截止时间未到：%s", o.DueAt.In(forms.Beijing).Format("2006-01-02 15:04"))}}}
	}
	ex := Exemption{ID: ids.New(now), Reason: reason, By: scope.UserID(), At: now}
	if err := s.Store.Exempt(ctx, scope, formID, period, unitID, ex); err != nil {
		return Exemption{}, err
	}
	return ex, s.Audit.Record(ctx, scope.UserID(), "obligation.exempt", o.UnitPath, unitID,
		map[string]any{"formId": formID, "period": period, "reason": reason, "exemptionId": ex.ID})
}

// Unexempt takes an exemption back: the obligation is owed again.
func (s *Service) Unexempt(ctx context.Context, scope auth.Scope, exemptionID string) error {
	if !scope.Has(auth.RoleOffice) && !scope.Has(auth.RoleAdmin) {
		return errs.New(errs.Forbidden, "只有领导小组办公室或管理员可以撤销免报")
	}
	o, err := s.Store.Unexempt(ctx, scope, exemptionID)
	if err != nil {
		return err
	}
	return s.Audit.Record(ctx, scope.UserID(), "obligation.unexempt", o.UnitPath, o.UnitID,
		map[string]any{"formId": o.FormID, "period": o.Period, "exemptionId": exemptionID})
}
