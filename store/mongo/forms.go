package mongo

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"taizhang/auth"
	"taizhang/errs"
	"taizhang/forms"
	"taizhang/org"
)

// FormStore implements forms.Store on MongoDB.
type FormStore struct {
	db              *DB
	forms, versions *mongo.Collection
}

// Forms returns the form store.
func (db *DB) Forms() *FormStore {
	return &FormStore{db: db, forms: db.db.Collection("forms"), versions: db.db.Collection("form_versions")}
}

var _ forms.Store = (*FormStore)(nil)

// Schemas are stored as JSON text: they are read whole and never queried inside,
// and JsonLogic's operator keys are kept out of BSON's reserved key rules.
type formDoc struct {
	ID            string          `bson:"_id"`
	OwnerUnitID   string          `bson:"ownerUnitId"`
	OwnerPath     []string        `bson:"ownerPath"`
	Key           string          `bson:"key"`
	Draft         string          `bson:"draft"`
	LatestVersion int             `bson:"latestVersion"`
	Archived      bool            `bson:"archived"`
	Assignments   []assignmentDoc `bson:"assignments"`
	// AssignedUnits and TreeUnits flatten the assignments for ListAssigned: every
	// assigned unit, and those assigned with their descendants. (FerretDB cannot
	// run $elemMatch over fields, which would otherwise query the array directly.)
	AssignedUnits []string  `bson:"assignedUnits"`
	TreeUnits     []string  `bson:"treeUnits"`
	Rev           int       `bson:"rev"`
	CreatedAt     time.Time `bson:"createdAt"`
	UpdatedAt     time.Time `bson:"updatedAt"`
}

// assignmentDoc keeps the fields queries need as fields, the rest as JSON.
type assignmentDoc struct {
	UnitID             string `bson:"unitId"`
	IncludeDescendants bool   `bson:"includeDescendants"`
	JSON               string `bson:"json"`
}

type versionDoc struct {
	FormID      string    `bson:"formId"`
	Version     int       `bson:"version"`
	Hash        string    `bson:"hash"`
	Schema      string    `bson:"schema"`
	PublishedAt time.Time `bson:"publishedAt"`
	PublishedBy string    `bson:"publishedBy"`
}

var errFormNotFound = errs.New(errs.NotFound, "表单不存在")

func toFormDoc(d forms.Definition) formDoc {
	draft, _ := json.Marshal(d.Draft)
	as := make([]assignmentDoc, len(d.Assignments))
	assigned, tree := []string{}, []string{}
	for i, a := range d.Assignments {
		raw, _ := json.Marshal(a)
		as[i] = assignmentDoc{UnitID: a.UnitID, IncludeDescendants: a.Descendants(), JSON: string(raw)}
		assigned = append(assigned, a.UnitID)
		if a.Descendants() {
			tree = append(tree, a.UnitID)
		}
	}
	return formDoc{ID: d.ID, OwnerUnitID: d.OwnerUnitID, OwnerPath: d.OwnerPath, Key: d.Key, Draft: string(draft),
		LatestVersion: d.LatestVersion, Archived: d.Archived, Assignments: as, AssignedUnits: assigned, TreeUnits: tree,
		Rev: d.Rev, CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt}
}

func (f formDoc) toDefinition() (forms.Definition, error) {
	d := forms.Definition{ID: f.ID, OwnerUnitID: f.OwnerUnitID, OwnerPath: f.OwnerPath, Key: f.Key,
		LatestVersion: f.LatestVersion, Archived: f.Archived, Rev: f.Rev, CreatedAt: f.CreatedAt.UTC(), UpdatedAt: f.UpdatedAt.UTC()}
	var errList []error
	if f.Draft != "" { // projected out by FormByID
		errList = append(errList, json.Unmarshal([]byte(f.Draft), &d.Draft))
	}
	for _, a := range f.Assignments {
		var one forms.Assignment
		errList = append(errList, json.Unmarshal([]byte(a.JSON), &one))
		d.Assignments = append(d.Assignments, one)
	}
	return d, errors.Join(errList...)
}

// InsertForm implements forms.Store.
func (s *FormStore) InsertForm(ctx context.Context, scope auth.Scope, d forms.Definition) (err error) {
	defer s.db.track("forms.insert", time.Now(), &err)
	if unitID, ok := scope.UnitID(); !ok || !(org.Unit{Path: d.OwnerPath}).IsUnder(unitID) {
		return errs.New(errs.Forbidden, "无权在该单位下创建表单")
	}
	doc := toFormDoc(d)
	doc.Rev = 1
	return s.db.atomically(ctx, func(ctx context.Context) error {
		if _, err := s.forms.InsertOne(ctx, doc); err != nil {
			return mapError("insert form", err)
		}
		return s.db.bumpVersion(ctx, "forms_version")
	})
}

// GetForm implements forms.Store.
func (s *FormStore) GetForm(ctx context.Context, scope auth.Scope, id string) (d forms.Definition, err error) {
	defer s.db.track("forms.get", time.Now(), &err)
	unitID, ok := scope.UnitID()
	if !ok {
		return d, errFormNotFound
	}
	var doc formDoc
	err = s.forms.FindOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "ownerPath", Value: unitID}}).Decode(&doc)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return d, errFormNotFound
	}
	if err != nil {
		return d, mapError("get form", err)
	}
	return doc.toDefinition()
}

