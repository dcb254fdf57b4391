package activities

import "time"

// ShortenFinishWaits makes FinishBatch poll every few milliseconds and give up an
// attempt after attempt, until the test ends.
func ShortenFinishWaits(cleanup func(func()), attempt time.Duration) {
	first, maxPoll, was := finishPollFirst, finishPollMax, finishAttempt
	finishPollFirst, finishPollMax, finishAttempt = time.Millisecond, 5*time.Millisecond, attempt
	cleanup(func() { finishPollFirst, finishPollMax, finishAttempt = first, maxPoll, was })
}
