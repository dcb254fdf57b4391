package domain

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"go.temporal.io/sdk/temporal"
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

// RuleError is a rejected action: the kind (ErrForbidden, ErrConflict, ErrInvalid),
// a stable code a UI can translate, and a message a person can act on.
func ruleError(kind, code, format string, args ...any) error {
	return temporal.NewApplicationErrorWithOptions(fmt.Sprintf(format, args...), kind,
		temporal.ApplicationErrorOptions{NonRetryable: true, Details: []any{code}})
}

func forbidden(code, format string, args ...any) error {
	return ruleError(ErrForbidden, code, format, args...)
}

func conflict(code, format string, args ...any) error {
	return ruleError(ErrConflict, code, format, args...)
}

func invalid(code, format string, args ...any) error {
	return ruleError(ErrInvalid, code, format, args...)
}

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
		return invalid("policy_invalid", "the campaign's policy sent with the action has no categories")
	}
	p = EffectivePolicy(p, req)
	if bounded && computesDeadline(action) {
		// A deadline's moments are kept in the campaign's time, which must be one
		// that can be written down.
		if off := p.UTCOffsetSeconds; off < -maxOffsetSeconds || off > maxOffsetSeconds {
			return invalid("campaign_offset_invalid", "the campaign's UTC offset (%d seconds) is outside ±14 hours; correct the campaign's settings", off)
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
		return invalid("attachments_not_taken", "%s takes no attachments; files go with submit, resolve, report-progress, conclude or contribute", action)
	}
	if len(refs) > MaxAttachmentsPerAction {
		return invalid("attachments_too_many", "%d files are attached; one action takes at most %d", len(refs), MaxAttachmentsPerAction)
	}
	if o.HighestLevel == "" {
		return conflict("attachments_unsupported", "this opinion began before rectify kept each round of a fix, so it cannot keep files with one; describe the evidence in words instead")
	}
	used := map[string]string{}
	for i, r := range o.Rounds {
		for _, a := range r.Attachments {
			used[a.ID] = fmt.Sprintf("round %d", i+1)
		}
	}
	for i, r := range o.Reports {
		for _, a := range r.Attachments {
			used[a.ID] = fmt.Sprintf("progress report %d", i+1)
		}
	}
	if o.Task != nil {
		for i, c := range o.Task.Contributions {
			for _, a := range c.Attachments {
				used[a.ID] = fmt.Sprintf("contribution %d", i+1)
			}
		}
	}
	seen := map[string]bool{}
	for i, a := range refs {
		if uuid.Validate(a.ID) != nil || len(a.ID) != 36 {
			return invalid("attachment_invalid", "attachments[%d]: %q is not an attachment id; upload the file first and send the id it is given", i, a.ID)
		}
		if a.Name == "" || utf8.RuneCountInString(a.Name) > maxNameRunes || a.ContentType == "" || len(a.ContentType) > maxNameRunes ||
			a.Size <= 0 || len(a.SHA256) != 64 || strings.Trim(a.SHA256, "0123456789abcdef") != "" {
			return invalid("attachment_invalid", "attachments[%d] (%s) is not a complete reference to a stored file: it needs its name, content type, size and SHA-256", i, a.ID)
		}
		if seen[a.ID] {
			return invalid("attachment_repeated", "attachment %s is listed twice", a.ID)
		}
		seen[a.ID] = true
		if where, ok := used[a.ID]; ok {
			return conflict("attachment_used", "attachment %s (%s) is already evidence of %s; upload the file again to attach it here too", a.ID, a.Name, where)
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
		return forbidden("no_actor", "the action has no authenticated user")
	}
	if o.Task != nil && slices.Contains(opinionOnly, action) {
		return conflict("task_action", "a task does not take %s; that is an action on a citizen's opinion", action)
	}
	if err := checkRole(o, action, a); err != nil {
		return err
	}
	if o.Task == nil && action == ActionContribute {
		return conflict("not_a_task", "only a task of a problem takes a co-unit's contribution")
	}
	if !stateAllows(action, o.State) {
		return conflict("wrong_state", "cannot %s an opinion that is %s", action, o.State)
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
			return forbidden("office_only", "only the campaign office may %s an opinion", action)
		}
	case ActionSign, ActionReturn, ActionRequestExtension, ActionSubmit, ActionReportProgress:
		if !a.Has(RoleOfficial) {
			return forbidden("official_only", "only a responsible official may %s an opinion", action)
		}
		if o.Official != "" && a.Username != o.Official {
			return forbidden("not_assignee", "this opinion is assigned to another official; only they may %s it", action)
		}
	case ActionDecideExtension, ActionReopen, ActionConclude:
		if !a.Has(RoleOffice) && !(a.Has(RoleLeader) && (o.Leader == "" || a.Username == o.Leader)) {
			return forbidden("office_or_leader", "only the campaign office or the responsible leader may %s", action)
		}
	case ActionContribute:
		// A co-unit's official adds its part; the office may record it for them.
		if !a.Has(RoleOffice) && !(a.Has(RoleOfficial) && o.Task != nil && slices.Contains(o.Task.CoUnits, a.Department)) {
			return forbidden("co_unit_only", "only an official of a co-unit of this task (or the office) may add a contribution")
		}
	case ActionVerify:
		if !a.Has(RoleVerifier) {
			return forbidden("verifier_only", "only a verifier may verify a fix")
		}
		if a.Username == o.SubmittedBy || a.Username == o.Official {
			return forbidden("own_fix", "a verifier may not verify a fix they submitted or are responsible for")
		}
	default:
		return invalid("unknown_action", "unknown action %q", action)
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
			return invalid("into_required", "into (the opinion to merge into) is required")
		}
		if b.Into == o.ID {
			return invalid("merge_self", "an opinion cannot be merged into itself")
		}
	case ActionReject, ActionCancel, ActionReturn:
		return requireText("reason", b.Reason, maxReasonRunes)
	case ActionGroup:
		if b.Problem == "" {
			return invalid("problem_required", "problem (the problem to group the opinion into) is required")
		}
		if b.Category != "" { // the problem's, which an opinion not yet categorized takes
			if err := checkCategory(p, b.Category); err != nil {
				return err
			}
		}
		return optionalText("problem", b.Problem, maxNameRunes)
	case ActionContribute:
		if strings.TrimSpace(b.Note) == "" && strings.TrimSpace(b.Evidence) == "" && len(b.Attachments) == 0 {
			return invalid("contribution_required", "a contribution needs a note, evidence or a file")
		}
	case ActionAssign:
		if o.Category == "" {
			return conflict("not_categorized", "confirm a category before assigning")
		}
		if err := checkResponsible(p, b); err != nil {
			return err
		}
		if b.Leader == "" {
			return invalid("leader_required", "leader (the responsible leader's username) is required")
		}
		if n := b.ReportEveryMonths; n != 0 {
			if cat, _ := p.CategoryOf(o.Category); cat.Speed != SpeedLongTerm {
				return invalid("report_every_months_not_long_term", "report_every_months is for items of a long-term category; %q is not one", o.Category)
			}
			if n < 1 || n > MaxReportEveryMonths {
				return invalid("report_every_months_invalid", "report_every_months must be from 1 to %d, not %d", MaxReportEveryMonths, n)
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
			return invalid("fixed_on_future", "fixed_on %s is after today (%s); record a fix on the spot once it is done", b.FixedOn, today)
		}
	case ActionRequestExtension:
		if err := requireText("reason", b.Reason, maxReasonRunes); err != nil {
			return err
		}
		if o.PendingExtension != nil {
			return conflict("extension_pending", "an extension request until %s is already waiting for a decision", o.PendingExtension.Until)
		}
		if o.Extensions >= p.MaxExtensions {
			return conflict("extension_limit", "this campaign allows at most %d extensions and %d have been granted", p.MaxExtensions, o.Extensions)
		}
		if err := checkDates(o, action, b, today, latest); err != nil {
			return err
		}
		if b.Until <= o.Schedule.Deadline {
			return invalid("until_not_later", "until (%s) must be after the current deadline %s", b.Until, o.Schedule.Deadline)
		}
	case ActionDecideExtension:
		if o.PendingExtension == nil {
			return conflict("no_extension_pending", "there is no extension request to decide")
		}
		if b.Approve == nil {
			return invalid("approve_required", "approve (true or false) is required")
		}
		if !*b.Approve {
			return requireText("reason", b.Reason, maxReasonRunes)
		}
		// A request made before dates were bounded may name one the ladder cannot
		// reach; it can be refused, never approved.
		if until := o.PendingExtension.Until; latest != "" && until > latest {
			return invalid("until_too_far", "the requested date %s is more than %d years ahead (the latest date accepted today is %s); refuse the request and ask for another date", until, YearsAhead, latest)
		}
		return optionalText("reason", b.Reason, maxReasonRunes)
	case ActionSubmit:
		if o.LongTerm {
			return conflict("long_term_track", "a long-term item reports its progress each cycle; the office or the responsible leader concludes it once its measures are institutionalised")
		}
		if err := requireText("measures", b.Measures, MaxMeasuresRunes); err != nil {
			return err
		}
		return requireText("evidence", b.Evidence, MaxMeasuresRunes)
	case ActionReportProgress:
		if !o.LongTerm {
			return conflict("not_long_term", "only a long-term item reports its progress; submit the fix instead")
		}
		if err := requireText("measures", b.Measures, MaxMeasuresRunes); err != nil {
			return err
		}
		if err := requireText("next", b.Next, MaxMeasuresRunes); err != nil {
			return err
		}
		if b.Percent == nil {
			return invalid("percent_required", "percent (how far along the work is, 0–100) is required")
		}
		if *b.Percent < 0 || *b.Percent > 100 {
			return invalid("percent_invalid", "percent must be from 0 to 100, not %d", *b.Percent)
		}
	case ActionConclude:
		if !o.LongTerm {
			return conflict("not_long_term", "only a long-term item is concluded; its official submits the fix instead")
		}
		if err := requireText("measures", b.Measures, MaxMeasuresRunes); err != nil {
			return err
		}
		return requireText("evidence", b.Evidence, MaxMeasuresRunes)
	case ActionVerify:
		if b.Pass == nil {
			return invalid("pass_required", "pass (true or false) is required")
		}
		if !*b.Pass {
			return requireText("reason", b.Reason, maxReasonRunes)
		}
		return optionalText("reason", b.Reason, maxReasonRunes)
	case ActionCallback:
		switch b.Satisfaction {
		case SatisfactionSatisfied, SatisfactionBasically, SatisfactionDissatisfied:
		default:
			return invalid("satisfaction_invalid", "satisfaction must be satisfied, basically or dissatisfied, not %q", b.Satisfaction)
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
			return conflict("no_official", "this opinion has no responsible official to reopen it for; assign it instead")
		}
		return checkDates(o, action, b, today, latest)
	}
	return nil
}

