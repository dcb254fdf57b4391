package campaign

import (
	"strings"
	"unicode/utf8"

	"rectify/internal/domain"
	"rectify/internal/text"
)

// Match is how a value written in a ledger or a request was recognised among a
// campaign's categories, departments or channels.
type Match string

// The ways a written value is recognised, surest first.
const (
	NoMatch Match = ""
	ByName  Match = "name"  // the value's own name (compared as fold does)
	ByAlias Match = "alias" // one of its aliases, such as its name before a rename
	Close   Match = "close" // a close spelling (see closeness): only ever a suggestion
)

// Resolved is a written value as the campaign reads it.
type Resolved struct {
	// Value is the name of the value it stands for ("" when nothing matched).
	Value   string
	Match   Match
	Retired bool
}

// Known reports whether the written value may be used as it is: it names a value
// by its name or an alias, and that value is not retired.
func (r Resolved) Known() bool {
	return (r.Match == ByName || r.Match == ByAlias) && !r.Retired
}

// ResolveCategory reads a written category: by name, by alias, or else the closest
// category that is not retired.
func ResolveCategory(p domain.Policy, written string) Resolved {
	return resolve(categoryEntries(p), written, true)
}

// ResolveDepartment reads a written department as ResolveCategory does a category.
// A campaign that lists no departments takes any department as written that could
// be a department's name: at most MaxValueRunes characters, on one line (it
// becomes a label of the figures).
func ResolveDepartment(p domain.Policy, written string) Resolved {
	if len(p.Departments) == 0 {
		w := trimName(written)
		if w == "" || utf8.RuneCountInString(w) > MaxValueRunes || text.HasControl(w) {
			return Resolved{}
		}
		return Resolved{Value: w, Match: ByName}
	}
	return resolve(departmentEntries(p), written, true)
}

// ResolveChannel reads a written channel by name or alias only: channels feed the
// figures, so an unknown one is refused rather than guessed.
// ChannelPublicityFeedback is taken by every campaign, when its own channels do
// not name it.
func (c Campaign) ResolveChannel(written string) Resolved {
	if r := resolve(channelEntries(c.ChannelList()), written, false); r.Match != NoMatch {
		return r
	}
	return resolve(channelEntries([]Channel{{Name: string(publicityFeedback.Code), Aliases: publicityFeedback.Aliases}}), written, false)
}

// resolve finds the value written stands for: a value whose name or alias folds
// to the same text, else (when close is set) the nearest value that is not
// retired. Among close candidates the lowest closeness wins, then the value listed
// first.
func resolve(es []entry, written string, close bool) Resolved {
	w := fold(written)
	if w == "" {
		return Resolved{}
	}
	for _, e := range es {
		if fold(e.name) == w {
			return Resolved{Value: e.name, Match: ByName, Retired: e.retired}
		}
	}
	for _, e := range es {
		for _, a := range e.aliases {
			if fold(a) == w {
				return Resolved{Value: e.name, Match: ByAlias, Retired: e.retired}
			}
		}
	}
	if !close {
		return Resolved{}
	}
	best, bestScore := "", -1
	for _, e := range es {
		if e.retired {
			continue
		}
		for _, candidate := range append([]string{e.name}, e.aliases...) {
			if score, ok := closeness(w, fold(candidate)); ok && (bestScore < 0 || score < bestScore) {
				best, bestScore = e.name, score
			}
		}
	}
	if best == "" {
		return Resolved{}
	}
	return Resolved{Value: best, Match: Close}
}

// closeness says whether two spellings (already folded) are close enough to suggest
// one for the other, and how close (lower is closer). The rule, over characters
// (runes), with the shorter of the two at least 2 characters long:
//
//  1. containment — one contains the other: 服务态度 in 服务态度和效率;
//     closeness is the number of extra characters;
//  2. abbreviation — the shorter's characters appear in the longer in order, and
//     both begin and end with the same character: 城管科 for 城市管理科;
//     closeness 100 + the extra characters;
//  3. a slip — an edit distance (insertions, deletions, substitutions) of 1 when
//     the shorter has 3 characters or more, 2 from 6: 民证科 for 民政科;
//     closeness 200 + the distance.
func closeness(a, b string) (int, bool) {
	ra, rb := []rune(a), []rune(b)
	short, long := ra, rb
	if len(short) > len(long) {
		short, long = long, short
	}
	if len(short) < 2 {
		return 0, false
	}
	extra := len(long) - len(short)
	if strings.Contains(string(long), string(short)) {
		return extra, true
	}
	if short[0] == long[0] && short[len(short)-1] == long[len(long)-1] && subsequence(short, long) {
		return 100 + extra, true
	}
	allowed := 0
	switch {
	case len(short) >= 6:
		allowed = 2
	case len(short) >= 3:
		allowed = 1
	}
	if extra <= allowed {
		if d := editDistance(ra, rb); d <= allowed {
			return 200 + d, true
		}
	}
	return 0, false
}

// subsequence reports whether every rune of short appears in long, in order.
func subsequence(short, long []rune) bool {
	i := 0
	for _, r := range long {
		if i < len(short) && short[i] == r {
			i++
		}
	}
	return i == len(short)
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b []rune) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
