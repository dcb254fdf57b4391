package campaign

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"rectify/internal/domain"
	"rectify/internal/text"
	"rectify/internal/web/i18n"
)

// Patch changes the settings of a running campaign (PATCH /api/v1/campaigns/{id},
// and the office's settings page). Every part is optional. A list names only the
// values it adds or changes: a value is found by its name, or by renamed_from when
// it is renamed, and what an item leaves out stays as it was (a new value gets the
// defaults). Values are never removed but retired: a retired value takes no new
// opinions or assignments, and stays in the opinions, figures and ledgers that
// recorded it. A renamed value keeps its old name as an alias. Changes apply from
// then on: deadlines already set stay as they are.
type Patch struct {
	// Revision, when given, must be the campaign's current revision: a change
	// based on settings someone else has changed since is refused.
	Revision    *int           `json:"revision,omitempty"`
	Name        *string        `json:"name,omitempty"`
	Categories  []CategoryEdit `json:"categories,omitempty"`
	Departments []ValueEdit    `json:"departments,omitempty"`
	Channels    []ValueEdit    `json:"channels,omitempty"`
	Policy      *PolicyEdit    `json:"policy,omitempty"`
	// FilingUnit sets the unit named in the ledger's and reports' title rows ("" clears it).
	FilingUnit *string `json:"filing_unit,omitempty"`
	// Reports sets when progress reports are made on a schedule.
	Reports *ReportSchedule `json:"reports,omitempty"`
}

// CategoryEdit adds or changes one category. Keywords and Aliases replace the lists
// when given (an empty list clears one).
type CategoryEdit struct {
	Name        string       `json:"name"`
	RenamedFrom string       `json:"renamed_from,omitempty"`
	Speed       domain.Speed `json:"speed,omitempty"`
	WorkingDays *int         `json:"working_days,omitempty"`
	// ReportEveryMonths sets how often a long-term item reports (0: every month).
	ReportEveryMonths *int     `json:"report_every_months,omitempty"`
	Keywords          []string `json:"keywords,omitempty"`
	Aliases           []string `json:"aliases,omitempty"`
	Retired           *bool    `json:"retired,omitempty"`
}

// ValueEdit adds or changes one department or channel. In JSON it may also be just
// the name, to add a value: "departments": ["外联办"].
type ValueEdit struct {
	Name        string   `json:"name"`
	RenamedFrom string   `json:"renamed_from,omitempty"`
	Aliases     []string `json:"aliases,omitempty"`
	Retired     *bool    `json:"retired,omitempty"`
}

// UnmarshalJSON reads a value edit from an object (unknown fields are errors, as in
// every request) or from a bare name.
func (e *ValueEdit) UnmarshalJSON(b []byte) error {
	if b = bytes.TrimSpace(b); len(b) > 0 && b[0] == '"' {
		*e = ValueEdit{}
		return json.Unmarshal(b, &e.Name)
	}
	type plain ValueEdit
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var p plain
	if err := dec.Decode(&p); err != nil {
		return err
	}
	*e = ValueEdit(p)
	return nil
}

// PolicyEdit changes the numbers and switches of the deadline policy. Numbers of
// working days are at least 1; max_extensions may be 0 (no extensions).
type PolicyEdit struct {
	SignWorkingDays        *int  `json:"sign_working_days,omitempty"`
	DueSoonWorkingDays     *int  `json:"due_soon_working_days,omitempty"`
	SupervisionWorkingDays *int  `json:"supervision_working_days,omitempty"`
	ReworkWorkingDays      *int  `json:"rework_working_days,omitempty"`
	MaxExtensions          *int  `json:"max_extensions,omitempty"`
	CallbackRequired       *bool `json:"callback_required,omitempty"`
	ReopenWindowDays       *int  `json:"reopen_window_days,omitempty"`
}

func (e *PolicyEdit) numbers() map[string]*int {
	return map[string]*int{
		"sign_working_days": e.SignWorkingDays, "due_soon_working_days": e.DueSoonWorkingDays,
		"supervision_working_days": e.SupervisionWorkingDays, "rework_working_days": e.ReworkWorkingDays,
		"max_extensions": e.MaxExtensions, "reopen_window_days": e.ReopenWindowDays,
	}
}

