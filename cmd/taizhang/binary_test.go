package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

var built struct {
	once sync.Once
	path string
	err  error
	out  []byte
}

// testBinary is the taizhang binary the tests start as a separate process:
// TAIZHANG_TEST_BINARY when set (make test builds bin/taizhang once and shares it
// with the browser tests), otherwise built once for this test process.
func testBinary(tb testing.TB) string {
	tb.Helper()
	if path := os.Getenv("TAIZHANG_TEST_BINARY"); path != "" {
		abs, err := filepath.Abs(path)
		if err != nil {
			tb.Fatal(err)
		}
		return abs
	}
	built.once.Do(func() {
		dir, err := os.MkdirTemp("", "taizhang-bin-")
		if err != nil {
			built.err = err
			return
		}
		built.path = filepath.Join(dir, "taizhang")
		built.out, built.err = exec.Command("go", "build", "-o", built.path, "taizhang/cmd/taizhang").CombinedOutput()
	})
	if built.err != nil {
		tb.Fatalf("build: %v\n%s", built.err, built.out)
	}
	return built.path
}

// TestMain removes the binary built for this process, if any.
func TestMain(m *testing.M) {
	code := m.Run()
	if built.path != "" {
		_ = os.RemoveAll(filepath.Dir(built.path))
	}
	os.Exit(code)
}
