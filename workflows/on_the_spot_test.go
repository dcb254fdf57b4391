package workflows_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"rectify/internal/domain"
	"rectify/workflows"
)

// resolvedBy is an opinion fixed on the spot (立行立改) by the official of 城管科
// on the day it was collected.
var resolvedBy = domain.ActionBody{Category: catResidents, Department: deptCity, Official: "official", Leader: "leader",
	Measures: "当场清理占道堆放物", Evidence: "现场照片.jpg", FixedOn: "2026-09-18"}

func TestAnOpinionResolvedOnTheSpotIsVerifiedAndClosesOnTimeWithItsRealDates(t *testing.T) {
	lc := newLifecycle(t, testPolicy())
	resolve := lc.act(on(time.September, 21, 10, 0), office, domain.ActionResolve, resolvedBy)
	resolved := lc.look(on(time.September, 21, 10, 30))
	// The one who recorded it and the one who fixed it may not verify it.
	ownFix := lc.act(on(time.September, 21, 11, 0), actor("office", domain.RoleOffice, domain.RoleVerifier), domain.ActionVerify, domain.ActionBody{Pass: yes()})
	verify := lc.act(on(time.September, 22, 10, 0), verifier, domain.ActionVerify, domain.ActionBody{Pass: yes(), Reason: "现场核实"})
	lc.act(on(time.September, 23, 10, 0), office, domain.ActionCallback, domain.ActionBody{Satisfaction: domain.SatisfactionSatisfied})

	require.Equal(t, workflows.OpinionResult{State: domain.StateClosed}, lc.run())
	resolve.okAs(t, domain.StateSubmitted, 2)
	ownFix.rejectedWith(t, domain.ErrForbidden, "own_fix", "a verifier may not verify a fix they submitted or are responsible for")
	verify.okAs(t, domain.StateAwaitingCallback, 3)

	r := resolved.get(t)
	require.True(t, r.OnTheSpot)
	require.Equal(t, "2026-09-18", r.FixedOn)
	require.Equal(t, catResidents, r.Category)
	require.Equal(t, deptCity, r.Department)
	require.Equal(t, "official", r.Official)
	require.Equal(t, "office", r.SubmittedBy, "recorded by the office")
	require.Equal(t, "", r.Schedule.Deadline, "no deadline: it was already fixed")
	require.Equal(t, domain.LevelNone, r.OverdueLevel)
	require.Len(t, r.Rounds, 1)
	require.False(t, r.Rounds[0].Late)
	require.Equal(t, map[string]string{"category": catResidents, "department": deptCity, "official": "official",
		"leader": "leader", "fixed_on": "2026-09-18"}, r.Timeline[1].Detail)

	final := lc.finalChecks(t)
	require.True(t, final.OnTime, "on time by definition")
	// From its collection (Friday 09-18) to the day it was fixed: none.
	require.Zero(t, final.WorkingDaysToClose)
	notes := lc.notifier.all()
	require.Equal(t, domain.ActionSubmit, notes[0].Kind, "the verifiers hear of it as of any fix")
	require.Equal(t, []domain.Role{domain.RoleVerifier}, notes[0].Roles)
}

func TestAFixOnTheSpotThatFailsVerificationGoesToItsOfficialWithAReworkDeadline(t *testing.T) {
	lc := newLifecycle(t, testPolicy())
	lc.act(on(time.September, 21, 9, 30), office, domain.ActionCategorize, categorizeFormalism)
	// The category confirmed stays when none is named.
	body := resolvedBy
	body.Category = ""
	lc.act(on(time.September, 21, 10, 0), office, domain.ActionResolve, body)
	lc.act(on(time.September, 22, 10, 0), verifier, domain.ActionVerify, domain.ActionBody{Pass: no(), Reason: "仍有堆放"})
	rework := lc.look(on(time.September, 22, 11, 0))
	lc.act(on(time.September, 23, 10, 0), official, domain.ActionSubmit, submitFix)
	lc.act(on(time.September, 24, 10, 0), verifier, domain.ActionVerify, domain.ActionBody{Pass: yes()})
	lc.act(on(time.September, 24, 11, 0), office, domain.ActionCallback, domain.ActionBody{Satisfaction: domain.SatisfactionSatisfied})

	require.Equal(t, workflows.OpinionResult{State: domain.StateClosed}, lc.run())
	w := rework.get(t)
	require.Equal(t, domain.StateInProgress, w.State)
	require.Equal(t, catFormalism, w.Category)
	// 5 rework working days from 09-22: 09-23, 09-24, (中秋节 09-25..27), 09-28..30.
	require.Equal(t, "2026-09-30", w.Schedule.Deadline)
	require.Equal(t, "official", w.Official)
	require.Equal(t, 1, w.ReworkCount)
	final := lc.finalChecks(t)
	require.True(t, final.OnTheSpot, "still recorded as fixed on the spot")
	require.Len(t, final.Rounds, 2)
	// Not accepted as it was: it took from receipt (09-21) to the closure (09-24).
	require.Equal(t, 3, final.WorkingDaysToClose)
}

func TestResolveIsRefusedWithoutWhatMakesItAFix(t *testing.T) {
	lc := newLifecycle(t, testPolicy())
	noCategory := resolvedBy
	noCategory.Category = ""
	future := resolvedBy
	future.FixedOn = "2026-09-22"
	beforeCollected := resolvedBy
	beforeCollected.FixedOn = "2026-09-17"
	noEvidence := resolvedBy
	noEvidence.Evidence = " "
	byOfficial := lc.act(on(time.September, 21, 10, 0), official, domain.ActionResolve, resolvedBy)
	c := lc.act(on(time.September, 21, 10, 1), office, domain.ActionResolve, noCategory)
	f := lc.act(on(time.September, 21, 10, 2), office, domain.ActionResolve, future)
	b := lc.act(on(time.September, 21, 10, 3), office, domain.ActionResolve, beforeCollected)
	e := lc.act(on(time.September, 21, 10, 4), office, domain.ActionResolve, noEvidence)
	lc.act(on(time.September, 21, 11, 0), office, domain.ActionCancel, domain.ActionBody{Reason: "重复"})
	lc.run()

	byOfficial.rejectedWith(t, domain.ErrForbidden, "office_only", "only the campaign office may do “Fixed on the spot” to an opinion")
	c.rejectedWith(t, domain.ErrInvalid, "category_required", "category is required")
	f.rejectedWith(t, domain.ErrInvalid, "fixed_on_future", "fixed_on 2026-09-22 is after today (2026-09-21); record a fix on the spot once it is done")
	b.rejectedWith(t, domain.ErrInvalid, "fixed_on_before_collected", "fixed_on 2026-09-17 is before the opinion was collected (2026-09-18)")
	e.rejectedWith(t, domain.ErrInvalid, "evidence_required", "evidence is required")
	require.Equal(t, 2, lc.finalChecks(t).Revision, "nothing refused changed anything")
}
