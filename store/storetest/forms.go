package storetest

import (
	"context"
	"slices"
	"testing"

	"taizhang/auth"
	"taizhang/errs"
	"taizhang/forms"
	"taizhang/ids"
)

func newDefinition(key string, owner []string, assignments ...forms.Assignment) forms.Definition {
	draft := forms.Form{Key: key, Title: "表单" + key, Category: forms.CategoryCustom, Workflow: "approval",
		Fields: []forms.Field{{Key: "name", Type: "text", Label: "姓名", Required: true,
			VisibleIf: map[string]any{"==": []any{map[string]any{"var": "a"}, 1.0}}}}}
	return forms.Definition{ID: ids.New(epoch), OwnerUnitID: owner[len(owner)-1], OwnerPath: owner, Key: key, Draft: draft,
		LatestVersion: 1, Assignments: assignments, Rev: 1, CreatedAt: epoch, UpdatedAt: epoch}
}

func weekly(unit string, descendants bool) forms.Assignment {
	return forms.Assignment{UnitID: unit, IncludeDescendants: &descendants,
		Schedule: forms.Schedule{Kind: "weekly", Weekday: 5, Time: "12:00"}, EndDate: "2027-06-30"}
}

func runForms(t *testing.T, open func(t *testing.T) Harness) {
	tests := map[string]func(t *testing.T, h Harness){
		"RoundTripAndScope":   testFormRoundTrip,
		"AssignedToAUnit":     testFormsAssigned,
		"UpdateChecksRev":     testFormUpdate,
		"VersionsAreNumbered": testFormVersions,
		"FormsVersion":        testFormsVersion,
	}
	for name, test := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			test(t, open(t))
		})
	}
}

// testFormsVersion: forms.DefinitionCache trusts what it keeps only while the
// forms version stays the same, so adding or writing a form must move it; a
// refused write must not.
func testFormsVersion(t *testing.T, h Harness) {
	ctx := context.Background()
	version := func() int64 { return versionsNow(t, h).Forms }
	start := version()
	d := newDefinition("visit", pathD1, weekly("d1", true))
	if err := h.Forms.InsertForm(ctx, scopeOf(t, "d1"), d); err != nil {
		t.Fatal(err)
	}
	added := version()
	if added <= start {
		t.Fatalf("adding a form left the forms version at %d", added)
	}
	stale := d
	d.Archived = true
	if err := h.Forms.UpdateForm(ctx, scopeOf(t, "d1"), d); err != nil {
		t.Fatal(err)
	}
	archived := version()
	if archived <= added {
		t.Fatalf("archiving a form left the forms version at %d", archived)
	}
	wantCode(t, h.Forms.UpdateForm(ctx, scopeOf(t, "d1"), stale), errs.Conflict)
	if got := version(); got != archived {
		t.Fatalf("a refused write moved the forms version %d → %d", archived, got)
	}
}

func formKeys(list []forms.Definition) []string {
	out := []string{}
	for _, d := range list {
		out = append(out, d.Key)
	}
	return out
}

