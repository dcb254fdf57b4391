// Package workflows holds rectify's durable processes: one Opinion workflow per
// collected opinion. This file is the contract shared with the API, the worker and
// the activities: names, ids, payloads and search-attribute keys.
package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"

	"rectify/internal/domain"
)

// Names registered on the worker. Explicit names keep running executions alive
// across Go renames.
const (
	TaskQueue             = "rectify"
	OpinionWorkflowName   = "rectify.Opinion"
	ScheduleActivityName  = "rectify.Schedule"
	ProjectActivityName   = "rectify.Project"
	NotifyActivityName    = "rectify.Notify"
	OpinionQueryName      = "opinion"
	ReceiveUpdateName     = "receive"
	ReceiveUpdateID       = "receive"
	MergedInSignalName    = "merged-in"
	OpinionWorkflowPrefix = "opinion-"

	ProblemWorkflowName       = "rectify.Problem"
	TaskWorkflowName          = "rectify.Task"
	ProblemQueryName          = "problem"
	AddTaskUpdateName         = "add-task"
	OpinionJoinedSignalName   = "opinion-joined"
	TaskClosedSignalName      = "task-closed"
	ProblemResolvedSignalName = "problem-resolved"
	ProblemWorkflowPrefix     = "problem-"
	TaskWorkflowPrefix        = "task-"

	BatchWorkflowName       = "rectify.Batch"
	ImportChunkActivityName = "rectify.ImportChunk"
	FinishBatchActivityName = "rectify.FinishBatch"
	BatchWorkflowPrefix     = "batch-"
)

// BatchWorkflowID is the workflow id of an import batch's process.
func BatchWorkflowID(batchID string) string { return BatchWorkflowPrefix + batchID }

// OpinionWorkflowID is the workflow id that carries an opinion's process.
func OpinionWorkflowID(opinionID string) string { return OpinionWorkflowPrefix + opinionID }

// ProblemWorkflowID is the workflow id that carries a problem's process.
func ProblemWorkflowID(problemID string) string { return ProblemWorkflowPrefix + problemID }

// TaskWorkflowID is the workflow id that carries a task's process.
func TaskWorkflowID(taskID string) string { return TaskWorkflowPrefix + taskID }

// ItemWorkflowID is the workflow id of an item actions are sent to: a task's or
// an opinion's, told apart by the id (domain.IsTaskID).
func ItemWorkflowID(id string) string {
	if domain.IsTaskID(id) {
		return TaskWorkflowID(id)
	}
	return OpinionWorkflowID(id)
}

// Search-attribute keys an opinion's workflow keeps, upserted when one changes. They
// let operators find an opinion in the Temporal Web UI by campaign, rung and
// deadline; lists, states and figures come from the reporting store. SAState is kept
// only by executions begun before quietVersion, SACategory, SADepartment and
// SAAssignee only by those begun before leanVersion.
var (
	SACampaign     = temporal.NewSearchAttributeKeyKeyword("RectifyCampaign")
	SAState        = temporal.NewSearchAttributeKeyKeyword("RectifyState")
	SACategory     = temporal.NewSearchAttributeKeyKeyword("RectifyCategory")
	SADepartment   = temporal.NewSearchAttributeKeyKeyword("RectifyDepartment")
	SAAssignee     = temporal.NewSearchAttributeKeyKeyword("RectifyAssignee")
	SADeadline     = temporal.NewSearchAttributeKeyTime("RectifyDeadline")
	SAOverdueLevel = temporal.NewSearchAttributeKeyKeyword("RectifyOverdueLevel")
)

// StartSearchAttributes are what an opinion shows operators from its start: its
// campaign and the rung of a new opinion. Starting with them saves the receipt an
// upsert command and its history event of its own.
func StartSearchAttributes(campaignID string) temporal.SearchAttributes {
	return temporal.NewSearchAttributes(SACampaign.ValueSet(campaignID), SAOverdueLevel.ValueSet(string(domain.LevelNone)))
}

