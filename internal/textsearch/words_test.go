package textsearch

import (
	"reflect"
	"strings"
	"testing"
)

func TestWords(t *testing.T) {
	long := strings.Repeat("a", 50)
	longAccented := strings.Repeat("é", 25) // 50 bytes, cut must not split a rune
	tests := []struct {
		in   string
		want []string
	}{
		{"", []string{}},
		{"  \t\n ", []string{}},
		{"Hello, World!", []string{"hello", "world"}},
		{"l'application", []string{"l", "application"}},
		{"don't", []string{"don", "t"}},
		{"l’écran", []string{"l", "écran"}},
		{"2FA code 123456", []string{"2fa", "code", "123456"}},
		{"E-Mail-Adresse", []string{"e", "mail", "adresse"}},
		{"CONTRASEÑA", []string{"contraseña"}},
		{"Straße", []string{"straße"}},
		{"love it 🙂🙂 thanks", []string{"love", "it", "thanks"}},
		{"🙂", []string{}},
		{"re\u0301sume\u0301", []string{"re\u0301sume\u0301"}}, // decomposed accents stay in the word
		{"v2.3.1", []string{"v2", "3", "1"}},
		{"a_b", []string{"a", "b"}},
		{long, []string{long[:MaxWordBytes]}},
		{longAccented, []string{strings.Repeat("é", 20)}},
	}
	for _, tt := range tests {
		got := Words(tt.in)
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Words(%q) = %q, want %q", tt.in, got, tt.want)
		}
		for _, w := range got {
			if len(w) > MaxWordBytes {
				t.Errorf("Words(%q): %q longer than %d bytes", tt.in, w, MaxWordBytes)
			}
		}
	}
}

func TestFold(t *testing.T) {
	tests := map[string]string{
		"contraseña": "contrasena", "Straße": "strasse", "ÉCOLE": "ecole", "façade": "facade",
		"não": "nao", "perché": "perche", "cœur": "coeur", "ascii": "ascii", "": "",
		"re\u0301sume\u0301": "resume", "Ärger über Öl": "arger uber ol",
	}
	for in, want := range tests {
		if got := Fold(in); got != want {
			t.Errorf("Fold(%q) = %q, want %q", in, got, want)
		}
	}
}
