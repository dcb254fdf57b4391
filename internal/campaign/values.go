package campaign

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/width"

	"rectify/internal/domain"
	"rectify/internal/text"
	"rectify/internal/web/i18n"
)

// Channel is one way opinions reach a campaign (渠道). Name is what an opinion
// records and the figures count by: the six default channels keep their codes
// (ChannelCode), which the pages translate; a channel an office adds is named as
// the office writes it (民情走访).
type Channel struct {
	Name    string   `json:"name"`
	Aliases []string `json:"aliases,omitempty"`
	// Retired channels take no new opinions; those that came through one keep it.
	Retired bool `json:"retired,omitempty"`
}

// ChannelCode is the code of a default channel: what an opinion that came through
// it records and the figures count by, and how the pages find its name in their
// catalogues (channel.<code>).
type ChannelCode string

// The default channels (docs/domain.md).
const (
	ChannelHotline       ChannelCode = "hotline"
	ChannelSuggestionBox ChannelCode = "suggestion_box"
	ChannelSymposium     ChannelCode = "symposium"
	ChannelVisit         ChannelCode = "visit"
	ChannelOnline        ChannelCode = "online"
	ChannelLetter        ChannelCode = "letter"
	// ChannelPublicityFeedback (公示反馈) is what the public sends from a
	// publication's page during its 公示期. Every campaign takes it, whatever its
	// own channels: it is rectify's, not the office's to choose.
	ChannelPublicityFeedback ChannelCode = "publicity_feedback"
)

// publicityFeedback is ChannelPublicityFeedback as a ledger writes and reads it.
var publicityFeedback = DefaultChannel{Code: ChannelPublicityFeedback, Ledger: "公示反馈", Aliases: []string{"公示反馈"}}

// DefaultChannel is one of the channels every campaign has until its office
// changes them.
type DefaultChannel struct {
	Code ChannelCode
	// Ledger is the spelling the ledger this service writes puts in its 来源
	// column, one of Aliases.
	Ledger string
	// Aliases are the spellings ledgers use for it, read on import and submission.
	Aliases []string
}

// defaultChannels is the one list of the default channels, in the order a
// campaign lists them.
var defaultChannels = []DefaultChannel{
	{Code: ChannelHotline, Ledger: "热线", Aliases: []string{"热线", "热线电话", "12345"}},
	{Code: ChannelSuggestionBox, Ledger: "意见箱", Aliases: []string{"意见箱"}},
	{Code: ChannelSymposium, Ledger: "座谈会", Aliases: []string{"座谈会", "座谈"}},
	{Code: ChannelVisit, Ledger: "走访", Aliases: []string{"走访", "入户走访"}},
	{Code: ChannelOnline, Ledger: "网络平台", Aliases: []string{"网络", "网络平台", "网上"}},
	{Code: ChannelLetter, Ledger: "来信", Aliases: []string{"来信", "信件"}},
}

// DefaultChannelList is the default channels, a copy the caller may change.
func DefaultChannelList() []DefaultChannel {
	out := make([]DefaultChannel, len(defaultChannels))
	for i, ch := range defaultChannels {
		out[i] = DefaultChannel{Code: ch.Code, Ledger: ch.Ledger, Aliases: slices.Clone(ch.Aliases)}
	}
	return out
}

// KnownChannels are the channels every page and ledger names: the default ones and
// ChannelPublicityFeedback, which every campaign takes. A copy the caller may change.
func KnownChannels() []DefaultChannel {
	return append(DefaultChannelList(), DefaultChannel{Code: publicityFeedback.Code, Ledger: publicityFeedback.Ledger,
		Aliases: slices.Clone(publicityFeedback.Aliases)})
}

// DefaultChannels are the default channels as a campaign holds them, named by
// their codes with the spellings ledgers use as aliases.
func DefaultChannels() []Channel {
	out := make([]Channel, len(defaultChannels))
	for i, ch := range defaultChannels {
		out[i] = Channel{Name: string(ch.Code), Aliases: slices.Clone(ch.Aliases)}
	}
	return out
}

// ChannelList is the campaign's channels, retired ones included.
func (c Campaign) ChannelList() []Channel {
	if len(c.Channels) == 0 {
		return DefaultChannels()
	}
	return c.Channels
}

// Bounds on a campaign's settings. Categories, departments and channels are the
// labels of the figures (docs/metrics.md: every value is a series of each figure
// on every scrape) and the choices of every form, so their number and their names
// are bounded; retired values count, as they stay in the figures. Aliases and
// keywords are bounded too: every opinion and every request is matched against
// them.
const (
	MaxCategories  = 200
	MaxDepartments = 500
	MaxChannels    = 50
	// MaxAliases bounds the other spellings of one value, MaxKeywords the keywords
	// of one category.
	MaxAliases  = 50
	MaxKeywords = 100
	// MaxValueRunes bounds the name and each alias of a category, department or
	// channel, and each keyword; MaxNameRunes a campaign's name.
	MaxValueRunes = 100
	MaxNameRunes  = 200
)

