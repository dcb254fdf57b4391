package domain

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
)

// A problem (问题清单) groups the opinions of one matter; its tasks (任务清单) carry
// the work, each with a lead unit (牵头单位) and co-units (配合单位). A task runs an
// opinion's lifecycle — sign, return, extension, submit, verification, rework,
// escalation — without intake or a follow-up call; when every task of a problem is
// verified, each of its opinions gets its answer and its own follow-up call.
// Merge stays for true duplicates: a merged opinion ends, a grouped one is answered.

// ProblemState is where a problem stands.
type ProblemState string

// A problem is open until every task it has is verified.
const (
	ProblemOpen   ProblemState = "open"
	ProblemClosed ProblemState = "closed"
)

// TaskIDPrefix starts every task id, so an action sent to an id reaches the right
// kind of workflow.
const TaskIDPrefix = "T-"

// IsTaskID reports whether id names a task rather than an opinion.
func IsTaskID(id string) bool { return strings.HasPrefix(id, TaskIDPrefix) }

// ProblemID is the id a problem of a campaign gets for the office's request key:
// the same request sent again names the same problem.
func ProblemID(campaignID, requestKey string) string {
	return "P-" + uuid.NewSHA1(opinionNamespace, []byte("problem\x00"+campaignID+"\x00"+requestKey)).String()[:18]
}

// TaskID is the id of a problem's n-th task (from 1).
func TaskID(problemID string, n int) string {
	return fmt.Sprintf("%s%s-%d", TaskIDPrefix, strings.TrimPrefix(problemID, "P-"), n)
}

// Problem is the whole state of one problem: the workflow's state, its query
// answer and the projection's input.
type Problem struct {
	ID         string       `json:"id"`
	CampaignID string       `json:"campaign_id"`
	Title      string       `json:"title"`
	Category   string       `json:"category,omitempty"`
	State      ProblemState `json:"state"`
	// Opinions are the opinions grouped into it, in the order they joined.
	Opinions []string `json:"opinions"`
	// Tasks are its tasks as they stand, in the order they were made.
	Tasks     []TaskSummary `json:"tasks"`
	CreatedBy string        `json:"created_by"`
	CreatedAt time.Time     `json:"created_at"`
	UpdatedAt time.Time     `json:"updated_at"`
	ClosedAt  time.Time     `json:"closed_at,omitzero"`
	Revision  int           `json:"revision"`
	Timeline  []Event       `json:"timeline"`
}

// TaskSummary is what a problem knows of one of its tasks.
type TaskSummary struct {
	ID       string   `json:"id"`
	Lead     string   `json:"lead"`
	CoUnits  []string `json:"co_units,omitempty"`
	Official string   `json:"official"`
	Leader   string   `json:"leader"`
	Measures string   `json:"measures,omitempty"`
	// Closed is set once the task's fix has passed verification.
	Closed bool `json:"closed"`
	// Late is set when the fix that passed was late (Opinion.OnTime of the task).
	Late bool `json:"late,omitempty"`
}

// Open reports how many of the problem's tasks are not verified yet.
func (p Problem) Open() int {
	n := 0
	for _, t := range p.Tasks {
		if !t.Closed {
			n++
		}
	}
	return n
}

// Clone deep-copies the problem for a query or a projection.
func (p Problem) Clone() Problem {
	c := p
	c.Opinions = slices.Clone(p.Opinions)
	c.Tasks = slices.Clone(p.Tasks)
	for i := range c.Tasks {
		c.Tasks[i].CoUnits = slices.Clone(p.Tasks[i].CoUnits)
	}
	c.Timeline = slices.Clone(p.Timeline)
	return c
}

// TaskPart is what makes an Opinion record a task: its problem, its lead unit
// (Opinion.Department) and co-units, and what the co-units added.
type TaskPart struct {
	Problem       string         `json:"problem"`
	ProblemTitle  string         `json:"problem_title"`
	CoUnits       []string       `json:"co_units,omitempty"`
	Contributions []Contribution `json:"contributions,omitempty"`
}

// Contribution is a co-unit's part of a task (ActionContribute).
type Contribution struct {
	Unit        string          `json:"unit"`
	By          string          `json:"by"`
	At          time.Time       `json:"at"`
	Note        string          `json:"note,omitempty"`
	Evidence    string          `json:"evidence,omitempty"`
	Attachments []AttachmentRef `json:"attachments,omitempty"`
}

// MaxCoUnits bounds a task's co-units.
const MaxCoUnits = 20

// MaxProblemOpinions bounds the opinions one request groups: a problem takes more
// by further requests.
const MaxProblemOpinions = 500

// CheckProblem checks a new problem's title.
func CheckProblem(title string) error {
	return requireText("title", title, MaxMeasuresRunes/10)
}

// CheckTaskUnits checks a task's lead unit and co-units against the campaign's
// departments: each a known department, the lead not among its co-units, none twice.
func CheckTaskUnits(p Policy, lead string, coUnits []string) error {
	if lead == "" {
		return invalid("lead_required", "api.lead_required")
	}
	if !p.HasDepartment(lead) {
		return invalid("invalid_lead", "api.invalid_lead", lead)
	}
	if len(coUnits) > MaxCoUnits {
		return invalid("co_units_too_many", "api.co_units_too_many", len(coUnits), MaxCoUnits)
	}
	seen := map[string]bool{}
	for i, u := range coUnits {
		switch {
		case utf8.RuneCountInString(u) > maxNameRunes || !p.HasDepartment(u):
			return invalid("invalid_co_units", "api.co_unit_unknown", i, u)
		case u == lead:
			return invalid("invalid_co_units", "api.co_unit_lead", i, u)
		case seen[u]:
			return invalid("invalid_co_units", "api.co_unit_twice", i, u)
		}
		seen[u] = true
	}
	return nil
}

// MaxTasksPerProblem bounds a problem's tasks.
const MaxTasksPerProblem = 50

// CheckAddTask checks that a may add a task to p now, with starting tasks being
// started already.
func CheckAddTask(p *Problem, starting int, a Actor) error {
	if !a.Has(RoleOffice) {
		return forbidden("office_only", "api.office_only_task")
	}
	if p.State != ProblemOpen {
		return conflict("problem_closed", "api.problem_closed", p.ID)
	}
	if len(p.Tasks)+starting >= MaxTasksPerProblem {
		return conflict("tasks_too_many", "api.tasks_too_many", MaxTasksPerProblem)
	}
	return nil
}

// ProblemNotTaking is the refusal of an opinion grouped into a problem whose
// process cannot take it (ended, or never started). Why the signal failed is the
// workflow's log's, not the caller's.
func ProblemNotTaking(id string) error {
	return conflict("problem_closed", "api.problem_not_taking", id)
}
