package domain

import (
	"errors"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"go.temporal.io/sdk/temporal"

	"rectify/internal/web/i18n"
)

// Limits on free text a person types into an action, and on the names and values
// the other fields carry (a category, a username, a date). MaxMeasuresRunes bounds
// measures and evidence an import brings in as well.
const (
	maxReasonRunes   = 2000
	MaxMeasuresRunes = 4000
	maxNameRunes     = 200
)

// Bounds on every date an action names (docs/rules.md). A date outside them is a
// typing slip, never a plan, and beyond them the calendar's arithmetic and the
// projection's times are no longer safe.
const (
	// EarliestDate is the earliest date an action may name.
	EarliestDate = "2000-01-01"
	// YearsAhead is how many years after today a date may lie at most.
	YearsAhead = 5
)

// MaxAttachmentsPerAction bounds the evidence files one action carries: a round's
// photos and documents, not an archive.
const MaxAttachmentsPerAction = 20

// MaxReportEveryMonths bounds how rarely a long-term item reports its progress: at
// least once a year.
const MaxReportEveryMonths = 12

// maxOffsetSeconds bounds a campaign's UTC offset: real time zones lie within ±14 h.
const maxOffsetSeconds = 14 * 3600

// LatestDate is the latest date an action may name on the campaign-local day today
// (YYYY-MM-DD): YearsAhead years later.
func LatestDate(today string) string {
	t, err := time.Parse(DateLayout, today)
	if err != nil {
		return ""
	}
	return t.AddDate(YearsAhead, 0, 0).Format(DateLayout)
}

// ruleError is a rejected action: the kind (ErrForbidden, ErrConflict, ErrInvalid),
// a stable code a UI can translate, and a message a person can act on — the
// catalogue's text with the rule's values, as the English message and, stored
// (i18n.Message.Stored), as the second detail: the service reads it back to word
// the refusal in each caller's language (RuleText).
func ruleError(kind, code string, text i18n.Message) error {
	// Stored writes the message's key and values (strings, numbers, messages) with
	// encoding/json, which workflowcheck takes for non-deterministic because it can
	// marshal maps; a message holds none, so the same refusal is always the same text.
	stored := text.Stored() //workflowcheck:ignore
	return temporal.NewApplicationErrorWithOptions(text.In(i18n.English), kind,
		temporal.ApplicationErrorOptions{NonRetryable: true, Details: []any{code, stored}})
}

func forbidden(code, key string, args ...any) error {
	return ruleError(ErrForbidden, code, i18n.M(key, args...))
}

func conflict(code, key string, args ...any) error {
	return ruleError(ErrConflict, code, i18n.M(key, args...))
}

func invalid(code, key string, args ...any) error {
	return ruleError(ErrInvalid, code, i18n.M(key, args...))
}

// RuleText is the text a rule error of this package carries (see ruleError), for
// the service to word it in its reader's language; false for another error, or a
// rejection made before rules carried their text.
func RuleText(err error) (i18n.Message, bool) {
	var appErr *temporal.ApplicationError
	var code, stored string
	if !errors.As(err, &appErr) || !appErr.HasDetails() || appErr.Details(&code, &stored) != nil {
		return i18n.Message{}, false
	}
	return i18n.Parse(stored)
}

// fieldName is a field of an action's body as a refusal names it: as the API
// spells it in English, by its label in Chinese.
func fieldName(field string) i18n.Message { return i18n.M("api.field." + field) }

// actionName is an action as a refusal names it: by its label in each language.
func actionName(a Action) i18n.Message { return i18n.M("action." + string(a)) }

