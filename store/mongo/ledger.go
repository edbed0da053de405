package mongo

import (
	"context"
	"errors"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"taizhang/auth"
	"taizhang/errs"
	"taizhang/ledger"
)

// LedgerStore implements ledger.Store on MongoDB. Obligations and counts carry
// unitPath (a multikey index over the ancestors, as entries do), re-pathed by
// unit moves.
type LedgerStore struct {
	db                          *DB
	obligations, counts, rounds *mongo.Collection
	meta, units                 *mongo.Collection
}

// Ledger returns the obligation ledger and entry counts.
func (db *DB) Ledger() *LedgerStore {
	return &LedgerStore{db: db, obligations: db.db.Collection("obligations"), counts: db.db.Collection("entry_counts"),
		rounds: db.db.Collection("ledger_rounds"), meta: db.db.Collection("ledger_meta"), units: db.db.Collection("units")}
}

var _ ledger.Store = (*LedgerStore)(nil)

type obligationDoc struct {
	ID               string            `bson:"_id"` // form, period, unit
	FormID           string            `bson:"formId"`
	Period           string            `bson:"period"`
	UnitID           string            `bson:"unitId"`
	UnitPath         []string          `bson:"unitPath"`
	DueAt            time.Time         `bson:"dueAt"`
	Owed             bool              `bson:"owed"`
	EntryID          string            `bson:"entryId"`
	FirstSubmittedAt *time.Time        `bson:"firstSubmittedAt"`
	ExemptionID      string            `bson:"exemptionId"`
	Exemption        *ledger.Exemption `bson:"exemption"`
}

func obligationKey(formID, period, unitID string) string { return formID + "|" + period + "|" + unitID }

func (d obligationDoc) toObligation() ledger.Obligation {
	o := ledger.Obligation{FormID: d.FormID, Period: d.Period, UnitID: d.UnitID, UnitPath: d.UnitPath, DueAt: d.DueAt.UTC(),
		Owed: d.Owed, EntryID: d.EntryID, FirstSubmittedAt: timeOf(d.FirstSubmittedAt), Exemption: d.Exemption}
	if o.Exemption != nil {
		o.Exemption.At = o.Exemption.At.UTC()
	}
	return o
}

// Materialize implements ledger.Store, in one unordered bulk write.
func (s *LedgerStore) Materialize(ctx context.Context, formID, period string, owed []ledger.Obligation) (err error) {
	defer s.db.track("ledger.materialize", time.Now(), &err)
	if len(owed) > 0 {
		models := make([]mongo.WriteModel, len(owed))
		for i, o := range owed {
			models[i] = mongo.NewUpdateOneModel().SetFilter(bson.D{{Key: "_id", Value: obligationKey(o.FormID, o.Period, o.UnitID)}}).
				SetUpdate(bson.D{
					{Key: "$set", Value: bson.D{{Key: "owed", Value: true}, {Key: "dueAt", Value: o.DueAt}}},
					{Key: "$setOnInsert", Value: bson.D{{Key: "formId", Value: o.FormID}, {Key: "period", Value: o.Period},
						{Key: "unitId", Value: o.UnitID}, {Key: "unitPath", Value: o.UnitPath}, {Key: "entryId", Value: ""},
						{Key: "firstSubmittedAt", Value: nil}, {Key: "exemptionId", Value: ""}}},
				}).SetUpsert(true)
		}
		if _, err := s.obligations.BulkWrite(ctx, models, options.BulkWrite().SetOrdered(false)); err != nil {
			return mapError("materialize round", err)
		}
	}
	_, err = s.rounds.InsertOne(ctx, bson.D{{Key: "_id", Value: formID + "|" + period}, {Key: "formId", Value: formID},
		{Key: "period", Value: period}, {Key: "at", Value: time.Now()}})
	if mongo.IsDuplicateKeyError(err) {
		return nil
	}
	return mapError("record round", err)
}

// Materialized implements ledger.Store.
func (s *LedgerStore) Materialized(ctx context.Context, formID string) (map[string]bool, error) {
	type round struct {
		Period string `bson:"period"`
	}
	docs, err := findAll[round](ctx, s.rounds, "materialized rounds", bson.D{{Key: "formId", Value: formID}})
	if err != nil {
		return nil, err
	}
	out := make(map[string]bool, len(docs))
	for _, d := range docs {
		out[d.Period] = true
	}
	return out, nil
}

