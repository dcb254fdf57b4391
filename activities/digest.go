package activities

import (
	"context"
	"time"

	"go.temporal.io/sdk/temporal"

	"rectify/internal/domain"
	"rectify/workflows"
)

// DigestSender sends the daily digests of a day (the service: the calendar
// decides whether it is a working day).
type DigestSender interface {
	SendDigests(ctx context.Context, day time.Time) (int, error)
}

// SendDigests sends the digests of the day of in.At in in.Zone.
func (a *Activities) SendDigests(ctx context.Context, in workflows.SendDigestsInput) (workflows.SendDigestsResult, error) {
	if a.Digests == nil {
		return workflows.SendDigestsResult{}, temporal.NewNonRetryableApplicationError("this worker sends no digests", "NoDigests", nil)
	}
	loc, err := time.LoadLocation(in.Zone)
	if err != nil {
		return workflows.SendDigestsResult{}, temporal.NewNonRetryableApplicationError("digest: unknown time zone "+in.Zone, "BadZone", err)
	}
	local := in.At.In(loc)
	day := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, time.UTC)
	n, err := a.Digests.SendDigests(ctx, day)
	return workflows.SendDigestsResult{Day: day.Format(domain.DateLayout), Sent: n}, err
}
