package mongo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"taizhang/audit"
	"taizhang/auth"
	"taizhang/notify"
)

// AuditStore implements audit.Store on MongoDB.
type AuditStore struct {
	db   *DB
	coll *mongo.Collection
}

// Audit returns the audit log.
func (db *DB) Audit() *AuditStore { return &AuditStore{db: db, coll: db.db.Collection("audit_log")} }

var _ audit.Store = (*AuditStore)(nil)

type auditDoc struct {
	Seq      int64     `bson:"_id"`
	At       time.Time `bson:"at"`
	ActorID  string    `bson:"actorId"`
	Action   string    `bson:"action"`
	UnitPath []string  `bson:"unitPath"`
	Target   string    `bson:"target"`
	Detail   string    `bson:"detail"`             // JSON, so the hashed content round-trips exactly
	PrevHash string    `bson:"prevHash,omitempty"` // records written before; now read from the previous record (withPrevHashes)
	Hash     string    `bson:"hash"`
}

// Append implements audit.Store: the sequence number is the document id, so of
// two appends racing for the same number one fails as a duplicate and tries again
// on top of the winner. Inside a transaction a failed write aborts it, so the
// whole transaction is tried again instead (errRetryTransaction).
func (s *AuditStore) Append(ctx context.Context, r audit.Record) (out audit.Record, err error) {
	defer s.db.track("audit.append", time.Now(), &err)
	for range 50 {
		var last auditDoc
		err := s.coll.FindOne(ctx, bson.D{}, options.FindOne().SetSort(bson.D{{Key: "_id", Value: -1}})).Decode(&last)
		if err != nil && !errors.Is(err, mongo.ErrNoDocuments) {
			return r, mapError("read audit head", err)
		}
		r.Seq, r.PrevHash = last.Seq+1, last.Hash
		r.Hash = r.Seal(s.db.auditKey)
		detail, _ := json.Marshal(r.Detail)
		// The previous hash is sealed into this one, not stored again: it is the
		// previous record's hash, and a copy cost 80 bytes a record.
		_, err = s.coll.InsertOne(ctx, auditDoc{Seq: r.Seq, At: r.At, ActorID: r.ActorID, Action: r.Action,
			UnitPath: r.UnitPath, Target: r.Target, Detail: string(detail), Hash: r.Hash})
		if !mongo.IsDuplicateKeyError(err) {
			return r, mapError("append audit", err)
		}
		if inTransaction(ctx) {
			return r, fmt.Errorf("append audit %d: %w", r.Seq, errRetryTransaction)
		}
	}
	return r, fmt.Errorf("append audit: too much contention")
}

// Head implements audit.Store.
func (s *AuditStore) Head(ctx context.Context) (audit.Record, error) {
	var last auditDoc
	err := s.coll.FindOne(ctx, bson.D{}, options.FindOne().SetSort(bson.D{{Key: "_id", Value: -1}})).Decode(&last)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return audit.Record{}, nil
	}
	if err != nil {
		return audit.Record{}, mapError("audit head", err)
	}
	docs, err := s.withPrevHashes(ctx, []auditDoc{last})
	if err != nil {
		return audit.Record{}, err
	}
	return docs[0].toRecord()
}

// withPrevHashes fills in each record's previous hash from the record before
// it, read from docs itself where it is there. A deleted record leaves the next
// one's previous hash empty, and its seal fails.
func (s *AuditStore) withPrevHashes(ctx context.Context, docs []auditDoc) ([]auditDoc, error) {
	hashes := map[int64]string{}
	for _, d := range docs {
		hashes[d.Seq] = d.Hash
	}
	var missing []int64
	for _, d := range docs {
		if _, ok := hashes[d.Seq-1]; !ok && d.PrevHash == "" && d.Seq > 1 {
			missing = append(missing, d.Seq-1)
		}
	}
	if len(missing) > 0 {
		prev, err := findAll[auditDoc](ctx, s.coll, "read audit hashes", bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: missing}}}},
			options.Find().SetProjection(bson.D{{Key: "hash", Value: 1}}))
		if err != nil {
			return nil, err
		}
		for _, d := range prev {
			hashes[d.Seq] = d.Hash
		}
	}
	for i, d := range docs {
		if d.PrevHash == "" {
			docs[i].PrevHash = hashes[d.Seq-1]
		}
	}
	return docs, nil
}

func (d auditDoc) toRecord() (audit.Record, error) {
	r := audit.Record{Seq: d.Seq, At: d.At.UTC(), ActorID: d.ActorID, Action: d.Action, UnitPath: d.UnitPath,
		Target: d.Target, PrevHash: d.PrevHash, Hash: d.Hash}
	return r, json.Unmarshal([]byte(d.Detail), &r.Detail)
}

