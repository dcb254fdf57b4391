package intake

import (
	"cmp"
	"strings"
	"unicode/utf8"

	"rectify/internal/campaign"
	"rectify/internal/domain"
	"rectify/internal/spreadsheet"
	"rectify/internal/text"
	"rectify/internal/web/i18n"
)

// People finds the rectify user a ledger names (by username, or by name when one
// user alone has it) among the holders of role; ok is false for anyone else.
type People func(name string, role domain.Role) (username string, ok bool)

// stateNames are the words ledgers use for how far an item has come, with the
// state each means. A state of not yet handled is no state: the row is an opinion
// to triage, as in any intake.
var stateNames = map[string]domain.State{
	"待交办": domain.StateCategorized, "已分类": domain.StateCategorized, "categorized": domain.StateCategorized,
	"已交办": domain.StateAssigned, "待签收": domain.StateAssigned, "assigned": domain.StateAssigned,
	"整改中": domain.StateInProgress, "正在整改": domain.StateInProgress, "办理中": domain.StateInProgress,
	"已签收": domain.StateInProgress, "持续整改中": domain.StateInProgress, "长期坚持": domain.StateInProgress,
	"in_progress": domain.StateInProgress,
	"待验收":         domain.StateSubmitted, "已提交": domain.StateSubmitted, "submitted": domain.StateSubmitted,
	"待回访": domain.StateAwaitingCallback, "awaiting_callback": domain.StateAwaitingCallback,
	"已销号": domain.StateClosed, "已办结": domain.StateClosed, "已完成": domain.StateClosed, "已整改": domain.StateClosed,
	"closed": domain.StateClosed,
	"待处理":    "", "未处理": "", "待分类": "", "已受理": "", "received": "",
}

// satisfactionNames are the follow-up call's answers as ledgers write them.
var satisfactionNames = map[string]string{
	"满意": domain.SatisfactionSatisfied, "satisfied": domain.SatisfactionSatisfied,
	"基本满意": domain.SatisfactionBasically, "basically": domain.SatisfactionBasically,
	"不满意": domain.SatisfactionDissatisfied, "dissatisfied": domain.SatisfactionDissatisfied,
}

// readProgress reads a row's progress columns (spreadsheet.FieldState and the
// ones after it): nil for a row without a state, which is an opinion to triage;
// otherwise where the item stands, checked so the opinion can start there — every
// step its state has passed has its day, the days follow one another and none is
// after today, and the people named are rectify's users who can act on it next.
// o is the row's opinion as Normalize left it.
func readProgress(f map[spreadsheet.Field]string, o Opinion, c campaign.Campaign, today string, people People) (*domain.Backfill, *FieldError) {
	written := text.Clean(f[spreadsheet.FieldState])
	state, known := stateNames[strings.ToLower(written)]
	switch {
	case written == "":
		return nil, nil
	case !known:
		return nil, &FieldError{"state", i18n.M("rule.state_unknown", quote(written))}
	case state == "":
		return nil, nil
	}
	reached := func(s domain.State) bool { return stateRank(state) >= stateRank(s) }
	b := &domain.Backfill{State: state, Category: o.Category, Department: o.Department,
		Measures: text.Clean(f[spreadsheet.FieldMeasures])}
	if b.Category == "" {
		if o.WrittenCategory != "" {
			return nil, &FieldError{"category", i18n.M("rule.under_way_category_unknown", quote(o.WrittenCategory))}
		}
		return nil, &FieldError{"category", i18n.M("rule.category_required_state")}
	}
	dates := map[spreadsheet.Field]*string{
		spreadsheet.FieldDeadline: &b.Deadline, spreadsheet.FieldAssignedOn: &b.AssignedOn,
		spreadsheet.FieldSubmittedOn: &b.SubmittedOn, spreadsheet.FieldVerifiedOn: &b.VerifiedOn,
		spreadsheet.FieldClosedOn: &b.ClosedOn,
	}
	// Each date column, the state from which it belongs, and whether that state needs it.
	steps := []struct {
		field    spreadsheet.Field
		from     domain.State
		required bool
	}{
		{spreadsheet.FieldAssignedOn, domain.StateAssigned, false},
		{spreadsheet.FieldDeadline, domain.StateAssigned, true},
		{spreadsheet.FieldSubmittedOn, domain.StateSubmitted, true},
		{spreadsheet.FieldVerifiedOn, domain.StateAwaitingCallback, true},
		{spreadsheet.FieldClosedOn, domain.StateClosed, false},
	}
	for _, s := range steps {
		v := f[s.field]
		switch {
		case v == "" && s.required && reached(s.from):
			return nil, &FieldError{string(s.field), i18n.M("rule.required_for", stateWords(state))}
		case v == "":
		case !reached(s.from):
			return nil, &FieldError{string(s.field), i18n.M("rule.not_that_far", stateWords(state))}
		case !isDate(v):
			return nil, &FieldError{string(s.field), i18n.M("rule.not_a_date", quote(v))}
		case s.field != spreadsheet.FieldDeadline && v > today:
			return nil, &FieldError{string(s.field), i18n.M("rule.date_future", v, today)}
		}
		*dates[s.field] = v
	}
	// The days follow one another: collected, assigned, submitted, verified, closed.
	order := []struct {
		field spreadsheet.Field
		day   string
	}{
		{spreadsheet.FieldCollectedAt, o.CollectedAt}, {spreadsheet.FieldAssignedOn, b.AssignedOn},
		{spreadsheet.FieldSubmittedOn, b.SubmittedOn}, {spreadsheet.FieldVerifiedOn, b.VerifiedOn},
		{spreadsheet.FieldClosedOn, b.ClosedOn},
	}
	last := order[0]
	for _, d := range order[1:] {
		if d.day == "" {
			continue
		}
		if d.day < last.day {
			return nil, &FieldError{string(d.field), i18n.M("rule.date_before", d.day, i18n.M("rule.day."+string(last.field)), last.day)}
		}
		last = d
	}
	if first := cmp.Or(b.AssignedOn, o.CollectedAt); b.Deadline != "" && b.Deadline < first {
		return nil, &FieldError{"deadline", i18n.M("rule.deadline_before_assigned", b.Deadline, first)}
	}
	if state == domain.StateCategorized {
		return b, nil
	}

	if b.Department == "" {
		if o.WrittenDepartment != "" {
			return nil, &FieldError{"department", i18n.M("rule.under_way_department_unknown", quote(o.WrittenDepartment))}
		}
		return nil, &FieldError{"department", i18n.M("rule.required_for", stateWords(state))}
	}
	live := state == domain.StateAssigned || state == domain.StateInProgress
	if live && c.Policy.DepartmentRetired(b.Department) {
		return nil, &FieldError{"department", i18n.M("rule.department_retired", quote(b.Department))}
	}
	var err *FieldError
	if b.Official, err = person(f, spreadsheet.FieldOfficial, domain.RoleOfficial, people, true); err != nil {
		return nil, err
	}
	if b.Leader, err = person(f, spreadsheet.FieldLeader, domain.RoleLeader, people, false); err != nil {
		return nil, err
	}
	if b.Leader != "" && b.Leader == b.Official {
		return nil, &FieldError{"leader", i18n.M("rule.leader_same")}
	}
	if reached(domain.StateSubmitted) && b.Measures == "" {
		return nil, &FieldError{"measures", i18n.M("rule.measures_required", stateWords(state))}
	}
	if n := utf8.RuneCountInString(b.Measures); n > domain.MaxMeasuresRunes {
		return nil, &FieldError{"measures", i18n.M("rule.measures_too_long", n, domain.MaxMeasuresRunes)}
	}
	if verifier := text.Clean(f[spreadsheet.FieldVerifier]); verifier != "" {
		if !reached(domain.StateAwaitingCallback) {
			return nil, &FieldError{"verifier", i18n.M("rule.verifier_not_yet", stateWords(state))}
		}
		b.Verifier = verifier
		if username, ok := people(verifier, domain.RoleVerifier); ok {
			b.Verifier = username
		} else if utf8.RuneCountInString(verifier) > campaign.MaxValueRunes {
			return nil, &FieldError{"verifier", i18n.M("rule.more_than", campaign.MaxValueRunes)}
		}
	}
	return b, satisfaction(f, b, c.Policy)
}