// Change is one field of a campaign's settings changed: who changed it, when, and
// the value before and after (JSON values: a string, number, boolean or list of
// strings; null before a value was added). Field names the setting: name,
// policy.max_extensions, categories[服务态度和效率].working_days,
// departments[城管科].aliases, channels[民情走访] (added), categories[服务态度].name
// (renamed: before is the old name, after the new one).
type Change struct {
	Revision int       `json:"revision"`
	At       time.Time `json:"at"`
	Actor    string    `json:"actor"`
	Field    string    `json:"field"`
	Before   any       `json:"before"`
	After    any       `json:"after"`
}

// ErrStale is returned by Apply when the patch was based on an older revision.
type ErrStale struct{ Current int }

func (e *ErrStale) Error() string {
	return fmt.Sprintf("the settings were changed after the revision this change started from; they are at revision %d now", e.Current)
}

// Apply changes c as the patch says, as actor at the moment at, and returns the
// changes field by field, stamped with c's new revision. A patch that changes
// nothing returns none and leaves c as it was (its revision too). Errors name the
// field and the rule (a *FieldError, or *ErrStale), and leave c unchanged.
func (p Patch) Apply(c *Campaign, actor string, at time.Time) ([]Change, error) {
	if p.Revision != nil && *p.Revision != c.Revision {
		return nil, &ErrStale{Current: c.Revision}
	}
	next, err := clone(*c)
	if err != nil {
		return nil, err
	}
	renames := map[string]map[string]string{}
	if p.Name != nil {
		name := trimName(*p.Name)
		if err := checkName("name", i18n.Message{}, name, MaxNameRunes); err != nil {
			return nil, err
		}
		next.Name = name
	}
	if p.Categories != nil {
		if renames[kindCategories], err = applyCategories(&next.Policy, p.Categories); err != nil {
			return nil, err
		}
	}
	if p.Departments != nil {
		es, r, err := applyValues(kindDepartments, departmentEntries(next.Policy), p.Departments)
		if err != nil {
			return nil, err
		}
		setDepartments(&next.Policy, es)
		renames[kindDepartments] = r
	}
	if p.Channels != nil {
		es, r, err := applyValues(kindChannels, channelEntries(next.ChannelList()), p.Channels)
		if err != nil {
			return nil, err
		}
		next.Channels = channelsOf(es)
		renames[kindChannels] = r
	}
	if p.Policy != nil {
		if err := p.Policy.apply(&next.Policy); err != nil {
			return nil, err
		}
	}
	if p.FilingUnit != nil {
		next.FilingUnit = *p.FilingUnit
		if err := checkFilingUnit(&next.FilingUnit); err != nil {
			return nil, err
		}
	}
	if p.Reports != nil {
		r := *p.Reports
		if err := checkReports(&r); err != nil {
			return nil, err
		}
		next.Reports = &r
		if !r.Scheduled() && c.Reports == nil {
			next.Reports = nil // none, as it was
		}
	}
	if err := Check(&next); err != nil {
		return nil, err
	}
	changes := diff(*c, next, renames)
	if len(changes) == 0 {
		return nil, nil
	}
	next.Revision = c.Revision + 1
	next.UpdatedAt, next.UpdatedBy = at, actor
	for i := range changes {
		changes[i].Revision, changes[i].At, changes[i].Actor = next.Revision, at, actor
	}
	*c = next
	return changes, nil
}

func (e *PolicyEdit) apply(p *domain.Policy) error {
	edits := e.numbers()
	for _, n := range policyNumbers(p) {
		v := edits[n.field]
		if v == nil {
			continue
		}
		lo := 1
		if n.field == "max_extensions" {
			lo = 0
		}
		if *v < lo || *v > n.max {
			return fieldError("policy."+n.field, i18n.M("campaign.rule.between", lo, n.max))
		}
		*n.v = *v
	}
	if e.CallbackRequired != nil {
		p.CallbackRequired = *e.CallbackRequired
	}
	return nil
}

// locate finds the value the i-th edit of kind is about: its index in names, or -1
// for a new value. touched keeps one request from changing a value twice.
func locate(kind string, i int, names []string, name, from string, touched map[string]bool) (int, error) {
	where := fmt.Sprintf("%s[%d]", kind, i)
	if name == "" {
		return 0, fieldError(where+".name", i18n.M("campaign.rule.name_kept"))
	}
	key := name
	if from != "" {
		key = from
	}
	idx := slices.Index(names, key)
	if from != "" && idx < 0 {
		return 0, fieldError(where+".renamed_from", i18n.M("campaign.rule.not_one_of", text.Excerpt(from, maxValueRunes), kindWords[kind]))
	}
	if touched[key] {
		return 0, fieldError(where, i18n.M("campaign.rule.changed_twice", text.Excerpt(key, maxValueRunes)))
	}
	touched[key] = true
	return idx, nil
}

