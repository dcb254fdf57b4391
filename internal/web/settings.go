package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"rectify/internal/campaign"
	"rectify/internal/domain"
	"rectify/internal/service"
)

// The office's settings page of a running campaign: categories, departments and
// channels with their aliases, renamed or retired, and the deadline policy. It posts
// the whole form as one service.PatchCampaign, which records every field it
// changes; the campaign page lists those changes.

func init() {
	// channel names a channel in the visitor's language: the six defaults are
	// translated, a channel an office added is shown as it named it.
	funcs["channel"] = func(v *visit, name string) string { return channelName(v, name) }
	funcs["join"] = func(v *visit, list []string) string { return strings.Join(list, v.T("punct.list")) }
	funcs["cellOf"] = func(v *visit, f settingsForm, prefix, part, label, value string) settingsCell {
		return settingsCell{Prefix: prefix, Part: part, Label: label, Value: value, Err: f.Errors[prefix+"-"+part]}
	}
	funcs["valuesOf"] = func(v *visit, f settingsForm, table string, rows []settingsRow) map[string]any {
		return map[string]any{"V": v, "Form": f, "Table": table, "Rows": rows}
	}
}

// settingsCell is one text cell of the settings tables, for the "cell" template.
type settingsCell struct {
	Prefix, Part, Label, Value, Err string
}

func (s *Server) settingsPages(page func(string, pageHandler)) {
	page("GET /campaigns/{id}/settings", s.only(service.CampaignWork, s.settingsPage))
	page("POST /campaigns/{id}/settings", s.only(service.CampaignWork, s.saveSettings))
}

// blankSettingsRows are the empty rows each table offers for new values.
const blankSettingsRows = 2

// settingsForm is the settings page's form, as stored or as typed.
type settingsForm struct {
	Revision         int
	Name             string
	Categories       []settingsRow
	Departments      []settingsRow
	Channels         []settingsRow
	Numbers          []numberField
	CallbackRequired bool
	// FilingUnit and the Reports fields are the unit named in the documents'
	// title rows and the progress reports' schedule.
	FilingUnit                 string
	ReportsEvery               string
	ReportsWeekday, ReportsDay int
	// Errors are messages by field: name, the policy's numbers, <table>-<row>-<part>
	// for a cell (cat-3-aliases), and the table's name for the table as a whole.
	Errors map[string]string
	Error  string
}

// settingsRow is one category, department or channel of the form. Was is its name
// as stored ("" for a new one): a different Name renames it.
type settingsRow struct {
	N                                                int
	Was, Name, Speed, WorkingDays, Keywords, Aliases string
	Retired                                          bool
}

func (r settingsRow) blank() bool {
	return r.Was == "" && r.Name == "" && r.WorkingDays == "" && r.Keywords == "" && r.Aliases == ""
}

// The form's tables: their field prefix, and what the campaign's values are called.
const (
	tableCategories  = "cat"
	tableDepartments = "dep"
	tableChannels    = "ch"
)

// settingsFormOf fills the form with a campaign's settings as stored.
func settingsFormOf(c campaign.Campaign) settingsForm {
	f := settingsForm{Revision: c.Revision, Name: c.Name, CallbackRequired: c.Policy.CallbackRequired, Errors: map[string]string{},
		FilingUnit: c.FilingUnit, ReportsEvery: campaign.ReportsNone, ReportsWeekday: 5, ReportsDay: 1}
	if c.Reports.Scheduled() {
		f.ReportsEvery = c.Reports.Every
		f.ReportsWeekday, f.ReportsDay = max(c.Reports.Weekday, 1), max(c.Reports.Day, 1)
	}
	for _, cat := range c.Policy.Categories {
		f.Categories = append(f.Categories, settingsRow{Was: cat.Name, Name: cat.Name, Speed: string(cat.Speed),
			WorkingDays: strconv.Itoa(cat.WorkingDays), Keywords: strings.Join(cat.Keywords, "、"),
			Aliases: strings.Join(cat.Aliases, "、"), Retired: cat.Retired})
	}
	for _, d := range c.Policy.Departments {
		f.Departments = append(f.Departments, settingsRow{Was: d, Name: d,
			Aliases: strings.Join(c.Policy.DepartmentAliases[d], "、"), Retired: c.Policy.DepartmentRetired(d)})
	}
	for _, ch := range c.ChannelList() {
		f.Channels = append(f.Channels, settingsRow{Was: ch.Name, Name: ch.Name, Aliases: strings.Join(ch.Aliases, "、"), Retired: ch.Retired})
	}
	p := c.Policy
	def := campaign.DefaultPolicy()
	defs := policyNumbers(&def)
	for i, n := range policyNumbers(&p) {
		f.Numbers = append(f.Numbers, numberField{Name: n.name, Value: strconv.Itoa(*n.v), Default: *defs[i].v})
	}
	f.withBlankRows()
	return f
}

