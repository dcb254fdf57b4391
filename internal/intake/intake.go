// Package intake checks and normalizes an opinion as it arrives — from the API
// one at a time, or later from an imported ledger — so every path into rectify
// applies the same rules and names the field that breaks one.
package intake

import (
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/width"

	"rectify/internal/campaign"
	"rectify/internal/domain"
	"rectify/internal/spreadsheet"
	"rectify/internal/text"
	"rectify/internal/web/i18n"
)

// MaxContentRunes bounds an opinion's text.
const MaxContentRunes = 4000

// Opinion is an opinion as someone submits it.
type Opinion struct {
	Key         string            `json:"key,omitempty"`
	Content     string            `json:"content"`
	Channel     string            `json:"channel"`
	CollectedAt string            `json:"collected_at"`
	Submitter   string            `json:"submitter,omitempty"`
	Phone       string            `json:"phone,omitempty"`
	Target      string            `json:"target,omitempty"`
	Department  string            `json:"department,omitempty"`
	Category    string            `json:"category,omitempty"`
	Extra       map[string]string `json:"extra,omitempty"`
	// WrittenDepartment and WrittenCategory keep a routing hint the campaign does not
	// know, as written, for triage to show; Department and Category are then empty.
	// Normalize sets them (whatever came in is dropped); they are in the JSON so an
	// imported row keeps them on its way from the file to its opinion.
	WrittenDepartment string `json:"written_department,omitempty"`
	WrittenCategory   string `json:"written_category,omitempty"`
}

// Warning is a routing hint (department, category) the campaign does not know. It
// never costs the opinion: the opinion is accepted with the text kept as written,
// and triage confirms the value.
type Warning struct {
	Field string
	// Code is unknown_department or unknown_category, or retired_department or
	// retired_category for a value the campaign no longer takes.
	Code string
	// Problem says what is wrong with the value; Rule adds what becomes of it.
	Problem i18n.Message
	Rule    i18n.Message
}

// quote is a value as a message quotes it (the catalogue adds the quotation marks
// of its language): at most its first quoteRunes characters, so a message never
// carries the kilobytes of a cell or a request.
func quote(s string) string {
	return text.Excerpt(s, quoteRunes)
}

// quoteRunes bounds what a message quotes of a value.
const quoteRunes = 50

// hintWarning says why a written department or category is kept as written, and
// names the value triage will offer for it when there is a close one.
func hintWarning(field, written string, r campaign.Resolved) Warning {
	code, problem := "unknown_"+field, i18n.M("rule.hint_unknown."+field, quote(written))
	switch {
	case r.Retired:
		code, problem = "retired_"+field, i18n.M("rule.hint_retired", quote(written))
	case utf8.RuneCountInString(written) > campaign.MaxValueRunes || text.HasControl(written):
		problem = i18n.M("rule.hint_not_a_name."+field, quote(written), campaign.MaxValueRunes)
	}
	rule := i18n.M("rule.hint_kept", problem)
	if r.Match == campaign.Close && !r.Retired {
		rule = i18n.M("rule.hint_suggest", problem, r.Value)
	}
	return Warning{Field: field, Code: code, Problem: problem, Rule: rule}
}

// channelList names the channels a campaign takes, each with its spellings, as a
// list each language joins its own way: "hotline (热线, 热线电话, 12345), …, 民情走访".
func channelList(c campaign.Campaign) []i18n.Message {
	var parts []i18n.Message
	for _, ch := range c.ChannelList() {
		if ch.Retired {
			continue
		}
		if len(ch.Aliases) == 0 {
			parts = append(parts, i18n.M("rule.channel", ch.Name))
			continue
		}
		parts = append(parts, i18n.M("rule.channel_spellings", ch.Name, ch.Aliases))
	}
	return parts
}

// Targets maps the accepted spellings of a team or individual opinion.
var targets = map[string]string{"班子": "team", "team": "team", "个人": "individual", "individual": "individual"}

// FieldError names the field and the rule an opinion breaks; the rule is a
// message, read in whichever language its reader has.
type FieldError struct {
	Field string
	Rule  i18n.Message
}

// Error is the error in English, as logs and Go callers read it.
func (e *FieldError) Error() string { return e.Message().In(i18n.English) }

// Message is the error naming its field, as an API answer words it.
func (e *FieldError) Message() i18n.Message {
	return i18n.M("rule.of_field", i18n.M("column."+e.Field), e.Rule)
}

var (
	mobile   = regexp.MustCompile(`^1[3-9]\d{9}$`)
	landline = regexp.MustCompile(`^0\d{2,3}-?\d{7,8}(-\d{1,6})?$`)
	keyChars = regexp.MustCompile(`^[\p{L}\p{N}._:/#-]{1,128}$`)
)

