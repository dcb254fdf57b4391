package workflows_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"rectify/internal/domain"
	"rectify/workflows"
)

const (
	catManholes = "窨井盖安全" // added to the campaign after the opinion started; 立行立改, 4 working days
	deptHousing = "住建局"   // likewise
)

// currentPolicy is the campaign's policy after the office changed its settings
// while the opinion was running: a category and a department added, 城管科 and
// 制度漏洞 retired.
func currentPolicy() *domain.Policy {
	p := testPolicy()
	p.Categories = append(p.Categories, domain.CategoryPolicy{Name: catManholes, Speed: domain.SpeedImmediate, WorkingDays: 4})
	p.Categories[2].Retired = true
	p.Departments = append(p.Departments, deptHousing)
	p.RetiredDepartments = []string{deptCity}
	return &p
}

// actWith sends an action whose request carries the campaign's current policy, as
// the API does.
func (lc *lifecycle) actWith(when time.Time, who domain.Actor, action domain.Action, body domain.ActionBody, p *domain.Policy) *outcome {
	lc.seq++
	id := fmt.Sprintf("%02d-%s-%s-with-policy", lc.seq, action, who.Username)
	return lc.update(when, string(action), id, id, domain.ActionRequest{Actor: who, Body: body, Policy: p})
}

func TestOpinionUsesACategoryAndDepartmentAddedAfterItStarted(t *testing.T) {
	lc := newLifecycle(t, testPolicy())
	assignHousing := domain.ActionBody{Department: deptHousing, Official: "official", Leader: "leader"}

	byOwnCopy := lc.act(on(time.September, 21, 10, 0), office, domain.ActionCategorize, domain.ActionBody{Category: catManholes})
	retiredCategory := lc.actWith(on(time.September, 21, 10, 15), office, domain.ActionCategorize, domain.ActionBody{Category: "制度漏洞"}, currentPolicy())
	categorize := lc.actWith(on(time.September, 21, 10, 30), office, domain.ActionCategorize, domain.ActionBody{Category: catManholes}, currentPolicy())
	retiredDepartment := lc.actWith(on(time.September, 21, 11, 0), office, domain.ActionAssign,
		domain.ActionBody{Department: deptCity, Official: "official", Leader: "leader"}, currentPolicy())
	assign := lc.actWith(on(time.September, 21, 11, 30), office, domain.ActionAssign, assignHousing, currentPolicy())
	assigned := lc.look(on(time.September, 21, 12, 0))
	ret := lc.act(on(time.September, 21, 14, 0), official, domain.ActionReturn, domain.ActionBody{Reason: "请核实责任单位"})
	// No policy in this request: the opinion runs by the one it adopted.
	reassign := lc.act(on(time.September, 21, 15, 0), office, domain.ActionAssign, assignHousing)
	reassigned := lc.look(on(time.September, 21, 15, 30))
	cancel := lc.act(on(time.September, 22, 10, 0), office, domain.ActionCancel, domain.ActionBody{Reason: "反映人撤回意见"})

	res := lc.run()
	require.Equal(t, workflows.OpinionResult{State: domain.StateCancelled}, res)

	byOwnCopy.rejectedWith(t, domain.ErrInvalid, "unknown_category",
		`category "窨井盖安全" is not one of this campaign's categories`)
	retiredCategory.rejectedWith(t, domain.ErrInvalid, "retired_category",
		`category "制度漏洞" is retired in this campaign and takes no new opinions; choose another`)
	categorize.okAs(t, domain.StateCategorized, 2)
	retiredDepartment.rejectedWith(t, domain.ErrInvalid, "retired_department",
		`department "城管科" is retired in this campaign and takes no new assignments; choose another`)
	assign.okAs(t, domain.StateAssigned, 3)

	a := assigned.get(t)
	require.Equal(t, catManholes, a.Category)
	require.Equal(t, deptHousing, a.Department)
	// 4 working days from Monday 09-21: 22, 23, 24, then 中秋节 (25–27), then 28.
	require.Equal(t, "2026-09-28", a.Schedule.Deadline, "the added category's own working days count")
	require.Contains(t, a.Schedule.Explanation, "4 个工作日")

	ret.okAs(t, domain.StateReturned, 4)
	reassign.okAs(t, domain.StateAssigned, 5)
	require.Equal(t, "2026-09-28", reassigned.get(t).Schedule.Deadline)
	cancel.okAs(t, domain.StateCancelled, 6)

	final := lc.finalChecks(t)
	require.Equal(t, catManholes, final.Category)
	require.Equal(t, deptHousing, final.Department)
}

func TestOpinionAssignsARenamedCategoryByItsWorkingDays(t *testing.T) {
	lc := newLifecycle(t, testPolicy())
	// 群众需要解决的问题 (3 working days) is renamed and given 5; the opinion keeps the
	// name it was confirmed with, and its deadline counts the renamed category's days.
	renamed := testPolicy()
	renamed.Categories[1] = domain.CategoryPolicy{Name: "群众急难愁盼问题", Speed: domain.SpeedImmediate, WorkingDays: 5,
		Aliases: []string{catResidents}}
	categorize := lc.act(on(time.September, 21, 10, 0), office, domain.ActionCategorize, domain.ActionBody{Category: catResidents})
	assign := lc.actWith(on(time.September, 21, 11, 0), office, domain.ActionAssign,
		domain.ActionBody{Department: deptCivil, Official: "official", Leader: "leader"}, &renamed)
	assigned := lc.look(on(time.September, 21, 11, 30))
	cancel := lc.act(on(time.September, 22, 10, 0), office, domain.ActionCancel, domain.ActionBody{Reason: "重复反映"})

	lc.run()
	categorize.okAs(t, domain.StateCategorized, 2)
	assign.okAs(t, domain.StateAssigned, 3)
	a := assigned.get(t)
	require.Equal(t, catResidents, a.Category, "what was recorded stays")
	// 5 working days from 09-21: 22, 23, 24, 28, 29.
	require.Equal(t, "2026-09-29", a.Schedule.Deadline)
	cancel.okAs(t, domain.StateCancelled, 4)
	lc.finalChecks(t)
}
