package api

import (
	"strings"
	"testing"
	"time"

	"taizhang/auth"
)

func (w *world) login(phone, password string) reply {
	return w.call("POST", "/api/v1/auth/login", "", map[string]string{"phone": phone, "password": password})
}

func str(m map[string]any, key string) string { s, _ := m[key].(string); return s }

func TestLoginShapeAndNormalisedPhone(t *testing.T) {
	w := newWorld(t)
	u := w.addUser("13800138000", "t1", false, auth.RoleSupervisor)
	got := w.login("+86 138-0013-8000", "secret-pass-1")
	if got.status != 200 {
		t.Fatalf("login: %d %s", got.status, got.body)
	}
	body := got.json(t)
	user, _ := body["user"].(map[string]any)
	if str(body, "accessToken") == "" || str(body, "refreshToken") == "" || body["expiresIn"] != float64(900) ||
		str(user, "id") != u.ID || str(user, "phone") != "13800138000" || str(user, "unitId") != "unit-t1" || str(user, "name") == "" {
		t.Fatalf("login body: %s", got.body)
	}
	if roles, _ := user["roles"].([]any); len(roles) != 1 || roles[0] != "supervisor" {
		t.Fatalf("roles: %v", user["roles"])
	}
	me := w.call("GET", "/api/v1/me", str(body, "accessToken"), nil)
	if me.status != 200 || str(me.json(t), "id") != u.ID {
		t.Fatalf("me: %d %s", me.status, me.body)
	}
}

func withoutRequestID(r reply) string {
	s := string(r.body)
	if i := strings.Index(s, `"requestId"`); i >= 0 {
		return s[:i]
	}
	return s
}

func TestUnknownPhoneAndWrongPasswordLookTheSame(t *testing.T) {
	w := newWorld(t)
	w.addUser("13800138000", "t1", false, auth.RoleCadre)
	wrong, unknown := w.login("13800138000", "not-the-password"), w.login("13900139999", "not-the-password")
	if wrong.status != 401 || unknown.status != 401 || withoutRequestID(wrong) != withoutRequestID(unknown) {
		t.Fatalf("wrong password %d %s vs unknown phone %d %s", wrong.status, wrong.body, unknown.status, unknown.body)
	}
	if bad := w.login("1380013800x", "x"); bad.status != 400 {
		t.Fatalf("a malformed phone is a 400, got %d", bad.status)
	}
}

func TestLoginThrottle(t *testing.T) {
	w := newWorld(t)
	w.addUser("13800138000", "t1", false, auth.RoleCadre)
	for range 5 {
		w.login("13800138000", "guess")
	}
	locked := w.login("13800138000", "secret-pass-1")
	if locked.status != 429 || locked.header.Get("Retry-After") != "900" {
		t.Fatalf("after 5 failures even the right password waits: %d Retry-After=%q", locked.status, locked.header.Get("Retry-After"))
	}
	w.now = w.now.Add(15 * time.Minute)
	if ok := w.login("13800138000", "secret-pass-1"); ok.status != 200 {
		t.Fatalf("after the lock: %d %s", ok.status, ok.body)
	}
}

func TestRefreshRotationAndReuse(t *testing.T) {
	w := newWorld(t)
	w.addUser("13800138000", "t1", false, auth.RoleCadre)
	first := str(w.login("13800138000", "secret-pass-1").json(t), "refreshToken")
	rotated := w.call("POST", "/api/v1/auth/refresh", "", map[string]string{"refreshToken": first})
	if rotated.status != 200 {
		t.Fatalf("refresh: %d %s", rotated.status, rotated.body)
	}
	second := str(rotated.json(t), "refreshToken")
	if second == first || str(rotated.json(t), "accessToken") == "" {
		t.Fatal("refresh must rotate the token")
	}
	if reuse := w.call("POST", "/api/v1/auth/refresh", "", map[string]string{"refreshToken": first}); reuse.status != 401 {
		t.Fatalf("a reused refresh token: %d", reuse.status)
	}
	if after := w.call("POST", "/api/v1/auth/refresh", "", map[string]string{"refreshToken": second}); after.status != 401 {
		t.Fatalf("reuse must revoke the whole family, but its newest token still works: %d", after.status)
	}
}

func TestLogoutEndsTheFamily(t *testing.T) {
	w := newWorld(t)
	w.addUser("13800138000", "t1", false, auth.RoleCadre)
	token := str(w.login("13800138000", "secret-pass-1").json(t), "refreshToken")
	if out := w.call("POST", "/api/v1/auth/logout", "", map[string]string{"refreshToken": token}); out.status != 204 {
		t.Fatalf("logout: %d", out.status)
	}
	if again := w.call("POST", "/api/v1/auth/refresh", "", map[string]string{"refreshToken": token}); again.status != 401 {
		t.Fatalf("refresh after logout: %d", again.status)
	}
}