// within resolves the unit a query narrows to: unitID (which must lie in the
// scope) or the scope's own; ok false means nothing is visible.
func (s *LedgerStore) within(ctx context.Context, scope auth.Scope, unitID string) (string, bool, error) {
	scopeUnit, ok := scope.UnitID()
	if !ok {
		return "", false, nil
	}
	if unitID == "" || unitID == scopeUnit {
		return scopeUnit, true, nil
	}
	err := s.units.FindOne(ctx, bson.D{{Key: "_id", Value: unitID}, {Key: "path", Value: scopeUnit}},
		options.FindOne().SetProjection(bson.D{{Key: "_id", Value: 1}})).Err()
	if errors.Is(err, mongo.ErrNoDocuments) {
		return "", false, nil
	}
	return unitID, err == nil, mapError("read unit", err)
}

// RoundCounts implements ledger.Store. It counts in Go what Obligations
// reads: a $group would need $sum twice, which FerretDB v1 answers with 0
// after the first; on MongoDB an aggregation could do it in the server.
func (s *LedgerStore) RoundCounts(ctx context.Context, scope auth.Scope, q ledger.ObligationQuery, now time.Time) ([]ledger.RoundCount, error) {
	list, err := s.Obligations(ctx, scope, q) // checks q.UnitID against the scope
	if err != nil {
		return nil, err
	}
	unit := q.UnitID
	if unit == "" {
		unit, _ = scope.UnitID()
	}
	return ledger.CountRounds(list, unit, now), nil
}

// Obligations implements ledger.Store.
func (s *LedgerStore) Obligations(ctx context.Context, scope auth.Scope, q ledger.ObligationQuery) (list []ledger.Obligation, err error) {
	defer s.db.track("ledger.obligations", time.Now(), &err)
	unit, ok, err := s.within(ctx, scope, q.UnitID)
	if !ok || err != nil {
		return nil, err
	}
	filter := bson.D{{Key: "formId", Value: q.FormID}, {Key: "unitPath", Value: unit}}
	if q.OwnOnly {
		filter = bson.D{{Key: "formId", Value: q.FormID}, {Key: "unitId", Value: unit}}
	}
	if len(q.Periods) > 0 {
		filter = append(filter, bson.E{Key: "period", Value: bson.D{{Key: "$in", Value: q.Periods}}})
	}
	if len(q.UnitIDs) > 0 {
		filter = append(filter, bson.E{Key: "unitId", Value: bson.D{{Key: "$in", Value: q.UnitIDs}}})
	}
	docs, err := findAll[obligationDoc](ctx, s.obligations, "list obligations", filter)
	if err != nil {
		return nil, err
	}
	list = make([]ledger.Obligation, len(docs))
	for i, d := range docs {
		list[i] = d.toObligation()
	}
	return list, nil
}

// Exempt implements ledger.Store.
func (s *LedgerStore) Exempt(ctx context.Context, scope auth.Scope, formID, period, unitID string, ex ledger.Exemption) (err error) {
	defer s.db.track("ledger.exempt", time.Now(), &err)
	scopeUnit, ok := scope.UnitID()
	if !ok {
		return errs.New(errs.NotFound, "该单位不存在或不在管理范围内")
	}
	key := bson.D{{Key: "_id", Value: obligationKey(formID, period, unitID)}, {Key: "unitPath", Value: scopeUnit}, {Key: "owed", Value: true}}
	res, err := s.obligations.UpdateOne(ctx, append(key, bson.E{Key: "exemptionId", Value: ""}),
		bson.D{{Key: "$set", Value: bson.D{{Key: "exemptionId", Value: ex.ID}, {Key: "exemption", Value: ex}}}})
	if err != nil || res.MatchedCount == 1 {
		return mapError("exempt", err)
	}
	if err := s.obligations.FindOne(ctx, key).Err(); errors.Is(err, mongo.ErrNoDocuments) {
		return errs.New(errs.NotFound, "该单位在这一期没有应报义务，或不在您的管理范围内")
	}
	return errs.New(errs.Conflict, "这一期已经免报过")
}

// Unexempt implements ledger.Store.
func (s *LedgerStore) Unexempt(ctx context.Context, scope auth.Scope, exemptionID string) (ledger.Obligation, error) {
	scopeUnit, ok := scope.UnitID()
	notFound := errs.New(errs.NotFound, "免报记录不存在")
	if !ok || exemptionID == "" {
		return ledger.Obligation{}, notFound
	}
	var d obligationDoc
	err := s.obligations.FindOneAndUpdate(ctx, bson.D{{Key: "exemptionId", Value: exemptionID}, {Key: "unitPath", Value: scopeUnit}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "exemptionId", Value: ""}, {Key: "exemption", Value: nil}}}}).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return ledger.Obligation{}, notFound
	}
	o := d.toObligation()
	o.Exemption = nil
	return o, mapError("unexempt", err)
}

