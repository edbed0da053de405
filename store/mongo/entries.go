package mongo

import (
	"bytes"
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
	JSON            string     `bson:"json,omitempty"` // the data as JSON text, which q searches (canonicalJSON)
	Data            bson.Raw   `bson:"data,omitempty"` // entries written before: the data as a document, beside a search copy
	PayloadHash     string     `bson:"payloadHash"`
	DueAt           *time.Time `bson:"dueAt"`
	CreatedAt       time.Time  `bson:"createdAt"`
	SubmittedAt     *time.Time `bson:"submittedAt"`
	UpdatedAt       time.Time  `bson:"updatedAt"`
	ClientCreatedAt *time.Time `bson:"clientCreatedAt"`
	Open            bool       `bson:"open"`
	Attachments     []string   `bson:"attachments"`
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
			{Key: "status", Value: doc.Status}, {Key: "title", Value: doc.Title}, {Key: "json", Value: doc.JSON},
			{Key: "payloadHash", Value: doc.PayloadHash}, {Key: "period", Value: doc.Period},
			{Key: "dueAt", Value: doc.DueAt}, {Key: "submittedAt", Value: doc.SubmittedAt},
			{Key: "updatedAt", Value: doc.UpdatedAt}, {Key: "open", Value: doc.Open},
			{Key: "attachments", Value: doc.Attachments},
			{Key: "history", Value: doc.History}, {Key: "lastEvent", Value: doc.LastEvent}, {Key: "signals", Value: doc.Signals},
			{Key: "signalsDue", Value: doc.SignalsDue},
		}},
		{Key: "$unset", Value: bson.D{{Key: "data", Value: ""}, {Key: "search", Value: ""}}}, // an entry written before
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

// List implements entries.Store. With q, the server narrows by the stored
// JSON text and each entry is confirmed here (a key or a number holding q is
// not a match), reading on until the page is full.
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
	opts := options.Find().SetSort(bson.D{{Key: "createdAt", Value: -1}, {Key: "_id", Value: -1}}).
		SetProjection(bson.D{{Key: "history", Value: 0}})
	if q.Q == "" {
		opts.SetLimit(int64(plan.Limit) + 1)
	} else {
		opts.SetBatchSize(int32(plan.Limit) + 1)
	}
	items := make([]entries.Entry, 0, plan.Limit+1)
	err = s.eachMatch(ctx, listFilter(scopeUnit, q, plan.After), opts, q.Q, func(e entries.Entry) bool {
		items = append(items, e)
		return len(items) <= plan.Limit
	})
	if err != nil {
		return entries.Page{}, mapError("list entries", err)
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
	if q.Q == "" {
		count, err := s.coll.CountDocuments(ctx, listFilter(scopeUnit, q, nil))
		return int(count), mapError("count entries", err)
	}
	opts := options.Find().SetProjection(bson.D{{Key: "json", Value: 1}, {Key: "data", Value: 1}})
	err = s.eachMatch(ctx, listFilter(scopeUnit, q, nil), opts, q.Q, func(entries.Entry) bool { n++; return true })
	return n, mapError("count entries", err)
}

// eachMatch calls fn with each entry the filter finds whose text holds q
// (every entry for no q) until fn says stop.
func (s *EntryStore) eachMatch(ctx context.Context, filter bson.D, opts *options.FindOptionsBuilder, q string, fn func(entries.Entry) bool) error {
	cur, err := s.coll.Find(ctx, filter, opts)
	if err != nil {
		return err
	}
	defer cur.Close(ctx)
	for cur.Next(ctx) {
		var doc entryDoc
		if err := cur.Decode(&doc); err != nil {
			return err
		}
		e, err := doc.toEntry()
		if err != nil {
			return err
		}
		if (q == "" || entries.HasText(e.Data, q)) && !fn(e) {
			return nil
		}
	}
	return cur.Err()
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
		and = append(and, bson.D{{Key: "$or", Value: bson.A{
			bson.D{{Key: "json", Value: bson.D{{Key: "$regex", Value: inTextValue(q.Q)}}}},
			// Entries written before keep a search copy of their text.
			bson.D{{Key: "search", Value: bson.D{{Key: "$regex", Value: regexp.QuoteMeta(q.Q)}}}},
		}}})
	}
	return bson.D{{Key: "$and", Value: and}}
}

// inTextValue is a pattern finding q, as canonical JSON writes it, inside a
// string value of the stored JSON text: a quoted string followed by a comma
// or a closing bracket, not by a colon (a key), and never in a number. So a
// q that names a key or a number, which every entry has, does not send every
// entry of a district to be confirmed and thrown away. The query text is
// quoted, never a pattern of its own.
func inTextValue(q string) string {
	written, _ := json.Marshal(q)
	const inString = `(?:[^"\\]|\\.)*`
	return `"` + inString + regexp.QuoteMeta(string(written[1:len(written)-1])) + inString + `"\s*[,}\]]`
}

func toEntryDoc(e entries.Entry) (entryDoc, error) {
	data, err := canonicalJSON(e.Data)
	if err != nil {
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
		JSON: data, PayloadHash: e.PayloadHash, DueAt: optionalTime(e.DueAt), CreatedAt: e.CreatedAt,
		SubmittedAt: optionalTime(e.SubmittedAt), UpdatedAt: e.UpdatedAt, ClientCreatedAt: optionalTime(e.ClientCreatedAt),
		Open: e.Open, Attachments: attachments, History: string(history),
		LastEvent: lastEventJSON(e), Signals: signalsJSON(e.Signals), SignalsDue: e.SignalsDue,
	}, nil
}

// canonicalJSON is data as Go's encoder writes it (keys sorted, <>& and
// U+2028/9 escaped, numbers as written), so that listFilter finds q in it
// written the same way. The data is kept as text, not as a document: q
// searches it where it is (a copy of its text beside it made an entry weigh
// 4.9 KB of BSON instead of 3.3), and reading it needs no conversion.
func canonicalJSON(raw json.RawMessage) (string, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v map[string]any
	if err := dec.Decode(&v); err != nil {
		return "", err
	}
	out, err := json.Marshal(v)
	return string(out), err
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
	data := []byte(d.JSON)
	if d.JSON == "" { // written before the data was kept as text
		var err error
		if data, err = bson.MarshalExtJSON(d.Data, false, false); err != nil {
			return entries.Entry{}, mapError("decode entry data", err)
		}
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