// TestAccountChangesEndRefresh: deactivation or a change of roles makes the
// user's refresh tokens useless; refresh expiry is enforced by the clock.
func TestAccountChangesEndRefresh(t *testing.T) {
	w := newWorld(t)
	admin := w.tokenFor(w.addUser("13800000001", "city", false, auth.Roles...))
	w.addUser("13800138000", "t1", false, auth.RoleCadre, auth.RoleSupervisor)
	for name, change := range map[string]map[string]any{
		"deactivated":   {"active": false},
		"roles changed": {"roles": []string{"cadre"}},
		"unit changed":  {"unitId": "unit-v1"},
	} {
		token := str(w.login("13800138000", "secret-pass-1").json(t), "refreshToken")
		if r := w.call("PATCH", "/api/v1/users/user-13800138000", admin, change); r.status != 200 {
			t.Fatalf("%s: %d %s", name, r.status, r.body)
		}
		if r := w.call("POST", "/api/v1/auth/refresh", "", map[string]string{"refreshToken": token}); r.status != 401 {
			t.Errorf("%s: refresh still works (%d)", name, r.status)
		}
		w.call("PATCH", "/api/v1/users/user-13800138000", admin, map[string]any{"active": true})
	}
	token := str(w.login("13800138000", "secret-pass-1").json(t), "refreshToken")
	w.now = w.now.Add(31 * 24 * time.Hour)
	if r := w.call("POST", "/api/v1/auth/refresh", "", map[string]string{"refreshToken": token}); r.status != 401 {
		t.Errorf("an expired refresh token still works (%d)", r.status)
	}
}

// TestNewAccountMustChangePassword follows an account an administrator created:
// blocked until the password is changed, then fully working.
func TestNewAccountMustChangePassword(t *testing.T) {
	w := newWorld(t)
	admin := w.tokenFor(w.addUser("13800000001", "d1", false, auth.RoleAdmin, auth.RoleCadre))
	created := w.call("POST", "/api/v1/users", admin, map[string]any{"phone": "139 0000 1111", "name": "新干部",
		"unitId": "unit-v1", "roles": []string{"cadre"}, "password": "first-pass-1"})
	if created.status != 201 || str(created.json(t), "id") == "" || created.json(t)["mustChangePassword"] != true {
		t.Fatalf("create: %d %s", created.status, created.body)
	}
	login := w.login("13900001111", "first-pass-1").json(t)
	access := str(login, "accessToken")
	if r := w.call("GET", "/api/v1/units", access, nil); r.status != 403 || !strings.Contains(string(r.body), "password_change_required") {
		t.Fatalf("before the change: %d %s", r.status, r.body)
	}
	for _, bad := range []string{"short", "12345678901", "x13900001111y", "first-pass-1"} {
		r := w.call("POST", "/api/v1/me/password", access, map[string]string{"oldPassword": "first-pass-1", "newPassword": bad})
		if r.status != 400 || !strings.Contains(string(r.body), `"field":"newPassword"`) {
			t.Errorf("new password %q: %d %s", bad, r.status, r.body)
		}
	}
	changed := w.call("POST", "/api/v1/me/password", access, map[string]string{"oldPassword": "first-pass-1", "newPassword": "my-own-pass-2"})
	if changed.status != 200 {
		t.Fatalf("change: %d %s", changed.status, changed.body)
	}
	if r := w.call("GET", "/api/v1/units", str(changed.json(t), "accessToken"), nil); r.status != 200 {
		t.Fatalf("after the change: %d %s", r.status, r.body)
	}
	if r := w.call("POST", "/api/v1/auth/refresh", "", map[string]string{"refreshToken": str(login, "refreshToken")}); r.status != 401 {
		t.Fatalf("sessions from before the change must end: %d", r.status)
	}
	if r := w.login("13900001111", "my-own-pass-2"); r.status != 200 {
		t.Fatalf("login with the new password: %d", r.status)
	}
}

// TestLoginRehashesOldParameters: a hash made with other argon2id parameters is
// replaced by one with the current parameters at the next successful login.
func TestLoginRehashesOldParameters(t *testing.T) {
	w := newWorld(t)
	u := w.addUser("13800138000", "t1", false, auth.RoleCadre)
	old := auth.PasswordParams{MemoryKiB: 512, Time: 2, Threads: 1}
	u.PasswordHash, _ = auth.HashPassword("secret-pass-1", old)
	if err := w.st.org.UpdateUser(t.Context(), auth.SystemScope("unit-city"), u); err != nil {
		t.Fatal(err)
	}
	if r := w.login("13800138000", "secret-pass-1"); r.status != 200 {
		t.Fatalf("login: %d", r.status)
	}
	stored, _ := w.st.org.UserByID(t.Context(), u.ID)
	if ok, rehash, _ := auth.VerifyPassword("secret-pass-1", stored.PasswordHash, cheapPasswords); !ok || rehash {
		t.Fatalf("the stored hash was not upgraded: %s", stored.PasswordHash)
	}
	if stored.LastLoginAt.IsZero() {
		t.Fatal("last login not recorded")
	}
}