type countDoc struct {
	ID       string   `bson:"_id"`
	FormID   string   `bson:"formId"`
	UnitID   string   `bson:"unitId"`
	Bucket   string   `bson:"bucket"`
	Status   string   `bson:"status"`
	Field    string   `bson:"field"`
	Option   string   `bson:"option"`
	UnitPath []string `bson:"unitPath"`
	N        int      `bson:"n"`
}

func countKey(k ledger.CountKey) string {
	return strings.Join([]string{k.FormID, k.UnitID, k.Bucket, k.Status, k.Field, k.Option}, "|")
}

func (d countDoc) toCount() ledger.Count {
	return ledger.Count{CountKey: ledger.CountKey{FormID: d.FormID, UnitID: d.UnitID, Bucket: d.Bucket, Status: d.Status,
		Field: d.Field, Option: d.Option}, UnitPath: d.UnitPath, N: d.N}
}

// Counts implements ledger.Store.
func (s *LedgerStore) Counts(ctx context.Context, scope auth.Scope, q ledger.CountQuery) (list []ledger.Count, err error) {
	defer s.db.track("ledger.counts", time.Now(), &err)
	unit, ok, err := s.within(ctx, scope, q.UnitID)
	if !ok || err != nil {
		return nil, err
	}
	list, err = s.findCounts(ctx, bson.D{{Key: "formId", Value: q.FormID}, {Key: "unitPath", Value: unit}, {Key: "n", Value: bson.D{{Key: "$ne", Value: 0}}}})
	if err != nil || !q.ByChild {
		return list, err
	}
	return ledger.SumByChild(list, unit), nil
}

func (s *LedgerStore) findCounts(ctx context.Context, filter bson.D) ([]ledger.Count, error) {
	docs, err := findAll[countDoc](ctx, s.counts, "list counts", filter)
	if err != nil {
		return nil, err
	}
	out := make([]ledger.Count, len(docs))
	for i, d := range docs {
		out[i] = d.toCount()
	}
	return out, nil
}

// AllCounts implements ledger.Store.
func (s *LedgerStore) AllCounts(ctx context.Context) ([]ledger.Count, error) {
	return s.findCounts(ctx, bson.D{{Key: "n", Value: bson.D{{Key: "$ne", Value: 0}}}})
}

// ReplaceCounts implements ledger.Store, and records that the counts are built.
func (s *LedgerStore) ReplaceCounts(ctx context.Context, counts []ledger.Count) error {
	if _, err := s.counts.DeleteMany(ctx, bson.D{}); err != nil {
		return mapError("clear counts", err)
	}
	if err := addCounts(ctx, s.counts, counts); err != nil {
		return err
	}
	_, err := s.meta.UpdateOne(ctx, bson.D{{Key: "_id", Value: "counts_built"}}, bson.D{{Key: "$set", Value: bson.D{{Key: "value", Value: true}}}},
		options.UpdateOne().SetUpsert(true))
	return mapError("record counts built", err)
}

// CountsBuilt reports whether the counts were kept since the first entry:
// Open marks a store without entries; a rebuild marks the others.
func (s *LedgerStore) CountsBuilt(ctx context.Context) (bool, error) {
	err := s.meta.FindOne(ctx, bson.D{{Key: "_id", Value: "counts_built"}}).Err()
	if errors.Is(err, mongo.ErrNoDocuments) {
		return false, nil
	}
	return err == nil, mapError("read ledger meta", err)
}

// markCountsBuilt marks a store without entries: its counts are kept from
// the first entry on.
func markCountsBuilt(ctx context.Context, db *mongo.Database) error {
	n, err := db.Collection("entries").CountDocuments(ctx, bson.D{}, options.Count().SetLimit(1))
	if err != nil || n > 0 {
		return err
	}
	_, err = db.Collection("ledger_meta").UpdateOne(ctx, bson.D{{Key: "_id", Value: "counts_built"}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "value", Value: true}}}}, options.UpdateOne().SetUpsert(true))
	return err
}

// addCounts applies count deltas, each an upserted $inc, in one round trip:
// a filing with choice fields moves several counts.
func addCounts(ctx context.Context, coll *mongo.Collection, counts []ledger.Count) error {
	if len(counts) == 0 {
		return nil
	}
	models := make([]mongo.WriteModel, len(counts))
	for i, c := range counts {
		models[i] = mongo.NewUpdateOneModel().SetFilter(bson.D{{Key: "_id", Value: countKey(c.CountKey)}}).SetUpdate(bson.D{
			{Key: "$inc", Value: bson.D{{Key: "n", Value: c.N}}},
			// The path is the document's: a move rewrites it, a step never does.
			{Key: "$setOnInsert", Value: bson.D{{Key: "unitPath", Value: c.UnitPath}, {Key: "formId", Value: c.FormID}, {Key: "unitId", Value: c.UnitID},
				{Key: "bucket", Value: c.Bucket}, {Key: "status", Value: c.Status}, {Key: "field", Value: c.Field}, {Key: "option", Value: c.Option}}},
		}).SetUpsert(true)
	}
	// Ordered, so that a failure leaves the counts after it unapplied, as a
	// loop of single updates did (deltas must not be applied twice on retry).
	_, err := coll.BulkWrite(ctx, models, options.BulkWrite().SetOrdered(true))
	return mapError("count entries", err)
}

