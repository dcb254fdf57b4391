package spreadsheet

import (
	"regexp"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/width"
)

// Excel serial numbers accepted as dates: from 1950-01-01 to 9999-12-31. The
// floor keeps small numbers (a year typed alone, "2014") from becoming a date in
// 1905.
const (
	minSerial = 18264
	maxSerial = 2958465
	// offset1904 converts a serial of the 1904 date system (old Mac workbooks).
	offset1904 = 1462
)

var excelEpoch = time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)

// timePart is what may follow a date: a clock time in the usual spellings.
var timePart = regexp.MustCompile(`^(?:T|\s*)(?:上午|下午)?\s*\d{1,2}(?:(?::\d{1,2}){1,2}(?:\.\d+)?\s*(?:[AaPp][Mm])?\s*(?:Z|[+-]\d{2}:?\d{2})?|[时点](?:\d{1,2}分(?:\d{1,2}秒)?)?)$`)

// ParseDate reads a date as offices type it — 2014-04-02, 2014/4/2, 2014年4月2日,
// 2014.4.2, 20140402, an Excel serial number (41731), with full-width digits or a
// time of day after it — and returns it as YYYY-MM-DD, the only form the rest of
// rectify stores. ok is false for anything else, including impossible dates.
func ParseDate(s string) (string, bool) {
	return parseDate(strings.TrimSpace(width.Narrow.String(s)), false)
}

// parseDate is ParseDate on a folded, trimmed string; date1904 reads serial
// numbers in the 1904 date system.
func parseDate(s string, date1904 bool) (string, bool) {
	if s == "" || len(s) > 64 {
		return "", false
	}
	if d, ok := serialDate(s, date1904); ok {
		return d, true
	}
	if len(s) == 8 && allDigits(s) { // 20140402
		return ymd(atoi(s[:4]), atoi(s[4:6]), atoi(s[6:]))
	}
	p := dateScanner{s: s}
	y, ok := p.digits(4, 4)
	if !ok {
		return "", false
	}
	p.spaces()
	sep := p.next()
	var sep2 byte
	switch sep {
	case '-', '/', '.':
		sep2 = sep
	case 0xE5: // first byte of 年 (U+5E74, E5 B9 B4)
		if !p.rest("\xb9\xb4") {
			return "", false
		}
	default:
		return "", false
	}
	p.spaces()
	m, ok := p.digits(1, 2)
	if !ok {
		return "", false
	}
	p.spaces()
	if sep2 != 0 {
		if p.next() != sep2 {
			return "", false
		}
	} else if !p.rest("月") {
		return "", false
	}
	p.spaces()
	d, ok := p.digits(1, 2)
	if !ok {
		return "", false
	}
	if sep2 == 0 {
		p.spaces()
		if !p.rest("日") {
			p.rest("号")
		}
	}
	if rest := s[p.i:]; rest != "" && !timePart.MatchString(rest) {
		return "", false
	}
	return ymd(y, m, d)
}

// serialDate reads an Excel serial number (days since 1899-12-30, an optional
// fraction being the time of day).
func serialDate(s string, date1904 bool) (string, bool) {
	intPart, frac, hasFrac := strings.Cut(s, ".")
	if intPart == "" || len(intPart) > 7 || !allDigits(intPart) || (hasFrac && (frac == "" || !allDigits(frac))) {
		return "", false
	}
	n := atoi(intPart)
	if date1904 {
		n += offset1904
	}
	if n < minSerial || n > maxSerial {
		return "", false
	}
	return excelEpoch.AddDate(0, 0, n).Format("2006-01-02"), true
}

func ymd(y, m, d int) (string, bool) {
	if y < 1900 || m < 1 || m > 12 || d < 1 {
		return "", false
	}
	if y > 9999 || d > daysIn(y, m) { // 2014-02-30 is not a date
		return "", false
	}
	b := []byte("0000-00-00")
	for i, n := 3, y; i >= 0; i, n = i-1, n/10 {
		b[i] = byte('0' + n%10)
	}
	b[5], b[6] = byte('0'+m/10), byte('0'+m%10)
	b[8], b[9] = byte('0'+d/10), byte('0'+d%10)
	return string(b), true
}

func daysIn(y, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// atoi reads a short run of ASCII digits (callers check them first).
func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

// dateScanner walks a date string byte by byte.
type dateScanner struct {
	s string
	i int
}

func (p *dateScanner) digits(lo, hi int) (int, bool) {
	j := p.i
	for j < len(p.s) && j-p.i < hi && p.s[j] >= '0' && p.s[j] <= '9' {
		j++
	}
	if j-p.i < lo {
		return 0, false
	}
	n := atoi(p.s[p.i:j])
	p.i = j
	return n, true
}

func (p *dateScanner) next() byte {
	if p.i >= len(p.s) {
		return 0
	}
	c := p.s[p.i]
	p.i++
	return c
}

func (p *dateScanner) rest(lit string) bool {
	if strings.HasPrefix(p.s[p.i:], lit) {
		p.i += len(lit)
		return true
	}
	return false
}

// spaces skips ASCII spaces between the parts of 2014 年 4 月 2 日.
func (p *dateScanner) spaces() {
	for p.i < len(p.s) && p.s[p.i] == ' ' {
		p.i++
	}
}
