// Package domain is rectify's vocabulary: an opinion and its states, the actions
// people take and the rules that allow them, roles, a campaign's policy, the
// escalation ladder. It does no I/O; the workflows, the store, the web and the
// API all speak it.
package domain

import (
	"maps"
	"slices"
	"time"

	"github.com/google/uuid"
)

// opinionNamespace scopes the name-based UUIDs of opinions, so the same campaign and
// key always give the same opinion id (re-importing a file starts nothing new).
var opinionNamespace = uuid.MustParse("6f1c7f3e-2a55-4d8e-9a51-8f0b6a4c2d10")

// OpinionID is the stable id of the opinion with this key in this campaign.
func OpinionID(campaignID, key string) string {
	return uuid.NewSHA1(opinionNamespace, []byte(campaignID+"\x00"+key)).String()
}

// State is where an opinion stands in its lifecycle.
type State string

// The states of docs/domain.md.
const (
	StateReceived         State = "received"
	StateCategorized      State = "categorized"
	StateAssigned         State = "assigned"
	StateInProgress       State = "in_progress"
	StateSubmitted        State = "submitted"
	StateAwaitingCallback State = "awaiting_callback"
	StateClosed           State = "closed"
	StateReturned         State = "returned"
	StateRejected         State = "rejected"
	StateMerged           State = "merged"
	StateCancelled        State = "cancelled"
	// StateInProblem is an opinion grouped into a problem (ActionGroup): the
	// problem's tasks carry the work; when they are all verified the opinion gets
	// its answer and its own follow-up call.
	StateInProblem State = "in_problem"
)

// AllStates lists every state in lifecycle order, for validation and reports.
var AllStates = []State{
	StateReceived, StateCategorized, StateAssigned, StateInProgress, StateSubmitted,
	StateAwaitingCallback, StateClosed, StateReturned, StateRejected, StateMerged, StateCancelled, StateInProblem,
}

// Final reports whether no action can move the opinion any more.
func (s State) Final() bool {
	return s == StateRejected || s == StateMerged || s == StateCancelled
}

// OverdueLevel is the rung of the escalation ladder an opinion has reached.
type OverdueLevel string

// The ladder, lowest first.
const (
	LevelNone           OverdueLevel = "none"
	LevelDueSoon        OverdueLevel = "due_soon"
	LevelOverdue        OverdueLevel = "overdue"
	LevelSupervised     OverdueLevel = "supervised"
	LevelAccountability OverdueLevel = "accountability"
)

// Rank orders levels so lists can show the most urgent first.
func (l OverdueLevel) Rank() int {
	switch l {
	case LevelDueSoon:
		return 1
	case LevelOverdue:
		return 2
	case LevelSupervised:
		return 3
	case LevelAccountability:
		return 4
	}
	return 0
}

// Action names a human action; each is an Update of the same name.
type Action string

// Human actions (docs/domain.md) and the system events that also appear in timelines.
const (
	ActionCategorize Action = "categorize"
	ActionMerge      Action = "merge"
	ActionReject     Action = "reject"
	ActionAssign     Action = "assign"
	// ActionResolve records an opinion already fixed on the spot (立行立改): who
	// fixed it, how and when; it then goes to verification like any fix.
	ActionResolve          Action = "resolve"
	ActionSign             Action = "sign"
	ActionReturn           Action = "return"
	ActionRequestExtension Action = "request-extension"
	ActionDecideExtension  Action = "decide-extension"
	ActionSubmit           Action = "submit"
	// ActionReportProgress is a long-term item's report of one cycle (长期坚持):
	// what was done, what is next, how far along; it sets the next report's due day.
	ActionReportProgress Action = "report-progress"
	// ActionConclude closes a long-term item's track once its measures are
	// institutionalised; the conclusion then goes to verification like a fix.
	ActionConclude Action = "conclude"
	ActionVerify   Action = "verify"
	ActionCallback Action = "callback"
	ActionReopen   Action = "reopen"
	ActionCancel   Action = "cancel"
	// ActionGroup puts an opinion into a problem (问题清单) of the same matter.
	ActionGroup Action = "group"
	// ActionContribute is a co-unit's part of a task (配合单位): a progress note
	// or evidence; the lead unit's official alone submits the fix.
	ActionContribute Action = "contribute"

	EventReceived    Action = "receive"
	EventMergedIn    Action = "merged-in"
	EventSignOverdue Action = "sign-overdue"
	EventEscalated   Action = "escalate"
	EventArchived    Action = "archive"
	// EventProblemResolved is a grouped opinion's answer: its problem's tasks
	// were all verified.
	EventProblemResolved Action = "problem-resolved"
	// EventImported closes the timeline an item brought in mid-campaign came with
	// (Backfill): from that entry on, its record is rectify's own.
	EventImported Action = "import"
)