// checkCategory accepts a category of the campaign that takes new opinions.
func checkCategory(p Policy, name string) error {
	if name == "" {
		return invalid("category_required", "category is required")
	}
	cat, ok := p.Category(name)
	if !ok {
		return invalid("unknown_category", "category %q is not one of this campaign's categories", name)
	}
	if cat.Retired {
		return invalid("retired_category", "category %q is retired in this campaign and takes no new opinions; choose another", name)
	}
	return nil
}

// checkResponsible checks who answers for a fix: a department of the campaign that
// takes new work, an official, and a leader (when named) other than the official.
func checkResponsible(p Policy, b ActionBody) error {
	if b.Department == "" {
		return invalid("department_required", "department is required")
	}
	if !p.HasDepartment(b.Department) {
		return invalid("unknown_department", "department %q is not one of this campaign's departments", b.Department)
	}
	if p.DepartmentRetired(b.Department) {
		return invalid("retired_department", "department %q is retired in this campaign and takes no new assignments; choose another", b.Department)
	}
	if b.Official == "" {
		return invalid("official_required", "official (the responsible official's username) is required")
	}
	if b.Leader != "" && b.Official == b.Leader {
		return invalid("leader_is_official", "the responsible leader must be someone other than the official")
	}
	return nil
}

func requireText(field, value string, max int) error {
	if strings.TrimSpace(value) == "" {
		return invalid(field+"_required", "%s is required", field)
	}
	return optionalText(field, value, max)
}