// allowedFrom lists the states each action may start from.
var allowedFrom = map[Action][]State{
	ActionCategorize:       {StateReceived, StateCategorized, StateReturned},
	ActionMerge:            {StateReceived, StateCategorized, StateReturned},
	ActionReject:           {StateReceived, StateCategorized, StateReturned},
	ActionAssign:           {StateCategorized, StateReturned},
	ActionResolve:          {StateReceived, StateCategorized, StateReturned},
	ActionSign:             {StateAssigned},
	ActionReturn:           {StateAssigned, StateInProgress},
	ActionRequestExtension: {StateAssigned, StateInProgress},
	ActionDecideExtension:  {StateAssigned, StateInProgress},
	ActionSubmit:           {StateInProgress},
	ActionReportProgress:   {StateInProgress},
	ActionConclude:         {StateInProgress},
	ActionVerify:           {StateSubmitted},
	ActionCallback:         {StateAwaitingCallback},
	ActionReopen:           {StateAwaitingCallback, StateClosed},
	ActionCancel: {StateReceived, StateCategorized, StateAssigned, StateInProgress, StateSubmitted,
		StateAwaitingCallback, StateReturned},
	ActionGroup:      {StateReceived, StateCategorized, StateReturned},
	ActionContribute: {StateAssigned, StateInProgress},
}

// opinionOnly are the actions that concern a citizen's opinion and never a task:
// intake, grouping and the follow-up call. A task is assigned when it is made and
// cancelled with nothing (its problem answers for it).
var opinionOnly = []Action{ActionCategorize, ActionMerge, ActionReject, ActionResolve, ActionCallback,
	ActionReopen, ActionCancel, ActionGroup}

// Check checks an action against the actor, the opinion's state and the input,
// by the policy the request carries or else the opinion's own (see EffectivePolicy).
// It reads state only: a rejection writes nothing to the workflow's history.
//
// bounded applies the bounds on dates, text and the campaign's offset
// (docs/rules.md). Validators always apply them (Temporal does not run validators on
// replay, so they may tighten); the handler's own re-check applies them only in
// executions begun with them, so that an action recorded before replays as it ran.
func Check(o *Opinion, p Policy, action Action, req ActionRequest, now time.Time, bounded bool) error {
	if err := Permitted(o, action, req.Actor); err != nil {
		return err
	}
	if req.Policy != nil && len(req.Policy.Categories) == 0 {
		return invalid("policy_invalid", "api.policy_invalid")
	}
	p = EffectivePolicy(p, req)
	if bounded && computesDeadline(action) {
		// A deadline's moments are kept in the campaign's time, which must be one
		// that can be written down.
		if off := p.UTCOffsetSeconds; off < -maxOffsetSeconds || off > maxOffsetSeconds {
			return invalid("campaign_offset_invalid", "api.campaign_offset_invalid", off)
		}
	}
	if err := checkInput(o, p, action, req, now, bounded); err != nil {
		return err
	}
	if err := checkAttachments(o, action, req.Body.Attachments); err != nil {
		return err
	}
	if bounded {
		return checkLengths(req.Body)
	}
	return nil
}

// computesDeadline reports whether the action may set a deadline on the calendar.
func computesDeadline(a Action) bool {
	switch a {
	case ActionAssign, ActionDecideExtension, ActionVerify, ActionCallback, ActionReopen:
		return true
	}
	return false
}

// Validate is the whole validator of an action, as the workflow runs it.
func Validate(o *Opinion, p Policy, action Action, req ActionRequest, now time.Time) error {
	return Check(o, p, action, req, now, true)
}

// checkDates checks the date an action names: an assignment's deadline (a past
// one is allowed: an office moving its existing ledger in assigns items that are
// already late, and the ladder catches up at once), an extension's date and a
// reopened item's deadline, from today. latest is "" when dates are unbounded.
func checkDates(o *Opinion, action Action, b ActionBody, today, latest string) error {
	switch {
	case action == ActionAssign && b.Deadline != "":
		return checkDate("deadline", b.Deadline, o.CollectedAt, latest)
	case action == ActionRequestExtension:
		return checkFutureDate("until", b.Until, today, latest)
	case action == ActionReopen && b.Deadline != "":
		return checkFutureDate("deadline", b.Deadline, today, latest)
	}
	return nil
}