// maxValueRunes is MaxValueRunes by its older name.
const maxValueRunes = MaxValueRunes

// maxOf is how many values of each kind a campaign may have.
var maxOf = map[string]int{kindCategories: MaxCategories, kindDepartments: MaxDepartments, kindChannels: MaxChannels}

// trimName trims what shows nothing (text.Blank) from both ends of a name.
func trimName(s string) string {
	return strings.TrimFunc(s, text.Blank)
}

// checkName applies the rules every name, alias and keyword keeps: something to
// see, no control character (a line break or tab included: a name is shown on one
// line and is a label of the figures), at most max characters. item says which of
// a field's texts it is (none for the field itself, the second alias for
// listWords.item(2)), so that a page beside the field and an answer naming it
// both say which. It never quotes the text: it may be the kilobytes that broke
// the rule.
func checkName(field string, item i18n.Message, s string, max int) error {
	whole := item.Key == ""
	switch {
	case s == "" && whole:
		return fieldError(field, i18n.M("campaign.rule.required"))
	case s == "":
		return fieldError(field, i18n.M("campaign.rule.item_empty", item))
	case text.HasControl(s) && whole:
		return fieldError(field, i18n.M("campaign.rule.control"))
	case text.HasControl(s):
		return fieldError(field, i18n.M("campaign.rule.item_control", item))
	case utf8.RuneCountInString(s) > max && whole:
		return fieldError(field, i18n.M("campaign.rule.too_long", max))
	case utf8.RuneCountInString(s) > max:
		return fieldError(field, i18n.M("campaign.rule.item_too_long", item, max))
	}
	return nil
}

// listWords are how the rules word a list of aliases or keywords: one of its
// items, and how many there are against how many may be.
type listWords struct {
	item  func(n int) i18n.Message
	count func(n, most int) i18n.Message
}

var (
	aliasWords = listWords{
		item:  func(n int) i18n.Message { return i18n.M("campaign.rule.alias", n) },
		count: func(n, most int) i18n.Message { return i18n.M("campaign.rule.aliases_count", n, most) },
	}
	keywordWords = listWords{
		item:  func(n int) i18n.Message { return i18n.M("campaign.rule.keyword", n) },
		count: func(n, most int) i18n.Message { return i18n.M("campaign.rule.keywords_count", n, most) },
	}
)

// checkList applies checkName to each of a list of aliases or keywords and
// bounds their number.
func checkList(field string, words listWords, list []string, most int) error {
	if len(list) > most {
		return fieldError(field, words.count(len(list), most))
	}
	for i, s := range list {
		if err := checkName(field, words.item(i+1), s, maxValueRunes); err != nil {
			return err
		}
	}
	return nil
}

// tooMany is the error for the value at index i of kind, one over the limit.
func tooMany(kind string, i int) error {
	return fieldError(fmt.Sprintf("%s[%d]", kind, i), i18n.M("campaign.rule.too_many", maxOf[kind], kindWords[kind]))
}

// entry is a category, department or channel as the rules about names and aliases
// see it.
type entry struct {
	name    string
	aliases []string
	retired bool
}

// The three kinds of value, as fields name them.
const (
	kindCategories  = "categories"
	kindDepartments = "departments"
	kindChannels    = "channels"
)

// kindWords are the kinds of value as a rule's message names them, in its
// reader's language.
var kindWords = map[string]i18n.Message{
	kindCategories:  i18n.M("campaign.kind.categories"),
	kindDepartments: i18n.M("campaign.kind.departments"),
	kindChannels:    i18n.M("campaign.kind.channels"),
}

func categoryEntries(p domain.Policy) []entry {
	es := make([]entry, len(p.Categories))
	for i, c := range p.Categories {
		es[i] = entry{name: c.Name, aliases: slices.Clone(c.Aliases), retired: c.Retired}
	}
	return es
}

func departmentEntries(p domain.Policy) []entry {
	es := make([]entry, len(p.Departments))
	for i, d := range p.Departments {
		es[i] = entry{name: d, aliases: slices.Clone(p.DepartmentAliases[d]), retired: p.DepartmentRetired(d)}
	}
	return es
}

// setDepartments stores es in p, leaving the optional fields out when empty so a
// campaign without aliases or retired departments reads as before.
func setDepartments(p *domain.Policy, es []entry) {
	p.Departments, p.RetiredDepartments, p.DepartmentAliases = nil, nil, nil
	for _, e := range es {
		p.Departments = append(p.Departments, e.name)
		if e.retired {
			p.RetiredDepartments = append(p.RetiredDepartments, e.name)
		}
		if len(e.aliases) > 0 {
			if p.DepartmentAliases == nil {
				p.DepartmentAliases = map[string][]string{}
			}
			p.DepartmentAliases[e.name] = e.aliases
		}
	}
}

