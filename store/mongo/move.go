package mongo

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"taizhang/auth"
	"taizhang/org"
)

// Moving a unit touches many documents (units, users, entries below it) and
// MongoDB here has no transactions (FerretDB has none; on a sharded cluster they
// are costly). So a move is a resumable, idempotent procedure:
//
//  1. record the move in unit_moves (old path, new path);
//  2. re-path every document under the unit, each with a conditional update that
//     only matches the document's old path, so repeating a step changes nothing;
//  3. set the unit's parent, bump the tree version, delete the record.
//
// If the process dies midway, the record stays; ResumeMoves (run at every start)
// finishes it. Until then some documents show the old path and some the new: a
// reader may briefly see part of the subtree under the old parent, never outside
// both parents' common ancestor.

type moveDoc struct {
	ID      string    `bson:"_id"` // the moved unit
	OldPath []string  `bson:"oldPath"`
	NewPath []string  `bson:"newPath"`
	At      time.Time `bson:"at"`
}

// MoveUnit implements org.UnitStore.
func (s *OrgStore) MoveUnit(ctx context.Context, scope auth.Scope, oldPath, newPath []string, at time.Time) (err error) {
	defer s.db.track("units.move", time.Now(), &err)
	unitID, ok := scope.UnitID()
	if !ok || !(org.Unit{Path: oldPath}).IsUnder(unitID) || !(org.Unit{Path: newPath}).IsUnder(unitID) {
		return errUnitNotFound
	}
	move := moveDoc{ID: oldPath[len(oldPath)-1], OldPath: oldPath, NewPath: newPath, At: at}
	_, err = s.moves.ReplaceOne(ctx, bson.D{{Key: "_id", Value: move.ID}}, move, options.Replace().SetUpsert(true))
	if err != nil {
		return mapError("record unit move", err)
	}
	return s.finishMove(ctx, move)
}

// ResumeMoves finishes moves interrupted by a crash; Open runs it.
func (s *OrgStore) ResumeMoves(ctx context.Context) error {
	pending, err := findAll[moveDoc](ctx, s.moves, "find unit moves", bson.D{})
	if err != nil {
		return err
	}
	for _, m := range pending {
		if err := s.finishMove(ctx, m); err != nil {
			return fmt.Errorf("resume move of unit %s: %w", m.ID, err)
		}
	}
	return nil
}

func (s *OrgStore) finishMove(ctx context.Context, m moveDoc) error {
	for _, target := range []struct {
		coll  *mongo.Collection
		field string
	}{{s.units, "path"}, {s.users, "unitPath"}, {s.entries, "unitPath"},
		{s.db.db.Collection("obligations"), "unitPath"}, {s.db.db.Collection("entry_counts"), "unitPath"}} {
		if err := repathCollection(ctx, target.coll, target.field, m); err != nil {
			return err
		}
	}
	_, err := s.units.UpdateOne(ctx, bson.D{{Key: "_id", Value: m.ID}}, bson.D{{Key: "$set", Value: bson.D{
		{Key: "parentId", Value: parentOf(m.NewPath)}, {Key: "updatedAt", Value: m.At}}}})
	if err != nil {
		return mapError("set unit parent", err)
	}
	if err := s.bumpTreeVersion(ctx); err != nil {
		return err
	}
	_, err = s.moves.DeleteOne(ctx, bson.D{{Key: "_id", Value: m.ID}})
	return mapError("finish unit move", err)
}

// repathCollection rewrites field on every document under the moved unit. Each
// update matches the document's current path, so a concurrent or repeated run
// cannot apply a rewrite twice.
func repathCollection(ctx context.Context, coll *mongo.Collection, field string, m moveDoc) error {
	cur, err := coll.Find(ctx, bson.D{{Key: field, Value: m.ID}},
		options.Find().SetProjection(bson.D{{Key: field, Value: 1}}))
	if err != nil {
		return mapError("find moved documents", err)
	}
	defer cur.Close(ctx)
	for cur.Next(ctx) {
		var raw bson.M
		if err := cur.Decode(&raw); err != nil {
			return mapError("decode moved document", err)
		}
		id, path := raw["_id"], toStrings(raw[field])
		newPath, ok := org.Repath(path, m.OldPath, m.NewPath)
		if !ok {
			continue // already moved
		}
		_, err := coll.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: field, Value: path}},
			bson.D{{Key: "$set", Value: bson.D{{Key: field, Value: newPath}}}})
		if err != nil {
			return mapError("re-path document", err)
		}
	}
	return mapError("find moved documents", cur.Err())
}

func toStrings(v any) []string {
	arr, _ := v.(bson.A)
	out := make([]string, 0, len(arr))
	for _, x := range arr {
		s, _ := x.(string)
		out = append(out, s)
	}
	return out
}

func parentOf(path []string) string {
	if len(path) < 2 {
		return ""
	}
	return path[len(path)-2]
}
