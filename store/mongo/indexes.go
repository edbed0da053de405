package mongo

import (
	"context"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

type index struct {
	collection string
	model      mongo.IndexModel
}

// indexes is every index the store relies on, ensured at start. Scoped queries
// lead with the scope key (unitPath, a multikey index over the ancestors) so a
// subtree listing is one index range in the order returned. It is a function
// because the driver's option builders are not safe to share between goroutines.
func indexes() []index {
	return []index{
		{"entries", mongo.IndexModel{
			Keys:    bson.D{{Key: "unitPath", Value: 1}, {Key: "createdAt", Value: -1}, {Key: "_id", Value: -1}},
			Options: options.Index().SetName("scope_newest"),
		}},
		{"entries", mongo.IndexModel{
			// A subtree's entries in one status, newest first: review queues and
			// the tab bar's badges, asked every minute, find a district's handful
			// waiting without reading its history.
			Keys:    bson.D{{Key: "unitPath", Value: 1}, {Key: "status", Value: 1}, {Key: "createdAt", Value: -1}, {Key: "_id", Value: -1}},
			Options: options.Index().SetName("scope_status_newest"),
		}},
		{"obligations", mongo.IndexModel{
			// A compliance matrix: one form, a subtree, some rounds.
			Keys:    bson.D{{Key: "formId", Value: 1}, {Key: "unitPath", Value: 1}, {Key: "period", Value: 1}},
			Options: options.Index().SetName("scope_rounds"),
		}},
		{"obligations", mongo.IndexModel{
			Keys:    bson.D{{Key: "formId", Value: 1}, {Key: "unitId", Value: 1}, {Key: "period", Value: 1}},
			Options: options.Index().SetName("unit_rounds"),
		}},
		{"obligations", mongo.IndexModel{
			Keys:    bson.D{{Key: "exemptionId", Value: 1}},
			Options: options.Index().SetName("exemption"),
		}},
		{"entry_counts", mongo.IndexModel{
			Keys:    bson.D{{Key: "formId", Value: 1}, {Key: "unitPath", Value: 1}},
			Options: options.Index().SetName("scope_counts"),
		}},
		{"ledger_rounds", mongo.IndexModel{
			Keys:    bson.D{{Key: "formId", Value: 1}},
			Options: options.Index().SetName("form_rounds"),
		}},
		{"entries", mongo.IndexModel{
			// The idempotency key: a phone's retries never file twice.
			Keys:    bson.D{{Key: "authorId", Value: 1}, {Key: "clientId", Value: 1}},
			Options: options.Index().SetName("author_client").SetUnique(true),
		}},
		{"units", mongo.IndexModel{
			Keys:    bson.D{{Key: "path", Value: 1}, {Key: "_id", Value: 1}},
			Options: options.Index().SetName("scope_units"),
		}},
		{"users", mongo.IndexModel{
			Keys:    bson.D{{Key: "unitPath", Value: 1}, {Key: "_id", Value: 1}},
			Options: options.Index().SetName("scope_users"),
		}},
		{"users", mongo.IndexModel{
			// Login finds users by phone before any scope exists; one account per phone.
			Keys:    bson.D{{Key: "phone", Value: 1}},
			Options: options.Index().SetName("phone").SetUnique(true),
		}},
		{"forms", mongo.IndexModel{
			Keys:    bson.D{{Key: "ownerPath", Value: 1}, {Key: "createdAt", Value: 1}},
			Options: options.Index().SetName("scope_forms"),
		}},
		{"forms", mongo.IndexModel{
			Keys:    bson.D{{Key: "key", Value: 1}},
			Options: options.Index().SetName("form_key").SetUnique(true),
		}},
		{"forms", mongo.IndexModel{
			// Filers find their forms by the units they are assigned to.
			Keys:    bson.D{{Key: "assignedUnits", Value: 1}},
			Options: options.Index().SetName("assigned_units"),
		}},
		{"forms", mongo.IndexModel{
			Keys:    bson.D{{Key: "treeUnits", Value: 1}},
			Options: options.Index().SetName("tree_units"),
		}},
		{"form_versions", mongo.IndexModel{
			// Published versions are immutable and numbered once: two racing
			// publishes cannot both create version N.
			Keys:    bson.D{{Key: "formId", Value: 1}, {Key: "version", Value: 1}},
			Options: options.Index().SetName("form_version").SetUnique(true),
		}},
		{"entries", mongo.IndexModel{
			// Reading a photo checks that an entry in the reader's scope references
			// it: the few entries that do, then their scope. Not a compound index
			// with unitPath: MongoDB refuses a document with two arrays in one index.
			Keys:    bson.D{{Key: "attachments", Value: 1}},
			Options: options.Index().SetName("attachment_entries"),
		}},
		{"attachments", mongo.IndexModel{
			Keys:    bson.D{{Key: "uploaderId", Value: 1}},
			Options: options.Index().SetName("uploader"),
		}},
		{"audit_log", mongo.IndexModel{
			Keys:    bson.D{{Key: "unitPath", Value: 1}, {Key: "_id", Value: -1}},
			Options: options.Index().SetName("scope_audit"),
		}},
		{"notifications", mongo.IndexModel{
			// The listing's whole sort, _id included: without it MongoDB sorted
			// all of a user's notifications in memory for every page.
			Keys:    bson.D{{Key: "userId", Value: 1}, {Key: "createdAt", Value: -1}, {Key: "_id", Value: -1}},
			Options: options.Index().SetName("user_newest"),
		}},
		{"notifications", mongo.IndexModel{
			// The unread ones, asked for the tab bar's badge every minute.
			Keys:    bson.D{{Key: "userId", Value: 1}, {Key: "readAt", Value: 1}, {Key: "createdAt", Value: -1}, {Key: "_id", Value: -1}},
			Options: options.Index().SetName("user_unread"),
		}},
		{"refresh_tokens", mongo.IndexModel{
			Keys:    bson.D{{Key: "familyId", Value: 1}},
			Options: options.Index().SetName("family"),
		}},
		{"deliveries", mongo.IndexModel{ // due deliveries: not sent, oldest time first
			Keys:    bson.D{{Key: "sentAt", Value: 1}, {Key: "notBefore", Value: 1}},
			Options: options.Index().SetName("due_deliveries"),
		}},
		{"push_subscriptions", mongo.IndexModel{
			Keys:    bson.D{{Key: "userId", Value: 1}},
			Options: options.Index().SetName("user_subscriptions"),
		}},
		{"uploads", mongo.IndexModel{Keys: bson.D{{Key: "uploaderId", Value: 1}}, Options: options.Index().SetName("uploader")}},
		// Signals: photos by band key (multikey) and by bytes; texts by form and band key.
		{"photo_prints", mongo.IndexModel{Keys: bson.D{{Key: "keys", Value: 1}}, Options: options.Index().SetName("bands")}},
		{"photo_prints", mongo.IndexModel{Keys: bson.D{{Key: "sha256", Value: 1}}, Options: options.Index().SetName("bytes")}},
		{"photo_prints", mongo.IndexModel{Keys: bson.D{{Key: "entryId", Value: 1}}, Options: options.Index().SetName("entry")}},
		{"entries", mongo.IndexModel{Keys: bson.D{{Key: "signalsDue", Value: 1}, {Key: "_id", Value: 1}}, Options: options.Index().SetName("signals_due")}},
		{"text_prints", mongo.IndexModel{Keys: bson.D{{Key: "formId", Value: 1}, {Key: "keys", Value: 1}}, Options: options.Index().SetName("bands")}},
		{"uploads", mongo.IndexModel{Keys: bson.D{{Key: "touched", Value: 1}}, Options: options.Index().SetName("touched")}},
		{"upload_pieces", mongo.IndexModel{
			Keys:    bson.D{{Key: "upload", Value: 1}, {Key: "offset", Value: 1}},
			Options: options.Index().SetName("upload_order"),
		}},
	}
}

// obsoleteIndexes were ensured by earlier versions and are dropped at start.
// attachment_refs covered two arrays (attachments, unitPath), which MongoDB
// refuses ("cannot index parallel arrays") for any entry with an attachment;
// user_notifications lacked the listing's _id (user_newest replaces it).
var obsoleteIndexes = []struct{ collection, name string }{{"entries", "attachment_refs"}, {"notifications", "user_notifications"}}

func ensureIndexes(ctx context.Context, db *mongo.Database) error {
	for _, ix := range obsoleteIndexes {
		if err := dropIndexIfAny(ctx, db.Collection(ix.collection), ix.name); err != nil {
			return fmt.Errorf("%s: drop %s: %w", ix.collection, ix.name, err)
		}
	}
	for _, ix := range indexes() {
		if _, err := db.Collection(ix.collection).Indexes().CreateOne(ctx, ix.model); err != nil {
			return fmt.Errorf("%s: %w", ix.collection, err)
		}
	}
	return nil
}

func dropIndexIfAny(ctx context.Context, coll *mongo.Collection, name string) error {
	specs, err := coll.Indexes().ListSpecifications(ctx)
	if err != nil {
		return err
	}
	for _, spec := range specs {
		if spec.Name == name {
			return coll.Indexes().DropOne(ctx, name)
		}
	}
	return nil
}
