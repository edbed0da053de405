// Package mongo is the production store on MongoDB (a replica set, or a sharded
// cluster for a whole province). It implements the domain store interfaces and
// passes the same contract suite as the embedded SQLite store. It avoids $lookup
// and $facet, which FerretDB (embedded in the tests) lacks, and uses multi-document
// transactions only where the server has them (see DB.atomically).
package mongo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"go.mongodb.org/mongo-driver/v2/mongo/readpref"
	"go.mongodb.org/mongo-driver/v2/mongo/writeconcern"
	"go.mongodb.org/mongo-driver/v2/x/mongo/driver/connstring"
	"go.mongodb.org/mongo-driver/v2/x/mongo/driver/topology"

	"taizhang/attachments"
	"taizhang/errs"
)

// Observer receives the latency and outcome of every store operation (for metrics).
type Observer func(op string, took time.Duration, err error)

// Options configure Open.
type Options struct {
	URI string
	// ConnectTimeout bounds the retries at start-up: a database that is still
	// booting (docker-compose) is waited for, an absent one fails clearly.
	ConnectTimeout time.Duration
	// MaxPoolSize limits connections; 0 keeps the driver default. FerretDB v1 needs
	// 1, or it loses concurrent updates.
	MaxPoolSize uint64
	Observe     Observer
	// AuditKey seals audit records (HMAC-SHA256); empty writes unkeyed ones.
	AuditKey []byte
	// Blobs keeps attachment bytes; nil keeps them in GridFS.
	Blobs attachments.Blobs
}

// DefaultDatabase is used when the URI names none.
const DefaultDatabase = "taizhang"

// DB is an open MongoDB store: one client for the whole process.
type DB struct {
	uri      string
	client   *mongo.Client
	db       *mongo.Database
	observe  Observer
	auditKey []byte
	blobs    attachments.Blobs
	// transactions is whether the server runs multi-document transactions: a
	// replica set or a sharded cluster does, a standalone server or FerretDB does not.
	transactions bool
}

