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

type userDoc struct {
	ID                 string     `bson:"_id"`
	Name               string     `bson:"name"`
	Phone              string     `bson:"phone"`
	UnitID             string     `bson:"unitId"`
	UnitPath           []string   `bson:"unitPath"`
	Roles              []string   `bson:"roles"`
	Active             bool       `bson:"active"`
	PasswordHash       string     `bson:"passwordHash"`
	MustChangePassword bool       `bson:"mustChangePassword"`
	AuthVersion        int        `bson:"authVersion"`
	Rev                int        `bson:"rev"`
	CreatedAt          time.Time  `bson:"createdAt"`
	UpdatedAt          time.Time  `bson:"updatedAt"`
	LastLoginAt        *time.Time `bson:"lastLoginAt"`
}

func toUserDoc(u org.User) userDoc {
	roles := make([]string, len(u.Roles))
	for i, r := range u.Roles {
		roles[i] = string(r)
	}
	return userDoc{ID: u.ID, Name: u.Name, Phone: u.Phone, UnitID: u.UnitID, UnitPath: u.UnitPath, Roles: roles,
		Active: u.Active, PasswordHash: u.PasswordHash, MustChangePassword: u.MustChangePassword,
		AuthVersion: u.AuthVersion, Rev: u.Rev, CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt, LastLoginAt: optionalTime(u.LastLoginAt)}
}

func (d userDoc) toUser() org.User {
	roles := make([]auth.Role, len(d.Roles))
	for i, r := range d.Roles {
		roles[i] = auth.Role(r)
	}
	return org.User{ID: d.ID, Name: d.Name, Phone: d.Phone, UnitID: d.UnitID, UnitPath: d.UnitPath, Roles: roles,
		Active: d.Active, PasswordHash: d.PasswordHash, MustChangePassword: d.MustChangePassword,
		AuthVersion: d.AuthVersion, Rev: d.Rev, CreatedAt: d.CreatedAt.UTC(), UpdatedAt: d.UpdatedAt.UTC(), LastLoginAt: timeOf(d.LastLoginAt)}
}

var errUserNotFound = errs.New(errs.NotFound, "用户不存在")

// InsertUser implements org.UserStore.
func (s *OrgStore) InsertUser(ctx context.Context, scope auth.Scope, u org.User) (err error) {
	defer s.db.track("users.insert", time.Now(), &err)
	if unitID, ok := scope.UnitID(); !ok || !(org.Unit{Path: u.UnitPath}).IsUnder(unitID) {
		return errs.New(errs.Forbidden, "无权在该单位下创建用户")
	}
	doc := toUserDoc(u)
	doc.Rev = 1
	return s.db.atomically(ctx, func(ctx context.Context) error {
		_, err := s.users.InsertOne(ctx, doc)
		if mongo.IsDuplicateKeyError(err) {
			return errs.Fields("手机号已被使用", errs.FieldError{Field: "phone", Code: "duplicate", Message: "该手机号已注册"})
		}
		if err != nil {
			return mapError("insert user", err)
		}
		return s.bumpPeopleVersion(ctx)
	})
}

// GetUser implements org.UserStore.
func (s *OrgStore) GetUser(ctx context.Context, scope auth.Scope, id string) (u org.User, err error) {
	defer s.db.track("users.get", time.Now(), &err)
	unitID, ok := scope.UnitID()
	if !ok {
		return org.User{}, errUserNotFound
	}
	return s.findUser(ctx, bson.D{{Key: "_id", Value: id}, {Key: "unitPath", Value: unitID}})
}

func (s *OrgStore) findUser(ctx context.Context, filter bson.D) (org.User, error) {
	var d userDoc
	err := s.users.FindOne(ctx, filter).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return org.User{}, errUserNotFound
	}
	return d.toUser(), mapError("get user", err)
}

// inSubtrees matches documents whose unitPath holds both the scope unit and the
// requested unit, so a filter narrows the scope and never widens it.
func inSubtrees(scopeUnit, unitID string) bson.D {
	return bson.D{{Key: "$and", Value: bson.A{
		bson.D{{Key: "unitPath", Value: scopeUnit}}, bson.D{{Key: "unitPath", Value: unitID}}}}}
}

// ListUsers implements org.UserStore.
func (s *OrgStore) ListUsers(ctx context.Context, scope auth.Scope, unitID, afterID string, limit int) (users []org.User, err error) {
	defer s.db.track("users.list", time.Now(), &err)
	scopeUnit, ok := scope.UnitID()
	if !ok {
		return nil, nil
	}
	if unitID == "" {
		unitID = scopeUnit
	}
	filter := append(inSubtrees(scopeUnit, unitID), bson.E{Key: "_id", Value: bson.D{{Key: "$gt", Value: afterID}}})
	docs, err := findAll[userDoc](ctx, s.users, "list users", filter, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}).SetLimit(int64(limit)))
	if err != nil {
		return nil, err
	}
	for _, d := range docs {
		users = append(users, d.toUser())
	}
	return users, nil
}

