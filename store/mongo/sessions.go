package mongo

import (
	"context"
	"errors"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"taizhang/errs"
	"taizhang/session"
)

// SessionStore implements session.Store on MongoDB.
type SessionStore struct {
	db   *DB
	coll *mongo.Collection
}

// Sessions returns the refresh token store.
func (db *DB) Sessions() *SessionStore {
	return &SessionStore{db: db, coll: db.db.Collection("refresh_tokens")}
}

var _ session.Store = (*SessionStore)(nil)

type refreshDoc struct {
	Hash        string    `bson:"_id"`
	FamilyID    string    `bson:"familyId"`
	UserID      string    `bson:"userId"`
	AuthVersion int       `bson:"authVersion"`
	CreatedAt   time.Time `bson:"createdAt"`
	ExpiresAt   time.Time `bson:"expiresAt"`
	Used        bool      `bson:"used"`
	Revoked     bool      `bson:"revoked"`
}

// InsertRefresh implements session.Store.
func (s *SessionStore) InsertRefresh(ctx context.Context, t session.RefreshToken) (err error) {
	defer s.db.track("sessions.insert", time.Now(), &err)
	_, err = s.coll.InsertOne(ctx, refreshDoc(t))
	return mapError("insert refresh token", err)
}

// RefreshByHash implements session.Store.
func (s *SessionStore) RefreshByHash(ctx context.Context, hash string) (t session.RefreshToken, err error) {
	defer s.db.track("sessions.get", time.Now(), &err)
	var d refreshDoc
	err = s.coll.FindOne(ctx, bson.D{{Key: "_id", Value: hash}}).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return t, errs.New(errs.NotFound, "refresh token not found")
	}
	d.CreatedAt, d.ExpiresAt = d.CreatedAt.UTC(), d.ExpiresAt.UTC()
	return session.RefreshToken(d), mapError("get refresh token", err)
}

// UseRefresh implements session.Store.
func (s *SessionStore) UseRefresh(ctx context.Context, hash string) (err error) {
	defer s.db.track("sessions.use", time.Now(), &err)
	res, err := s.coll.UpdateOne(ctx, bson.D{{Key: "_id", Value: hash}, {Key: "used", Value: false}, {Key: "revoked", Value: false}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "used", Value: true}}}})
	if err != nil {
		return mapError("use refresh token", err)
	}
	if res.MatchedCount == 0 {
		return errs.New(errs.Conflict, "refresh token already used")
	}
	return nil
}

// RevokeFamily implements session.Store.
func (s *SessionStore) RevokeFamily(ctx context.Context, familyID string) (err error) {
	defer s.db.track("sessions.revoke", time.Now(), &err)
	_, err = s.coll.UpdateMany(ctx, bson.D{{Key: "familyId", Value: familyID}}, bson.D{{Key: "$set", Value: bson.D{{Key: "revoked", Value: true}}}})
	return mapError("revoke refresh family", err)
}
