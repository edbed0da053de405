package main

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"testing"
)

// reply is one answer of the running server.
type reply struct {
	status int
	header http.Header
	body   []byte
}

// json decodes the body into v, failing the test when it is not JSON.
func (r reply) json(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("%d %s: %v", r.status, r.body, err)
	}
}

// call sends a request to the running server as a stranger would: over HTTP,
// with a bearer token when given, a JSON body when body is not nil.
func call(t *testing.T, method, url, token string, body any) reply {
	t.Helper()
	var rd io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return send(t, req, token)
}

// upload posts one file as multipart field "file".
func upload(t *testing.T, url, token, name string, content []byte) reply {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	part, _ := mw.CreateFormFile("file", name)
	_, _ = part.Write(content)
	_ = mw.Close()
	req, err := http.NewRequest("POST", url, &buf)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return send(t, req, token)
}

func send(t *testing.T, req *http.Request, token string) reply {
	t.Helper()
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return reply{status: resp.StatusCode, header: resp.Header, body: b}
}

// signIn logs in and returns the access token; a must-change password is
// changed to newPassword first, as the PWA makes a new user do.
func signIn(t *testing.T, base, phone, password, newPassword string) string {
	t.Helper()
	var pair struct {
		AccessToken string `json:"accessToken"`
		User        struct {
			MustChangePassword bool `json:"mustChangePassword"`
		} `json:"user"`
	}
	r := call(t, "POST", base+"/api/v1/auth/login", "", map[string]string{"phone": phone, "password": password})
	if r.status != 200 {
		t.Fatalf("login %s: %d %s", phone, r.status, r.body)
	}
	r.json(t, &pair)
	if !pair.User.MustChangePassword {
		return pair.AccessToken
	}
	r = call(t, "POST", base+"/api/v1/me/password", pair.AccessToken, map[string]string{"oldPassword": password, "newPassword": newPassword})
	if r.status != 200 {
		t.Fatalf("first password change of %s: %d %s", phone, r.status, r.body)
	}
	r.json(t, &pair)
	return pair.AccessToken
}