func (s *AuditStore) find(ctx context.Context, filter bson.D, opts *options.FindOptionsBuilder) ([]audit.Record, error) {
	docs, err := findAll[auditDoc](ctx, s.coll, "list audit", filter, opts)
	if err != nil {
		return nil, err
	}
	if docs, err = s.withPrevHashes(ctx, docs); err != nil {
		return nil, err
	}
	out := make([]audit.Record, 0, len(docs))
	for _, d := range docs {
		r, err := d.toRecord()
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// List implements audit.Store.
func (s *AuditStore) List(ctx context.Context, scope auth.Scope, q audit.Query) ([]audit.Record, error) {
	unitID, ok := scope.UnitID()
	if !ok {
		return nil, nil
	}
	filter := bson.D{{Key: "unitPath", Value: unitID}}
	if q.Action != "" {
		filter = append(filter, bson.E{Key: "action", Value: q.Action})
	}
	if q.ActorID != "" {
		filter = append(filter, bson.E{Key: "actorId", Value: q.ActorID})
	}
	at := bson.D{}
	if !q.From.IsZero() {
		at = append(at, bson.E{Key: "$gte", Value: q.From})
	}
	if !q.To.IsZero() {
		at = append(at, bson.E{Key: "$lt", Value: q.To})
	}
	if len(at) > 0 {
		filter = append(filter, bson.E{Key: "at", Value: at})
	}
	if q.BeforeSeq > 0 {
		filter = append(filter, bson.E{Key: "_id", Value: bson.D{{Key: "$lt", Value: q.BeforeSeq}}})
	}
	return s.find(ctx, filter, options.Find().SetSort(bson.D{{Key: "_id", Value: -1}}).SetLimit(int64(q.Limit)))
}

// Walk implements audit.Store, a page at a time.
func (s *AuditStore) Walk(ctx context.Context, fn func(audit.Record) error) error {
	var after int64
	for {
		page, err := s.find(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$gt", Value: after}}}},
			options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}).SetLimit(1000))
		if err != nil || len(page) == 0 {
			return err
		}
		for _, r := range page {
			if err := fn(r); err != nil {
				return err
			}
			after = r.Seq
		}
	}
}

// NotificationStore implements notify.Store on MongoDB.
type NotificationStore struct {
	db   *DB
	coll *mongo.Collection
}

// Notifications returns the notification store.
func (db *DB) Notifications() *NotificationStore {
	return &NotificationStore{db: db, coll: db.db.Collection("notifications")}
}

var _ notify.Store = (*NotificationStore)(nil)

type notificationDoc struct {
	ID        string     `bson:"_id"`
	UserID    string     `bson:"userId"`
	EntryID   string     `bson:"entryId"`
	Kind      string     `bson:"kind"`
	Message   string     `bson:"message"`
	CreatedAt time.Time  `bson:"createdAt"`
	ReadAt    *time.Time `bson:"readAt"`
	FormID    string     `bson:"formId,omitempty"`
	UnitID    string     `bson:"unitId,omitempty"`
	Period    string     `bson:"period,omitempty"`
}

// InsertNotifications implements notify.Store.
func (s *NotificationStore) InsertNotifications(ctx context.Context, list []notify.Notification) error {
	if len(list) == 0 {
		return nil
	}
	docs := make([]any, len(list))
	for i, n := range list {
		docs[i] = notificationDoc{ID: n.ID, UserID: n.UserID, EntryID: n.EntryID, Kind: n.Kind, Message: n.Message, CreatedAt: n.CreatedAt,
			FormID: n.FormID, UnitID: n.UnitID, Period: n.Period}
	}
	_, err := s.coll.InsertMany(ctx, docs)
	return mapError("insert notifications", err)
}

// ListNotifications implements notify.Store.
func (s *NotificationStore) ListNotifications(ctx context.Context, scope auth.Scope, unreadOnly bool, limit int) ([]notify.Notification, error) {
	if scope.UserID() == "" {
		return nil, nil
	}
	filter := bson.D{{Key: "userId", Value: scope.UserID()}}
	if unreadOnly {
		filter = append(filter, bson.E{Key: "readAt", Value: nil})
	}
	docs, err := findAll[notificationDoc](ctx, s.coll, "list notifications", filter, options.Find().SetLimit(int64(limit)).
		SetSort(bson.D{{Key: "createdAt", Value: -1}, {Key: "_id", Value: -1}}))
	if err != nil {
		return nil, err
	}
	out := make([]notify.Notification, len(docs))
	for i, d := range docs {
		out[i] = notify.Notification{ID: d.ID, UserID: d.UserID, EntryID: d.EntryID, Kind: d.Kind, Message: d.Message,
			CreatedAt: d.CreatedAt.UTC(), ReadAt: timeOf(d.ReadAt), FormID: d.FormID, UnitID: d.UnitID, Period: d.Period}
	}
	return out, nil
}

// MarkRead implements notify.Store.
func (s *NotificationStore) MarkRead(ctx context.Context, scope auth.Scope, ids []string, at time.Time) error {
	filter := bson.D{{Key: "userId", Value: scope.UserID()}, {Key: "readAt", Value: nil}}
	if len(ids) > 0 {
		filter = append(filter, bson.E{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}})
	}
	_, err := s.coll.UpdateMany(ctx, filter, bson.D{{Key: "$set", Value: bson.D{{Key: "readAt", Value: at}}}})
	return mapError("mark notifications read", err)
}