// checkEdit applies the bounds to the i-th edit of kind, before anything is
// changed: its name, its aliases and keywords when given, and, when it adds a
// value to a kind that has as many as it may (full), the number of values.
func checkEdit(kind string, i int, name string, aliases, keywords []string, full bool) error {
	where := fmt.Sprintf("%s[%d]", kind, i)
	if err := checkName(where+".name", i18n.Message{}, name, maxValueRunes); err != nil {
		return err
	}
	if full {
		return tooMany(kind, i)
	}
	if aliases != nil {
		if err := checkList(where+".aliases", aliasWords, cleanList(aliases), MaxAliases); err != nil {
			return err
		}
	}
	if keywords != nil {
		return checkList(where+".keywords", keywordWords, cleanList(keywords), MaxKeywords)
	}
	return nil
}

// rename gives a value its new name, keeping the old one as an alias; aliases
// that are the name itself are left out.
func rename(old, name string, aliases []string) []string {
	if old != "" && old != name {
		aliases = append(aliases, old)
	}
	return slices.DeleteFunc(cleanList(aliases), func(a string) bool { return fold(a) == fold(name) })
}

func applyValues(kind string, es []entry, edits []ValueEdit) ([]entry, map[string]string, error) {
	names := make([]string, len(es))
	for i, e := range es {
		names[i] = e.name
	}
	touched, renames := map[string]bool{}, map[string]string{}
	for i, ed := range edits {
		name, from := trimName(ed.Name), trimName(ed.RenamedFrom)
		idx, err := locate(kind, i, names, name, from, touched)
		if err != nil {
			return nil, nil, err
		}
		if err := checkEdit(kind, i, name, ed.Aliases, nil, idx < 0 && len(es) >= maxOf[kind]); err != nil {
			return nil, nil, err
		}
		if idx < 0 {
			es = append(es, entry{})
			names = append(names, "")
			idx = len(es) - 1
		}
		e := &es[idx]
		old := e.name
		if ed.Aliases != nil {
			e.aliases = slices.Clone(ed.Aliases)
		}
		if ed.Retired != nil {
			e.retired = *ed.Retired
		}
		e.name = name
		e.aliases = rename(old, name, e.aliases)
		if old != "" && old != name {
			renames[name] = old
		}
	}
	return es, renames, nil
}

func applyCategories(p *domain.Policy, edits []CategoryEdit) (map[string]string, error) {
	names := make([]string, len(p.Categories))
	for i, c := range p.Categories {
		names[i] = c.Name
	}
	touched, renames := map[string]bool{}, map[string]string{}
	for i, ed := range edits {
		where := fmt.Sprintf("%s[%d]", kindCategories, i)
		name, from := trimName(ed.Name), trimName(ed.RenamedFrom)
		idx, err := locate(kindCategories, i, names, name, from, touched)
		if err != nil {
			return nil, err
		}
		if err := checkEdit(kindCategories, i, name, ed.Aliases, ed.Keywords, idx < 0 && len(p.Categories) >= MaxCategories); err != nil {
			return nil, err
		}
		if idx < 0 {
			p.Categories = append(p.Categories, domain.CategoryPolicy{Speed: domain.SpeedDeadline})
			names = append(names, "")
			idx = len(p.Categories) - 1
		}
		c := &p.Categories[idx]
		old := c.Name
		if ed.Speed != "" {
			switch ed.Speed {
			case domain.SpeedImmediate, domain.SpeedDeadline, domain.SpeedLongTerm:
				c.Speed = ed.Speed
			default:
				return nil, fieldError(where+".speed", i18n.M("campaign.rule.speed"))
			}
		}
		if ed.WorkingDays != nil {
			if *ed.WorkingDays < 1 || *ed.WorkingDays > MaxWorkingDays {
				return nil, fieldError(where+".working_days", i18n.M("campaign.rule.between", 1, MaxWorkingDays))
			}
			c.WorkingDays = *ed.WorkingDays
		}
		if c.WorkingDays == 0 {
			c.WorkingDays = speedDays[c.Speed]
		}
		if ed.ReportEveryMonths != nil {
			if *ed.ReportEveryMonths < 0 || *ed.ReportEveryMonths > domain.MaxReportEveryMonths {
				return nil, fieldError(where+".report_every_months", i18n.M("campaign.rule.report_every_months", domain.MaxReportEveryMonths))
			}
			c.ReportEveryMonths = *ed.ReportEveryMonths
		}
		if ed.Keywords != nil {
			c.Keywords = cleanList(ed.Keywords)
		}
		if ed.Aliases != nil {
			c.Aliases = slices.Clone(ed.Aliases)
		}
		if ed.Retired != nil {
			c.Retired = *ed.Retired
		}
		c.Name = name
		c.Aliases = rename(old, name, c.Aliases)
		if old != "" && old != name {
			renames[name] = old
		}
	}
	return renames, nil
}

