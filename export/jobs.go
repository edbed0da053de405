package export

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"taizhang/auth"
	"taizhang/errs"
	"taizhang/forms"
	"taizhang/ids"
	"taizhang/reports"
)

// Job kinds and states.
const (
	KindEntries  = "entries"
	KindBriefing = "briefing"

	Queued  = "queued"
	Running = "running"
	Done    = "done"
	Failed  = "failed"
)

// Limits of the jobs: a direct download answers up to MaxDirectRows rows;
// beyond that, and up to MaxJobRows, a job writes the file.
const (
	MaxDirectRows = 50_000
	MaxJobRows    = 2_000_000
	QueueSize     = 16
	FileLife      = 24 * time.Hour
)

// Job is an export written in the background. It is kept as JSON beside its
// file in the jobs directory, so it survives a restart: a job that was
// queued or running then fails with a message saying so (the caller's
// access cannot be re-checked without them), and a finished one is served
// until it expires.
type Job struct {
	ID         string     `json:"id"`
	OwnerID    string     `json:"ownerId"`
	UnitPath   []string   `json:"unitPath"`
	Kind       string     `json:"kind"`
	Format     string     `json:"format"`
	Entries    *Request   `json:"entries,omitempty"`
	Briefing   *Briefing  `json:"briefing,omitempty"`
	Status     string     `json:"status"`
	Rows       int        `json:"rows"`
	Total      int        `json:"total"`
	Progress   float64    `json:"progress"` // 0 to 1
	Error      string     `json:"error,omitempty"`
	FileName   string     `json:"fileName,omitempty"` // what the download is called
	CreatedAt  time.Time  `json:"createdAt"`
	FinishedAt *time.Time `json:"finishedAt,omitempty"`
	ExpiresAt  *time.Time `json:"expiresAt,omitempty"`

	scope auth.Scope
	plan  Plan
}

// Jobs runs exports one at a time per instance from a bounded queue.
type Jobs struct {
	Dir     string // job records and finished files
	Service *Service
	Reports *reports.Service
	Log     *slog.Logger

	mu    sync.Mutex
	jobs  map[string]*Job
	queue chan *Job
}

var (
	errNoJob    = errs.New(errs.NotFound, "导出任务不存在或已过期")
	errQueue    = &errs.Error{Code: errs.TooManyRequests, Message: "导出任务较多，请稍后再试", RetryAfter: 30 * time.Second}
	errNotReady = errs.New(errs.Conflict, "导出尚未完成，请稍候")
)

// OpenJobs reads the jobs left in dir by the last run, fails those it cannot
// finish, and removes expired files. Run then works the queue.
func OpenJobs(dir string, svc *Service, reps *reports.Service, log *slog.Logger) (*Jobs, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("exports directory: %w", err)
	}
	j := &Jobs{Dir: dir, Service: svc, Reports: reps, Log: log, jobs: map[string]*Job{}, queue: make(chan *Job, QueueSize)}
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, err
	}
	for _, name := range files {
		raw, err := os.ReadFile(name)
		var job Job
		if err != nil || json.Unmarshal(raw, &job) != nil {
			continue
		}
		if job.Status == Queued || job.Status == Running {
			j.fail(&job, "服务重启，导出已中断，请重新导出")
		}
		j.jobs[job.ID] = &job
	}
	j.sweep()
	return j, nil
}

// Run works the queue, one job at a time, and sweeps expired files hourly,
// until ctx ends.
func (j *Jobs) Run(ctx context.Context) {
	tick := time.NewTicker(time.Hour)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			j.sweep()
		case job := <-j.queue:
			j.work(ctx, job)
		}
	}
}