// Open connects, waits until the server answers (retrying with backoff up to
// ConnectTimeout) and ensures every index.
func Open(ctx context.Context, opts Options) (*DB, error) {
	cs, err := connstring.ParseAndValidate(opts.URI)
	if err != nil {
		return nil, fmt.Errorf("invalid MongoDB URI: %w", err)
	}
	dbName := cs.Database
	if dbName == "" {
		dbName = DefaultDatabase
	}
	clientOpts := options.Client().ApplyURI(opts.URI).
		SetWriteConcern(writeconcern.Majority()).
		SetServerSelectionTimeout(min(opts.ConnectTimeout, 5*time.Second)).
		SetConnectTimeout(min(opts.ConnectTimeout, 5*time.Second))
	if opts.MaxPoolSize > 0 {
		clientOpts.SetMaxPoolSize(opts.MaxPoolSize)
	}
	client, err := mongo.Connect(clientOpts)
	if err != nil {
		return nil, fmt.Errorf("connect to MongoDB: %w", err)
	}
	db := &DB{uri: opts.URI, client: client, db: client.Database(dbName), observe: opts.Observe, auditKey: opts.AuditKey, blobs: opts.Blobs}
	if db.blobs == nil {
		db.blobs = &GridFSBlobs{bucket: db.db.GridFSBucket(options.GridFSBucket().SetName("blobs"))}
	}
	if db.observe == nil {
		db.observe = func(string, time.Duration, error) {}
	}
	if err := db.waitReady(ctx, opts.ConnectTimeout); err != nil {
		db.Close()
		return nil, err
	}
	if db.transactions, err = supportsTransactions(ctx, client); err != nil {
		db.Close()
		return nil, err
	}
	if err := ensureIndexes(ctx, db.db); err != nil {
		db.Close()
		return nil, fmt.Errorf("ensure indexes: %w", err)
	}
	if err := markCountsBuilt(ctx, db.db); err != nil {
		db.Close()
		return nil, fmt.Errorf("ledger meta: %w", err)
	}
	if err := db.Org().ResumeMoves(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// waitReady pings with exponential backoff until the server answers or timeout passes.
func (db *DB) waitReady(ctx context.Context, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	delay := 200 * time.Millisecond
	for {
		err := db.client.Ping(ctx, readpref.Primary())
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("MongoDB did not answer within %s (TAIZHANG_DB_CONNECT_TIMEOUT): %w", timeout, err)
		case <-time.After(delay):
			delay = min(2*delay, 3*time.Second)
		}
	}
}

// supportsTransactions asks the server what it is: transactions need a replica
// set member (setName) or a mongos router ("isdbgrid").
func supportsTransactions(ctx context.Context, client *mongo.Client) (bool, error) {
	var hello struct {
		SetName string `bson:"setName"`
		Msg     string `bson:"msg"`
	}
	err := client.Database("admin").RunCommand(ctx, bson.D{{Key: "hello", Value: 1}}).Decode(&hello)
	if err != nil {
		return false, mapError("hello", err)
	}
	return hello.SetName != "" || hello.Msg == "isdbgrid", nil
}

// Transactions reports whether writes that touch several documents are atomic on
// this server (see atomically).
func (db *DB) Transactions() bool { return db.transactions }

// errRetryTransaction asks atomically to run the whole transaction again: a write
// inside it lost a race that, outside a transaction, it would have retried alone.
var errRetryTransaction = errors.New("retry the transaction")

// atomically runs fn in one transaction when the server has them, so an entry and
// its audit record and notifications are written together or not at all. Without
// transactions (a standalone server, FerretDB) fn runs as is and a crash between
// its writes can lose the later ones; the entry's own history still records the step.
func (db *DB) atomically(ctx context.Context, fn func(ctx context.Context) error) error {
	if !db.transactions || inTransaction(ctx) {
		return fn(ctx)
	}
	session, err := db.client.StartSession()
	if err != nil {
		return mapError("start session", err)
	}
	defer session.EndSession(context.WithoutCancel(ctx))
	for range 50 {
		_, err = session.WithTransaction(ctx, func(ctx context.Context) (any, error) { return nil, fn(ctx) })
		if !errors.Is(err, errRetryTransaction) {
			return err
		}
	}
	return fmt.Errorf("transaction: too much contention: %w", err)
}

// inTransaction reports whether ctx carries a running transaction.
func inTransaction(ctx context.Context) bool { return mongo.SessionFromContext(ctx) != nil }

// Ping checks that the primary answers, for /readyz.
func (db *DB) Ping(ctx context.Context) error {
	return mapError("ping", db.client.Ping(ctx, readpref.Primary()))
}

// Close disconnects the client.
func (db *DB) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return db.client.Disconnect(ctx)
}

// findAll reads every document filter finds in coll, decoded as T; op names
// the read in errors.
func findAll[T any](ctx context.Context, coll *mongo.Collection, op string, filter any, opts ...options.Lister[options.FindOptions]) ([]T, error) {
	cur, err := coll.Find(ctx, filter, opts...)
	if err != nil {
		return nil, mapError(op, err)
	}
	var docs []T
	if err := cur.All(ctx, &docs); err != nil {
		return nil, mapError(op, err)
	}
	return docs, nil
}

// mapError turns driver errors into domain errors: a duplicate key is Duplicate, a
// lost or unreachable server is Unavailable (503), no document is NotFound.
func mapError(op string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, mongo.ErrNoDocuments):
		return errs.Wrap(errs.NotFound, "记录不存在", err)
	case mongo.IsDuplicateKeyError(err):
		return errs.Wrap(errs.Duplicate, "记录已存在", err)
	case mongo.IsNetworkError(err), mongo.IsTimeout(err), errors.Is(err, mongo.ErrClientDisconnected),
		errors.As(err, &topology.ServerSelectionError{}):
		return errs.Wrap(errs.Unavailable, "数据库暂不可用，请稍后重试", err)
	}
	return fmt.Errorf("mongo %s: %w", op, err)
}

// track reports an operation to the observer; use as defer db.track(op, time.Now(), &err).
func (db *DB) track(op string, start time.Time, err *error) {
	db.observe(op, time.Since(start), *err)
}

// URI is the connection string the store was opened with (it may hold a password:
// never log it unredacted).
func (db *DB) URI() string { return db.uri }

// DropDatabase removes the whole database; tests use it to clean up.
func (db *DB) DropDatabase(ctx context.Context) error {
	return mapError("drop database", db.db.Drop(ctx))
}