// speedDays are the default working days of each speed.
var speedDays = map[domain.Speed]int{
	domain.SpeedImmediate: ImmediateWorkingDays,
	domain.SpeedDeadline:  DeadlineWorkingDays,
	domain.SpeedLongTerm:  LongTermWorkingDays,
}

// clone deep-copies a campaign.
func clone(c Campaign) (Campaign, error) {
	b, err := json.Marshal(c)
	if err != nil {
		return c, err
	}
	var out Campaign
	return out, json.Unmarshal(b, &out)
}

// diff lists what changed from before to after, field by field; renames maps each
// kind's renamed values from their new name to their old one.
func diff(before, after Campaign, renames map[string]map[string]string) []Change {
	var out []Change
	add := func(field string, b, a any) { out = append(out, Change{Field: field, Before: b, After: a}) }
	if before.Name != after.Name {
		add("name", before.Name, after.Name)
	}
	type fields = []struct {
		name string
		v    any
	}
	values := func(kind string, bs, as []entry, extra func(e entry, i int) fields) {
		old := map[string]int{}
		for i, e := range bs {
			old[e.name] = i
		}
		for i, a := range as {
			was := a.name
			if r, ok := renames[kind][a.name]; ok {
				was = r
			}
			key := fmt.Sprintf("%s[%s]", kind, a.name)
			now := append(fields{{"aliases", list(a.aliases)}, {"retired", a.retired}}, extra(a, i)...)
			j, existed := old[was]
			if !existed {
				add(key, nil, a.name)
				for _, f := range now {
					if !empty(f.v) {
						add(key+"."+f.name, nil, f.v)
					}
				}
				continue
			}
			b := bs[j]
			if was != a.name {
				add(fmt.Sprintf("%s[%s].name", kind, was), was, a.name)
			}
			then := append(fields{{"aliases", list(b.aliases)}, {"retired", b.retired}}, extra(b, -1-j)...)
			for k, f := range now {
				if !same(then[k].v, f.v) {
					add(key+"."+f.name, then[k].v, f.v)
				}
			}
		}
	}
	// Categories carry more than a name: extra finds them by position (i ≥ 0 in
	// after, -1-j in before).
	values(kindCategories, categoryEntries(before.Policy), categoryEntries(after.Policy), func(_ entry, i int) fields {
		c := after.Policy.Categories[max(i, 0)]
		if i < 0 {
			c = before.Policy.Categories[-1-i]
		}
		return fields{{"speed", string(c.Speed)}, {"working_days", c.WorkingDays}, {"keywords", list(c.Keywords)}}
	})
	none := func(entry, int) fields { return nil }
	values(kindDepartments, departmentEntries(before.Policy), departmentEntries(after.Policy), none)
	values(kindChannels, channelEntries(before.ChannelList()), channelEntries(after.ChannelList()), none)
	bp, ap := before.Policy, after.Policy
	bn, an := policyNumbers(&bp), policyNumbers(&ap)
	for i := range bn {
		if *bn[i].v != *an[i].v {
			add("policy."+bn[i].field, *bn[i].v, *an[i].v)
		}
	}
	if bp.CallbackRequired != ap.CallbackRequired {
		add("policy.callback_required", bp.CallbackRequired, ap.CallbackRequired)
	}
	if before.FilingUnit != after.FilingUnit {
		add("filing_unit", before.FilingUnit, after.FilingUnit)
	}
	if b, a := before.Reports.String(), after.Reports.String(); b != a {
		add("reports", b, a)
	}
	return out
}

// list is a list of names as a change records it: never null.
func list(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func empty(v any) bool {
	switch v := v.(type) {
	case []string:
		return len(v) == 0
	case bool:
		return !v
	case string:
		return v == ""
	}
	return false
}

func same(a, b any) bool {
	as, aok := a.([]string)
	bs, bok := b.([]string)
	if aok && bok {
		return slices.Equal(as, bs)
	}
	return a == b
}