// withBlankRows leaves out the empty new rows typed and adds fresh ones, numbering
// every row of every table.
func (f *settingsForm) withBlankRows() {
	for _, rows := range []*[]settingsRow{&f.Categories, &f.Departments, &f.Channels} {
		kept := (*rows)[:0]
		for _, r := range *rows {
			if !r.blank() {
				kept = append(kept, r)
			}
		}
		for range blankSettingsRows {
			kept = append(kept, settingsRow{Speed: string(domain.SpeedDeadline)})
		}
		for i := range kept {
			kept[i].N = i + 1
		}
		*rows = kept
	}
}

func (s *Server) settingsPage(w http.ResponseWriter, r *http.Request, v *visit) {
	c, ok := s.settingsCampaign(w, r, v)
	if !ok {
		return
	}
	s.renderSettings(w, r, v, http.StatusOK, c, settingsFormOf(c))
}

// settingsCampaign reads the campaign of the page, answering 404 when there is none.
func (s *Server) settingsCampaign(w http.ResponseWriter, r *http.Request, v *visit) (campaign.Campaign, bool) {
	c, err := s.svc.Campaign(r.Context(), r.PathValue("id"))
	if notFound(err) {
		s.renderError(w, r, v, http.StatusNotFound, "err.not_found")
		return c, false
	}
	if err != nil {
		s.fail(w, r, v, err)
		return c, false
	}
	return c, true
}

func (s *Server) renderSettings(w http.ResponseWriter, r *http.Request, v *visit, status int, c campaign.Campaign, f settingsForm) {
	s.render(w, r, status, "settings", v, map[string]any{
		"C": c, "Form": f, "Speeds": []domain.Speed{domain.SpeedImmediate, domain.SpeedDeadline, domain.SpeedLongTerm},
		"SpeedDays": []int{campaign.ImmediateWorkingDays, campaign.DeadlineWorkingDays, campaign.LongTermWorkingDays},
	})
}

// saveSettings turns the form into one campaign.Patch: every row as typed (a
// changed name renames the value, a ticked box retires it, an empty new row is left
// out) and the policy's numbers. Fields that did not change are not recorded.
func (s *Server) saveSettings(w http.ResponseWriter, r *http.Request, v *visit) {
	c, ok := s.settingsCampaign(w, r, v)
	if !ok {
		return
	}
	f, patch, rows := readSettingsForm(r, v)
	if len(f.Errors) == 0 {
		// Check with the same rules PatchCampaign applies, to put each message next
		// to its cell (the API answers with one message for the whole request).
		check := c
		_, err := patch.Apply(&check, v.User.Username, v.Now)
		var fe *campaign.FieldError
		var stale *campaign.ErrStale
		switch {
		case errors.As(err, &stale):
			s.settingsConflict(w, r, v, c.ID, v.T("code.campaign_changed"))
			return
		case errors.As(err, &fe):
			field, msg := settingsFieldError(v, fe, rows)
			if field == "" {
				f.Error = msg
			} else {
				f.Errors[field] = msg
			}
		case err != nil:
			s.fail(w, r, v, err)
			return
		}
	}
	if len(f.Errors) > 0 || f.Error != "" {
		f.withBlankRows()
		s.renderSettings(w, r, v, http.StatusUnprocessableEntity, c, f)
		return
	}
	_, err := s.svc.PatchCampaign(r.Context(), v.User, c.ID, patch)
	var apiErr *service.Error
	switch {
	case err == nil:
		http.Redirect(w, r, "/campaigns/"+c.ID+"?saved=1", http.StatusSeeOther)
	case errors.As(err, &apiErr) && apiErr.Status == http.StatusConflict:
		s.settingsConflict(w, r, v, c.ID, errorText(v, apiErr))
	case errors.As(err, &apiErr) && apiErr.Status == http.StatusUnprocessableEntity:
		f.Error = errorText(v, apiErr)
		f.withBlankRows()
		s.renderSettings(w, r, v, apiErr.Status, c, f)
	default:
		s.fail(w, r, v, err)
	}
}