// checkLengths bounds every field of the body, whether the action reads it or not:
// everything sent is recorded in the opinion's history.
func checkLengths(b ActionBody) error {
	for _, err := range []error{
		optionalText("reason", b.Reason, maxReasonRunes),
		optionalText("note", b.Note, maxReasonRunes),
		optionalText("measures", b.Measures, MaxMeasuresRunes),
		optionalText("evidence", b.Evidence, MaxMeasuresRunes),
		optionalText("category", b.Category, maxNameRunes),
		optionalText("into", b.Into, maxNameRunes),
		optionalText("department", b.Department, maxNameRunes),
		optionalText("official", b.Official, maxNameRunes),
		optionalText("leader", b.Leader, maxNameRunes),
		optionalText("deadline", b.Deadline, len(DateLayout)),
		optionalText("until", b.Until, len(DateLayout)),
		optionalText("fixed_on", b.FixedOn, len(DateLayout)),
		optionalText("satisfaction", b.Satisfaction, maxNameRunes),
		optionalText("next", b.Next, MaxMeasuresRunes),
	} {
		if err != nil {
			return err
		}
	}
	return nil
}

// checkAttachments checks the evidence files an action carries: only the actions
// that submit evidence take them, at most MaxAttachmentsPerAction, each a complete
// reference (the service fills them in from what it stored), listed once, and not
// one a round or report of this opinion already holds — a file is evidence of one
// submission. An opinion begun before rounds were kept cannot hold files.
func checkAttachments(o *Opinion, action Action, refs []AttachmentRef) error {
	if len(refs) == 0 {
		return nil
	}
	if !slices.Contains(EvidenceActions, action) {
		return invalid("attachments_not_taken", "api.attachments_not_taken", actionName(action))
	}
	if len(refs) > MaxAttachmentsPerAction {
		return invalid("attachments_too_many", "api.attachments_too_many", len(refs), MaxAttachmentsPerAction)
	}
	if o.HighestLevel == "" {
		return conflict("attachments_unsupported", "api.attachments_unsupported")
	}
	used := map[string]i18n.Message{}
	for i, r := range o.Rounds {
		for _, a := range r.Attachments {
			used[a.ID] = i18n.M("api.used_in_round", i+1)
		}
	}
	for i, r := range o.Reports {
		for _, a := range r.Attachments {
			used[a.ID] = i18n.M("api.used_in_report", i+1)
		}
	}
	if o.Task != nil {
		for i, c := range o.Task.Contributions {
			for _, a := range c.Attachments {
				used[a.ID] = i18n.M("api.used_in_contribution", i+1)
			}
		}
	}
	seen := map[string]bool{}
	for i, a := range refs {
		if uuid.Validate(a.ID) != nil || len(a.ID) != 36 {
			return invalid("attachment_invalid", "api.attachment_not_an_id", i, a.ID)
		}
		if a.Name == "" || utf8.RuneCountInString(a.Name) > maxNameRunes || a.ContentType == "" || len(a.ContentType) > maxNameRunes ||
			a.Size <= 0 || len(a.SHA256) != 64 || strings.Trim(a.SHA256, "0123456789abcdef") != "" {
			return invalid("attachment_invalid", "api.attachment_incomplete", i, a.ID)
		}
		if seen[a.ID] {
			return invalid("attachment_repeated", "api.attachment_repeated", a.ID)
		}
		seen[a.ID] = true
		if where, ok := used[a.ID]; ok {
			return conflict("attachment_used", "api.attachment_used", a.ID, a.Name, where)
		}
	}
	return nil
}

// EffectivePolicy is the policy an action is checked and computed by: the campaign's
// current one when the request carries it, else the opinion's own copy. Requests
// recorded before requests carried one replay with the copy, as they ran.
func EffectivePolicy(own Policy, req ActionRequest) Policy {
	if req.Policy != nil {
		return *req.Policy
	}
	return own
}

// Permitted is the part of the validator that needs no input: may this actor take
// this action on the opinion in its current state. Callers that check more before
// the Update (people, other opinions) ask it first, so a refusal reads the same
// whichever layer gives it.
func Permitted(o *Opinion, action Action, a Actor) error {
	if a.Username == "" {
		return forbidden("no_actor", "api.no_actor")
	}
	if o.Task != nil && slices.Contains(opinionOnly, action) {
		return conflict("task_action", "api.task_action", actionName(action))
	}
	if err := checkRole(o, action, a); err != nil {
		return err
	}
	if o.Task == nil && action == ActionContribute {
		return conflict("not_a_task", "api.not_a_task")
	}
	if !stateAllows(action, o.State) {
		return conflict("wrong_state", "api.wrong_state", actionName(action), i18n.M("state."+string(o.State)))
	}
	return nil
}