// OpinionInput starts an Opinion workflow.
type OpinionInput struct {
	OpinionID         string `json:"opinion_id"`
	CampaignID        string `json:"campaign_id"`
	Key               string `json:"key"`
	Content           string `json:"content"`
	Channel           string `json:"channel"`
	CollectedAt       string `json:"collected_at"`
	Submitter         string `json:"submitter,omitempty"`
	Phone             string `json:"phone,omitempty"`
	Target            string `json:"target,omitempty"`
	Department        string `json:"department,omitempty"`
	SuggestedCategory string `json:"suggested_category,omitempty"`
	// WrittenDepartment and WrittenCategory are routing hints the campaign did not
	// know, kept as the file or the submitter wrote them for triage to confirm.
	WrittenDepartment string            `json:"written_department,omitempty"`
	WrittenCategory   string            `json:"written_category,omitempty"`
	BatchID           string            `json:"batch_id,omitempty"`
	Extra             map[string]string `json:"extra,omitempty"`
	SubmittedBy       string            `json:"submitted_by,omitempty"`
	Policy            domain.Policy     `json:"policy"`
	// Backfill is set for an item brought in already under way, with File the
	// ledger it came from: the opinion starts where the ledger says it stands.
	Backfill *domain.Backfill `json:"backfill,omitempty"`
	File     string           `json:"file,omitempty"`

	// sealed: the input reached the worker encrypted with rectify's payload key
	// (set by the codec, never from JSON); an opinion started before encryption
	// was not.
	sealed bool
}

// MarkSealed records that the input arrived encrypted with rectify's key.
func (in *OpinionInput) MarkSealed() { in.sealed = true }

// Sealed reports whether the input arrived encrypted with rectify's key.
func (in OpinionInput) Sealed() bool { return in.sealed }

// ProblemInput starts a Problem workflow.
type ProblemInput struct {
	Problem domain.Problem `json:"problem"`
	Policy  domain.Policy  `json:"policy"`
}

// AddTaskRequest is the argument of the add-task Update: the office's assignment
// of the new task (department is its lead unit), its co-units, and the campaign's
// policy as it stands.
type AddTaskRequest struct {
	Assign  domain.ActionRequest `json:"assign"`
	CoUnits []string             `json:"co_units,omitempty"`

	// sealed: the request reached the worker encrypted with rectify's payload key
	// (set by the codec, never from JSON), as every Update's must.
	sealed bool
}

// MarkSealed records that the request arrived encrypted with rectify's key.
func (r *AddTaskRequest) MarkSealed() { r.sealed = true }

// Sealed reports whether the request arrived encrypted with rectify's key.
func (r AddTaskRequest) Sealed() bool { return r.sealed }

// AddTaskResult names the task made.
type AddTaskResult struct {
	Task     string `json:"task"`
	Revision int    `json:"revision"`
}

// TaskInput starts a Task workflow: the task as made, and the assignment it
// starts with.
type TaskInput struct {
	Task   domain.Opinion       `json:"task"`
	Policy domain.Policy        `json:"policy"`
	Assign domain.ActionRequest `json:"assign"`
}

// TaskClosed tells a problem that one of its tasks has passed verification: the
// task's record as it closed, without its timeline.
type TaskClosed struct {
	Task domain.Opinion `json:"task"`
}

