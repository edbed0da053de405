package mongo

import (
	"context"
	"encoding/json"
	"errors"
	"regexp"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"taizhang/auth"
	"taizhang/entries"
	"taizhang/errs"
	"taizhang/ledger"
	"taizhang/signals"
)

// EntryStore implements entries.Store on MongoDB.
type EntryStore struct {
	db   *DB
	coll *mongo.Collection
}

// Entries returns the entry store.
func (db *DB) Entries() *EntryStore {
	return &EntryStore{db: db, coll: db.db.Collection("entries")}
}

var _ entries.Store = (*EntryStore)(nil)

// entryDoc is the stored shape, kept apart from the domain type so that neither a
// request body nor a domain change can silently rename stored fields.
type entryDoc struct {
	ID              string     `bson:"_id"`
	FormID          string     `bson:"formId"`
	FormVersion     int        `bson:"formVersion"`
	UnitID          string     `bson:"unitId"`
	UnitPath        []string   `bson:"unitPath"`
	AuthorID        string     `bson:"authorId"`
	ClientID        string     `bson:"clientId"`
	Status          string     `bson:"status"`
	Rev             int        `bson:"rev"`
	Period          string     `bson:"period"`
	Title           string     `bson:"title,omitempty"`
	Data            bson.Raw   `bson:"data"`
	PayloadHash     string     `bson:"payloadHash"`
	DueAt           *time.Time `bson:"dueAt"`
	CreatedAt       time.Time  `bson:"createdAt"`
	SubmittedAt     *time.Time `bson:"submittedAt"`
	UpdatedAt       time.Time  `bson:"updatedAt"`
	ClientCreatedAt *time.Time `bson:"clientCreatedAt"`
	Open            bool       `bson:"open"`
	Attachments     []string   `bson:"attachments"`
	Search          string     `bson:"search"`
	History         string     `bson:"history"`           // JSON: events carry arbitrary values
	LastEvent       string     `bson:"lastEvent"`         // what listings read instead of the history
	Signals         string     `bson:"signals,omitempty"` // JSON list, empty when none
	SignalsDue      bool       `bson:"signalsDue,omitempty"`
}

// Insert implements entries.Store.
func (s *EntryStore) Insert(ctx context.Context, scope auth.Scope, e entries.Entry, fx ...entries.Effects) (err error) {
	defer s.db.track("entries.insert", time.Now(), &err)
	if !e.InScope(scope) {
		return errs.New(errs.Forbidden, "无权在该单位填报")
	}
	doc, err := toEntryDoc(e)
	if err != nil {
		return err
	}
	doc.Rev = 1
	return s.db.atomically(ctx, func(ctx context.Context) error {
		// The claim on a round comes first: without transactions, a lost claim
		// must not leave the entry behind.
		var claims []*ledger.Filing
		for _, f := range fx {
			if f.Filing != nil && f.Filing.Claim {
				if err := s.db.Ledger().claim(ctx, f.Filing); err != nil {
					return err
				}
				claims = append(claims, f.Filing)
			}
		}
		if _, err := s.coll.InsertOne(ctx, doc); err != nil {
			for _, f := range claims {
				s.db.Ledger().release(ctx, f)
			}
			return mapError("insert entry", err)
		}
		return s.writeEffects(ctx, fx)
	})
}

// writeEffects appends a step's audit record and notifications with the entry, in
// its transaction where the server has them (DB.atomically).
func (s *EntryStore) writeEffects(ctx context.Context, fx []entries.Effects) error {
	for _, f := range fx {
		if f.Filing != nil && !f.Filing.SubmittedAt.IsZero() {
			if err := s.db.Ledger().submitted(ctx, f.Filing); err != nil {
				return err
			}
		}
		if err := addCounts(ctx, s.db.Ledger().counts, f.Counts); err != nil {
			return err
		}
		if f.Audit != nil {
			if _, err := s.db.Audit().Append(ctx, *f.Audit); err != nil {
				return err
			}
		}
		if err := s.db.Notifications().InsertNotifications(ctx, f.Notifications); err != nil {
			return err
		}
		if err := s.db.Signals().writePrints(ctx, f.Prints); err != nil {
			return err
		}
	}
	return nil
}