func stateAllows(action Action, s State) bool {
	for _, allowed := range allowedFrom[action] {
		if allowed == s {
			return true
		}
	}
	return false
}

func checkRole(o *Opinion, action Action, a Actor) error {
	switch action {
	case ActionCategorize, ActionMerge, ActionReject, ActionAssign, ActionResolve, ActionCallback, ActionCancel, ActionGroup:
		if !a.Has(RoleOffice) {
			return forbidden("office_only", "api.office_only", actionName(action))
		}
	case ActionSign, ActionReturn, ActionRequestExtension, ActionSubmit, ActionReportProgress:
		if !a.Has(RoleOfficial) {
			return forbidden("official_only", "api.official_only", actionName(action))
		}
		if o.Official != "" && a.Username != o.Official {
			return forbidden("not_assignee", "api.not_assignee", actionName(action))
		}
	case ActionDecideExtension, ActionReopen, ActionConclude:
		if !a.Has(RoleOffice) && !(a.Has(RoleLeader) && (o.Leader == "" || a.Username == o.Leader)) {
			return forbidden("office_or_leader", "api.office_or_leader", actionName(action))
		}
	case ActionContribute:
		// A co-unit's official adds its part; the office may record it for them.
		if !a.Has(RoleOffice) && !(a.Has(RoleOfficial) && o.Task != nil && slices.Contains(o.Task.CoUnits, a.Department)) {
			return forbidden("co_unit_only", "api.co_unit_only")
		}
	case ActionVerify:
		if !a.Has(RoleVerifier) {
			return forbidden("verifier_only", "api.verifier_only")
		}
		if a.Username == o.SubmittedBy || a.Username == o.Official {
			return forbidden("own_fix", "api.own_fix")
		}
	default:
		return invalid("unknown_action", "api.unknown_action", string(action))
	}
	return nil
}

