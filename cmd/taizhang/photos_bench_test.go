package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"taizhang/store/s3/s3test"
)

// BenchmarkPhotos uploads and downloads 400 KB photos through the real
// binary's API, 8 at a time, with the blobs in the data dir and in an S3
// bucket (gofakes3, in this process: its memory is not the server's), and
// reports MB/s and the server's peak resident memory (VmHWM) for each. The
// baseline is a bare net/http server in this process that writes each upload
// to a file and serves it back: what the disk and loopback allow.
// Run with -benchtime 1x (make bench); numbers go to docs/performance.md.
func BenchmarkPhotos(b *testing.B) {
	const photos, workers = 200, 8
	bin := testBinary(b)
	set := make([][]byte, photos)
	for i := range set {
		set[i] = jpegPhoto(b, 560, 560, uint32(i+1)) // about 400 KB of noise
	}
	total := 0
	for _, p := range set {
		total += len(p)
	}
	mb := float64(total) / (1 << 20)
	bucket := s3test.Start(b, "taizhang")
	for _, where := range []struct {
		name string
		env  []string
	}{{"dir", nil}, {"s3", bucket.Env("bench")}} {
		base, server := startBinary(b, bin, append(where.env, "TAIZHANG_DATA_DIR="+b.TempDir(), "TAIZHANG_DEMO_WEEKS=0")...)
		token := benchLogin(b, &http.Client{}, base, demoCadrePhone)
		pid := server.Process.Pid
		_ = os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0) // VmHWM from here
		atRest := memoryKiB(b, pid, "VmRSS")
		ids := make([]string, photos)
		up := parallel(photos, workers, func(i int) error {
			var err error
			ids[i], err = postPhoto(base+"/api/v1/attachments", token, set[i])
			return err
		})
		down := parallel(photos, workers, func(i int) error { return getPhoto(base+"/api/v1/attachments/"+ids[i], token, len(set[i])) })
		b.ReportMetric(mb/up.Seconds(), where.name+"-upload-MB/s")
		b.ReportMetric(mb/down.Seconds(), where.name+"-download-MB/s")
		b.ReportMetric(float64(memoryKiB(b, pid, "VmHWM"))/1024, where.name+"-peak-RSS-MB")
		b.ReportMetric(float64(atRest)/1024, where.name+"-rest-RSS-MB")
		_ = server.Process.Kill()
	}
	bareUp, bareDown := bareFileServer(b, set, workers)
	b.ReportMetric(mb/bareUp.Seconds(), "bare-upload-MB/s")
	b.ReportMetric(mb/bareDown.Seconds(), "bare-download-MB/s")
}

// parallel runs fn for 0..n-1 on workers goroutines and times it all.
func parallel(n, workers int, fn func(i int) error) time.Duration {
	next := make(chan int, n)
	for i := range n {
		next <- i
	}
	close(next)
	errs := make(chan error, n)
	start := time.Now()
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := range next {
				if err := fn(i); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		panic(err)
	}
	return time.Since(start)
}

func postPhoto(url, token string, photo []byte) (string, error) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	part, _ := mw.CreateFormFile("file", "photo.jpg")
	_, _ = part.Write(photo)
	_ = mw.Close()
	req, _ := http.NewRequest("POST", url, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 201 && resp.StatusCode != 200 {
		return "", fmt.Errorf("upload: %d %s", resp.StatusCode, body)
	}
	var a struct{ ID string }
	_ = json.Unmarshal(body, &a)
	return a.ID, nil
}

func getPhoto(url, token string, size int) error {
	req, _ := http.NewRequest("GET", url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	n, err := io.Copy(io.Discard, resp.Body)
	if err != nil || resp.StatusCode != 200 || int(n) != size {
		return fmt.Errorf("download: %d, %d of %d bytes, %v", resp.StatusCode, n, size, err)
	}
	return nil
}

// bareFileServer is the baseline: net/http writing each multipart upload to
// a file (synced, as the blob store does) and serving it with ServeFile.
func bareFileServer(b *testing.B, set [][]byte, workers int) (up, down time.Duration) {
	dir := b.TempDir()
	var mu sync.Mutex
	n := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == "GET" {
			http.ServeFile(w, r, filepath.Join(dir, filepath.Base(r.URL.Path)))
			return
		}
		file, _, err := r.FormFile("file")
		if err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		defer file.Close()
		mu.Lock()
		n++
		name := fmt.Sprint(n)
		mu.Unlock()
		f, err := os.Create(filepath.Join(dir, name))
		if err == nil {
			_, err = io.Copy(f, file)
			err = errors.Join(err, f.Sync(), f.Close())
		}
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		w.WriteHeader(201)
		fmt.Fprintf(w, `{"id":%q}`, name)
	}))
	defer srv.Close()
	ids := make([]string, len(set))
	up = parallel(len(set), workers, func(i int) error {
		var err error
		ids[i], err = postPhoto(srv.URL+"/", "", set[i])
		return err
	})
	down = parallel(len(set), workers, func(i int) error { return getPhoto(srv.URL+"/"+ids[i], "", len(set[i])) })
	return up, down
}