// Submit checks an export as a direct download would (scope, filters,
// format, unmasking), counts it, and queues it.
func (j *Jobs) Submit(ctx context.Context, scope auth.Scope, job Job) (Job, error) {
	own, _, err := j.Service.Entries.Units(ctx, scope)
	if err != nil {
		return Job{}, err
	}
	job.ID, job.OwnerID, job.UnitPath, job.Status = ids.New(j.Service.Now()), scope.UserID(), own, Queued
	job.CreatedAt, job.scope = j.Service.Now().UTC(), scope
	switch job.Kind {
	case KindEntries:
		if job.Entries == nil {
			job.Entries = &Request{}
		}
		job.Entries.Format = job.Format
		if job.plan, err = j.Service.Plan(ctx, scope, *job.Entries); err != nil {
			return Job{}, err
		}
		if job.plan.Total > j.Service.jobLimit() {
			return Job{}, TooMany(job.plan.Total, j.Service.jobLimit(), "")
		}
		job.Total, job.FileName = job.plan.Total, FileName(job.plan.Title, job.Format, j.Service.Now())
	case KindBriefing:
		if job.Briefing == nil || job.Format != XLSX {
			return Job{}, &errs.Error{Code: errs.Unprocessable, Message: "通报只能导出为 xlsx，并须指定表单和期次",
				Fields: []errs.FieldError{{Field: "format", Code: "invalid", Message: "通报只能导出为 xlsx"}}}
		}
		job.FileName = "通报-" + job.Briefing.Period + ".xlsx"
	default:
		return Job{}, &errs.Error{Code: errs.Unprocessable, Message: "导出种类应为 entries 或 briefing",
			Fields: []errs.FieldError{{Field: "kind", Code: "invalid", Message: "导出种类应为 entries（记录）或 briefing（通报）"}}}
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	select {
	case j.queue <- &job:
	default:
		return Job{}, errQueue
	}
	j.jobs[job.ID] = &job
	j.save(&job)
	return job, nil
}

// Get returns the caller's own job; anyone else's is absent.
func (j *Jobs) Get(scope auth.Scope, id string) (Job, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	job, ok := j.jobs[id]
	if !ok || job.OwnerID != scope.UserID() || scope.UserID() == "" {
		return Job{}, errNoJob
	}
	return *job, nil
}

// Open returns the finished file of the caller's job.
func (j *Jobs) Open(scope auth.Scope, id string) (*os.File, Job, error) {
	job, err := j.Get(scope, id)
	if err != nil {
		return nil, Job{}, err
	}
	if job.Status != Done {
		return nil, job, errNotReady
	}
	f, err := os.Open(j.file(job.ID))
	if errors.Is(err, os.ErrNotExist) {
		return nil, job, errNoJob
	}
	return f, job, err
}

func (j *Jobs) file(id string) string { return filepath.Join(j.Dir, id+".out") }

func (j *Jobs) work(ctx context.Context, job *Job) {
	j.update(job, func() { job.Status = Running })
	rows, err := j.write(ctx, job)
	if err != nil {
		_ = os.Remove(j.file(job.ID))
		message := "导出失败，请重试"
		var e *errs.Error
		if errors.As(err, &e) && e.Code != errs.Internal {
			message = e.Message
		} else if j.Log != nil {
			j.Log.Error("export job", "job", job.ID, "err", err)
		}
		j.update(job, func() { j.fail(job, message) })
		return
	}
	done, expires := j.Service.Now().UTC(), j.Service.Now().UTC().Add(FileLife)
	j.update(job, func() {
		job.Status, job.Rows, job.Progress, job.FinishedAt, job.ExpiresAt = Done, rows, 1, &done, &expires
	})
}

// write writes the job's file under a temporary name, renamed once complete
// and counted: a partial file is never offered.
func (j *Jobs) write(ctx context.Context, job *Job) (int, error) {
	tmp, err := os.CreateTemp(j.Dir, job.ID+"-*.part")
	if err != nil {
		return 0, err
	}
	defer os.Remove(tmp.Name())
	rows := 0
	switch job.Kind {
	case KindEntries:
		rows, err = j.Service.Write(ctx, job.scope, job.plan, tmp, func(n int) {
			j.update(job, func() { job.Rows, job.Progress = n, float64(n)/float64(max(job.Total, 1)) })
		})
		if err == nil {
			err = j.Service.Record(ctx, job.scope, job.plan, rows)
		}
	case KindBriefing:
		err = j.Service.WriteBriefing(ctx, job.scope, j.Reports, *job.Briefing, tmp)
		if err == nil {
			err = j.Service.RecordBriefing(ctx, job.scope, *job.Briefing)
		}
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), j.file(job.ID))
	}
	return rows, err
}

func (j *Jobs) fail(job *Job, message string) {
	now := j.Service.Now().UTC()
	expires := now.Add(FileLife)
	job.Status, job.Error, job.FinishedAt, job.ExpiresAt = Failed, message, &now, &expires
	j.save(job)
}

// update changes a job under the lock and saves it.
func (j *Jobs) update(job *Job, change func()) {
	j.mu.Lock()
	defer j.mu.Unlock()
	change()
	j.save(job)
}

func (j *Jobs) save(job *Job) {
	raw, _ := json.Marshal(job)
	tmp := filepath.Join(j.Dir, job.ID+".json.tmp")
	if err := os.WriteFile(tmp, raw, 0o600); err == nil {
		err = os.Rename(tmp, filepath.Join(j.Dir, job.ID+".json"))
		if err != nil && j.Log != nil {
			j.Log.Warn("saving export job", "job", job.ID, "err", err)
		}
	}
}

// sweep removes jobs and files past their expiry, and stray partial files.
func (j *Jobs) sweep() {
	now := j.Service.Now()
	j.mu.Lock()
	defer j.mu.Unlock()
	for id, job := range j.jobs {
		if job.ExpiresAt != nil && job.ExpiresAt.Before(now) {
			_ = os.Remove(j.file(id))
			_ = os.Remove(filepath.Join(j.Dir, id+".json"))
			delete(j.jobs, id)
		}
	}
	parts, _ := filepath.Glob(filepath.Join(j.Dir, "*.part"))
	for _, p := range parts {
		if info, err := os.Stat(p); err == nil && now.Sub(info.ModTime()) > FileLife {
			_ = os.Remove(p)
		}
	}
}

// Mine lists the caller's jobs, newest first.
func (j *Jobs) Mine(scope auth.Scope) []Job {
	j.mu.Lock()
	defer j.mu.Unlock()
	out := []Job{}
	for _, job := range j.jobs {
		if job.OwnerID == scope.UserID() {
			out = append(out, *job)
		}
	}
	slices.SortFunc(out, func(a, b Job) int { return b.CreatedAt.Compare(a.CreatedAt) })
	return out
}

// TooMany is the 413 for an export beyond a limit, naming it and, for direct
// downloads, the jobs API that takes more.
func TooMany(rows, limit int, jobs string) error {
	message := fmt.Sprintf("共 %d 条记录，超过一次最多导出的 %d 条", rows, limit)
	params := map[string]any{"limit": limit, "rows": rows}
	if jobs != "" {
		message += "，请改用后台导出（" + jobs + "）"
		params["jobs"] = jobs
	}
	return &errs.Error{Code: errs.TooLarge, Message: message,
		Fields: []errs.FieldError{{Field: "limit", Code: "too_many_rows", Message: message, Params: params}}}
}

// FileName names a download: 表单标题-20261201-2130.xlsx.
func FileName(title, format string, now time.Time) string {
	return sheetName(title, nil) + "-" + now.In(forms.Beijing).Format("20060102-1504") + "." + format
}