// ProblemAnswer is what a closed problem tells each of its opinions: who answers
// for it (the first task's lead unit and people), what was done, and the honest
// record of every task — each round of every task (a failed verification of any
// of them is the opinion's too), the extensions, the highest rung any reached,
// the latest deadline — so a grouped opinion's figures are what its tasks' were.
type ProblemAnswer struct {
	Problem        string              `json:"problem"`
	Tasks          string              `json:"tasks"`
	Department     string              `json:"department"`
	Official       string              `json:"official"`
	Leader         string              `json:"leader"`
	Measures       string              `json:"measures"`
	Evidence       string              `json:"evidence,omitempty"`
	SubmittedBy    string              `json:"submitted_by"`
	VerifiedBy     string              `json:"verified_by"`
	Late           bool                `json:"late,omitempty"`
	Rounds         []domain.Round      `json:"rounds"`
	ReworkCount    int                 `json:"rework_count,omitempty"`
	Extensions     int                 `json:"extensions,omitempty"`
	LateExtensions int                 `json:"late_extensions,omitempty"`
	HighestLevel   domain.OverdueLevel `json:"highest_level,omitempty"`
	HighestLevelAt time.Time           `json:"highest_level_at,omitzero"`
	Schedule       domain.Schedule     `json:"schedule"`
}

// OpinionResult is what an Opinion workflow returns when it ends.
type OpinionResult struct {
	State domain.State `json:"state"`
}

// ScheduleInput asks the calendar for a deadline and its ladder.
type ScheduleInput struct {
	// Today is the campaign-local date the count starts from.
	Today string `json:"today"`
	// Deadline, when set, is used as given; otherwise WorkingDays from Today.
	Deadline    string `json:"deadline,omitempty"`
	WorkingDays int    `json:"working_days,omitempty"`
	// WithSign also computes the sign-in (签收) deadline.
	WithSign bool `json:"with_sign,omitempty"`
	// OnWorkday moves a Deadline that falls on a day off to the next working day:
	// one rectify set a number of months on (a long-term item's next report).
	OnWorkday bool          `json:"on_workday,omitempty"`
	Policy    domain.Policy `json:"policy"`
}

// ProjectInput carries an opinion's state to the reporting store. The origin, then
// the revision, order writes, so a late or retried one never overwrites a newer one.
type ProjectInput struct {
	Opinion domain.Opinion `json:"opinion"`
	// Notifications are stored with the projection, in its transaction, for the
	// dispatcher to deliver.
	Notifications []domain.Notification `json:"notifications,omitempty"`
	// Origin is the workflow task that computed this state.
	Origin Origin `json:"origin"`
	// Unconfirmed marks the state an Update's handler wrote: Temporal has not yet
	// recorded the Update, and will not if its workflow task never completes. It
	// stays unconfirmed (its notifications held) until the Update's caller confirms
	// it or the store's reconciler has checked it against the workflow.
	Unconfirmed bool `json:"unconfirmed,omitempty"`
}

// Origin identifies the workflow task a projection was computed in. A later task
// has a later started event, or — when a task that never completed left no trace
// in the history — the same event number started later; so a projection from a
// later task, even at the same revision, supersedes one from an earlier task.
type Origin struct {
	// TaskEvent is the started event id of the workflow task.
	TaskEvent int64 `json:"task_event"`
	// At is the workflow's clock when the projection was computed.
	At time.Time `json:"at"`
}

// BatchInput starts (or continues) a Batch workflow: the accepted rows of an imported
// file, already checked and stored, are turned into opinions chunk by chunk.
type BatchInput struct {
	BatchID   string `json:"batch_id"`
	Accepted  int    `json:"accepted"`
	Next      int    `json:"next"`
	ChunkSize int    `json:"chunk_size"`
}

// ImportChunkInput asks for the opinions of rows [From, To) of a batch to be started.
type ImportChunkInput struct {
	BatchID string `json:"batch_id"`
	From    int    `json:"from"`
	To      int    `json:"to"`
}

// ImportChunkResult counts what a chunk did.
type ImportChunkResult struct {
	Started        int `json:"started"`
	AlreadyPresent int `json:"already_present"`
	// KeyConflicts are rows refused because their key belongs to another opinion.
	KeyConflicts int `json:"key_conflicts,omitempty"`
}

// FinishBatchInput marks a batch done.
type FinishBatchInput struct {
	BatchID string `json:"batch_id"`
}
