package mongo

import (
	"context"
	"errors"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"taizhang/auth"
)

// ThrottleStore implements auth.ThrottleStore in the collection "throttle".
type ThrottleStore struct {
	db *DB
	c  *mongo.Collection
}

// Throttle returns the login throttle's store.
func (db *DB) Throttle() *ThrottleStore {
	return &ThrottleStore{db: db, c: db.db.Collection("throttle")}
}

var _ auth.ThrottleStore = (*ThrottleStore)(nil)

type throttleDoc struct {
	Key         string    `bson:"_id"`
	Attempts    int       `bson:"attempts"`
	Lockouts    int       `bson:"lockouts"`
	LockedUntil time.Time `bson:"lockedUntil"`
	LastSeen    time.Time `bson:"lastSeen"`
	Version     int64     `bson:"version"`
}

// ThrottleState implements auth.ThrottleStore.
func (s *ThrottleStore) ThrottleState(ctx context.Context, key string) (st auth.ThrottleState, err error) {
	defer s.db.track("throttle.get", time.Now(), &err)
	var d throttleDoc
	err = s.c.FindOne(ctx, bson.D{{Key: "_id", Value: key}}).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return auth.ThrottleState{}, nil
	}
	return auth.ThrottleState{Attempts: d.Attempts, Lockouts: d.Lockouts, LockedUntil: zeroTime(d.LockedUntil),
		LastSeen: zeroTime(d.LastSeen), Version: d.Version}, mapError("get throttle", err)
}

// zeroTime reads back a stored zero time.Time (year 1) as the zero value.
func zeroTime(t time.Time) time.Time {
	if t.Year() <= 1 {
		return time.Time{}
	}
	return t.UTC()
}

// SwapThrottleState implements auth.ThrottleStore: an insert for a new key
// (a duplicate means another instance was first), else an update conditional
// on the version read.
func (s *ThrottleStore) SwapThrottleState(ctx context.Context, key string, prev, next auth.ThrottleState) (swapped bool, err error) {
	defer s.db.track("throttle.swap", time.Now(), &err)
	doc := throttleDoc{Key: key, Attempts: next.Attempts, Lockouts: next.Lockouts, LockedUntil: next.LockedUntil, LastSeen: next.LastSeen,
		Version: prev.Version + 1}
	if prev.Version == 0 {
		_, err := s.c.InsertOne(ctx, doc)
		if mongo.IsDuplicateKeyError(err) {
			return false, nil
		}
		return err == nil, mapError("swap throttle", err)
	}
	res, err := s.c.ReplaceOne(ctx, bson.D{{Key: "_id", Value: key}, {Key: "version", Value: prev.Version}}, doc)
	if err != nil {
		return false, mapError("swap throttle", err)
	}
	return res.MatchedCount == 1, nil
}

// ForgetThrottleStates implements auth.ThrottleStore.
func (s *ThrottleStore) ForgetThrottleStates(ctx context.Context, before time.Time) (n int, err error) {
	defer s.db.track("throttle.forget", time.Now(), &err)
	res, err := s.c.DeleteMany(ctx, bson.D{{Key: "lastSeen", Value: bson.D{{Key: "$lt", Value: before}}},
		{Key: "lockedUntil", Value: bson.D{{Key: "$lt", Value: before}}}})
	if err != nil {
		return 0, mapError("forget throttle", err)
	}
	return int(res.DeletedCount), nil
}
