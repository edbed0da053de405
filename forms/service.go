package forms

import (
	"context"
	"fmt"
	"slices"
	"time"

	"taizhang/audit"
	"taizhang/auth"
	"taizhang/errs"
	"taizhang/ids"
)

// Service is the forms' lifecycle: draft, publish, archive, assign.
type Service struct {
	Store Store
	// Versions, when set, serves published versions from memory.
	Versions *VersionCache
	// Definitions, when set, serves the definitions Readable reads from memory.
	Definitions *DefinitionCache
	// PathOf returns the path of a unit in the caller's scope (errs.NotFound otherwise).
	PathOf func(ctx context.Context, scope auth.Scope, unitID string) ([]string, error)
	Now    func() time.Time
	Audit  *audit.Log
}

// Create stores a new form as a draft owned by the caller's unit.
func (s *Service) Create(ctx context.Context, scope auth.Scope, draft Form) (Definition, error) {
	if err := scope.Require(auth.RoleAdmin); err != nil {
		return Definition{}, err
	}
	if err := draft.Check(); err != nil {
		return Definition{}, err
	}
	unitID, _ := scope.UnitID()
	path, err := s.PathOf(ctx, scope, unitID)
	if err != nil {
		return Definition{}, err
	}
	now := s.Now()
	d := Definition{ID: ids.New(now), OwnerUnitID: unitID, OwnerPath: path, Key: draft.Key, Draft: draft, Rev: 1,
		CreatedAt: now, UpdatedAt: now}
	if err := s.Store.InsertForm(ctx, scope, d); err != nil {
		if errs.Is(err, errs.Duplicate) {
			return Definition{}, errs.Fields("表单标识已被使用", errs.FieldError{Field: "key", Code: "duplicate", Message: "表单标识“" + draft.Key + "”已被使用"})
		}
		return Definition{}, err
	}
	return d, nil
}

// SaveDraft replaces the draft; the key, which entries and exports rely on, stays.
func (s *Service) SaveDraft(ctx context.Context, scope auth.Scope, id string, draft Form) (Definition, error) {
	return s.change(ctx, scope, id, func(d *Definition) error {
		if draft.Key != d.Key {
			return errs.Fields("表单标识不能修改", errs.FieldError{Field: "key", Code: "immutable", Message: "表单标识发布后不能修改"})
		}
		if err := draft.Check(); err != nil {
			return err
		}
		d.Draft = draft
		return nil
	})
}

// Publish makes the draft the next immutable version. Publishing a draft equal to
// the latest version changes nothing.
func (s *Service) Publish(ctx context.Context, scope auth.Scope, id string) (Version, error) {
	var published Version
	_, err := s.change(ctx, scope, id, func(d *Definition) error {
		if d.Archived {
			return errs.New(errs.Conflict, "表单已归档，不能发布")
		}
		previous, err := s.Store.ListVersions(ctx, d.ID)
		if err != nil {
			return err
		}
		hash := HashSchema(d.Draft)
		if n := len(previous); n > 0 && previous[n-1].Hash == hash {
			published = previous[n-1]
			return errUnchanged
		}
		if err := CheckCompatible(d.Draft, previous); err != nil {
			return err
		}
		published = Version{FormID: d.ID, Version: d.LatestVersion + 1, Hash: hash, Schema: d.Draft,
			PublishedAt: s.Now(), PublishedBy: scope.UserID()}
		if err := s.Store.InsertVersion(ctx, published); err != nil {
			if errs.Is(err, errs.Duplicate) {
				return errs.New(errs.Conflict, "表单正在被他人发布，请刷新后重试")
			}
			return err
		}
		d.LatestVersion = published.Version
		return s.Audit.Record(ctx, scope.UserID(), "form.publish", d.OwnerPath, d.ID,
			map[string]any{"version": published.Version, "hash": published.Hash})
	})
	return published, err
}

// errUnchanged stops change without writing.
var errUnchanged = errs.New("unchanged", "")

// Archive stops new entries; old ones stay readable with their versions.
func (s *Service) Archive(ctx context.Context, scope auth.Scope, id string) (Definition, error) {
	return s.change(ctx, scope, id, func(d *Definition) error {
		d.Archived = true
		return nil
	})
}