// Normalize trims and canonicalizes an opinion in place and checks it against the
// campaign's settings; today is the campaign-local date that collected_at may not
// pass. A channel is read by its name or an alias and must be one the campaign
// takes. A department or category written as one of the campaign's values or an
// alias of one becomes that value, without a warning; anything else (unknown,
// retired, or only close to a value: see campaign.Resolved) is a routing hint kept
// as written, with a warning, for triage to confirm. It never costs the opinion.
//
// Free text (content, submitter, target, the routing hints, extra columns) is
// cleaned as text.Clean says: control characters other than line breaks and tabs
// are removed, and spaces and invisible characters trimmed from both ends, so
// content that shows nothing is refused as empty.
func Normalize(o *Opinion, c campaign.Campaign, today string) ([]Warning, error) {
	p := c.Policy
	// What DerivedKey read before free text was cleaned (see below).
	keyContent, keySubmitter := strings.TrimSpace(o.Content), strings.TrimSpace(o.Submitter)
	o.Content = text.Clean(o.Content)
	o.Channel = clean(o.Channel)
	o.CollectedAt = clean(o.CollectedAt)
	o.Key = clean(o.Key)
	o.Submitter = text.Clean(o.Submitter)
	o.Phone = clean(o.Phone)
	o.Target = text.Clean(o.Target)
	o.Department = text.Clean(o.Department)
	o.Category = text.Clean(o.Category)
	o.WrittenDepartment, o.WrittenCategory = "", ""
	if o.Content == "" {
		if keyContent != "" {
			return nil, &FieldError{"content", i18n.M("rule.content_invisible")}
		}
		return nil, &FieldError{"content", i18n.M("rule.content_empty")}
	}
	if n := utf8.RuneCountInString(o.Content); n > MaxContentRunes {
		return nil, &FieldError{"content", i18n.M("rule.content_too_long", n, MaxContentRunes)}
	}
	ch := c.ResolveChannel(o.Channel)
	switch {
	case ch.Match == campaign.NoMatch:
		return nil, &FieldError{"channel", i18n.M("rule.channel_unknown", quote(o.Channel), channelList(c))}
	case ch.Retired:
		return nil, &FieldError{"channel", i18n.M("rule.channel_retired", quote(o.Channel), channelList(c))}
	}
	o.Channel = ch.Value
	if o.CollectedAt == "" {
		return nil, &FieldError{"collected_at", i18n.M("rule.collected_at_required")}
	}
	if _, err := time.Parse(domain.DateLayout, o.CollectedAt); err != nil {
		return nil, &FieldError{"collected_at", i18n.M("rule.date_form", quote(o.CollectedAt))}
	}
	if o.CollectedAt > today {
		return nil, &FieldError{"collected_at", i18n.M("rule.date_future", o.CollectedAt, today)}
	}
	if o.Phone != "" && !mobile.MatchString(o.Phone) && !landline.MatchString(o.Phone) {
		return nil, &FieldError{"phone", i18n.M("rule.phone")}
	}
	if t, ok := targets[o.Target]; ok {
		o.Target = t
	}
	if utf8.RuneCountInString(o.Submitter) > 100 {
		return nil, &FieldError{"submitter", i18n.M("rule.longer_than", 100)}
	}
	if utf8.RuneCountInString(o.Target) > 100 {
		return nil, &FieldError{"target", i18n.M("rule.longer_than", 100)}
	}
	for k, v := range o.Extra {
		if v = text.Clean(v); v == "" {
			delete(o.Extra, k)
			continue
		}
		if n := utf8.RuneCountInString(v); n > spreadsheet.MaxCellRunes {
			return nil, &FieldError{"extra", i18n.M("rule.extra_too_long", quote(k), n, spreadsheet.MaxCellRunes)}
		}
		o.Extra[k] = v
	}
	var warnings []Warning
	if o.Department != "" {
		r := campaign.ResolveDepartment(p, o.Department)
		if r.Known() {
			o.Department = r.Value
		} else {
			warnings = append(warnings, hintWarning("department", o.Department, r))
			o.WrittenDepartment, o.Department = o.Department, ""
		}
	}
	if o.Category != "" {
		r := campaign.ResolveCategory(p, o.Category)
		if r.Known() {
			o.Category = r.Value
		} else {
			warnings = append(warnings, hintWarning("category", o.Category, r))
			o.WrittenCategory, o.Category = o.Category, ""
		}
	}
	if o.Key == "" {
		// Derived from the content and submitter as they read before control
		// characters were removed and invisible ones trimmed: an opinion imported
		// then keeps its key when its file is imported again.
		k := *o
		k.Content, k.Submitter = keyContent, keySubmitter
		o.Key = DerivedKey(k)
	} else if !keyChars.MatchString(o.Key) {
		return nil, &FieldError{"key", i18n.M("rule.key_chars")}
	}
	return warnings, nil
}

// DerivedKey identifies an opinion that came without a key by what it says, so
// submitting the same opinion twice does not count it twice.
func DerivedKey(o Opinion) string {
	sum := sha256.Sum256([]byte(strings.Join([]string{o.Content, o.Channel, o.CollectedAt, o.Submitter, o.Phone}, "\x00")))
	return "h-" + hex.EncodeToString(sum[:12])
}

// clean folds full-width digits, letters and spaces to their ASCII forms, as
// hand-typed ledgers mix both, and cleans the result as text.Clean does.
func clean(s string) string {
	return text.Clean(width.Narrow.String(s))
}