// Actions lists the human actions, in the order an opinion usually meets them.
var Actions = []Action{
	ActionCategorize, ActionMerge, ActionReject, ActionAssign, ActionResolve, ActionSign, ActionReturn,
	ActionRequestExtension, ActionDecideExtension, ActionReportProgress, ActionSubmit, ActionConclude, ActionVerify,
	ActionCallback, ActionReopen, ActionCancel, ActionGroup, ActionContribute,
}

// Role is what a user may do.
type Role string

// The roles of docs/domain.md.
const (
	RoleOffice   Role = "office"
	RoleOfficial Role = "official"
	RoleVerifier Role = "verifier"
	RoleLeader   Role = "leader"
	// RoleAdmin manages the people who use rectify: their roles, passwords and API
	// tokens. It acts on no opinion.
	RoleAdmin Role = "admin"
)

// Actor is the authenticated person behind an action, as the API vouches for them.
type Actor struct {
	Username   string `json:"username"`
	Roles      []Role `json:"roles"`
	Department string `json:"department,omitempty"`
}

// Has reports whether the actor holds the role.
func (a Actor) Has(r Role) bool {
	for _, have := range a.Roles {
		if have == r {
			return true
		}
	}
	return false
}

// Speed is how fast a category must be fixed (整改时限的三种节奏).
type Speed string

// The three speeds of docs/domain.md.
const (
	SpeedImmediate Speed = "immediate" // 立行立改
	SpeedDeadline  Speed = "deadline"  // 限期整改
	SpeedLongTerm  Speed = "long_term" // 长期坚持
)

// CategoryPolicy is one category of a campaign and how long its items may take.
type CategoryPolicy struct {
	Name        string   `json:"name"`
	Speed       Speed    `json:"speed"`
	WorkingDays int      `json:"working_days"`
	Keywords    []string `json:"keywords,omitempty"`
	// Aliases are other spellings of the category that intake and the API accept
	// for it; a renamed category keeps its old name here.
	Aliases []string `json:"aliases,omitempty"`
	// Retired categories take no new opinions; those that recorded one keep it.
	Retired bool `json:"retired,omitempty"`
	// ReportEveryMonths is how often an item of a long-term category reports its
	// progress, in months (0: every month).
	ReportEveryMonths int `json:"report_every_months,omitempty"`
}

// ReportMonths is how many months lie between a long-term item's progress reports.
func (c CategoryPolicy) ReportMonths() int {
	if c.ReportEveryMonths <= 0 {
		return 1
	}
	return c.ReportEveryMonths
}

// Policy is the part of a campaign's settings an opinion's process runs by. It is
// copied into each opinion when it starts, so later edits never rewrite running rules:
// they reach an opinion only with an action that carries them (ActionRequest.Policy).
type Policy struct {
	Categories             []CategoryPolicy `json:"categories"`
	Departments            []string         `json:"departments,omitempty"`
	SignWorkingDays        int              `json:"sign_working_days"`
	DueSoonWorkingDays     int              `json:"due_soon_working_days"`
	SupervisionWorkingDays int              `json:"supervision_working_days"`
	ReworkWorkingDays      int              `json:"rework_working_days"`
	MaxExtensions          int              `json:"max_extensions"`
	CallbackRequired       bool             `json:"callback_required"`
	ReopenWindowDays       int              `json:"reopen_window_days"`
	// UTCOffsetSeconds fixes the campaign's local time (China: +8h, no daylight saving);
	// dates in requests and deadlines are in this time.
	UTCOffsetSeconds int `json:"utc_offset_seconds"`
	// RetiredDepartments are those of Departments (which lists every department,
	// retired ones included) that take no new assignments.
	RetiredDepartments []string `json:"retired_departments,omitempty"`
	// DepartmentAliases are other spellings of a department (by its name) that
	// intake and the API accept for it; a renamed department keeps its old name here.
	DepartmentAliases map[string][]string `json:"department_aliases,omitempty"`
}

