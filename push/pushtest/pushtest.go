// Package pushtest is a browser and its push service for tests: a P-256 key
// pair and authentication secret to subscribe with, and an HTTP server that
// takes Web Push requests as a push service does, decrypts their payloads
// (RFC 8291, aes128gcm of RFC 8188) and keeps them. Test code only.
package pushtest

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// Push is one message the service took.
type Push struct {
	Payload       []byte // decrypted
	Authorization string // the VAPID header
	TTL, Urgency  string
}

// Service is a push service with one browser subscribed to it.
type Service struct {
	URL    string // the subscription's endpoint
	P256dh string // the browser's public key, base64url
	Auth   string // the shared secret, base64url
	// Status, when not zero, is answered instead of 201 (410: the
	// subscription is gone; 503: the service is down).
	Status int

	key    *ecdh.PrivateKey
	secret []byte
	mu     sync.Mutex
	pushes []Push
}

// Start runs the service until the test ends.
func Start(t testing.TB) *Service {
	t.Helper()
	key, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s := &Service{key: key, secret: make([]byte, 16)}
	_, _ = rand.Read(s.secret)
	s.P256dh = base64.RawURLEncoding.EncodeToString(key.PublicKey().Bytes())
	s.Auth = base64.RawURLEncoding.EncodeToString(s.secret)
	srv := httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(srv.Close)
	s.URL = srv.URL + "/push/" + strings.TrimRight(s.Auth, "=")
	return s
}

func (s *Service) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	status := s.Status
	s.mu.Unlock()
	if status != 0 {
		w.WriteHeader(status)
		return
	}
	body, _ := io.ReadAll(r.Body)
	if r.Header.Get("Content-Encoding") != "aes128gcm" || !strings.HasPrefix(r.Header.Get("Authorization"), "vapid t=") {
		http.Error(w, "not a Web Push request", http.StatusBadRequest)
		return
	}
	plain, err := s.decrypt(body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	s.pushes = append(s.pushes, Push{Payload: plain, Authorization: r.Header.Get("Authorization"), TTL: r.Header.Get("TTL"), Urgency: r.Header.Get("Urgency")})
	s.mu.Unlock()
	w.WriteHeader(http.StatusCreated)
}

// SetStatus makes the service answer status from now on (0: accept).
func (s *Service) SetStatus(status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.Status = status
}

// Pushes returns what the service took so far.
func (s *Service) Pushes() []Push {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Push(nil), s.pushes...)
}

// decrypt reads an aes128gcm body: salt (16), record size (4), key id length
// (1), key id (the server's public key), then one record.
func (s *Service) decrypt(body []byte) ([]byte, error) {
	if len(body) < 21 {
		return nil, errors.New("short body")
	}
	salt, idLen := body[:16], int(body[20])
	_ = binary.BigEndian.Uint32(body[16:20])
	if len(body) < 21+idLen {
		return nil, errors.New("short header")
	}
	serverKey, err := ecdh.P256().NewPublicKey(body[21 : 21+idLen])
	if err != nil {
		return nil, err
	}
	record := body[21+idLen:]
	shared, err := s.key.ECDH(serverKey)
	if err != nil {
		return nil, err
	}
	// RFC 8291 §3.4: the input keying material from the shared secret and the auth secret.
	info := append(append([]byte("WebPush: info\x00"), s.key.PublicKey().Bytes()...), serverKey.Bytes()...)
	ikm, err := hkdf.Key(sha256.New, shared, s.secret, string(info), 32)
	if err != nil {
		return nil, err
	}
	cek, err := hkdf.Key(sha256.New, ikm, salt, "Content-Encoding: aes128gcm\x00", 16)
	if err != nil {
		return nil, err
	}
	nonce, err := hkdf.Key(sha256.New, ikm, salt, "Content-Encoding: nonce\x00", 12)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(cek)
	if err != nil {
		return nil, err
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	plain, err := gcm.Open(nil, nonce, record, nil)
	if err != nil {
		return nil, err
	}
	// The last record ends with the delimiter 0x02 and then zero padding.
	end := bytes.LastIndexByte(plain, 2)
	if end < 0 {
		return nil, errors.New("no padding delimiter")
	}
	return plain[:end], nil
}