// FormByID implements forms.Store.
func (s *FormStore) FormByID(ctx context.Context, id string) (forms.Definition, error) {
	var doc formDoc
	err := s.forms.FindOne(ctx, bson.D{{Key: "_id", Value: id}}, options.FindOne().SetProjection(bson.D{{Key: "draft", Value: 0}})).Decode(&doc)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return forms.Definition{}, errFormNotFound
	}
	if err != nil {
		return forms.Definition{}, mapError("get form", err)
	}
	return doc.toDefinition()
}

func (s *FormStore) find(ctx context.Context, filter bson.D) ([]forms.Definition, error) {
	docs, err := findAll[formDoc](ctx, s.forms, "list forms", filter, options.Find().SetSort(bson.D{{Key: "createdAt", Value: 1}, {Key: "_id", Value: 1}}))
	if err != nil {
		return nil, err
	}
	out := make([]forms.Definition, 0, len(docs))
	for _, doc := range docs {
		d, err := doc.toDefinition()
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}

// ListForms implements forms.Store.
func (s *FormStore) ListForms(ctx context.Context, scope auth.Scope) (list []forms.Definition, err error) {
	defer s.db.track("forms.list", time.Now(), &err)
	unitID, ok := scope.UnitID()
	if !ok {
		return nil, nil
	}
	return s.find(ctx, bson.D{{Key: "ownerPath", Value: unitID}})
}

// ListAssigned implements forms.Store.
func (s *FormStore) ListAssigned(ctx context.Context, unitPath []string) (list []forms.Definition, err error) {
	defer s.db.track("forms.list_assigned", time.Now(), &err)
	if len(unitPath) == 0 {
		return nil, nil
	}
	own, ancestors := unitPath[len(unitPath)-1], unitPath[:len(unitPath)-1]
	return s.find(ctx, bson.D{{Key: "archived", Value: false}, {Key: "$or", Value: bson.A{
		bson.D{{Key: "assignedUnits", Value: own}},
		bson.D{{Key: "treeUnits", Value: bson.D{{Key: "$in", Value: ancestors}}}},
	}}})
}

// UpdateForm implements forms.Store.
func (s *FormStore) UpdateForm(ctx context.Context, scope auth.Scope, d forms.Definition) (err error) {
	defer s.db.track("forms.update", time.Now(), &err)
	unitID, ok := scope.UnitID()
	if !ok {
		return errFormNotFound
	}
	return s.db.atomically(ctx, func(ctx context.Context) error { return s.updateForm(ctx, unitID, d) })
}

// updateForm writes d and moves the forms version, which every instance's
// forms.DefinitionCache reads.
func (s *FormStore) updateForm(ctx context.Context, unitID string, d forms.Definition) error {
	doc := toFormDoc(d)
	res, err := s.forms.UpdateOne(ctx, bson.D{{Key: "_id", Value: d.ID}, {Key: "rev", Value: d.Rev}, {Key: "ownerPath", Value: unitID}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "draft", Value: doc.Draft}, {Key: "latestVersion", Value: doc.LatestVersion},
			{Key: "archived", Value: doc.Archived}, {Key: "assignments", Value: doc.Assignments},
			{Key: "assignedUnits", Value: doc.AssignedUnits}, {Key: "treeUnits", Value: doc.TreeUnits},
			{Key: "updatedAt", Value: doc.UpdatedAt}}},
			{Key: "$inc", Value: bson.D{{Key: "rev", Value: 1}}}})
	if err != nil {
		return mapError("update form", err)
	}
	if res.MatchedCount == 0 {
		return errs.New(errs.Conflict, "表单已被他人修改，请刷新后重试")
	}
	return s.db.bumpVersion(ctx, "forms_version")
}

// InsertVersion implements forms.Store.
func (s *FormStore) InsertVersion(ctx context.Context, v forms.Version) (err error) {
	defer s.db.track("forms.insert_version", time.Now(), &err)
	schema, _ := json.Marshal(v.Schema)
	_, err = s.versions.InsertOne(ctx, versionDoc{FormID: v.FormID, Version: v.Version, Hash: v.Hash, Schema: string(schema),
		PublishedAt: v.PublishedAt, PublishedBy: v.PublishedBy})
	return mapError("insert form version", err)
}

func (d versionDoc) toVersion() (forms.Version, error) {
	v := forms.Version{FormID: d.FormID, Version: d.Version, Hash: d.Hash, PublishedAt: d.PublishedAt.UTC(), PublishedBy: d.PublishedBy}
	return v, json.Unmarshal([]byte(d.Schema), &v.Schema)
}

// GetVersion implements forms.Store.
func (s *FormStore) GetVersion(ctx context.Context, formID string, version int) (forms.Version, error) {
	var d versionDoc
	err := s.versions.FindOne(ctx, bson.D{{Key: "formId", Value: formID}, {Key: "version", Value: version}}).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return forms.Version{}, errs.New(errs.NotFound, "表单版本不存在")
	}
	if err != nil {
		return forms.Version{}, mapError("get form version", err)
	}
	return d.toVersion()
}

// ListVersions implements forms.Store.
func (s *FormStore) ListVersions(ctx context.Context, formID string) ([]forms.Version, error) {
	docs, err := findAll[versionDoc](ctx, s.versions, "list form versions", bson.D{{Key: "formId", Value: formID}}, options.Find().SetSort(bson.D{{Key: "version", Value: 1}}))
	if err != nil {
		return nil, err
	}
	out := make([]forms.Version, 0, len(docs))
	for _, d := range docs {
		v, err := d.toVersion()
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}