// Category returns the category policy of that name.
func (p Policy) Category(name string) (CategoryPolicy, bool) {
	for _, c := range p.Categories {
		if c.Name == name {
			return c, true
		}
	}
	return CategoryPolicy{}, false
}

// CategoryOf returns the category a recorded name stands for: the category of that
// name, or else the one that has it as an alias (it was renamed since).
func (p Policy) CategoryOf(name string) (CategoryPolicy, bool) {
	if c, ok := p.Category(name); ok {
		return c, true
	}
	for _, c := range p.Categories {
		for _, a := range c.Aliases {
			if a == name {
				return c, true
			}
		}
	}
	return CategoryPolicy{}, false
}

// DepartmentRetired reports whether the department takes no new assignments.
func (p Policy) DepartmentRetired(name string) bool {
	for _, d := range p.RetiredDepartments {
		if d == name {
			return true
		}
	}
	return false
}

// HasDepartment reports whether the department is one of the campaign's (any
// department is accepted when the campaign lists none).
func (p Policy) HasDepartment(name string) bool {
	if len(p.Departments) == 0 {
		return true
	}
	for _, d := range p.Departments {
		if d == name {
			return true
		}
	}
	return false
}

// Location is the campaign's local time.
func (p Policy) Location() *time.Location {
	return time.FixedZone("campaign", p.UTCOffsetSeconds)
}

// ActionBody holds the fields any action may carry; each action reads its own
// (docs/openapi.yaml lists which). Dates are YYYY-MM-DD in the campaign's local time.
type ActionBody struct {
	Category     string `json:"category,omitempty"`
	Into         string `json:"into,omitempty"`
	Reason       string `json:"reason,omitempty"`
	Department   string `json:"department,omitempty"`
	Official     string `json:"official,omitempty"`
	Leader       string `json:"leader,omitempty"`
	Measures     string `json:"measures,omitempty"`
	Deadline     string `json:"deadline,omitempty"`
	Until        string `json:"until,omitempty"`
	Approve      *bool  `json:"approve,omitempty"`
	Evidence     string `json:"evidence,omitempty"`
	Pass         *bool  `json:"pass,omitempty"`
	Satisfaction string `json:"satisfaction,omitempty"`
	Note         string `json:"note,omitempty"`
	// FixedOn is the day an opinion resolved on the spot was fixed (resolve).
	FixedOn string `json:"fixed_on,omitempty"`
	// Next and Percent are a progress report's plan for the next cycle and how far
	// along the work is, 0–100 (report-progress).
	Next    string `json:"next,omitempty"`
	Percent *int   `json:"percent,omitempty"`
	// Problem is the problem an opinion is grouped into (group).
	Problem string `json:"problem,omitempty"`
	// ReportEveryMonths sets, on assigning a long-term item, how often it reports
	// its progress (0: as its category says).
	ReportEveryMonths int `json:"report_every_months,omitempty"`
	// Attachments are the evidence files of a submit, resolve, report-progress or
	// conclude: references to files uploaded beforehand, which the service completes
	// from what it stored (a client names them by id alone).
	Attachments []AttachmentRef `json:"attachments,omitempty"`
}

// AttachmentRef is an evidence file as an opinion keeps it: what identifies and
// describes it, never its bytes, which stay in the reporting store (history and
// queries stay small, and a file is served by every web node).
type AttachmentRef struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
	SHA256      string `json:"sha256"`
	// Thumbnail is whether rectify drew a thumbnail of it (a photo).
	Thumbnail bool `json:"thumbnail"`
}

// EvidenceActions are the actions that carry evidence files (ActionBody.Attachments).
var EvidenceActions = []Action{ActionSubmit, ActionResolve, ActionReportProgress, ActionConclude, ActionContribute}