// Get implements entries.Store.
func (s *EntryStore) Get(ctx context.Context, scope auth.Scope, id string) (e entries.Entry, err error) {
	defer s.db.track("entries.get", time.Now(), &err)
	return s.findOne(ctx, scope, bson.D{{Key: "_id", Value: id}})
}

// GetByClientID implements entries.Store.
func (s *EntryStore) GetByClientID(ctx context.Context, scope auth.Scope, authorID, clientID string) (e entries.Entry, err error) {
	defer s.db.track("entries.get_by_client_id", time.Now(), &err)
	return s.findOne(ctx, scope, bson.D{{Key: "authorId", Value: authorID}, {Key: "clientId", Value: clientID}})
}

func (s *EntryStore) findOne(ctx context.Context, scope auth.Scope, filter bson.D) (entries.Entry, error) {
	unitID, ok := scope.UnitID()
	if !ok {
		return entries.Entry{}, entries.ErrNotFound
	}
	var doc entryDoc
	err := s.coll.FindOne(ctx, append(filter, bson.E{Key: "unitPath", Value: unitID})).Decode(&doc)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return entries.Entry{}, entries.ErrNotFound
	}
	if err != nil {
		return entries.Entry{}, mapError("find entry", err)
	}
	return doc.toEntry()
}

// Update implements entries.Store: one conditional update on (id, scope, rev), so
// of two racing writers exactly one matches.
func (s *EntryStore) Update(ctx context.Context, scope auth.Scope, e entries.Entry, expectedRev int, fx ...entries.Effects) (out entries.Entry, err error) {
	defer s.db.track("entries.update", time.Now(), &err)
	unitID, ok := scope.UnitID()
	if !ok {
		return entries.Entry{}, entries.ErrNotFound
	}
	doc, err := toEntryDoc(e)
	if err != nil {
		return entries.Entry{}, err
	}
	filter := bson.D{{Key: "_id", Value: e.ID}, {Key: "unitPath", Value: unitID}, {Key: "rev", Value: expectedRev}}
	update := bson.D{
		{Key: "$set", Value: bson.D{
			{Key: "status", Value: doc.Status}, {Key: "title", Value: doc.Title}, {Key: "data", Value: doc.Data},
			{Key: "payloadHash", Value: doc.PayloadHash}, {Key: "period", Value: doc.Period},
			{Key: "dueAt", Value: doc.DueAt}, {Key: "submittedAt", Value: doc.SubmittedAt},
			{Key: "updatedAt", Value: doc.UpdatedAt}, {Key: "open", Value: doc.Open},
			{Key: "attachments", Value: doc.Attachments}, {Key: "search", Value: doc.Search},
			{Key: "history", Value: doc.History}, {Key: "lastEvent", Value: doc.LastEvent}, {Key: "signals", Value: doc.Signals},
			{Key: "signalsDue", Value: doc.SignalsDue},
		}},
		{Key: "$inc", Value: bson.D{{Key: "rev", Value: 1}}},
	}
	var updated entryDoc
	err = s.db.atomically(ctx, func(ctx context.Context) error {
		err := s.coll.FindOneAndUpdate(ctx, filter, update,
			options.FindOneAndUpdate().SetReturnDocument(options.After)).Decode(&updated)
		if errors.Is(err, mongo.ErrNoDocuments) {
			return s.whyNotUpdated(ctx, scope, e.ID)
		}
		if err != nil {
			return mapError("update entry", err)
		}
		return s.writeEffects(ctx, fx)
	})
	if err != nil {
		return entries.Entry{}, err
	}
	return updated.toEntry()
}