// satisfaction reads the follow-up call that closed the item, if any.
func satisfaction(f map[spreadsheet.Field]string, b *domain.Backfill, p domain.Policy) *FieldError {
	written := text.Clean(f[spreadsheet.FieldSatisfaction])
	if written == "" {
		if b.State != domain.StateClosed {
			return nil
		}
		if p.CallbackRequired {
			return &FieldError{"satisfaction", i18n.M("rule.satisfaction_required")}
		}
		if b.ClosedOn != "" && b.ClosedOn != b.VerifiedOn {
			return &FieldError{"closed_on", i18n.M("rule.closed_not_verified_day", b.ClosedOn, b.VerifiedOn)}
		}
		return nil
	}
	value, ok := satisfactionNames[strings.ToLower(written)]
	switch {
	case !ok:
		return &FieldError{"satisfaction", i18n.M("rule.satisfaction_unknown", quote(written))}
	case b.State != domain.StateClosed:
		return &FieldError{"satisfaction", i18n.M("rule.satisfaction_no_callback", stateWords(b.State))}
	case value == domain.SatisfactionDissatisfied:
		return &FieldError{"satisfaction", i18n.M("rule.dissatisfied_closed")}
	}
	b.Satisfaction = value
	return nil
}

// person reads a column that names a rectify user of role.
func person(f map[spreadsheet.Field]string, field spreadsheet.Field, role domain.Role, people People, required bool) (string, *FieldError) {
	written := text.Clean(f[field])
	if written == "" {
		if required {
			return "", &FieldError{string(field), i18n.M("rule.person_required")}
		}
		return "", nil
	}
	username, ok := people(written, role)
	if !ok {
		return "", &FieldError{string(field), i18n.M("rule.person_unknown", quote(written), i18n.M("role."+string(role)))}
	}
	return username, nil
}

// stateRank orders the states an item may be brought in at.
func stateRank(s domain.State) int {
	for i, b := range domain.BackfillStates {
		if b == s {
			return i
		}
	}
	return -1
}

// stateWords says how far an item of a state has come, for messages; the date
// columns' days are rule.day.<field>.
func stateWords(s domain.State) i18n.Message { return i18n.M("rule.state_words." + string(s)) }

func isDate(v string) bool {
	d, ok := spreadsheet.ParseDate(v)
	return ok && d == v
}