func testFormRoundTrip(t *testing.T, h Harness) {
	ctx := context.Background()
	d := newDefinition("visit", pathD1, weekly("t1", true))
	if err := h.Forms.InsertForm(ctx, scopeOf(t, "d1"), d); err != nil {
		t.Fatal(err)
	}
	got, err := h.Forms.GetForm(ctx, scopeOf(t, "city"), d.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !sameJSONValue(got, d) {
		t.Fatalf("round trip:\n got %+v\nwant %+v", got, d)
	}
	withoutDraft := d
	withoutDraft.Draft = forms.Form{}
	if byID, err := h.Forms.FormByID(ctx, d.ID); err != nil || !sameJSONValue(byID, withoutDraft) {
		t.Fatalf("by id (no draft): %+v %v", byID, err)
	}
	_, err = h.Forms.FormByID(ctx, ids.New(epoch))
	wantCode(t, err, errs.NotFound)
	for _, other := range []string{"d2", "t1"} { // a sibling, and a unit below the owner, do not manage it
		_, err := h.Forms.GetForm(ctx, scopeOf(t, other), d.ID)
		wantCode(t, err, errs.NotFound)
	}
	wantCode(t, h.Forms.InsertForm(ctx, scopeOf(t, "d2"), newDefinition("x", pathD1)), errs.Forbidden)
	wantCode(t, h.Forms.InsertForm(ctx, scopeOf(t, "d1"), newDefinition("visit", pathD1)), errs.Duplicate)
	h.Forms.InsertForm(ctx, scopeOf(t, "city"), newDefinition("citywide", pathCity))
	list, _ := h.Forms.ListForms(ctx, scopeOf(t, "d1"))
	assertIDs(t, formKeys(list), "visit")
	list, _ = h.Forms.ListForms(ctx, auth.Scope{})
	assertIDs(t, formKeys(list))
}

func testFormsAssigned(t *testing.T, h Harness) {
	ctx, root := context.Background(), scopeOf(t, "city")
	archived := newDefinition("archived", pathCity, weekly("city", true))
	archived.Archived = true
	for _, d := range []forms.Definition{
		newDefinition("to_d1_tree", pathCity, weekly("d1", true)),
		newDefinition("to_d1_only", pathCity, weekly("d1", false)),
		newDefinition("to_v1", pathCity, weekly("v1", false)),
		newDefinition("to_d2_tree", pathCity, weekly("d2", true)),
		archived,
	} {
		if err := h.Forms.InsertForm(ctx, root, d); err != nil {
			t.Fatal(err)
		}
	}
	for unit, want := range map[string][]string{
		"d1": {"to_d1_tree", "to_d1_only"}, "v1": {"to_d1_tree", "to_v1"}, "t1": {"to_d1_tree"}, "d2": {"to_d2_tree"},
	} {
		path := map[string][]string{"d1": pathD1, "v1": pathV1, "t1": pathT1, "d2": pathD2}[unit]
		list, err := h.Forms.ListAssigned(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		got := formKeys(list)
		slices.Sort(got)
		slices.Sort(want)
		assertIDs(t, got, want...)
	}
}

func testFormUpdate(t *testing.T, h Harness) {
	ctx, scope := context.Background(), scopeOf(t, "d1")
	d := newDefinition("visit", pathD1)
	if err := h.Forms.InsertForm(ctx, scope, d); err != nil {
		t.Fatal(err)
	}
	d.Draft.Title, d.LatestVersion, d.Assignments = "新标题", 2, []forms.Assignment{weekly("v1", false)}
	if err := h.Forms.UpdateForm(ctx, scope, d); err != nil {
		t.Fatal(err)
	}
	got, _ := h.Forms.GetForm(ctx, scope, d.ID)
	if got.Draft.Title != "新标题" || got.LatestVersion != 2 || got.Rev != 2 || len(got.Assignments) != 1 {
		t.Fatalf("update lost: %+v", got)
	}
	if list, _ := h.Forms.ListAssigned(ctx, pathV1); len(list) != 1 {
		t.Fatal("the new assignment is not found")
	}
	wantCode(t, h.Forms.UpdateForm(ctx, scope, d), errs.Conflict) // stale rev
	got.Assignments = nil
	if err := h.Forms.UpdateForm(ctx, scope, got); err != nil {
		t.Fatal(err)
	}
	if list, _ := h.Forms.ListAssigned(ctx, pathV1); len(list) != 0 {
		t.Fatal("a removed assignment is still found")
	}
}

func testFormVersions(t *testing.T, h Harness) {
	ctx := context.Background()
	d := newDefinition("visit", pathD1)
	if err := h.Forms.InsertForm(ctx, scopeOf(t, "d1"), d); err != nil {
		t.Fatal(err)
	}
	for n := 1; n <= 2; n++ {
		v := forms.Version{FormID: d.ID, Version: n, Hash: forms.HashSchema(d.Draft), Schema: d.Draft, PublishedAt: epoch, PublishedBy: "u"}
		if err := h.Forms.InsertVersion(ctx, v); err != nil {
			t.Fatal(err)
		}
	}
	wantCode(t, h.Forms.InsertVersion(ctx, forms.Version{FormID: d.ID, Version: 2, Schema: d.Draft, PublishedAt: epoch}), errs.Duplicate)
	v, err := h.Forms.GetVersion(ctx, d.ID, 2)
	if err != nil || v.Version != 2 || !sameJSONValue(v.Schema, d.Draft) || !v.PublishedAt.Equal(epoch) {
		t.Fatalf("version 2: %+v %v", v, err)
	}
	_, err = h.Forms.GetVersion(ctx, d.ID, 3)
	wantCode(t, err, errs.NotFound)
	if all, _ := h.Forms.ListVersions(ctx, d.ID); len(all) != 2 || all[0].Version != 1 {
		t.Fatalf("versions: %+v", all)
	}
}
