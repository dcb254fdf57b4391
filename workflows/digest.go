package workflows

import (
	"time"

	"go.temporal.io/sdk/workflow"
)

// Names of the daily digest (每日提醒): one Temporal Schedule starts a Digest
// workflow each day at the configured local time; its one activity sends, on a
// working day of the calendar, each official and leader their urgent items.
const (
	DigestWorkflowName      = "rectify.Digest"
	SendDigestsActivityName = "rectify.SendDigests"
	DigestScheduleID        = "digest-schedule"
	DigestWorkflowID        = "digest"
)

// DigestInput starts a Digest workflow: Zone is the time zone whose day it is.
type DigestInput struct {
	Zone string `json:"zone"`
}

// SendDigestsInput asks for the digests of the day of At in Zone.
type SendDigestsInput struct {
	At   time.Time `json:"at"`
	Zone string    `json:"zone"`
}

// SendDigestsResult counts the digests put in the outbox (0 on a day off, or
// when nobody has an urgent item).
type SendDigestsResult struct {
	Day  string `json:"day"`
	Sent int    `json:"sent"`
}

// DigestWorkflow sends the digests of its schedule's nominal day (or of its own
// start). Their keys name the day and person, so a retry tells no one twice.
func DigestWorkflow(ctx workflow.Context, in DigestInput) (SendDigestsResult, error) {
	var res SendDigestsResult
	err := workflow.ExecuteActivity(scheduledWork(ctx), SendDigestsActivityName, SendDigestsInput{At: scheduledAt(ctx), Zone: in.Zone}).Get(ctx, &res)
	return res, err
}