// settingsConflict answers a change made on settings someone else has changed
// since: the form again, as stored now, with the reason.
func (s *Server) settingsConflict(w http.ResponseWriter, r *http.Request, v *visit, id, msg string) {
	current, err := s.svc.Campaign(r.Context(), id)
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	f := settingsFormOf(current)
	f.Error = msg
	s.renderSettings(w, r, v, http.StatusConflict, current, f)
}

// formRows maps each edit of a patch back to the form's row it came from, by table,
// and the rows by the name they were given.
type formRows struct {
	byEdit map[string][]int
	byName map[string]map[string]int
}

// readSettingsForm reads the posted form, as typed, and the patch it asks for.
// Errors the form itself can tell (a number that is not one, an existing value left
// without a name) are in the form's Errors.
func readSettingsForm(r *http.Request, v *visit) (settingsForm, campaign.Patch, formRows) {
	f := settingsForm{Name: strings.TrimSpace(r.PostFormValue("name")), CallbackRequired: r.PostFormValue("callback_required") != "",
		Errors: map[string]string{}}
	f.Revision, _ = strconv.Atoi(r.PostFormValue("revision"))
	rev := f.Revision
	p := campaign.Patch{Revision: &rev, Name: &f.Name}
	readReportSettings(r, &f, &p)
	rows := formRows{byEdit: map[string][]int{}, byName: map[string]map[string]int{}}
	read := func(table string) []settingsRow {
		n, _ := strconv.Atoi(r.PostFormValue(table + "-rows"))
		out := make([]settingsRow, 0, min(n, 1000))
		for i := range min(n, 1000) {
			cell := func(part string) string {
				return strings.TrimSpace(r.PostFormValue(fmt.Sprintf("%s-%d-%s", table, i, part)))
			}
			out = append(out, settingsRow{Was: cell("was"), Name: cell("name"), Speed: cell("speed"), WorkingDays: cell("working_days"),
				Keywords: cell("keywords"), Aliases: cell("aliases"), Retired: cell("retired") != ""})
		}
		rows.byName[table] = map[string]int{}
		for i, row := range out {
			if row.blank() {
				continue
			}
			if row.Name == "" {
				f.Errors[fmt.Sprintf("%s-%d-name", table, i)] = v.T("set.err.name_required")
				continue
			}
			rows.byEdit[table] = append(rows.byEdit[table], i)
			rows.byName[table][row.Name] = i
		}
		return out
	}
	renamedFrom := func(row settingsRow) string {
		if row.Was != row.Name {
			return row.Was
		}
		return ""
	}
	f.Categories = read(tableCategories)
	p.Categories = []campaign.CategoryEdit{}
	for _, i := range rows.byEdit[tableCategories] {
		row := f.Categories[i]
		retired := row.Retired
		e := campaign.CategoryEdit{Name: row.Name, RenamedFrom: renamedFrom(row), Speed: domain.Speed(row.Speed),
			Keywords: splitList(row.Keywords), Aliases: splitList(row.Aliases), Retired: &retired}
		if row.WorkingDays != "" {
			days, err := strconv.Atoi(row.WorkingDays)
			if err != nil || days < 1 {
				f.Errors[fmt.Sprintf("%s-%d-working_days", tableCategories, i)] = v.T("camp.err.positive_days")
			}
			e.WorkingDays = &days
		}
		p.Categories = append(p.Categories, e)
	}
	values := func(table string) ([]settingsRow, []campaign.ValueEdit) {
		out := read(table)
		edits := []campaign.ValueEdit{}
		for _, i := range rows.byEdit[table] {
			row := out[i]
			retired := row.Retired
			edits = append(edits, campaign.ValueEdit{Name: row.Name, RenamedFrom: renamedFrom(row), Aliases: splitList(row.Aliases), Retired: &retired})
		}
		return out, edits
	}
	f.Departments, p.Departments = values(tableDepartments)
	f.Channels, p.Channels = values(tableChannels)

	var policy domain.Policy
	def := campaign.DefaultPolicy()
	defs := policyNumbers(&def)
	p.Policy = &campaign.PolicyEdit{CallbackRequired: &f.CallbackRequired}
	edits := map[string]**int{
		"sign_working_days": &p.Policy.SignWorkingDays, "due_soon_working_days": &p.Policy.DueSoonWorkingDays,
		"supervision_working_days": &p.Policy.SupervisionWorkingDays, "rework_working_days": &p.Policy.ReworkWorkingDays,
		"max_extensions": &p.Policy.MaxExtensions, "reopen_window_days": &p.Policy.ReopenWindowDays,
	}
	for i, n := range policyNumbers(&policy) {
		field := numberField{Name: n.name, Value: strings.TrimSpace(r.PostFormValue(n.name)), Default: *defs[i].v}
		f.Numbers = append(f.Numbers, field)
		x, err := strconv.Atoi(field.Value)
		if err != nil {
			f.Errors[n.name] = v.T("set.err.number")
			continue
		}
		*edits[n.name] = &x
	}
	return f, p, rows
}

