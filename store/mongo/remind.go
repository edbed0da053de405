package mongo

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"taizhang/remind"
)

// RemindStore implements remind.Store on MongoDB: a lease is a document whose
// _id is its name; a sent reminder a document whose _id is its key.
type RemindStore struct {
	db           *DB
	leases, sent *mongo.Collection
}

// Remind returns the reminders' lease and sent-record store.
func (db *DB) Remind() *RemindStore {
	return &RemindStore{db: db, leases: db.db.Collection("leases"), sent: db.db.Collection("sent")}
}

var _ remind.Store = (*RemindStore)(nil)

// Claim implements remind.Store. The upsert matches the lease only when it
// is expired or the holder's own; when another holder has it, the upsert
// tries to insert a second document with the same _id and fails as a
// duplicate, which is the answer "not yours".
func (s *RemindStore) Claim(ctx context.Context, name, holder string, now, until time.Time) (ok bool, err error) {
	defer s.db.track("remind.claim", time.Now(), &err)
	filter := bson.D{{Key: "_id", Value: name}, {Key: "$or", Value: bson.A{
		bson.D{{Key: "until", Value: bson.D{{Key: "$lt", Value: now}}}}, bson.D{{Key: "holder", Value: holder}}}}}
	_, err = s.leases.UpdateOne(ctx, filter, bson.D{{Key: "$set", Value: bson.D{{Key: "holder", Value: holder}, {Key: "until", Value: until}}}},
		options.UpdateOne().SetUpsert(true))
	if mongo.IsDuplicateKeyError(err) {
		return false, nil
	}
	return err == nil, mapError("claim lease", err)
}

// Record implements remind.Store, one insert per key: a duplicate was sent.
func (s *RemindStore) Record(ctx context.Context, keys []string, at time.Time) (fresh []string, err error) {
	defer s.db.track("remind.record", time.Now(), &err)
	for _, key := range keys {
		_, err := s.sent.InsertOne(ctx, bson.D{{Key: "_id", Value: key}, {Key: "at", Value: at}})
		switch {
		case mongo.IsDuplicateKeyError(err):
		case err != nil:
			return fresh, mapError("record sent", err)
		default:
			fresh = append(fresh, key)
		}
	}
	return fresh, nil
}
