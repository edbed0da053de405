// Package wecomtest is a fake 企业微信 server for tests: the same paths,
// parameters and answers (errcode, access_token, userid…) as the public API,
// over HTTP on loopback. Test code only.
package wecomtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
)

// Card is a text card the fake took.
type Card struct {
	ToUser, Title, Description, URL string
	AgentID                         int
}

// Server is one organisation with its members.
type Server struct {
	URL, CorpID, Secret string
	AgentID             int

	mu       sync.Mutex
	members  map[string]string // member id → mobile
	codes    map[string]string // sign-in code → member id
	tokens   map[string]bool
	issued   int
	cards    []Card
	failSend int // answer the next n sends with a server error
}

// Start runs the fake until the test ends.
func Start(t testing.TB) *Server {
	s := &Server{CorpID: "wwcorp0001", Secret: "app-secret", AgentID: 1000002, members: map[string]string{}, codes: map[string]string{},
		tokens: map[string]bool{}}
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

// SignIn is what the member's browser brings back from authorizing: a code.
func (s *Server) SignIn(memberID string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	code := fmt.Sprintf("code-%d", len(s.codes)+1)
	s.codes[code] = memberID
	return code
}

// ExpireTokens makes every token issued so far invalid (42001).
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokens = map[string]bool{}
}

// FailSends answers the next n message sends with HTTP 502.
func (s *Server) FailSends(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failSend = n
}

// Cards returns the cards sent so far; Issued how many tokens were issued.
func (s *Server) Cards() []Card {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Card(nil), s.cards...)
}

// Issued counts access tokens issued.
func (s *Server) Issued() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.issued
}

func answer(w http.ResponseWriter, body map[string]any) {
	if _, ok := body["errcode"]; !ok {
		body["errcode"], body["errmsg"] = 0, "ok"
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(body)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	q := r.URL.Query()
	if r.URL.Path == "/cgi-bin/gettoken" {
		if q.Get("corpid") != s.CorpID || q.Get("corpsecret") != s.Secret {
			answer(w, map[string]any{"errcode": 40001, "errmsg": "invalid credential"})
			return
		}
		s.issued++
		token := fmt.Sprintf("token-%d", s.issued)
		s.tokens[token] = true
		answer(w, map[string]any{"access_token": token, "expires_in": 7200})
		return
	}
	if !s.tokens[q.Get("access_token")] {
		answer(w, map[string]any{"errcode": 42001, "errmsg": "access_token expired"})
		return
	}
	var body map[string]any
	_ = json.NewDecoder(r.Body).Decode(&body)
	switch r.URL.Path {
	case "/cgi-bin/user/getuserid":
		for id, mobile := range s.members {
			if mobile == body["mobile"] {
				answer(w, map[string]any{"userid": id})
				return
			}
		}
		answer(w, map[string]any{"errcode": 46004, "errmsg": "user no exist"})
	case "/cgi-bin/user/get":
		mobile, ok := s.members[q.Get("userid")]
		if !ok {
			answer(w, map[string]any{"errcode": 60111, "errmsg": "userid not found"})
			return
		}
		answer(w, map[string]any{"userid": q.Get("userid"), "mobile": mobile})
	case "/cgi-bin/auth/getuserinfo":
		id, ok := s.codes[q.Get("code")]
		if !ok {
			answer(w, map[string]any{"errcode": 40029, "errmsg": "invalid code"})
			return
		}
		delete(s.codes, q.Get("code")) // a code is good once
		answer(w, map[string]any{"userid": id})
	case "/cgi-bin/message/send":
		if s.failSend > 0 {
			s.failSend--
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		card, _ := body["textcard"].(map[string]any)
		agent, _ := body["agentid"].(float64)
		to, _ := body["touser"].(string)
		if _, ok := s.members[to]; !ok || body["msgtype"] != "textcard" {
			answer(w, map[string]any{"errcode": 81013, "errmsg": "user & party & tag all invalid"})
			return
		}
		s.cards = append(s.cards, Card{ToUser: to, AgentID: int(agent), Title: fmt.Sprint(card["title"]),
			Description: fmt.Sprint(card["description"]), URL: fmt.Sprint(card["url"])})
		answer(w, map[string]any{"invaliduser": ""})
	default:
		http.NotFound(w, r)
	}
}
