package intake

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"rectify/internal/domain"
	"rectify/internal/web/i18n"
)

// directory knows official 张三 (username zhangsan), leader 李四 and verifier 王五.
func directory(name string, role domain.Role) (string, bool) {
	people := map[string]struct {
		username string
		role     domain.Role
	}{
		"张三": {"zhangsan", domain.RoleOfficial}, "zhangsan": {"zhangsan", domain.RoleOfficial},
		"李四": {"lisi", domain.RoleLeader}, "王五": {"wangwu", domain.RoleVerifier},
	}
	p, ok := people[name]
	if !ok || p.role != role {
		return "", false
	}
	return p.username, true
}

const progressHeader = "编号,意见内容,来源,收集时间,问题类别,责任单位,整改状态,责任人,责任领导,整改措施,整改时限,交办日期,完成日期,验收日期,验收人,销号日期,满意度\n"

// A half-done ledger's rows come in where they stand, with the days the office
// wrote, in any date form the other columns take.
func TestAHalfDoneLedgersRowsCarryTheirStateDaysAndPeople(t *testing.T) {
	ledger := progressHeader +
		"A1,路灯坏了,热线,2026-11-01,群众需要解决的问题,城管科,整改中,张三,李四,更换灯具,2026年11月20日,2026/11/2,,,,,\n" +
		"A2,道路积水,热线,2026-11-01,群众需要解决的问题,城管科,已销号,zhangsan,,疏通管道,2026-11-10,2026-11-02,2026-11-09,2026-11-11,王五,2026-11-12,基本满意\n" +
		"A3,噪音扰民,热线,2026-11-03,,,,,,,,,,,,,\n" +
		"A4,垃圾清运,热线,2026-11-03,群众需要解决的问题,民政科,待验收,张三,,清运完毕,2026-11-30,,2026-11-20,,,,\n" +
		"A5,井盖松动,热线,2026-11-03,群众需要解决的问题,城管科,已销号,张三,,已加固,2026-11-30,,2026-11-20,2026-11-21,赵验收,,满意\n"
	sum, sink := readCSV(t, "台账.csv", ledger, ReadOptions{People: directory})
	require.Empty(t, sink.rejected)
	require.Equal(t, 5, sum.Accepted)
	require.Equal(t, 4, sum.UnderWay)
	require.Equal(t, &domain.Backfill{State: domain.StateInProgress, Category: "群众需要解决的问题", Department: "城管科",
		Official: "zhangsan", Leader: "lisi", Measures: "更换灯具", Deadline: "2026-11-20", AssignedOn: "2026-11-02"}, sink.rows[0].Progress)
	require.Equal(t, &domain.Backfill{State: domain.StateClosed, Category: "群众需要解决的问题", Department: "城管科",
		Official: "zhangsan", Measures: "疏通管道", Deadline: "2026-11-10", AssignedOn: "2026-11-02", SubmittedOn: "2026-11-09",
		VerifiedOn: "2026-11-11", Verifier: "wangwu", ClosedOn: "2026-11-12", Satisfaction: domain.SatisfactionBasically}, sink.rows[1].Progress)
	require.Nil(t, sink.rows[2].Progress, "a row without a state is an opinion to triage")
	require.Equal(t, domain.StateSubmitted, sink.rows[3].Progress.State)
	require.Equal(t, "赵验收", sink.rows[4].Progress.Verifier, "a verifier who is not a user is kept as the ledger names them")
}

// Every rule of a row under way names its column; the other rows come in.
func TestARowUnderWayThatCannotStartWhereItStandsIsRefusedNamingColumnAndRule(t *testing.T) {
	ok := "群众需要解决的问题,城管科"
	rows := []struct {
		row, column, code, reason string
	}{
		{ok + ",已解决,张三,,,2026-11-20,,,,,,", "整改状态", "invalid_state", `"已解决" is not a state rectify knows`},
		{",城管科,整改中,张三,,,2026-11-20,,,,,,", "问题类别", "invalid_category", "is required for an item with a state"},
		{"服务态度,城管科,整改中,张三,,,2026-11-20,,,,,,", "问题类别", "invalid_category", `"服务态度" is not one of this campaign's categories`},
		{"群众需要解决的问题,,整改中,张三,,,2026-11-20,,,,,,", "责任单位", "invalid_department", "is required for an item in progress"},
		{ok + ",整改中,,,,2026-11-20,,,,,,", "责任人", "invalid_official", "is required for an item under way"},
		{ok + ",整改中,李四,,,2026-11-20,,,,,,", "责任人", "invalid_official", `"李四" is not the username or name of one rectify user in the role Responsible official`},
		{ok + ",整改中,张三,,,,,,,,,", "整改时限", "invalid_deadline", "is required for an item in progress"},
		{ok + ",整改中,张三,,,下月底,,,,,,", "整改时限", "invalid_deadline", `"下月底" is not a date`},
		{ok + ",整改中,张三,,,2026-10-30,,,,,,", "整改时限", "invalid_deadline", "2026-10-30 is before the item was assigned (2026-11-01)"},
		{ok + ",整改中,张三,,,2026-11-20,2026-10-30,,,,,", "交办日期", "invalid_assigned_on", "2026-10-30 is before the day it was collected (2026-11-01)"},
		{ok + ",整改中,张三,,,2026-11-20,,2026-11-05,,,,", "完成日期", "invalid_submitted_on", "is given, but an item in progress has not got that far"},
		{ok + ",待验收,张三,,,2026-11-20,,2026-11-05,,,,", "整改措施", "invalid_measures", "are required for an item waiting for verification"},
		{ok + ",待验收,张三,,修好了,2026-11-20,,2026-12-01,,,,", "完成日期", "invalid_submitted_on", "2026-12-01 is in the future (today is 2026-11-27)"},
		{ok + ",已销号,张三,,修好了,2026-11-20,,2026-11-05,2026-11-04,,,满意", "验收日期", "invalid_verified_on", "2026-11-04 is before the day the fix was submitted (2026-11-05)"},
		{ok + ",已销号,张三,,修好了,2026-11-20,,2026-11-05,2026-11-06,,,不满意", "满意度", "invalid_satisfaction", "a dissatisfied follow-up call reopens an item"},
		{ok + ",已销号,张三,,修好了,2026-11-20,,2026-11-05,2026-11-06,,2026-11-09,", "销号日期", "invalid_closed_on", "without a follow-up call an item is closed when it passes verification"},
		{ok + ",整改中,张三,张三,,2026-11-20,,,,,,", "责任领导", "invalid_leader", `"张三" is not the username or name of one rectify user in the role Leader`},
	}
	var b strings.Builder
	b.WriteString(progressHeader)
	for i, r := range rows {
		b.WriteString("B" + string(rune('a'+i)) + ",意见" + string(rune('a'+i)) + ",热线,2026-11-01," + r.row + "\n")
	}
	b.WriteString("OK,路灯坏了,热线,2026-11-01," + ok + ",整改中,张三,,,2026-11-20,,,,,,\n")
	sum, sink := readCSV(t, "台账.csv", b.String(), ReadOptions{People: directory})
	require.Equal(t, 1, sum.Accepted, "the good row comes in")
	require.Len(t, sink.rejected, len(rows))
	for i, r := range rows {
		got := sink.rejected[i]
		require.Equal(t, i+2, got.Line)
		require.Equal(t, r.column, got.Column, "row %d", i+2)
		require.Equal(t, r.code, got.Code, "row %d", i+2)
		require.Contains(t, got.Reason.In(i18n.English), r.reason, "row %d", i+2)
	}
}