// ActionRequest is the argument of every action Update.
type ActionRequest struct {
	Actor Actor      `json:"actor"`
	Body  ActionBody `json:"body"`
	// Policy, when set, is the campaign's policy as it stands now (without its
	// keywords). The action is checked and computed by it, and the opinion runs by
	// it from then on: a category or department added since the opinion started can
	// be used, and deadlines computed from now on follow the current settings, while
	// those already set stay. Requests without one keep the opinion's own copy.
	Policy *Policy `json:"policy,omitempty"`

	// sealed is set when the request reached the worker encrypted with rectify's
	// payload key (MarkSealed), never from its JSON: the worker refuses requests
	// that are not, since anyone who reaches Temporal's frontend could name any
	// actor in one.
	sealed bool
}

// MarkSealed records that the request arrived encrypted with rectify's key; the
// payload codec calls it.
func (r *ActionRequest) MarkSealed() { r.sealed = true }

// Sealed reports whether the request arrived encrypted with rectify's key.
func (r ActionRequest) Sealed() bool { return r.sealed }

// ActionResult is what an action Update answers: enough to read the projection that
// the action has already written.
type ActionResult struct {
	State    State `json:"state"`
	Revision int   `json:"revision"`
}

// Satisfaction values of a follow-up call (回访).
const (
	SatisfactionSatisfied    = "satisfied"
	SatisfactionBasically    = "basically"
	SatisfactionDissatisfied = "dissatisfied"
)

// Event is one line of an opinion's timeline: who did what, when and why.
type Event struct {
	Seq    int               `json:"seq"`
	At     time.Time         `json:"at"`
	Actor  string            `json:"actor"`
	Action Action            `json:"action"`
	From   State             `json:"from"`
	To     State             `json:"to"`
	Reason string            `json:"reason,omitempty"`
	Detail map[string]string `json:"detail,omitempty"`
}

// SystemActor is the actor of timer-driven events.
const SystemActor = "system"

// Extension is an official's pending request for more time.
type Extension struct {
	Until       string    `json:"until"`
	Reason      string    `json:"reason"`
	RequestedBy string    `json:"requested_by"`
	RequestedAt time.Time `json:"requested_at"`
}

// Schedule is a deadline and the moments its escalation ladder steps up.
type Schedule struct {
	Deadline string `json:"deadline"`
	// Basis is how the deadline was reached, as facts each reader's language
	// renders (internal/deadline).
	Basis *DeadlineBasis `json:"basis,omitempty"`
	// Explanation is Basis said in Chinese, as the timeline records it; a deadline
	// set before Basis was kept has only this.
	Explanation      string    `json:"explanation,omitempty"`
	SignBy           time.Time `json:"sign_by,omitzero"`
	DueSoonAt        time.Time `json:"due_soon_at"`
	OverdueAt        time.Time `json:"overdue_at"`
	SupervisedAt     time.Time `json:"supervised_at"`
	AccountabilityAt time.Time `json:"accountability_at"`
}

// DeadlineBasis is how a deadline was reached on the working-day calendar: the
// facts, so that an official can check it by hand against the holiday notice in
// whatever language they read.
type DeadlineBasis struct {
	// From is the campaign-local date the count started from (day 0).
	From string `json:"from"`
	// WorkingDays is the count from From: the days counted to reach the deadline,
	// or, for a date given by hand, the working days from From to it (negative
	// when it had already passed).
	WorkingDays int `json:"working_days"`
	// Given is whether the date was given by hand rather than counted.
	Given bool `json:"given,omitempty"`
	// MovedFrom is the day off a date set months on fell on, before it moved to
	// the next working day (a long-term item's next report); the next cycle counts
	// from it, so the reports keep their day of the month.
	MovedFrom string `json:"moved_from,omitempty"`
	// Holidays, Weekends and MakeUpWorkdays are what a count passed over: public
	// holidays (by name, days skipped), ordinary weekend days skipped, and 调休
	// weekend days that were counted as working days.
	Holidays       []SkippedHoliday `json:"holidays,omitempty"`
	Weekends       int              `json:"weekends,omitempty"`
	MakeUpWorkdays []MakeUpWorkday  `json:"make_up_workdays,omitempty"`
	// ProvisionalYears had holiday data not yet confirmed by the State Council's
	// notice; UncoveredYears had none, so only weekends were skipped in them.
	ProvisionalYears []int `json:"provisional_years,omitempty"`
	UncoveredYears   []int `json:"uncovered_years,omitempty"`
}

