// Package passwords tells whether a password is on a shipped list of common
// (leaked) passwords, so that none is accepted as a new password (ASVS 5.0
// 6.2.4). Nothing is downloaded at run time: the list is embedded in the binary.
//
// The list, common.txt.gz, holds the 50,000 passwords of the npm package
// fxa-common-password-list 0.0.4 (Mozilla, the Firefox Accounts common-password
// list; MPL-2.0), decoded from its src/encoded-passwords.js: the first 50,000
// distinct entries, lower-cased, of at least 8 characters, of the top million of
// the 10 million password list in SecLists (Daniel Miessler, OWASP). Entries
// are lower-case, trimmed, NFKC, unique, 8 to 128 characters (the lengths
// supportd accepts; shorter ones are refused anyway), one a line, sorted by
// bytes. README.md beside this file says how it was made and under which
// licence it is shipped.
package passwords

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"io"
	"slices"
	"strings"
	"sync"

	"golang.org/x/text/unicode/norm"
)

//go:embed common.txt.gz
var commonGz []byte

// common is the list, decompressed on first use: one string holding every
// entry, and a sorted slice of its lines. About 1.3 MB in all, against about
// 2.2 MB for a map of the same strings (README.md).
var common = sync.OnceValue(func() []string {
	zr, err := gzip.NewReader(bytes.NewReader(commonGz))
	if err != nil {
		panic("passwords: embedded list: " + err.Error()) // a bad build: the tests read it
	}
	var b strings.Builder
	if _, err := io.Copy(&b, zr); err != nil {
		panic("passwords: embedded list: " + err.Error())
	}
	// Each entry is a substring of the one decompressed string: no copy per entry.
	return strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
})

// IsCommon reports whether p, compared without regard to case or compatibility
// form (NFKC, so fullwidth letters match their plain ones), is on the list.
// It is meant for a password being chosen, never for one being checked at login.
func IsCommon(p string) bool {
	_, found := slices.BinarySearch(common(), strings.ToLower(norm.NFKC.String(p)))
	return found
}