func checkInput(o *Opinion, p Policy, action Action, req ActionRequest, now time.Time, bounded bool) error {
	b := req.Body
	today := now.In(p.Location()).Format(DateLayout)
	// latest is the latest date an action may name today ("" when unbounded).
	latest := ""
	if bounded {
		latest = LatestDate(today)
	}
	switch action {
	case ActionCategorize:
		return checkCategory(p, b.Category)
	case ActionMerge:
		if b.Into == "" {
			return invalid("into_required", "api.into_required")
		}
		if b.Into == o.ID {
			return invalid("merge_self", "api.merge_self")
		}
	case ActionReject, ActionCancel, ActionReturn:
		return requireText("reason", b.Reason, maxReasonRunes)
	case ActionGroup:
		if b.Problem == "" {
			return invalid("problem_required", "api.problem_required")
		}
		if b.Category != "" { // the problem's, which an opinion not yet categorized takes
			if err := checkCategory(p, b.Category); err != nil {
				return err
			}
		}
		return optionalText("problem", b.Problem, maxNameRunes)
	case ActionContribute:
		if strings.TrimSpace(b.Note) == "" && strings.TrimSpace(b.Evidence) == "" && len(b.Attachments) == 0 {
			return invalid("contribution_required", "api.contribution_required")
		}
	case ActionAssign:
		if o.Category == "" {
			return conflict("not_categorized", "api.not_categorized")
		}
		if err := checkResponsible(p, b); err != nil {
			return err
		}
		if b.Leader == "" {
			return invalid("leader_required", "api.leader_required")
		}
		if n := b.ReportEveryMonths; n != 0 {
			if cat, _ := p.CategoryOf(o.Category); cat.Speed != SpeedLongTerm {
				return invalid("report_every_months_not_long_term", "api.report_every_months_not_long_term", o.Category)
			}
			if n < 1 || n > MaxReportEveryMonths {
				return invalid("report_every_months_invalid", "api.report_every_months_invalid", MaxReportEveryMonths, n)
			}
		}
		if err := optionalText("measures", b.Measures, MaxMeasuresRunes); err != nil {
			return err
		}
		return checkDates(o, action, b, today, latest)
	case ActionResolve:
		// What was fixed must have a category, for the figures: the one confirmed, or
		// one named now.
		if b.Category != "" || o.Category == "" {
			if err := checkCategory(p, b.Category); err != nil {
				return err
			}
		}
		if err := checkResponsible(p, b); err != nil {
			return err
		}
		if err := requireText("measures", b.Measures, MaxMeasuresRunes); err != nil {
			return err
		}
		if err := requireText("evidence", b.Evidence, MaxMeasuresRunes); err != nil {
			return err
		}
		if err := checkDate("fixed_on", b.FixedOn, o.CollectedAt, latest); err != nil {
			return err
		}
		if b.FixedOn > today {
			return invalid("fixed_on_future", "api.fixed_on_future", b.FixedOn, today)
		}
	case ActionRequestExtension:
		if err := requireText("reason", b.Reason, maxReasonRunes); err != nil {
			return err
		}
		if o.PendingExtension != nil {
			return conflict("extension_pending", "api.extension_pending", o.PendingExtension.Until)
		}
		if o.Extensions >= p.MaxExtensions {
			return conflict("extension_limit", "api.extension_limit", p.MaxExtensions, o.Extensions)
		}
		if err := checkDates(o, action, b, today, latest); err != nil {
			return err
		}
		if b.Until <= o.Schedule.Deadline {
			return invalid("until_not_later", "api.until_not_later", b.Until, o.Schedule.Deadline)
		}
	case ActionDecideExtension:
		if o.PendingExtension == nil {
			return conflict("no_extension_pending", "api.no_extension_pending")
		}
		if b.Approve == nil {
			return invalid("approve_required", "api.approve_required")
		}
		if !*b.Approve {
			return requireText("reason", b.Reason, maxReasonRunes)
		}
		// A request made before dates were bounded may name one the ladder cannot
		// reach; it can be refused, never approved.
		if until := o.PendingExtension.Until; latest != "" && until > latest {
			return invalid("until_too_far", "api.until_too_far", until, YearsAhead, latest)
		}
		return optionalText("reason", b.Reason, maxReasonRunes)
	case ActionSubmit:
		if o.LongTerm {
			return conflict("long_term_track", "api.long_term_track")
		}
		if err := requireText("measures", b.Measures, MaxMeasuresRunes); err != nil {
			return err
		}
		return requireText("evidence", b.Evidence, MaxMeasuresRunes)
	case ActionReportProgress:
		if !o.LongTerm {
			return conflict("not_long_term", "api.not_long_term_report")
		}
		if err := requireText("measures", b.Measures, MaxMeasuresRunes); err != nil {
			return err
		}
		if err := requireText("next", b.Next, MaxMeasuresRunes); err != nil {
			return err
		}
		if b.Percent == nil {
			return invalid("percent_required", "api.percent_required")
		}
		if *b.Percent < 0 || *b.Percent > 100 {
			return invalid("percent_invalid", "api.percent_invalid", *b.Percent)
		}
	case ActionConclude:
		if !o.LongTerm {
			return conflict("not_long_term", "api.not_long_term_conclude")
		}
		if err := requireText("measures", b.Measures, MaxMeasuresRunes); err != nil {
			return err
		}
		return requireText("evidence", b.Evidence, MaxMeasuresRunes)
	case ActionVerify:
		if b.Pass == nil {
			return invalid("pass_required", "api.pass_required")
		}
		if !*b.Pass {
			return requireText("reason", b.Reason, maxReasonRunes)
		}
		return optionalText("reason", b.Reason, maxReasonRunes)
	case ActionCallback:
		switch b.Satisfaction {
		case SatisfactionSatisfied, SatisfactionBasically, SatisfactionDissatisfied:
		default:
			return invalid("satisfaction_invalid", "api.satisfaction_invalid", b.Satisfaction)
		}
		if b.Satisfaction == SatisfactionDissatisfied {
			return requireText("note", b.Note, maxReasonRunes)
		}
		return optionalText("note", b.Note, maxReasonRunes)
	case ActionReopen:
		if err := requireText("reason", b.Reason, maxReasonRunes); err != nil {
			return err
		}
		if o.Official == "" {
			return conflict("no_official", "api.no_official")
		}
		return checkDates(o, action, b, today, latest)
	}
	return nil
}

