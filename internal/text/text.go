// Package text cleans the free text people type and files carry — an opinion's
// content, an action's reason, measures and evidence — before rectify keeps it,
// and tells names (of campaigns, categories, departments, channels) that cannot
// serve as labels.
//
// Text pasted out of web pages, chat programs and word processors brings
// characters nobody sees: control characters, zero-width spaces, byte-order
// marks, direction marks. Inside a text they are removed (control characters)
// or left alone (the others: a zero-width joiner belongs in an emoji); at the
// ends they are trimmed, so a text made only of them is empty and a required
// one is refused as missing, instead of being recorded as a blank opinion or a
// blank reason.
package text

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Clean is free text as rectify keeps it: control characters removed, but for
// line breaks (LF, and CR as in a CRLF line end) and tabs, and blank characters
// (see Blank) trimmed from both ends. A text with nothing visible is "".
func Clean(s string) string {
	if hasControl(s, false) {
		s = strings.Map(func(r rune) rune {
			if control(r, false) {
				return -1
			}
			return r
		}, s)
	}
	return strings.TrimFunc(s, Blank)
}

// Blank reports whether r shows nothing by itself: white space (as unicode.IsSpace
// says, which includes the line and paragraph separators U+2028 and U+2029), a
// control or format character (zero-width space U+200B and joiners, the
// byte-order mark U+FEFF, direction marks, the soft hyphen, the word joiner), or
// one of the fillers that render as a blank (Hangul fillers U+115F, U+1160,
// U+3164, U+FFA0, the combining grapheme joiner U+034F, the blank Braille
// pattern U+2800).
func Blank(r rune) bool {
	switch r {
	case '\u115F', '\u1160', '\u3164', '\uFFA0', '\u034F', '\u2800':
		return true
	}
	return unicode.IsSpace(r) || unicode.Is(unicode.Cc, r) || unicode.Is(unicode.Cf, r)
}

// IsBlank reports whether s has nothing visible.
func IsBlank(s string) bool {
	return strings.TrimFunc(s, Blank) == ""
}

// HasControl reports whether s has a control character, line breaks and tabs
// included: none belongs in a name, which is shown on one line and used as a
// metric label.
func HasControl(s string) bool {
	return hasControl(s, true)
}

// hasControl reports whether s has a control character; strict counts line
// breaks and tabs too.
func hasControl(s string, strict bool) bool {
	for i := 0; i < len(s); i++ {
		b := s[i]
		if b < 0x20 || b == 0x7F {
			if strict || (b != '\n' && b != '\r' && b != '\t') {
				return true
			}
			continue
		}
		if b >= utf8.RuneSelf {
			// C1 controls (U+0080–U+009F) are the only other ones; they encode as
			// C2 80 … C2 9F.
			if b == 0xC2 && i+1 < len(s) && s[i+1] >= 0x80 && s[i+1] <= 0x9F {
				return true
			}
		}
	}
	return false
}

func control(r rune, strict bool) bool {
	if !unicode.Is(unicode.Cc, r) {
		return false
	}
	return strict || (r != '\n' && r != '\r' && r != '\t')
}

// Excerpt is s for a message: whole when it has at most n characters, else its
// first n followed by "…", so a message never carries the kilobytes someone sent.
func Excerpt(s string, n int) string {
	if len(s) <= n {
		return s
	}
	end := 0
	for i := 0; i < n; i++ {
		if end >= len(s) {
			return s
		}
		_, size := utf8.DecodeRuneInString(s[end:])
		end += size
	}
	if end >= len(s) {
		return s
	}
	return s[:end] + "…"
}