// UpdateUser implements org.UserStore.
func (s *OrgStore) UpdateUser(ctx context.Context, scope auth.Scope, u org.User) (err error) {
	defer s.db.track("users.update", time.Now(), &err)
	scopeUnit, ok := scope.UnitID()
	if !ok || !(org.Unit{Path: u.UnitPath}).IsUnder(scopeUnit) {
		return errUserNotFound
	}
	return s.db.atomically(ctx, func(ctx context.Context) error { return s.updateUser(ctx, scope, scopeUnit, u) })
}

func (s *OrgStore) updateUser(ctx context.Context, scope auth.Scope, scopeUnit string, u org.User) error {
	d := toUserDoc(u)
	res, err := s.users.UpdateOne(ctx,
		bson.D{{Key: "_id", Value: u.ID}, {Key: "rev", Value: u.Rev}, {Key: "unitPath", Value: scopeUnit}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "name", Value: d.Name}, {Key: "unitId", Value: d.UnitID},
			{Key: "unitPath", Value: d.UnitPath}, {Key: "roles", Value: d.Roles}, {Key: "active", Value: d.Active},
			{Key: "passwordHash", Value: d.PasswordHash}, {Key: "mustChangePassword", Value: d.MustChangePassword},
			{Key: "authVersion", Value: d.AuthVersion}, {Key: "updatedAt", Value: d.UpdatedAt}}},
			{Key: "$inc", Value: bson.D{{Key: "rev", Value: 1}}}})
	if err != nil {
		return mapError("update user", err)
	}
	if res.MatchedCount == 0 {
		if _, err := s.GetUser(ctx, scope, u.ID); err != nil {
			return err
		}
		return errs.New(errs.Conflict, "用户信息已被他人修改，请刷新后重试")
	}
	return s.bumpPeopleVersion(ctx)
}

// Supervisors implements org.UserStore.
func (s *OrgStore) WithRole(ctx context.Context, scope auth.Scope, role auth.Role, unitIDs []string) ([]org.User, error) {
	scopeUnit, ok := scope.UnitID()
	if !ok || len(unitIDs) == 0 {
		return nil, nil
	}
	docs, err := s.findNamed(ctx, "list users by role", bson.D{{Key: "unitPath", Value: scopeUnit},
		{Key: "unitId", Value: bson.D{{Key: "$in", Value: unitIDs}}}, {Key: "roles", Value: string(role)}, {Key: "active", Value: true}})
	out := make([]org.User, len(docs))
	for i, d := range docs {
		out[i] = org.User{ID: d.ID, UnitID: d.UnitID, Name: d.Name, Phone: d.Phone}
	}
	return out, err
}

// Names implements org.UserStore.
func (s *OrgStore) Names(ctx context.Context, scope auth.Scope, ids []string) (map[string]string, error) {
	out := map[string]string{}
	if _, ok := scope.UnitID(); !ok || len(ids) == 0 {
		return out, nil
	}
	docs, err := s.findNamed(ctx, "user names", bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}})
	for _, d := range docs {
		out[d.ID] = d.Name
	}
	return out, err
}

type namedDoc struct {
	ID     string `bson:"_id"`
	UnitID string `bson:"unitId"`
	Name   string `bson:"name"`
	Phone  string `bson:"phone"`
}

// findNamed reads only the id, unit and name of the matching users.
func (s *OrgStore) findNamed(ctx context.Context, op string, filter bson.D) ([]namedDoc, error) {
	return findAll[namedDoc](ctx, s.users, op, filter, options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}, {Key: "unitId", Value: 1}, {Key: "name", Value: 1}, {Key: "phone", Value: 1}}))
}

// CountActiveUsers implements org.UserStore.
func (s *OrgStore) CountActiveUsers(ctx context.Context, scope auth.Scope, unitID string) (int, error) {
	scopeUnit, ok := scope.UnitID()
	if !ok {
		return 0, nil
	}
	n, err := s.users.CountDocuments(ctx, append(inSubtrees(scopeUnit, unitID), bson.E{Key: "active", Value: true}))
	return int(n), mapError("count users", err)
}

// UserByPhone implements org.UserStore (authentication only).
func (s *OrgStore) UserByPhone(ctx context.Context, phone string) (org.User, error) {
	return s.findUser(ctx, bson.D{{Key: "phone", Value: phone}})
}

// UserByID implements org.UserStore (authentication only).
func (s *OrgStore) UserByID(ctx context.Context, id string) (org.User, error) {
	return s.findUser(ctx, bson.D{{Key: "_id", Value: id}})
}

// RecordLogin implements org.UserStore.
func (s *OrgStore) RecordLogin(ctx context.Context, id string, at time.Time, newHash string) error {
	set := bson.D{{Key: "lastLoginAt", Value: at}}
	if newHash != "" {
		set = append(set, bson.E{Key: "passwordHash", Value: newHash})
	}
	_, err := s.users.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}}, bson.D{{Key: "$set", Value: set}})
	return mapError("record login", err)
}
