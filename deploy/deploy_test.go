// Package deploy holds the container build and its documentation. No Docker engine
// runs where tests run, so this test checks the wiring statically: every variable
// the deployment sets is one the binary reads, with a value it accepts, and the
// services start in the right order.
package deploy

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"taizhang/config"
	"taizhang/store/s3"
)

type service struct {
	Environment map[string]string `yaml:"environment"`
	// DependsOn is a list ("- mongo") or a map with conditions; only the map form
	// carries a condition, and a list decodes as an error we ignore, leaving it empty.
	DependsOn   map[string]map[string]any `yaml:"depends_on"`
	Healthcheck map[string]any            `yaml:"healthcheck"`
	Command     []string                  `yaml:"command"`
}

// runtimeVariables are read by the Go runtime in the binary rather than by
// config, with the values it takes (the runtime package's documentation).
var runtimeVariables = map[string]*regexp.Regexp{
	"GOGC":       regexp.MustCompile(`^([0-9]+|off)$`),
	"GOMEMLIMIT": regexp.MustCompile(`^([0-9]+(B|KiB|MiB|GiB|TiB)?|off)$`),
}

// substitution matches ${NAME:-default} and ${NAME}; compose fills them from the shell.
var substitution = regexp.MustCompile(`\$\{[A-Z_]+(:-([^}]*))?\}`)

func readCompose(t *testing.T) map[string]service {
	t.Helper()
	raw, err := os.ReadFile("../docker-compose.yml")
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Services map[string]yaml.Node `yaml:"services"`
	}
	if err := yaml.Unmarshal(raw, &file); err != nil {
		t.Fatal(err)
	}
	services := map[string]service{}
	for name, node := range file.Services {
		var svc service
		_ = node.Decode(&svc)
		services[name] = svc
	}
	return services
}

func TestComposeSetsOnlyVariablesTheBinaryReads(t *testing.T) {
	env := readCompose(t)["taizhang"].Environment
	if len(env) == 0 {
		t.Fatal("the taizhang service sets no environment")
	}
	known := config.Variables()
	values := map[string]string{}
	for name, value := range env {
		if syntax, ok := runtimeVariables[name]; ok {
			if !syntax.MatchString(value) {
				t.Errorf("docker-compose.yml sets %s=%s, which the Go runtime would not take", name, value)
			}
			continue
		}
		if !slices.Contains(known, name) {
			t.Errorf("docker-compose.yml sets %s, which taizhang does not read", name)
		}
		values[name] = substitution.ReplaceAllString(value, "$2")
	}
	if _, err := config.Load(func(k string) string { return values[k] }); err != nil {
		t.Errorf("the compose environment would not start taizhang: %v", err)
	}
}

func TestComposeStartsTaizhangAfterAHealthyReplicaSet(t *testing.T) {
	services := readCompose(t)
	app, mongo := services["taizhang"], services["mongo"]
	if cond := app.DependsOn["mongo"]["condition"]; cond != "service_healthy" {
		t.Errorf("taizhang must wait for a healthy mongo, depends_on condition is %v", cond)
	}
	if mongo.Healthcheck == nil {
		t.Error("mongo needs a healthcheck for depends_on to mean anything")
	}
	if !slices.Contains(mongo.Command, "--replSet") {
		t.Error("mongo must run as a replica set (majority writes)")
	}
	dbURL := app.Environment["TAIZHANG_DB_URL"]
	if !strings.HasPrefix(dbURL, "mongodb://mongo:") || !strings.Contains(dbURL, "replicaSet=") {
		t.Errorf("TAIZHANG_DB_URL %q must point at the mongo service's replica set", dbURL)
	}
	if _, ok := services["mongo-init"]; !ok {
		t.Error("the replica set needs its init step")
	}
}

func TestDockerfileBuildsAStaticBinaryWithTheUI(t *testing.T) {
	raw, err := os.ReadFile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	text := string(raw)
	for _, want := range []string{"CGO_ENABLED=0", "-tags embedui", "distroless", "nonroot", "npm ci", "./cmd/taizhang", "GOGC=", "GOMEMLIMIT="} {
		if !strings.Contains(text, want) {
			t.Errorf("Dockerfile lacks %q", want)
		}
	}
	for _, name := range regexp.MustCompile(`TAIZHANG_[A-Z_]+`).FindAllString(text, -1) {
		if !slices.Contains(config.Variables(), name) {
			t.Errorf("Dockerfile sets %s, which taizhang does not read", name)
		}
	}
	for _, set := range regexp.MustCompile(`(?m)^[^#\n]*\b(GOGC|GOMEMLIMIT)=(\S*)`).FindAllStringSubmatch(text, -1) {
		if !runtimeVariables[set[1]].MatchString(set[2]) {
			t.Errorf("Dockerfile sets %s=%s, which the Go runtime would not take", set[1], set[2])
		}
	}
}

func TestREADMEDocumentsEveryVariable(t *testing.T) {
	raw, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range config.Variables() {
		if !strings.Contains(string(raw), name) {
			t.Errorf("README.md does not document %s", name)
		}
	}
}

// TestComposeKeepsPhotosInMinIO: the compose file's bucket URL parses, the
// bucket is made before taizhang starts, and the credentials are MinIO's.
func TestComposeKeepsPhotosInMinIO(t *testing.T) {
	services := readCompose(t)
	app := services["taizhang"]
	cfg, err := s3.ParseURL(app.Environment["TAIZHANG_BLOB_URL"])
	if err != nil || cfg.Endpoint != "minio:9000" || cfg.Bucket != "taizhang" || !cfg.PathStyle {
		t.Fatalf("TAIZHANG_BLOB_URL: %+v %v", cfg, err)
	}
	if cond := app.DependsOn["minio-init"]["condition"]; cond != "service_completed_successfully" {
		t.Errorf("taizhang must start after the bucket is made, condition is %v", cond)
	}
	if _, ok := services["minio"]; !ok {
		t.Fatal("no minio service")
	}
	for _, name := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"} {
		if !strings.Contains(app.Environment[name], "MINIO_ROOT_") {
			t.Errorf("%s should come from MinIO's root credentials, is %q", name, app.Environment[name])
		}
	}
}

// TestNginxSampleForwardsTheClientAddress: the sample balances over at least
// two instances and sets the header TAIZHANG_TRUSTED_PROXIES makes taizhang read.
func TestNginxSampleForwardsTheClientAddress(t *testing.T) {
	raw, err := os.ReadFile("nginx.conf")
	if err != nil {
		t.Fatal(err)
	}
	text := string(raw)
	if n := len(regexp.MustCompile(`(?m)^\s*server \S+:8080`).FindAllString(text, -1)); n < 2 {
		t.Errorf("the upstream has %d instances, want at least 2", n)
	}
	for _, want := range []string{"X-Forwarded-For $proxy_add_x_forwarded_for", "TAIZHANG_TRUSTED_PROXIES", "proxy_buffering off"} {
		if !strings.Contains(text, want) {
			t.Errorf("nginx.conf lacks %q", want)
		}
	}
}