// SetAssignments replaces who must fill the form and when. Every unit must be in
// the caller's subtree, and the form must be published.
func (s *Service) SetAssignments(ctx context.Context, scope auth.Scope, id string, list []Assignment) (Definition, error) {
	var problems []errs.FieldError
	for i, a := range list {
		path := fmt.Sprintf("assignments[%d]", i)
		problems = append(problems, a.Check(path)...)
		if a.UnitID == "" {
			continue
		}
		if _, err := s.PathOf(ctx, scope, a.UnitID); errs.Is(err, errs.NotFound) {
			problems = append(problems, errs.FieldError{Field: path + ".unitId", Code: "not_found", Message: "单位不存在或不在管理范围内"})
		} else if err != nil {
			return Definition{}, err
		}
	}
	if len(problems) > 0 {
		return Definition{}, errs.Fields("分配设置有误", problems...)
	}
	return s.change(ctx, scope, id, func(d *Definition) error {
		if d.LatestVersion == 0 || d.Archived {
			return errs.New(errs.Conflict, "只能分配已发布且未归档的表单")
		}
		d.Assignments = withStarts(list, d.Assignments, s.Now())
		return nil
	})
}

// withStarts gives each assignment its start: the one given, else the start of
// the same unit's assignment before, else today — the ledger counts rounds
// from it, so re-saving an assignment must not forgive its past rounds.
func withStarts(list, before []Assignment, now time.Time) []Assignment {
	out := slices.Clone(list)
	for i := range out {
		if out[i].Start != "" {
			continue
		}
		out[i].Start = now.In(Beijing).Format(time.RFC3339)
		for _, b := range before {
			if b.UnitID == out[i].UnitID && b.Start != "" {
				out[i].Start = b.Start
			}
		}
	}
	return out
}

// change loads a definition, applies edit and stores it conditionally on its rev.
func (s *Service) change(ctx context.Context, scope auth.Scope, id string, edit func(*Definition) error) (Definition, error) {
	if err := scope.Require(auth.RoleAdmin); err != nil {
		return Definition{}, err
	}
	d, err := s.Store.GetForm(ctx, scope, id)
	if err != nil {
		return Definition{}, err
	}
	if err := edit(&d); err == errUnchanged {
		return d, nil
	} else if err != nil {
		return Definition{}, err
	}
	d.UpdatedAt = s.Now()
	if err := s.Store.UpdateForm(ctx, scope, d); err != nil {
		return Definition{}, err
	}
	d.Rev++
	return d, nil
}

// Assigned is a form a filer must fill, with the round now due.
type Assigned struct {
	Form   Definition
	Period Period
	Due    bool // false when the schedule has no current period (campaign over)
}

// ForUnit lists the forms assigned to the unit at unitPath with their current periods.
func (s *Service) ForUnit(ctx context.Context, unitPath []string) ([]Assigned, error) {
	defs, err := s.Store.ListAssigned(ctx, unitPath)
	if err != nil {
		return nil, err
	}
	out := make([]Assigned, 0, len(defs))
	for _, d := range defs {
		a, _ := d.AssignedTo(unitPath)
		p, ok := a.CurrentPeriod(s.Now())
		out = append(out, Assigned{Form: d, Period: p, Due: ok})
	}
	return out, nil
}

// Readable returns a form the caller manages (owned in their subtree) or must
// fill (assigned to their unit, not archived), and the version asked for (0: the
// latest). Anything else is not found.
func (s *Service) Readable(ctx context.Context, scope auth.Scope, unitPath []string, id string, version int) (Definition, Version, error) {
	read := s.Store.FormByID
	if s.Definitions != nil {
		read = s.Definitions.FormByID
	}
	d, err := read(ctx, id)
	if err != nil {
		return Definition{}, Version{}, err
	}
	unitID, ok := scope.UnitID()
	_, assigned := d.AssignedTo(unitPath)
	if !ok || !(slices.Contains(d.OwnerPath, unitID) || assigned && !d.Archived) {
		return Definition{}, Version{}, errs.New(errs.NotFound, "表单不存在")
	}
	if version == 0 {
		version = d.LatestVersion
	}
	if version == 0 {
		return d, Version{}, errs.New(errs.NotFound, "表单尚未发布")
	}
	if s.Versions != nil {
		v, err := s.Versions.GetVersion(ctx, d.ID, version)
		return d, v, err
	}
	v, err := s.Store.GetVersion(ctx, d.ID, version)
	return d, v, err
}