func channelEntries(chs []Channel) []entry {
	es := make([]entry, len(chs))
	for i, c := range chs {
		es[i] = entry{name: c.Name, aliases: slices.Clone(c.Aliases), retired: c.Retired}
	}
	return es
}

func channelsOf(es []entry) []Channel {
	out := make([]Channel, len(es))
	for i, e := range es {
		out[i] = Channel{Name: e.name, Aliases: e.aliases, Retired: e.retired}
	}
	return out
}

// Check applies the rules every campaign keeps, whether created or changed: within
// categories, departments and channels each name and alias stands for one value
// only (compared as fold does), names and aliases have no control character and
// are at most 100 characters, a value has at most MaxAliases aliases, at least one
// category and one channel take new opinions, and so does at least one department
// when the campaign lists any. Fields are named by the value:
// departments[城管科].aliases. How many values there may be is checked where they
// are added (Normalize, Patch.Apply), so a campaign stored with more before the
// bounds existed can still be changed.
func Check(c *Campaign) error {
	p := &c.Policy
	if len(p.RetiredDepartments) > len(p.Departments) {
		return fieldError("policy.retired_departments", i18n.M("campaign.rule.retired_more"))
	}
	for _, d := range p.RetiredDepartments {
		if !slices.Contains(p.Departments, d) {
			return fieldError("policy.retired_departments", i18n.M("campaign.rule.not_one_of", text.Excerpt(d, maxValueRunes), kindWords[kindDepartments]))
		}
	}
	for d := range p.DepartmentAliases {
		if !slices.Contains(p.Departments, d) {
			return fieldError("policy.department_aliases", i18n.M("campaign.rule.not_one_of", text.Excerpt(d, maxValueRunes), kindWords[kindDepartments]))
		}
	}
	if err := checkEntries(kindCategories, categoryEntries(*p), true); err != nil {
		return err
	}
	if err := checkEntries(kindDepartments, departmentEntries(*p), len(p.Departments) > 0); err != nil {
		return err
	}
	return checkEntries(kindChannels, channelEntries(c.ChannelList()), true)
}

func checkEntries(kind string, es []entry, needActive bool) error {
	type owner struct {
		name  string
		alias bool
	}
	seen := map[string]owner{}
	active := false
	for i, e := range es {
		if e.name == "" {
			return fieldError(kind, i18n.M("campaign.rule.unnamed"))
		}
		if err := checkName(fmt.Sprintf("%s[%d].name", kind, i), i18n.Message{}, e.name, maxValueRunes); err != nil {
			return err
		}
		where := fmt.Sprintf("%s[%s].name", kind, e.name)
		if o, dup := seen[fold(e.name)]; dup {
			return fieldError(where, i18n.M("campaign.rule.name_taken", e.name, o.name))
		}
		seen[fold(e.name)] = owner{name: e.name}
		active = active || !e.retired
	}
	for _, e := range es {
		where := fmt.Sprintf("%s[%s].aliases", kind, e.name)
		if len(e.aliases) > MaxAliases {
			return fieldError(where, aliasWords.count(len(e.aliases), MaxAliases))
		}
		for j, a := range e.aliases {
			if a == "" {
				return fieldError(where, i18n.M("campaign.rule.alias_empty"))
			}
			if err := checkName(where, aliasWords.item(j+1), a, maxValueRunes); err != nil {
				return err
			}
			o, dup := seen[fold(a)]
			switch {
			case dup && o.name == e.name && !o.alias:
				return fieldError(where, i18n.M("campaign.rule.alias_is_name", a))
			case dup && o.name == e.name:
				return fieldError(where, i18n.M("campaign.rule.twice", a))
			case dup && o.alias:
				return fieldError(where, i18n.M("campaign.rule.alias_taken", a, o.name))
			case dup:
				return fieldError(where, i18n.M("campaign.rule.is_a_value", a, kindWords[kind]))
			}
			seen[fold(a)] = owner{name: e.name, alias: true}
		}
	}
	if needActive && !active {
		return fieldError(kind, i18n.M("campaign.rule.keep_one"))
	}
	return nil
}

// fold is how names and aliases compare: without surrounding space or invisible
// characters, full-width letters and digits as ASCII, letters in lower case
// (ＨＯＴＬＩＮＥ is hotline).
func fold(s string) string {
	return strings.ToLower(width.Narrow.String(trimName(s)))
}

// cleanList trims each of a list of names, leaving out empty ones and repeats.
func cleanList(in []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, s := range in {
		s = trimName(s)
		if s == "" || seen[fold(s)] {
			continue
		}
		seen[fold(s)] = true
		out = append(out, s)
	}
	return out
}
