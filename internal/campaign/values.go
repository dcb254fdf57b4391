package campaign

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/width"

	"rectify/internal/text"
	"rectify/workflows"
)

// Channel is one way opinions reach a campaign (渠道). Name is what an opinion
// records and the figures count by: the six default channels keep their English
// codes, which the pages translate; a channel an office adds is named as the
// office writes it (民情走访).
type Channel struct {
	Name    string   `json:"name"`
	Aliases []string `json:"aliases,omitempty"`
	// Retired channels take no new opinions; those that came through one keep it.
	Retired bool `json:"retired,omitempty"`
}

// DefaultChannels are the channels of DOMAIN.md with the spellings ledgers use for
// them: every campaign has them until its office changes them.
func DefaultChannels() []Channel {
	return []Channel{
		{Name: "hotline", Aliases: []string{"热线", "热线电话", "12345"}},
		{Name: "suggestion_box", Aliases: []string{"意见箱"}},
		{Name: "symposium", Aliases: []string{"座谈会", "座谈"}},
		{Name: "visit", Aliases: []string{"走访", "入户走访"}},
		{Name: "online", Aliases: []string{"网络", "网络平台", "网上"}},
		{Name: "letter", Aliases: []string{"来信", "信件"}},
	}
}

// ChannelList is the campaign's channels, retired ones included.
func (c Campaign) ChannelList() []Channel {
	if len(c.Channels) == 0 {
		return DefaultChannels()
	}
	return c.Channels
}

// maxValueRunes bounds the name and each alias of a category, department or channel.
const maxValueRunes = 100

// entry is a category, department or channel as the rules about names and aliases
// see it.
type entry struct {
	name    string
	aliases []string
	retired bool
}

// The three kinds of value, as fields and messages name them.
const (
	kindCategories  = "categories"
	kindDepartments = "departments"
	kindChannels    = "channels"
)

func categoryEntries(p workflows.Policy) []entry {
	es := make([]entry, len(p.Categories))
	for i, c := range p.Categories {
		es[i] = entry{name: c.Name, aliases: slices.Clone(c.Aliases), retired: c.Retired}
	}
	return es
}

func departmentEntries(p workflows.Policy) []entry {
	es := make([]entry, len(p.Departments))
	for i, d := range p.Departments {
		es[i] = entry{name: d, aliases: slices.Clone(p.DepartmentAliases[d]), retired: p.DepartmentRetired(d)}
	}
	return es
}

// setDepartments stores es in p, leaving the optional fields out when empty so a
// campaign without aliases or retired departments reads as before.
func setDepartments(p *workflows.Policy, es []entry) {
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
// only (compared as fold does), names and aliases are at most 100 characters, at
// least one category and one channel take new opinions, and so does at least one
// department when the campaign lists any. Fields are named by the value:
// departments[城管科].aliases.
func Check(c *Campaign) error {
	p := &c.Policy
	for _, d := range p.RetiredDepartments {
		if !slices.Contains(p.Departments, d) {
			return fieldError("policy.retired_departments", fmt.Sprintf("%q is not one of this campaign's departments", text.Excerpt(d, maxValueRunes)))
		}
	}
	for d := range p.DepartmentAliases {
		if !slices.Contains(p.Departments, d) {
			return fieldError("policy.department_aliases", fmt.Sprintf("%q is not one of this campaign's departments", text.Excerpt(d, maxValueRunes)))
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
	for _, e := range es {
		where := fmt.Sprintf("%s[%s].name", kind, e.name)
		if e.name == "" {
			return fieldError(kind, "has a value without a name")
		}
		if utf8.RuneCountInString(e.name) > maxValueRunes {
			return fieldError(where, fmt.Sprintf("is longer than %d characters", maxValueRunes))
		}
		if o, dup := seen[fold(e.name)]; dup {
			return fieldError(where, fmt.Sprintf("%q is already the name of %q", e.name, o.name))
		}
		seen[fold(e.name)] = owner{name: e.name}
		active = active || !e.retired
	}
	for _, e := range es {
		where := fmt.Sprintf("%s[%s].aliases", kind, e.name)
		for _, a := range e.aliases {
			if a == "" {
				return fieldError(where, "has an empty alias")
			}
			if utf8.RuneCountInString(a) > maxValueRunes {
				return fieldError(where, fmt.Sprintf("%q is longer than %d characters", a, maxValueRunes))
			}
			o, dup := seen[fold(a)]
			switch {
			case dup && o.name == e.name && !o.alias:
				return fieldError(where, fmt.Sprintf("%q is the name itself", a))
			case dup && o.name == e.name:
				return fieldError(where, fmt.Sprintf("%q appears twice", a))
			case dup && o.alias:
				return fieldError(where, fmt.Sprintf("%q is already an alias of %q", a, o.name))
			case dup:
				return fieldError(where, fmt.Sprintf("%q is already one of this campaign's %s", a, kind))
			}
			seen[fold(a)] = owner{name: e.name, alias: true}
		}
	}
	if needActive && !active {
		return fieldError(kind, "must keep at least one value that is not retired")
	}
	return nil
}

// fold is how names and aliases compare: without surrounding space, full-width
// letters and digits as ASCII, letters in lower case (ＨＯＴＬＩＮＥ is hotline).
func fold(s string) string {
	return strings.ToLower(width.Narrow.String(strings.TrimSpace(s)))
}

// cleanList trims each of a list of names, leaving out empty ones and repeats.
func cleanList(in []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, s := range in {
		s = strings.TrimSpace(s)
		if s == "" || seen[fold(s)] {
			continue
		}
		seen[fold(s)] = true
		out = append(out, s)
	}
	return out
}