// checkCategory accepts a category of the campaign that takes new opinions.
func checkCategory(p Policy, name string) error {
	if name == "" {
		return invalid("category_required", "api.text_required", fieldName("category"))
	}
	cat, ok := p.Category(name)
	if !ok {
		return invalid("unknown_category", "api.unknown_category", name)
	}
	if cat.Retired {
		return invalid("retired_category", "api.retired_category", name)
	}
	return nil
}

// checkResponsible checks who answers for a fix: a department of the campaign that
// takes new work, an official, and a leader (when named) other than the official.
func checkResponsible(p Policy, b ActionBody) error {
	if b.Department == "" {
		return invalid("department_required", "api.text_required", fieldName("department"))
	}
	if !p.HasDepartment(b.Department) {
		return invalid("unknown_department", "api.unknown_department", b.Department)
	}
	if p.DepartmentRetired(b.Department) {
		return invalid("retired_department", "api.retired_department", b.Department)
	}
	if b.Official == "" {
		return invalid("official_required", "api.official_required")
	}
	if b.Leader != "" && b.Official == b.Leader {
		return invalid("leader_is_official", "api.leader_is_official")
	}
	return nil
}

func requireText(field, value string, max int) error {
	if strings.TrimSpace(value) == "" {
		return invalid(field+"_required", "api.text_required", fieldName(field))
	}
	return optionalText(field, value, max)
}

func optionalText(field, value string, max int) error {
	if n := utf8.RuneCountInString(value); n > max {
		return invalid(field+"_too_long", "api.text_too_long", fieldName(field), n, max)
	}
	return nil
}

// checkFutureDate accepts a YYYY-MM-DD date from today to latest.
func checkFutureDate(field, value, today, latest string) error {
	if err := checkDate(field, value, "", latest); err != nil {
		return err
	}
	if value < today {
		return invalid(field+"_past", "api.date_past", fieldName(field), value, today)
	}
	return nil
}

// checkDate accepts a YYYY-MM-DD date no earlier than notBefore (when that is a
// date) and, when latest is set, from EarliestDate to latest.
func checkDate(field, value, notBefore, latest string) error {
	if value == "" {
		return invalid(field+"_required", "api.date_required", fieldName(field))
	}
	if _, err := time.Parse(DateLayout, value); err != nil {
		return invalid(field+"_format", "api.date_format", fieldName(field), value)
	}
	if latest != "" && value < EarliestDate {
		return invalid(field+"_too_early", "api.date_too_early", fieldName(field), value, EarliestDate)
	}
	if _, err := time.Parse(DateLayout, notBefore); err == nil && value < notBefore {
		return invalid(field+"_before_collected", "api.date_before_collected", fieldName(field), value, notBefore)
	}
	if latest != "" && value > latest {
		return invalid(field+"_too_far", "api.date_too_far", fieldName(field), value, YearsAhead, latest)
	}
	return nil
}

// Allowed lists the actions the actor may take on the opinion now, judged by the same
// role, person and state rules the validators apply (input is checked on submit).
// Pages use it to offer only what would be accepted: nothing once the opinion's
// process has ended (Archived).
func Allowed(o *Opinion, p Policy, a Actor) []Action {
	var out []Action
	if o.Archived() {
		return nil
	}
	for _, action := range Actions {
		if checkRole(o, action, a) != nil || !stateAllows(action, o.State) {
			continue
		}
		switch {
		case action == ActionAssign && o.Category == "",
			action == ActionRequestExtension && (o.PendingExtension != nil || o.Extensions >= p.MaxExtensions),
			action == ActionDecideExtension && o.PendingExtension == nil,
			action == ActionReopen && o.Official == "",
			action == ActionSubmit && o.LongTerm,
			action == ActionContribute && o.Task == nil,
			o.Task != nil && slices.Contains(opinionOnly, action),
			(action == ActionReportProgress || action == ActionConclude) && !o.LongTerm:
			continue
		}
		out = append(out, action)
	}
	return out
}