// claim takes a round for an entry before the entry is written: without
// transactions, a lost claim must not leave the entry behind. The round's row
// is made if it does not exist; errs.Conflict names the entry holding it.
func (s *LedgerStore) claim(ctx context.Context, f *ledger.Filing) error {
	id := obligationKey(f.FormID, f.Period, f.UnitID)
	if err := s.ensureRow(ctx, f); err != nil {
		return err
	}
	res, err := s.obligations.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "entryId", Value: ""}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "entryId", Value: f.EntryID}}}})
	if err != nil {
		return mapError("claim round", err)
	}
	if res.MatchedCount == 1 {
		return nil // the round was free and is this entry's now
	}
	var d obligationDoc // held already: by this entry (a retry) or by another
	if err := s.obligations.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d); err != nil {
		return mapError("read claim", err)
	}
	if d.EntryID != f.EntryID {
		return ledger.ErrFiled(d.EntryID, f.Period)
	}
	return nil
}

// release gives back a claim whose entry was not written.
func (s *LedgerStore) release(ctx context.Context, f *ledger.Filing) {
	_, _ = s.obligations.UpdateOne(ctx, bson.D{{Key: "_id", Value: obligationKey(f.FormID, f.Period, f.UnitID)}, {Key: "entryId", Value: f.EntryID}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "entryId", Value: ""}}}})
}

// submitted records a round's first submission (later ones change nothing):
// the round's row made if missing, then its first submission time and entry
// each set only where still empty — one ordered bulk write, one round trip.
func (s *LedgerStore) submitted(ctx context.Context, f *ledger.Filing) error {
	id := bson.D{{Key: "_id", Value: obligationKey(f.FormID, f.Period, f.UnitID)}}
	models := []mongo.WriteModel{
		mongo.NewUpdateOneModel().SetFilter(id).SetUpdate(rowOnInsert(f)).SetUpsert(true),
		mongo.NewUpdateOneModel().SetFilter(append(id, bson.E{Key: "firstSubmittedAt", Value: nil})).
			SetUpdate(bson.D{{Key: "$set", Value: bson.D{{Key: "firstSubmittedAt", Value: f.SubmittedAt}}}}),
		mongo.NewUpdateOneModel().SetFilter(append(id, bson.E{Key: "entryId", Value: ""})).
			SetUpdate(bson.D{{Key: "$set", Value: bson.D{{Key: "entryId", Value: f.EntryID}}}}),
	}
	_, err := s.obligations.BulkWrite(ctx, models, options.BulkWrite().SetOrdered(true))
	if mongo.IsDuplicateKeyError(err) { // a concurrent upsert made the row first: the rest did not run
		_, err = s.obligations.BulkWrite(ctx, models[1:], options.BulkWrite().SetOrdered(true))
	}
	return mapError("record submission", err)
}

// ensureRow makes the round's row of a unit that filed before the round was
// materialized (or that owes nothing): owed false until the sweeper says.
func (s *LedgerStore) ensureRow(ctx context.Context, f *ledger.Filing) error {
	_, err := s.obligations.UpdateOne(ctx, bson.D{{Key: "_id", Value: obligationKey(f.FormID, f.Period, f.UnitID)}},
		rowOnInsert(f), options.UpdateOne().SetUpsert(true))
	if mongo.IsDuplicateKeyError(err) { // a concurrent upsert made it
		return nil
	}
	return mapError("make round row", err)
}

// rowOnInsert is the round's row as made for a filing: owed false until the
// sweeper says.
func rowOnInsert(f *ledger.Filing) bson.D {
	return bson.D{{Key: "$setOnInsert", Value: bson.D{{Key: "formId", Value: f.FormID}, {Key: "period", Value: f.Period},
		{Key: "unitId", Value: f.UnitID}, {Key: "unitPath", Value: f.UnitPath}, {Key: "dueAt", Value: f.DueAt},
		{Key: "owed", Value: false}, {Key: "entryId", Value: ""}, {Key: "firstSubmittedAt", Value: nil}, {Key: "exemptionId", Value: ""}}}}
}
