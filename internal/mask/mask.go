// Package mask hides the personal data people type into free text — names,
// phone numbers, ID and card numbers, e-mail addresses — before the text is
// shown to anyone outside the office: the printable 公示 page and the snapshots
// of publications (公示) the public reads. It errs on the side of hiding.
package mask

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

// The published results (公示) show what citizens and officials typed, and people
// type their phone numbers, ID numbers and e-mail addresses into anything. These
// find them; Personal hides all but a few digits of each.
var (
	// Long digit runs: 18-digit ID numbers (last digit X or not), old 15-digit
	// ones, bank cards.
	longNumberRE = regexp.MustCompile(`\d{15,}[Xx]?`)
	// Mainland mobiles, with or without +86 and with spaces or dashes: 139 1234 5678.
	mobileRE = regexp.MustCompile(`(?:\+?86[ -]?)?1[3-9]\d(?:[ -]?\d{4}){2}`)
	// Landlines with their area code, an extension after a dash or 转: (0373)5771293.
	landlineRE = regexp.MustCompile(`[(（]?0\d{2,3}[)）]?[ -]?\d{7,8}(?:(?:-|转)\d{1,6})?`)
	// A local number without its area code, where the text says it is a phone.
	localPhoneRE = regexp.MustCompile(`(?i)(?:电话|手机|座机|联系方式|号码|tel|phone)[:：\s]*(\d{3,4}[ -]?\d{4})`)
	emailRE      = regexp.MustCompile(`([A-Za-z0-9._%+\-])[A-Za-z0-9._%+\-]*(@[A-Za-z0-9.\-]+\.[A-Za-z]{2,})`)
	// Full-width digits, as Chinese input methods type them, are read as digits.
	fullWidthDigits = strings.NewReplacer("０", "0", "１", "1", "２", "2", "３", "3", "４", "4",
		"５", "5", "６", "6", "７", "7", "８", "8", "９", "9")
)

// Personal hides the phone numbers, ID or card numbers and e-mail addresses in
// s: 139****5678, 0373-*****93, 110*************34, z***@example.com. A number glued
// to other digits is not one of them and is left alone, as are dates and amounts.
// The names written after a role or household word are hidden too (Names).
func Personal(s string) string {
	s = Names(s)
	s = fullWidthDigits.Replace(s)
	s = maskDigits(s, longNumberRE, 0, func(string) (int, int) { return 3, 2 })
	s = maskDigits(s, mobileRE, 0, func(d string) (int, int) { return len(d) - 8, 4 })
	s = maskDigits(s, landlineRE, 0, func(d string) (int, int) {
		if d[1] == '1' || d[1] == '2' { // Beijing, Shanghai, …: three-digit area codes
			return 3, 2
		}
		return 4, 2
	})
	s = maskDigits(s, localPhoneRE, 1, func(string) (int, int) { return 0, 2 })
	return emailRE.ReplaceAllString(s, "$1***$2")
}

// maskDigits replaces the digits of every match of re (of its group'th group) with
// '*', but for the first and last ones keep says to keep given the digits found;
// a match with a digit right before or after it is part of a longer number and
// stays as it is.
func maskDigits(s string, re *regexp.Regexp, group int, keep func(digits string) (first, last int)) string {
	var b strings.Builder
	done := 0
	for _, m := range re.FindAllStringSubmatchIndex(s, -1) {
		start, end := m[2*group], m[2*group+1]
		if before, _ := utf8.DecodeLastRuneInString(s[:start]); isDigit(before) {
			continue
		}
		if after, _ := utf8.DecodeRuneInString(s[end:]); isDigit(after) {
			continue
		}
		match := s[start:end]
		var digits strings.Builder
		for _, r := range match {
			if isDigit(r) || r == 'X' || r == 'x' {
				digits.WriteRune(r)
			}
		}
		first, last := keep(digits.String())
		n, i := digits.Len(), 0
		b.WriteString(s[done:start])
		for _, r := range match {
			if isDigit(r) || r == 'X' || r == 'x' {
				if i >= first && i < n-last {
					r = '*'
				}
				i++
			}
			b.WriteRune(r)
		}
		done = end
	}
	b.WriteString(s[done:])
	return b.String()
}

func isDigit(r rune) bool { return r >= '0' && r <= '9' }