// SkippedHoliday is one public holiday a count passed over.
type SkippedHoliday struct {
	Name string `json:"name"` // as the calendar names it, e.g. "国庆节"
	Days int    `json:"days"`
}

// MakeUpWorkday is one 调休 weekend day a count treated as a working day.
type MakeUpWorkday struct {
	Date string `json:"date"`
	Name string `json:"name"` // e.g. "国庆节调休上班"
}

// At returns when the ladder reaches level (zero for none).
func (s Schedule) At(level OverdueLevel) time.Time {
	switch level {
	case LevelDueSoon:
		return s.DueSoonAt
	case LevelOverdue:
		return s.OverdueAt
	case LevelSupervised:
		return s.SupervisedAt
	case LevelAccountability:
		return s.AccountabilityAt
	}
	return time.Time{}
}

// Opinion is the whole state of one opinion: the workflow's state, its query answer
// and the projection's input.
type Opinion struct {
	ID                string            `json:"id"`
	CampaignID        string            `json:"campaign_id"`
	Key               string            `json:"key"`
	Content           string            `json:"content"`
	Channel           string            `json:"channel"`
	CollectedAt       string            `json:"collected_at"`
	Submitter         string            `json:"submitter,omitempty"`
	Phone             string            `json:"phone,omitempty"`
	Target            string            `json:"target,omitempty"`
	BatchID           string            `json:"batch_id,omitempty"`
	Extra             map[string]string `json:"extra,omitempty"`
	State             State             `json:"state"`
	SuggestedCategory string            `json:"suggested_category,omitempty"`
	WrittenDepartment string            `json:"written_department,omitempty"`
	WrittenCategory   string            `json:"written_category,omitempty"`
	Category          string            `json:"category,omitempty"`
	Department        string            `json:"department,omitempty"`
	Official          string            `json:"official,omitempty"`
	Leader            string            `json:"leader,omitempty"`
	Measures          string            `json:"measures,omitempty"`
	Evidence          string            `json:"evidence,omitempty"`
	Schedule          Schedule          `json:"schedule"`
	Signed            bool              `json:"signed"`
	OverdueLevel      OverdueLevel      `json:"overdue_level"`
	Extensions        int               `json:"extensions"`
	PendingExtension  *Extension        `json:"pending_extension,omitempty"`
	ReworkCount       int               `json:"rework_count"`
	Reopens           int               `json:"reopens"`
	SubmittedBy       string            `json:"submitted_by,omitempty"`
	SubmittedLate     bool              `json:"submitted_late"`
	VerifiedBy        string            `json:"verified_by,omitempty"`
	Satisfaction      string            `json:"satisfaction,omitempty"`
	MergedInto        string            `json:"merged_into,omitempty"`
	// Problem is the problem the opinion is grouped into (StateInProblem and after).
	Problem string `json:"problem,omitempty"`
	// Task is set when this record is a problem's task rather than a citizen's
	// opinion: the same lifecycle, without intake, grouping or follow-up call.
	Task *TaskPart `json:"task,omitempty"`
	// Imported is set for an item brought in already under way (Backfill): the
	// timeline before the EventImported entry has the dates the office's ledger
	// gave, not moments rectify saw.
	Imported *Imported `json:"imported,omitempty"`
	// OnTheSpot marks an opinion resolved on the spot (立行立改, ActionResolve),
	// fixed on FixedOn: it counts as such in every figure, on time by definition.
	OnTheSpot bool   `json:"on_the_spot,omitempty"`
	FixedOn   string `json:"fixed_on,omitempty"`
	// LongTerm marks an item on the long-term track (长期坚持): its deadline is the
	// next progress report's, so only a missed report climbs the ladder; Reports
	// are the reports filed, in order.
	LongTerm bool             `json:"long_term,omitempty"`
	Reports  []ProgressReport `json:"reports,omitempty"`
	// ReportEveryMonths is the long-term item's reporting cycle in months.
	ReportEveryMonths int       `json:"report_every_months,omitempty"`
	CreatedAt         time.Time `json:"created_at"`
	UpdatedAt         time.Time `json:"updated_at"`
	ClosedAt          time.Time `json:"closed_at,omitzero"`
	// OnTime is whether the closure came with every fix submitted by the deadline
	// in force (see Round.Late): a late fix that failed verification is not
	// forgotten by a later one on time.
	OnTime bool `json:"on_time"`
	// HighestLevel is the highest rung of the escalation ladder the opinion ever
	// reached, kept for good (an extension, a return or a rework re-arms the ladder
	// but never lowers it), and HighestLevelAt when it got there.
	HighestLevel   OverdueLevel `json:"highest_level,omitempty"`
	HighestLevelAt time.Time    `json:"highest_level_at,omitzero"`
	// LateExtensions counts the approved extensions approved after the deadline they
	// replaced had passed; they move the deadline but do not make a fix on time.
	LateExtensions int `json:"late_extensions"`
	// Rounds are the fixes submitted, one per submission, with their verification.
	Rounds []Round `json:"rounds,omitempty"`
	// Callbacks are every follow-up call (回访), in order; each says whether it is
	// the first after the closure it follows up (a fix that passed verification).
	// The satisfaction figures count the first call after each closure.
	Callbacks []Callback `json:"callbacks,omitempty"`
	// WorkingDaysToClose is the working days from receipt to the latest closure, on
	// the campaign's calendar; 0 while not closed.
	WorkingDaysToClose int     `json:"working_days_to_close,omitempty"`
	Revision           int     `json:"revision"`
	Timeline           []Event `json:"timeline"`
}

