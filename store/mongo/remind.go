package mongo

import (
	"context"
	"errors"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"taizhang/remind"
)

// RemindStore implements remind.Store on MongoDB: a lease is a document whose
// _id is its name; a sent reminder a document whose _id is its key.
type RemindStore struct {
	db                                        *DB
	leases, sent, deliveries, robots, members *mongo.Collection
}

// Remind returns the reminders' lease and sent-record store.
func (db *DB) Remind() *RemindStore {
	return &RemindStore{db: db, leases: db.db.Collection("leases"), sent: db.db.Collection("sent"), deliveries: db.db.Collection("deliveries"),
		robots: db.db.Collection("unit_robots"), members: db.db.Collection("platform_members")}
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

// deliveryDoc is a delivery as stored; a given-up one has no notBefore.
type deliveryDoc struct {
	ID        string     `bson:"_id"`
	Channel   string     `bson:"channel"`
	UserID    string     `bson:"userId"`
	Message   string     `bson:"message"`
	NotBefore *time.Time `bson:"notBefore"`
	Attempts  int        `bson:"attempts"`
	LastError string     `bson:"lastError,omitempty"`
	SentAt    *time.Time `bson:"sentAt"`
}

// Enqueue implements remind.Outbox.
func (s *RemindStore) Enqueue(ctx context.Context, list []remind.Delivery) (err error) {
	defer s.db.track("remind.enqueue", time.Now(), &err)
	if len(list) == 0 {
		return nil
	}
	docs := make([]any, len(list))
	for i, d := range list {
		at := d.NotBefore
		docs[i] = deliveryDoc{ID: d.ID, Channel: d.Channel, UserID: d.UserID, Message: remind.EncodeMessage(d.Message), NotBefore: &at, Attempts: d.Attempts}
	}
	_, err = s.deliveries.InsertMany(ctx, docs)
	return mapError("enqueue deliveries", err)
}

// Due implements remind.Outbox.
func (s *RemindStore) Due(ctx context.Context, now time.Time, limit int) (out []remind.Delivery, err error) {
	defer s.db.track("remind.due", time.Now(), &err)
	docs, err := findAll[deliveryDoc](ctx, s.deliveries, "due deliveries", bson.D{{Key: "sentAt", Value: nil}, {Key: "notBefore", Value: bson.D{{Key: "$lte", Value: now}}}},
		options.Find().SetSort(bson.D{{Key: "notBefore", Value: 1}}).SetLimit(int64(limit)))
	if err != nil {
		return nil, err
	}
	for _, d := range docs {
		out = append(out, remind.Delivery{ID: d.ID, Channel: d.Channel, UserID: d.UserID, Message: remind.DecodeMessage(d.Message),
			NotBefore: d.NotBefore.UTC(), Attempts: d.Attempts})
	}
	return out, nil
}

// Sent implements remind.Outbox.
func (s *RemindStore) Sent(ctx context.Context, id string, at time.Time) (err error) {
	defer s.db.track("remind.sent", time.Now(), &err)
	_, err = s.deliveries.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}}, bson.D{{Key: "$set", Value: bson.D{{Key: "sentAt", Value: at}}}})
	return mapError("delivery sent", err)
}

// Retry implements remind.Outbox.
func (s *RemindStore) Retry(ctx context.Context, id string, attempts int, next time.Time, reason string) (err error) {
	defer s.db.track("remind.retry", time.Now(), &err)
	var notBefore *time.Time
	if !next.IsZero() {
		notBefore = &next
	}
	_, err = s.deliveries.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}}, bson.D{{Key: "$set", Value: bson.D{
		{Key: "attempts", Value: attempts}, {Key: "notBefore", Value: notBefore}, {Key: "lastError", Value: reason}}}})
	return mapError("delivery retry", err)
}

type robotsDoc struct {
	UnitID string         `bson:"_id"`
	Robots []remind.Robot `bson:"robots"`
}

// UnitRobots implements remind.Robots.
func (s *RemindStore) UnitRobots(ctx context.Context, unitIDs []string) (out map[string][]remind.Robot, err error) {
	defer s.db.track("remind.robots", time.Now(), &err)
	out = map[string][]remind.Robot{}
	if len(unitIDs) == 0 {
		return out, nil
	}
	docs, err := findAll[robotsDoc](ctx, s.robots, "unit robots", bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: unitIDs}}}})
	if err != nil {
		return nil, err
	}
	for _, d := range docs {
		out[d.UnitID] = d.Robots
	}
	return out, nil
}

// SetUnitRobots implements remind.Robots.
func (s *RemindStore) SetUnitRobots(ctx context.Context, unitID string, robots []remind.Robot) (err error) {
	defer s.db.track("remind.set_robots", time.Now(), &err)
	if len(robots) == 0 {
		_, err = s.robots.DeleteOne(ctx, bson.D{{Key: "_id", Value: unitID}})
		return mapError("set unit robots", err)
	}
	_, err = s.robots.ReplaceOne(ctx, bson.D{{Key: "_id", Value: unitID}}, robotsDoc{UnitID: unitID, Robots: robots}, options.Replace().SetUpsert(true))
	return mapError("set unit robots", err)
}

// MemberIDs implements remind.Members; a document's _id is "platform|user".
func (s *RemindStore) MemberIDs(ctx context.Context, platform string, userIDs []string) (out map[string]string, err error) {
	defer s.db.track("remind.members", time.Now(), &err)
	out = map[string]string{}
	if len(userIDs) == 0 {
		return out, nil
	}
	keys := make([]string, len(userIDs))
	for i, id := range userIDs {
		keys[i] = platform + "|" + id
	}
	type member struct {
		UserID   string `bson:"userId"`
		MemberID string `bson:"memberId"`
	}
	docs, err := findAll[member](ctx, s.members, "platform members", bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: keys}}}})
	if err != nil {
		return nil, err
	}
	for _, d := range docs {
		out[d.UserID] = d.MemberID
	}
	return out, nil
}

// SetMemberID implements remind.Members.
func (s *RemindStore) SetMemberID(ctx context.Context, platform, userID, memberID string) (err error) {
	defer s.db.track("remind.set_member", time.Now(), &err)
	_, err = s.members.ReplaceOne(ctx, bson.D{{Key: "_id", Value: platform + "|" + userID}},
		bson.D{{Key: "_id", Value: platform + "|" + userID}, {Key: "platform", Value: platform}, {Key: "userId", Value: userID}, {Key: "memberId", Value: memberID}},
		options.Replace().SetUpsert(true))
	return mapError("set platform member", err)
}

// UserOfMember implements remind.Members.
func (s *RemindStore) UserOfMember(ctx context.Context, platform, memberID string) (user string, err error) {
	defer s.db.track("remind.user_of_member", time.Now(), &err)
	var doc struct {
		UserID string `bson:"userId"`
	}
	err = s.members.FindOne(ctx, bson.D{{Key: "platform", Value: platform}, {Key: "memberId", Value: memberID}}).Decode(&doc)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return "", nil
	}
	return doc.UserID, mapError("user of member", err)
}
