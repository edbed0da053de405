package entries

import (
	"context"
	"slices"
	"sync"
	"time"

	"taizhang/auth"
	"taizhang/errs"
	"taizhang/forms"
	"taizhang/ids"
)

// Imported is one row of an Excel ledger moved into a form: validated data,
// the unit and filer it belongs to, and a ClientID made from the file and
// the row, so importing the same file again adds nothing.
type Imported struct {
	ClientID string
	UnitPath []string
	AuthorID string
	Data     map[string]any
	Status   string // a state of the form's workflow; "" the state filing leads to
	Source   string // "台账.xlsx 第 12 行", kept in the entry's history
}

// States lists the states an imported entry may take in a workflow: every
// state but the draft.
func (w Workflow) States() []string {
	var out []string
	add := func(s string) {
		if s != "" && s != "draft" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	add(w.Submitted)
	for _, t := range w.Transitions {
		for _, from := range t.From {
			add(from)
		}
		add(t.To)
	}
	return out
}

// importWriters is how many rows are written at once: the embedded store
// commits concurrent writes together (one fsync for up to 64), so rows
// written side by side cost a fraction of rows written one by one.
const importWriters = 32

// Import writes validated rows as entries of a version, each with an import
// event naming its source, and their ledger counts. A row whose ClientID the
// filer already used was imported before: it is skipped, not doubled.
func (s *Service) Import(ctx context.Context, scope auth.Scope, v forms.Version, rows []Imported) (created, skipped int, err error) {
	if !scope.Has(auth.RoleOffice) && !scope.Has(auth.RoleAdmin) {
		return 0, 0, errs.New(errs.Forbidden, "只有领导小组办公室和管理员可以导入台账")
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		mu   sync.Mutex
		wg   sync.WaitGroup
		todo = make(chan Imported)
	)
	for range importWriters {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for row := range todo {
				e, fx := s.imported(scope, v, row)
				insertErr := s.Store.Insert(ctx, scope, e, fx)
				mu.Lock()
				switch {
				case errs.Is(insertErr, errs.Duplicate):
					skipped++
				case insertErr != nil:
					if err == nil {
						err = insertErr
						cancel()
					}
				default:
					created++
				}
				mu.Unlock()
			}
		}()
	}
feed:
	for _, row := range rows {
		select {
		case todo <- row:
		case <-ctx.Done():
			break feed
		}
	}
	close(todo)
	wg.Wait()
	if err == nil {
		err = ctx.Err() // the caller gave up
	}
	return created, skipped, err
}

// imported makes the entry of a row, with its import event and ledger counts.
func (s *Service) imported(scope auth.Scope, v forms.Version, row Imported) (Entry, Effects) {
	wf := Workflows[v.Schema.Workflow]
	role := auth.RoleOffice
	if !scope.Has(role) {
		role = auth.RoleAdmin
	}
	now := s.Now().UTC().Truncate(time.Millisecond)
	e := importedEntry(row, v, wf, now)
	e.History = []Event{{At: now, ActorID: scope.UserID(), ActorRole: string(role), Action: "import", To: e.Status,
		Comment: row.Source}}
	e.setData(row.Data, v.Schema)
	e.Open = wf.IsOpen(e.Status)
	var fx Effects
	withLedger(&fx, nil, e, &v.Schema, false)
	return e, fx
}

func importedEntry(row Imported, v forms.Version, wf Workflow, now time.Time) Entry {
	status := row.Status
	if status == "" {
		status = wf.Submitted
	}
	return Entry{ID: ids.New(now), FormID: v.FormID, FormVersion: v.Version, UnitID: row.UnitPath[len(row.UnitPath)-1],
		UnitPath: row.UnitPath, AuthorID: row.AuthorID, ClientID: row.ClientID, Status: status,
		PayloadHash: payloadHash(row.Data, true, ""), CreatedAt: now, UpdatedAt: now, SubmittedAt: now}
}