func optionalText(field, value string, max int) error {
	if n := utf8.RuneCountInString(value); n > max {
		return invalid(field+"_too_long", "%s has %d characters; at most %d are allowed", field, n, max)
	}
	return nil
}

// checkFutureDate accepts a YYYY-MM-DD date from today to latest.
func checkFutureDate(field, value, today, latest string) error {
	if err := checkDate(field, value, "", latest); err != nil {
		return err
	}
	if value < today {
		return invalid(field+"_past", "%s %s is in the past (today is %s)", field, value, today)
	}
	return nil
}

// checkDate accepts a YYYY-MM-DD date no earlier than notBefore (when that is a
// date) and, when latest is set, from EarliestDate to latest.
func checkDate(field, value, notBefore, latest string) error {
	if value == "" {
		return invalid(field+"_required", "%s is required (YYYY-MM-DD)", field)
	}
	if _, err := time.Parse(DateLayout, value); err != nil {
		return invalid(field+"_format", "%s %q is not a date in the form YYYY-MM-DD", field, value)
	}
	if latest != "" && value < EarliestDate {
		return invalid(field+"_too_early", "%s %s is before %s, the earliest date rectify accepts", field, value, EarliestDate)
	}
	if _, err := time.Parse(DateLayout, notBefore); err == nil && value < notBefore {
		return invalid(field+"_before_collected", "%s %s is before the opinion was collected (%s)", field, value, notBefore)
	}
	if latest != "" && value > latest {
		return invalid(field+"_too_far", "%s %s is more than %d years ahead; the latest date accepted today is %s", field, value, YearsAhead, latest)
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