// splitList splits a list typed with 、 , ， ; ； or line breaks (not spaces: a
// name may have them); never nil, so an emptied list clears the value's.
func splitList(s string) []string {
	out := []string{}
	for _, part := range strings.FieldsFunc(s, func(r rune) bool { return strings.ContainsRune("、,，;；\n\r", r) }) {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

// settingsField is a rule's field as the form names it: categories[2].speed (the
// patch's third category edit) or categories[服务态度].aliases (by name) become the
// form's cell, a whole table its name, policy.x its number's field.
var settingsField = regexp.MustCompile(`^(categories|departments|channels)(?:\[([^\]]*)\])?(?:\.(\w+))?$`)

var tableOf = map[string]string{"categories": tableCategories, "departments": tableDepartments, "channels": tableChannels}

// settingsFieldError turns a rule of campaign.Patch into the form field it is about
// ("" for the form as a whole) and its message in the visitor's language: the
// rule's own, with its values, as the API says it after the field.
func settingsFieldError(v *visit, fe *campaign.FieldError, rows formRows) (string, string) {
	msg := fe.Rule.In(v.Lang)
	if fe.Field == "name" {
		return "name", msg
	}
	if n, ok := strings.CutPrefix(fe.Field, "policy."); ok {
		return n, msg
	}
	m := settingsField.FindStringSubmatch(fe.Field)
	if m == nil {
		return "", msg
	}
	table := tableOf[m[1]]
	if m[2] == "" {
		return table + "-table", msg
	}
	row := -1
	if i, err := strconv.Atoi(m[2]); err == nil && i >= 0 && i < len(rows.byEdit[table]) {
		row = rows.byEdit[table][i]
	} else if i, ok := rows.byName[table][m[2]]; ok {
		row = i
	}
	part := m[3]
	switch part {
	case "", "renamed_from":
		part = "name"
	case "retired":
		part = "aliases"
	}
	if row < 0 {
		return table + "-table", msg
	}
	return fmt.Sprintf("%s-%d-%s", table, row, part), msg
}

// channelName is a channel as the pages show it.
func channelName(v *visit, name string) string {
	if label, ok := lookup(v.Lang, "channel."+name); ok {
		return label
	}
	return name
}

// changeRow is one recorded change as the campaign page lists it.
type changeRow struct {
	Revision            int
	When, Who           string
	What, Before, After string
	// First marks the first row of a revision: the page shows when and who once.
	First bool
}

// changesShown bounds the changes the campaign page lists (fields, newest first).
const changesShown = 200

// changeRows reads the recorded changes of a campaign, newest first, in the
// visitor's language.
func (s *Server) changeRows(ctx context.Context, v *visit, id string) ([]changeRow, error) {
	_, changes, err := s.svc.CampaignChanges(ctx, v.User, id, changesShown)
	if err != nil {
		return nil, err
	}
	when := funcs["when"].(func(time.Time) string)
	out := make([]changeRow, len(changes))
	for i, ch := range changes {
		what, kind, part := describeField(v, ch.Field)
		out[i] = changeRow{
			Revision: ch.Revision, When: when(ch.At), Who: ch.Actor,
			What: what, Before: describeValue(v, kind, part, ch.Before), After: describeValue(v, kind, part, ch.After),
			First: i == 0 || changes[i-1].Revision != ch.Revision,
		}
	}
	return out, nil
}

var changeField = regexp.MustCompile(`^(categories|departments|channels)\[(.*)\](?:\.(\w+))?$`)

// describeField names a changed setting: 类别“服务态度和效率”的整改时限. It also
// says which kind of value and which part of it the field is, for its values.
func describeField(v *visit, field string) (string, string, string) {
	if field == "name" {
		return v.T("camp.name"), "", "name"
	}
	if n, ok := strings.CutPrefix(field, "policy."); ok {
		return v.T("camp." + n), "policy", n
	}
	switch field {
	case "filing_unit":
		return v.T("set.filing_unit"), "", field
	case "reports":
		return v.T("set.reports"), "reports", ""
	}
	m := changeField.FindStringSubmatch(field)
	if m == nil {
		return field, "", ""
	}
	kind, name, part := m[1], m[2], m[3]
	if kind == "channels" {
		name = channelName(v, name)
	}
	if part == "" {
		return v.T("set.change.added", v.T("set.kind."+kind), name), kind, ""
	}
	return v.T("set.change.part", v.T("set.kind."+kind), name, v.T("set.part."+part)), kind, part
}

// describeValue shows a recorded value: lists joined, speeds and channels named,
// retirement and switches in words, nothing as a dash.
func describeValue(v *visit, kind, part string, val any) string {
	switch val := val.(type) {
	case nil:
		return "—"
	case bool:
		if part == "retired" {
			return v.T(map[bool]string{true: "set.retired", false: "set.in_use"}[val])
		}
		return v.T(map[bool]string{true: "camp.yes", false: "camp.no"}[val])
	case float64:
		return strconv.FormatFloat(val, 'f', -1, 64)
	case string:
		switch {
		case kind == "reports":
			every, day, _ := strings.Cut(val, ":")
			text := v.T("set.reports." + every)
			if n, err := strconv.Atoi(day); err == nil && every == campaign.ReportsWeekly {
				text += " " + v.T(weekdayKey(n))
			} else if err == nil {
				text += " " + day
			}
			return text
		case part == "speed":
			return v.T("speed." + val)
		case kind == "channels" && (part == "" || part == "name"):
			return channelName(v, val)
		}
		return val
	case []any:
		if len(val) == 0 {
			return "—"
		}
		parts := make([]string, len(val))
		for i, x := range val {
			parts[i] = fmt.Sprint(x)
		}
		return strings.Join(parts, v.T("punct.list"))
	}
	return fmt.Sprint(val)
}

// readReportSettings reads the filing unit and the report schedule, when the form
// has them, into the form and the patch.
func readReportSettings(r *http.Request, f *settingsForm, p *campaign.Patch) {
	if _, ok := r.PostForm["filing_unit"]; ok {
		f.FilingUnit = strings.TrimSpace(r.PostFormValue("filing_unit"))
		p.FilingUnit = &f.FilingUnit
	}
	every := r.PostFormValue("reports_every")
	if every == "" {
		return
	}
	f.ReportsEvery = every
	f.ReportsWeekday, _ = strconv.Atoi(r.PostFormValue("reports_weekday"))
	f.ReportsDay, _ = strconv.Atoi(r.PostFormValue("reports_day"))
	rs := campaign.ReportSchedule{Every: every}
	switch every {
	case campaign.ReportsWeekly:
		rs.Weekday = f.ReportsWeekday
	case campaign.ReportsMonthly:
		rs.Day = f.ReportsDay
	}
	p.Reports = &rs
}

// Weekdays are the weekdays a weekly report may be made on, Monday (1) first.
func (settingsForm) Weekdays() []int { return []int{1, 2, 3, 4, 5, 6, 7} }