// Round is one submitted fix and what verification made of it.
type Round struct {
	Measures string `json:"measures"`
	Evidence string `json:"evidence,omitempty"`
	// Attachments are the evidence files submitted with it.
	Attachments []AttachmentRef `json:"attachments,omitempty"`
	SubmittedBy string          `json:"submitted_by"`
	SubmittedAt time.Time       `json:"submitted_at"`
	// Late is whether it was submitted after the deadline in force had passed (the
	// end of its day), or after an extension approved late: such an extension
	// moves the deadline but does not count.
	Late bool `json:"late"`
	// VerifiedBy, Passed, Reason and VerifiedAt are empty until verification.
	VerifiedBy string    `json:"verified_by,omitempty"`
	Passed     *bool     `json:"passed,omitempty"`
	Reason     string    `json:"reason,omitempty"`
	VerifiedAt time.Time `json:"verified_at,omitzero"`
}

// Backfill is where an item already under way stood when its campaign's ledger
// came into rectify, and the days it got there, as the office's spreadsheet
// records them (docs/import.md). The opinion starts in State with a timeline of
// those days, and goes on live from there: a deadline that has passed is
// overdue at once, a fix waits for verification, a closure may be reopened.
type Backfill struct {
	State      State  `json:"state"`
	Category   string `json:"category"`
	Department string `json:"department,omitempty"`
	// Official and Leader are usernames; Verifier is a username, or the name the
	// ledger gives for someone who verified before the campaign came in.
	Official     string `json:"official,omitempty"`
	Leader       string `json:"leader,omitempty"`
	Measures     string `json:"measures,omitempty"`
	Deadline     string `json:"deadline,omitempty"`
	AssignedOn   string `json:"assigned_on,omitempty"`
	SubmittedOn  string `json:"submitted_on,omitempty"`
	VerifiedOn   string `json:"verified_on,omitempty"`
	Verifier     string `json:"verifier,omitempty"`
	ClosedOn     string `json:"closed_on,omitempty"`
	Satisfaction string `json:"satisfaction,omitempty"`
}

// BackfillStates are the states an item may be brought in at, in the order the
// lifecycle reaches them.
var BackfillStates = []State{StateCategorized, StateAssigned, StateInProgress, StateSubmitted, StateAwaitingCallback, StateClosed}

// Imported says who brought an item in mid-campaign, from which file, and when.
type Imported struct {
	By    string    `json:"by"`
	File  string    `json:"file,omitempty"`
	Batch string    `json:"batch,omitempty"`
	At    time.Time `json:"at"`
	// State is the state the ledger gave it.
	State State `json:"state"`
}

