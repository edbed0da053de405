package auth

import (
	"testing"
	"time"
)

// BenchmarkVerifyPassword is the cost of one login with the default parameters.
func BenchmarkVerifyPassword(b *testing.B) {
	hash, _ := HashPassword("Demo@2026!", DefaultPasswordParams)
	b.ResetTimer()
	for range b.N {
		if ok, _, _ := VerifyPassword("Demo@2026!", hash, DefaultPasswordParams); !ok {
			b.Fatal("no match")
		}
	}
}

// BenchmarkVerifyToken is the cost every authenticated request pays once its
// token has been seen.
func BenchmarkVerifyToken(b *testing.B) {
	benchVerify(b, (*Tokens).Verify)
}

// BenchmarkVerifyTokenFirstTime is the full check a token's first request pays.
func BenchmarkVerifyTokenFirstTime(b *testing.B) {
	benchVerify(b, (*Tokens).verify)
}

func benchVerify(b *testing.B, verify func(*Tokens, string) (Claims, error)) {
	tokens, _ := NewTokens("0123456789abcdef0123456789abcdef", nil, DefaultTTL, time.Now)
	raw, _ := tokens.Issue("u1", "unit-1", []Role{RoleCadre, RoleSupervisor}, false, 1)
	b.ResetTimer()
	for range b.N {
		if _, err := verify(tokens, raw); err != nil {
			b.Fatal(err)
		}
	}
}