// whyNotUpdated tells a stale revision (conflict) from an absent entry.
func (s *EntryStore) whyNotUpdated(ctx context.Context, scope auth.Scope, id string) error {
	if _, err := s.findOne(ctx, scope, bson.D{{Key: "_id", Value: id}}); err != nil {
		return err
	}
	return entries.ErrStale
}

// List implements entries.Store.
func (s *EntryStore) List(ctx context.Context, scope auth.Scope, q entries.Query) (page entries.Page, err error) {
	defer s.db.track("entries.list", time.Now(), &err)
	plan, err := entries.PlanList(q)
	if err != nil {
		return entries.Page{}, err
	}
	scopeUnit, ok := scope.UnitID()
	if !ok {
		return entries.Page{}, nil
	}
	opts := options.Find().SetLimit(int64(plan.Limit) + 1).
		SetSort(bson.D{{Key: "createdAt", Value: -1}, {Key: "_id", Value: -1}}).
		SetProjection(bson.D{{Key: "history", Value: 0}})
	cur, err := s.coll.Find(ctx, listFilter(scopeUnit, q, plan.After), opts)
	if err != nil {
		return entries.Page{}, mapError("list entries", err)
	}
	var docs []entryDoc
	if err := cur.All(ctx, &docs); err != nil {
		return entries.Page{}, mapError("list entries", err)
	}
	items := make([]entries.Entry, 0, len(docs))
	for _, d := range docs {
		e, err := d.toEntry()
		if err != nil {
			return entries.Page{}, err
		}
		items = append(items, e)
	}
	page.Items, page.NextCursor = entries.NextCursor(items, plan.Limit)
	return page, nil
}

// Count implements entries.Store: the same filter as List, unpaged.
func (s *EntryStore) Count(ctx context.Context, scope auth.Scope, q entries.Query) (n int, err error) {
	defer s.db.track("entries.count", time.Now(), &err)
	scopeUnit, ok := scope.UnitID()
	if !ok {
		return 0, nil
	}
	count, err := s.coll.CountDocuments(ctx, listFilter(scopeUnit, q, nil))
	return int(count), mapError("count entries", err)
}

// listFilter always contains the scope unit; a requested unit narrows it further
// and can never widen it.
func listFilter(scopeUnit string, q entries.Query, after *entries.Position) bson.D {
	and := bson.A{bson.D{{Key: "unitPath", Value: scopeUnit}}}
	if q.UnitID != "" && q.UnitID != scopeUnit {
		and = append(and, bson.D{{Key: "unitPath", Value: q.UnitID}})
	}
	if after != nil {
		and = append(and, bson.D{{Key: "$or", Value: bson.A{
			bson.D{{Key: "createdAt", Value: bson.D{{Key: "$lt", Value: after.CreatedAt}}}},
			bson.D{{Key: "createdAt", Value: after.CreatedAt}, {Key: "_id", Value: bson.D{{Key: "$lt", Value: after.ID}}}},
		}}})
	}
	for _, f := range []struct{ key, value string }{
		{"formId", q.FormID}, {"status", q.Status}, {"authorId", q.AuthorID}, {"period", q.Period},
	} {
		if f.value != "" {
			and = append(and, bson.D{{Key: f.key, Value: f.value}})
		}
	}
	if !q.OverdueAt.IsZero() {
		and = append(and, bson.D{{Key: "open", Value: true}, {Key: "dueAt", Value: bson.D{{Key: "$lt", Value: q.OverdueAt}}}})
	}
	if !q.From.IsZero() {
		and = append(and, bson.D{{Key: "createdAt", Value: bson.D{{Key: "$gte", Value: q.From}}}})
	}
	if !q.To.IsZero() {
		and = append(and, bson.D{{Key: "createdAt", Value: bson.D{{Key: "$lt", Value: q.To}}}})
	}
	if q.Q != "" {
		// A literal substring: the query text is quoted, never a pattern.
		and = append(and, bson.D{{Key: "search", Value: bson.D{{Key: "$regex", Value: regexp.QuoteMeta(q.Q)}}}})
	}
	return bson.D{{Key: "$and", Value: and}}
}

