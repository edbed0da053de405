package mongo

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"taizhang/push"
)

// PushStore implements push.Store on MongoDB; a subscription's _id is its endpoint.
type PushStore struct {
	db   *DB
	coll *mongo.Collection
}

// Push returns the push subscription store.
func (db *DB) Push() *PushStore {
	return &PushStore{db: db, coll: db.db.Collection("push_subscriptions")}
}

var _ push.Store = (*PushStore)(nil)

type subscriptionDoc struct {
	Endpoint  string    `bson:"_id"`
	UserID    string    `bson:"userId"`
	P256dh    string    `bson:"p256dh"`
	Auth      string    `bson:"auth"`
	CreatedAt time.Time `bson:"createdAt"`
}

// SaveSubscription implements push.Store.
func (s *PushStore) SaveSubscription(ctx context.Context, sub push.Subscription) (err error) {
	defer s.db.track("push.save", time.Now(), &err)
	_, err = s.coll.ReplaceOne(ctx, bson.D{{Key: "_id", Value: sub.Endpoint}},
		subscriptionDoc{Endpoint: sub.Endpoint, UserID: sub.UserID, P256dh: sub.P256dh, Auth: sub.Auth, CreatedAt: sub.CreatedAt},
		options.Replace().SetUpsert(true))
	return mapError("save subscription", err)
}

// DeleteSubscription implements push.Store.
func (s *PushStore) DeleteSubscription(ctx context.Context, userID, endpoint string) (err error) {
	defer s.db.track("push.delete", time.Now(), &err)
	_, err = s.coll.DeleteOne(ctx, bson.D{{Key: "_id", Value: endpoint}, {Key: "userId", Value: userID}})
	return mapError("delete subscription", err)
}

// DropEndpoint implements push.Store.
func (s *PushStore) DropEndpoint(ctx context.Context, endpoint string) (err error) {
	defer s.db.track("push.drop", time.Now(), &err)
	_, err = s.coll.DeleteOne(ctx, bson.D{{Key: "_id", Value: endpoint}})
	return mapError("drop subscription", err)
}

// Subscriptions implements push.Store.
func (s *PushStore) Subscriptions(ctx context.Context, userID string) (out []push.Subscription, err error) {
	defer s.db.track("push.list", time.Now(), &err)
	docs, err := findAll[subscriptionDoc](ctx, s.coll, "list subscriptions", bson.D{{Key: "userId", Value: userID}}, options.Find().SetSort(bson.D{{Key: "createdAt", Value: 1}}))
	if err != nil {
		return nil, err
	}
	for _, d := range docs {
		out = append(out, push.Subscription{Endpoint: d.Endpoint, UserID: d.UserID, P256dh: d.P256dh, Auth: d.Auth, CreatedAt: d.CreatedAt.UTC()})
	}
	return out, nil
}
