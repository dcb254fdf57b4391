package store

import (
	"context"
	"sync"
	"time"

	"rectify/internal/domain"
)

// writtenLimit bounds the opinions kept by writtenOpinions: far more than the
// actions under way at once, and forgotten whole when reached.
const writtenLimit = 4096

// writtenOpinions keeps the opinions this process's projections wrote last, as a
// read would return them, until the action that caused each takes it: an action
// answers with the opinion it produced, and in the one-process setup that opinion
// was just written here, so answering needs no read of what was written.
type writtenOpinions struct {
	mu   sync.Mutex
	byID map[string]domain.Opinion
}

// keep remembers o, as stored, in place of what was kept of it before.
func (w *writtenOpinions) keep(o domain.Opinion) {
	// A read returns the timeline from its rows: times to the millisecond, in UTC.
	timeline := make([]domain.Event, len(o.Timeline))
	for i, e := range o.Timeline {
		e.At = time.UnixMilli(e.At.UnixMilli()).UTC()
		timeline[i] = e
	}
	o.Timeline = timeline
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.byID == nil || len(w.byID) >= writtenLimit {
		w.byID = map[string]domain.Opinion{}
	}
	w.byID[o.ID] = o
}

// take returns and forgets what was kept of opinion id if it is at revision.
func (w *writtenOpinions) take(id string, revision int) (domain.Opinion, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	o, ok := w.byID[id]
	if !ok || o.Revision != revision {
		return domain.Opinion{}, false
	}
	delete(w.byID, id)
	return o, true
}

// ProjectedOpinion is opinion id as it stands at revision: as this process's
// projection wrote it when that was the last write here, otherwise read (Opinion).
// An action's answer comes from it.
func (s *Store) ProjectedOpinion(ctx context.Context, id string, revision int) (domain.Opinion, error) {
	if o, ok := s.written.take(id, revision); ok {
		return o, nil
	}
	return s.Opinion(ctx, id)
}
