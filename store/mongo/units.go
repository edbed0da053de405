package mongo

import (
	"context"
	"errors"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"taizhang/auth"
	"taizhang/errs"
	"taizhang/org"
)

// OrgStore implements org.UnitStore and org.UserStore on MongoDB.
type OrgStore struct {
	db                          *DB
	units, users, entries, meta *mongo.Collection
	moves                       *mongo.Collection
}

// Org returns the organisation store.
func (db *DB) Org() *OrgStore {
	c := db.db.Collection
	return &OrgStore{db: db, units: c("units"), users: c("users"), entries: c("entries"), meta: c("meta"), moves: c("unit_moves")}
}

var (
	_ org.UnitStore = (*OrgStore)(nil)
	_ org.UserStore = (*OrgStore)(nil)
)

type unitDoc struct {
	ID        string    `bson:"_id"`
	ParentID  string    `bson:"parentId"`
	Name      string    `bson:"name"`
	Kind      string    `bson:"kind"`
	Code      string    `bson:"code"`
	SortOrder int       `bson:"sortOrder"`
	Active    bool      `bson:"active"`
	Path      []string  `bson:"path"`
	CreatedAt time.Time `bson:"createdAt"`
	UpdatedAt time.Time `bson:"updatedAt"`
}

func (d unitDoc) toUnit() org.Unit {
	return org.Unit{ID: d.ID, ParentID: d.ParentID, Name: d.Name, Kind: org.UnitKind(d.Kind), Code: d.Code,
		SortOrder: d.SortOrder, Active: d.Active, Path: d.Path, CreatedAt: d.CreatedAt.UTC(), UpdatedAt: d.UpdatedAt.UTC()}
}

var errUnitNotFound = errs.New(errs.NotFound, "单位不存在")

// InsertUnit implements org.UnitStore.
func (s *OrgStore) InsertUnit(ctx context.Context, scope auth.Scope, u org.Unit) (err error) {
	defer s.db.track("units.insert", time.Now(), &err)
	if unitID, ok := scope.UnitID(); !ok || !u.IsUnder(unitID) {
		return errs.New(errs.Forbidden, "无权在该单位下创建单位")
	}
	_, err = s.units.InsertOne(ctx, unitDoc{ID: u.ID, ParentID: u.ParentID, Name: u.Name, Kind: string(u.Kind),
		Code: u.Code, SortOrder: u.SortOrder, Active: u.Active, Path: u.Path, CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt})
	if err != nil {
		return mapError("insert unit", err)
	}
	return s.bumpTreeVersion(ctx)
}

// GetUnit implements org.UnitStore.
func (s *OrgStore) GetUnit(ctx context.Context, scope auth.Scope, id string) (u org.Unit, err error) {
	defer s.db.track("units.get", time.Now(), &err)
	unitID, ok := scope.UnitID()
	if !ok {
		return org.Unit{}, errUnitNotFound
	}
	var d unitDoc
	err = s.units.FindOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "path", Value: unitID}}).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return org.Unit{}, errUnitNotFound
	}
	return d.toUnit(), mapError("get unit", err)
}

// ListUnits implements org.UnitStore. Sorting by depth happens here: the tree is
// small, and FerretDB cannot sort by an array's length.
func (s *OrgStore) ListUnits(ctx context.Context, scope auth.Scope) (units []org.Unit, err error) {
	defer s.db.track("units.list", time.Now(), &err)
	unitID, ok := scope.UnitID()
	if !ok {
		return nil, nil
	}
	docs, err := findAll[unitDoc](ctx, s.units, "list units", bson.D{{Key: "path", Value: unitID}},
		options.Find().SetSort(bson.D{{Key: "sortOrder", Value: 1}, {Key: "name", Value: 1}, {Key: "_id", Value: 1}}))
	if err != nil {
		return nil, err
	}
	for _, d := range docs {
		units = append(units, d.toUnit())
	}
	org.SortByDepth(units)
	return units, nil
}

// UpdateUnit implements org.UnitStore.
func (s *OrgStore) UpdateUnit(ctx context.Context, scope auth.Scope, u org.Unit) (err error) {
	defer s.db.track("units.update", time.Now(), &err)
	unitID, ok := scope.UnitID()
	if !ok {
		return errUnitNotFound
	}
	res, err := s.units.UpdateOne(ctx, bson.D{{Key: "_id", Value: u.ID}, {Key: "path", Value: unitID}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "name", Value: u.Name}, {Key: "kind", Value: string(u.Kind)},
			{Key: "code", Value: u.Code}, {Key: "sortOrder", Value: u.SortOrder}, {Key: "active", Value: u.Active},
			{Key: "updatedAt", Value: u.UpdatedAt}}}})
	if err != nil {
		return mapError("update unit", err)
	}
	if res.MatchedCount == 0 {
		return errUnitNotFound
	}
	return s.bumpTreeVersion(ctx)
}

// CountUnits implements org.UnitStore.
func (s *OrgStore) CountUnits(ctx context.Context) (int, error) {
	n, err := s.units.CountDocuments(ctx, bson.D{})
	return int(n), mapError("count units", err)
}

// RootUnit implements org.UnitStore.
func (s *OrgStore) RootUnit(ctx context.Context) (org.Unit, error) {
	var d unitDoc
	err := s.units.FindOne(ctx, bson.D{{Key: "parentId", Value: ""}},
		options.FindOne().SetSort(bson.D{{Key: "createdAt", Value: 1}, {Key: "_id", Value: 1}})).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return org.Unit{}, errUnitNotFound
	}
	return d.toUnit(), mapError("root unit", err)
}

// Versions implements org.VersionStore: every counter in one command.
func (s *OrgStore) Versions(ctx context.Context) (org.Versions, error) {
	docs, err := findAll[struct {
		ID    string `bson:"_id"`
		Value int64  `bson:"value"`
	}](ctx, s.meta, "versions", bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: bson.A{"tree_version", "people_version", "forms_version"}}}}})
	var v org.Versions
	for _, d := range docs {
		switch d.ID {
		case "tree_version":
			v.Tree = d.Value
		case "people_version":
			v.People = d.Value
		case "forms_version":
			v.Forms = d.Value
		}
	}
	return v, err
}

func (s *OrgStore) bumpTreeVersion(ctx context.Context) error {
	return s.db.bumpVersion(ctx, "tree_version")
}

// bumpPeopleVersion follows every write to a user's name, unit, roles,
// activity or sign-in version, in the write's transaction where the server
// has them (otherwise just after it: a failure is returned, and the retried
// write bumps again). The forms version follows every form write alike.
func (s *OrgStore) bumpPeopleVersion(ctx context.Context) error {
	return s.db.bumpVersion(ctx, "people_version")
}

func (db *DB) bumpVersion(ctx context.Context, key string) error {
	defer org.ForgetVersionsRead(ctx)
	_, err := db.db.Collection("meta").UpdateOne(ctx, bson.D{{Key: "_id", Value: key}},
		bson.D{{Key: "$inc", Value: bson.D{{Key: "value", Value: 1}}}}, options.UpdateOne().SetUpsert(true))
	return mapError("bump "+key, err)
}