// ProgressReport is one cycle's report of a long-term item.
type ProgressReport struct {
	At       time.Time `json:"at"`
	By       string    `json:"by"`
	Done     string    `json:"done"`
	Next     string    `json:"next"`
	Percent  int       `json:"percent"`
	Evidence string    `json:"evidence,omitempty"`
	// Attachments are the evidence files filed with it.
	Attachments []AttachmentRef `json:"attachments,omitempty"`
	// Due is the day the report was due; Late whether it came after that day ended.
	Due  string `json:"due"`
	Late bool   `json:"late"`
}

// Callback is one follow-up call (回访).
type Callback struct {
	At           time.Time `json:"at"`
	By           string    `json:"by"`
	Satisfaction string    `json:"satisfaction"`
	Note         string    `json:"note,omitempty"`
	// First is whether it is the first call after its closure: the one the
	// satisfaction rate counts.
	First bool `json:"first"`
}

// Notification tells people that something needs them. It carries ids and levels,
// never the opinion's text or the citizen's details.
type Notification struct {
	Kind       Action   `json:"kind"`
	OpinionID  string   `json:"opinion_id"`
	CampaignID string   `json:"campaign_id"`
	Recipients []string `json:"recipients"`
	// Roles names the queues it lands in when no one person owns the next step.
	Roles    []Role       `json:"roles,omitempty"`
	State    State        `json:"state"`
	Level    OverdueLevel `json:"level,omitempty"`
	Deadline string       `json:"deadline,omitempty"`
	// Key makes delivery idempotent for receivers that deduplicate.
	Key string `json:"key"`
	// ReportID names the progress report a NotifyReportReady is about.
	ReportID string `json:"report_id,omitempty"`
	// Digest is a NotifyDigest's list; Alert a NotifyAlert's alert.
	Digest *Digest `json:"digest,omitempty"`
	Alert  *Alert  `json:"alert,omitempty"`
}

// NotifyReportReady is the kind of notification that tells leaders a scheduled
// progress report (整改进展情况) is ready to read.
const NotifyReportReady Action = "report_ready"

// Kinds of rejection an action can meet; the API maps them to 403, 409 and 422.
const (
	ErrForbidden = "Forbidden"
	ErrConflict  = "Conflict"
	ErrInvalid   = "Invalid"
)

// DateLayout is the layout of every date in requests, deadlines and reports.
const DateLayout = "2006-01-02"

// Archived reports whether the opinion's process has ended after its closure (its
// reopen window passed, EventArchived): it takes no action any more.
func (o *Opinion) Archived() bool {
	return len(o.Timeline) > 0 && o.Timeline[len(o.Timeline)-1].Action == EventArchived
}

// Clone deep-copies the opinion, so a copy handed on (to a local activity, a
// query) never sees later changes.
func (o Opinion) Clone() Opinion {
	c := o
	c.Extra = maps.Clone(o.Extra)
	if o.PendingExtension != nil {
		e := *o.PendingExtension
		c.PendingExtension = &e
	}
	if o.Imported != nil {
		i := *o.Imported
		c.Imported = &i
	}
	if o.Task != nil {
		t := *o.Task
		t.CoUnits = slices.Clone(t.CoUnits)
		t.Contributions = slices.Clone(t.Contributions)
		c.Task = &t
	}
	c.Rounds = slices.Clone(o.Rounds)
	for i, round := range c.Rounds {
		if round.Passed != nil {
			p := *round.Passed
			c.Rounds[i].Passed = &p
		}
		c.Rounds[i].Attachments = slices.Clone(round.Attachments)
	}
	c.Reports = slices.Clone(o.Reports)
	for i, report := range c.Reports {
		c.Reports[i].Attachments = slices.Clone(report.Attachments)
	}
	c.Callbacks = slices.Clone(o.Callbacks)
	c.Timeline = make([]Event, len(o.Timeline))
	for i, e := range o.Timeline {
		e.Detail = maps.Clone(e.Detail)
		c.Timeline[i] = e
	}
	return c
}
