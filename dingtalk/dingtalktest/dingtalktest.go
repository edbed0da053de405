// Package dingtalktest is a fake 钉钉 for tests: the oapi paths (gettoken,
// user/getbymobile, asyncsend_v2) and the new API's sign-in paths
// (oauth2/userAccessToken, contact/users/me), on one loopback server. Test
// code only.
package dingtalktest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// Notice is a work notification the fake took.
type Notice struct {
	To, Title, Text, URL string
	AgentID              int64
}

// Server is one organisation with its members.
type Server struct {
	URL, AppKey, AppSecret string
	AgentID                int64

	mu      sync.Mutex
	members map[string]string // member id → mobile
	codes   map[string]string // sign-in code → member id
	userTok map[string]string // user access token → member id
	tokens  map[string]bool
	issued  int
	notices []Notice
}

// Start runs the fake until the test ends.
func Start(t testing.TB) *Server {
	s := &Server{AppKey: "dingappkey01", AppSecret: "ding-secret", AgentID: 3000001, members: map[string]string{}, codes: map[string]string{},
		userTok: map[string]string{}, tokens: map[string]bool{}}
	srv := httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(srv.Close)
	s.URL = srv.URL
	return s
}

// AddMember adds a member with a mobile number.
func (s *Server) AddMember(id, mobile string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.members[id] = mobile
}

// SignIn is the code a member's browser brings back from signing in.
func (s *Server) SignIn(memberID string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	code := fmt.Sprintf("ding-code-%d", len(s.codes)+len(s.userTok)+1)
	s.codes[code] = memberID
	return code
}

// Notices returns the work notifications sent so far.
func (s *Server) Notices() []Notice {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Notice(nil), s.notices...)
}

func answer(w http.ResponseWriter, body map[string]any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(body)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	q := r.URL.Query()
	var body map[string]any
	_ = json.NewDecoder(r.Body).Decode(&body)
	switch r.URL.Path {
	case "/gettoken":
		if q.Get("appkey") != s.AppKey || q.Get("appsecret") != s.AppSecret {
			answer(w, map[string]any{"errcode": 40089, "errmsg": "invalid appkey or appsecret"})
			return
		}
		s.issued++
		token := fmt.Sprintf("ding-token-%d", s.issued)
		s.tokens[token] = true
		answer(w, map[string]any{"errcode": 0, "errmsg": "ok", "access_token": token, "expires_in": 7200})
		return
	case "/v1.0/oauth2/userAccessToken":
		member, ok := s.codes[fmt.Sprint(body["code"])]
		if !ok || body["clientId"] != s.AppKey || body["clientSecret"] != s.AppSecret || body["grantType"] != "authorization_code" {
			w.WriteHeader(http.StatusBadRequest)
			answer(w, map[string]any{"code": "invalidAuthentication", "message": "不合法的临时授权码"})
			return
		}
		delete(s.codes, fmt.Sprint(body["code"]))
		token := "user-" + fmt.Sprint(body["code"])
		s.userTok[token] = member
		answer(w, map[string]any{"accessToken": token, "expireIn": 7200})
		return
	case "/v1.0/contact/users/me":
		member, ok := s.userTok[r.Header.Get("x-acs-dingtalk-access-token")]
		if !ok {
			w.WriteHeader(http.StatusUnauthorized)
			answer(w, map[string]any{"code": "InvalidAuthentication", "message": "token invalid"})
			return
		}
		answer(w, map[string]any{"nick": member, "mobile": s.members[member], "unionId": "union-" + member})
		return
	}
	if !s.tokens[q.Get("access_token")] {
		answer(w, map[string]any{"errcode": 42001, "errmsg": "access_token expired"})
		return
	}
	switch r.URL.Path {
	case "/topapi/v2/user/getbymobile":
		for id, mobile := range s.members {
			if mobile == body["mobile"] {
				answer(w, map[string]any{"errcode": 0, "errmsg": "ok", "result": map[string]any{"userid": id}})
				return
			}
		}
		answer(w, map[string]any{"errcode": 60121, "errmsg": "找不到该用户"})
	case "/topapi/message/corpconversation/asyncsend_v2":
		msg, _ := body["msg"].(map[string]any)
		link, _ := msg["link"].(map[string]any)
		agent, _ := body["agent_id"].(float64)
		for _, to := range strings.Split(fmt.Sprint(body["userid_list"]), ",") {
			s.notices = append(s.notices, Notice{To: to, AgentID: int64(agent), Title: fmt.Sprint(link["title"]), Text: fmt.Sprint(link["text"]),
				URL: fmt.Sprint(link["messageUrl"])})
		}
		answer(w, map[string]any{"errcode": 0, "errmsg": "ok", "task_id": 1})
	default:
		http.NotFound(w, r)
	}
}