func toEntryDoc(e entries.Entry) (entryDoc, error) {
	var data bson.Raw
	// Relaxed Extended JSON keeps plain JSON as plain JSON; the form engine rejects
	// keys starting with "$", so user data cannot smuggle in extended types.
	if err := bson.UnmarshalExtJSON(e.Data, false, &data); err != nil {
		return entryDoc{}, errs.Wrap(errs.Invalid, "填报数据不是有效的 JSON 对象", err)
	}
	history, err := json.Marshal(e.History)
	if err != nil {
		return entryDoc{}, err
	}
	attachments := e.Attachments
	if attachments == nil {
		attachments = []string{}
	}
	return entryDoc{
		ID: e.ID, FormID: e.FormID, FormVersion: e.FormVersion, UnitID: e.UnitID, UnitPath: e.UnitPath,
		AuthorID: e.AuthorID, ClientID: e.ClientID, Status: e.Status, Rev: e.Rev, Period: e.Period, Title: e.Title,
		Data: data, PayloadHash: e.PayloadHash, DueAt: optionalTime(e.DueAt), CreatedAt: e.CreatedAt,
		SubmittedAt: optionalTime(e.SubmittedAt), UpdatedAt: e.UpdatedAt, ClientCreatedAt: optionalTime(e.ClientCreatedAt),
		Open: e.Open, Attachments: attachments, Search: entries.TextOf(e.Data), History: string(history),
		LastEvent: lastEventJSON(e), Signals: signalsJSON(e.Signals), SignalsDue: e.SignalsDue,
	}, nil
}

// signalsJSON stores an entry's signals ("" for none: most entries).
func signalsJSON(list []signals.Signal) string {
	if len(list) == 0 {
		return ""
	}
	raw, _ := json.Marshal(list)
	return string(raw)
}

func decodeSignals(raw string, list *[]signals.Signal) error {
	if raw == "" {
		return nil
	}
	return json.Unmarshal([]byte(raw), list)
}

func (d entryDoc) toEntry() (entries.Entry, error) {
	data, err := bson.MarshalExtJSON(d.Data, false, false)
	if err != nil {
		return entries.Entry{}, mapError("decode entry data", err)
	}
	e := entries.Entry{
		ID: d.ID, FormID: d.FormID, FormVersion: d.FormVersion, UnitID: d.UnitID, UnitPath: d.UnitPath,
		AuthorID: d.AuthorID, ClientID: d.ClientID, Status: d.Status, Rev: d.Rev, Period: d.Period, Title: d.Title,
		Data: json.RawMessage(data), PayloadHash: d.PayloadHash, DueAt: timeOf(d.DueAt),
		CreatedAt: d.CreatedAt.UTC(), SubmittedAt: timeOf(d.SubmittedAt), UpdatedAt: d.UpdatedAt.UTC(),
		ClientCreatedAt: timeOf(d.ClientCreatedAt), Open: d.Open, SignalsDue: d.SignalsDue,
	}
	if len(d.Attachments) > 0 {
		e.Attachments = d.Attachments
	}
	if err := decodeSignals(d.Signals, &e.Signals); err != nil {
		return entries.Entry{}, err
	}
	switch {
	case d.History != "" && d.History != "null":
		if err := json.Unmarshal([]byte(d.History), &e.History); err != nil {
			return entries.Entry{}, err
		}
	case d.LastEvent != "": // a listing: the history was not read
		var last entries.Event
		if err := json.Unmarshal([]byte(d.LastEvent), &last); err != nil {
			return entries.Entry{}, err
		}
		e.History = []entries.Event{last}
	}
	if len(e.History) == 0 {
		e.History = nil
	}
	return e, nil
}

// lastEventJSON is the stored lastEvent field.
func lastEventJSON(e entries.Entry) string {
	last, ok := e.LastEvent()
	if !ok {
		return ""
	}
	raw, _ := json.Marshal(last)
	return string(raw)
}

func optionalTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func timeOf(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC()
}
