// Package demo seeds a demo campaign and demo users, so a newcomer has something to
// click through: a few dozen opinions drawn from the situations campaign offices
// meet, spread over every state, some of them overdue.
package demo

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"rectify/internal/calendar"
	"rectify/internal/campaign"
	"rectify/internal/domain"
	"rectify/internal/intake"
	"rectify/internal/service"
	"rectify/internal/user"
)

// CampaignID is the demo campaign's id.
const CampaignID = "demo"

// UsersFile is where a demo run keeps its users, so they survive restarts.
func UsersFile(dataDir string) string { return filepath.Join(dataDir, "demo-users.json") }

// Users are the demo people: password = username, API token demo-<username>.
var people = []struct {
	username, name, department string
	role                       domain.Role
}{
	{"office", "活动办公室 王主任", "", domain.RoleOffice},
	{"official", "城管科 李科长", "城管科", domain.RoleOfficial},
	{"official2", "民政科 张科长", "民政科", domain.RoleOfficial},
	{"verifier", "纪工委 赵书记", "", domain.RoleVerifier},
	{"leader", "分管领导 陈副主任", "", domain.RoleLeader},
	{"admin", "系统管理员 刘工", "", domain.RoleAdmin},
}

// WriteUsers writes the demo users file into the data folder.
func WriteUsers(dataDir string) error {
	var f user.File
	for _, p := range people {
		hash, err := user.HashPassword(p.username)
		if err != nil {
			return err
		}
		f.Users = append(f.Users, user.User{
			Username: p.username, Name: p.name, Roles: []domain.Role{p.role}, Department: p.department,
			PasswordHash: hash, TokenHashes: []string{user.HashToken("demo-" + p.username)},
		})
	}
	data, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(UsersFile(dataDir), data, 0o600)
}

// step is one action in a demo opinion's story.
type step struct {
	as     string
	action domain.Action
	body   domain.ActionBody
}

// story is a demo opinion and how far along it is.
type story struct {
	content, channel, department string
	daysAgo                      int
	steps                        []step
}

func yes() *bool { v := true; return &v }

func percent(n int) *int { return &n }
func no() *bool          { v := false; return &v }

// Seed creates the demo campaign and drives its opinions into their states.
func Seed(ctx context.Context, svc *service.Service) error {
	office, ok := svc.User("office")
	if !ok {
		return fmt.Errorf("the users file has no user %q for the demo", "office")
	}
	c, err := svc.CreateCampaign(ctx, office, service.CampaignRequest{
		ID:          CampaignID,
		Name:        "党的群众路线教育实践活动整改（演示）",
		Departments: []string{"城管科", "民政科", "便民服务中心", "机关党委", "财政所"},
	})
	if err != nil {
		return err
	}
	date, workday := dayCounters(svc.Now().In(c.Policy.Location()), svc.Calendar())
	stories := stories(date, workday)
	ids := make([]string, len(stories))
	var mu sync.Mutex
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(8)
	for i, st := range stories {
		g.Go(func() error {
			o, _, err := svc.SubmitOpinion(gctx, office, c, intake.Opinion{
				Key: fmt.Sprintf("demo-%02d", i+1), Content: st.content, Channel: st.channel,
				CollectedAt: date(-st.daysAgo), Department: st.department,
			})
			if err != nil {
				return fmt.Errorf("opinion %d: %w", i+1, err)
			}
			mu.Lock()
			ids[i] = o.ID
			mu.Unlock()
			for _, s := range st.steps {
				if s.action == domain.ActionMerge || s.action == domain.ActionGroup {
					continue // after every opinion exists
				}
				if err := act(gctx, svc, s, o.ID); err != nil {
					return fmt.Errorf("opinion %d, %s: %w", i+1, s.action, err)
				}
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	if err := seedProblem(ctx, svc, office, c, stories, ids); err != nil {
		return fmt.Errorf("problem: %w", err)
	}
	for i, st := range stories {
		for _, s := range st.steps {
			if s.action == domain.ActionMerge {
				s.body.Into = ids[0]
				if err := act(ctx, svc, s, ids[i]); err != nil {
					return fmt.Errorf("opinion %d, merge: %w", i+1, err)
				}
			}
		}
	}
	return nil
}

// seedProblem groups the grouped stories into one problem (问题清单) split into
// two tasks: one with a co-unit, signed for and under way; one just assigned.
func seedProblem(ctx context.Context, svc *service.Service, office user.User, c campaign.Campaign, stories []story, ids []string) error {
	var grouped []string
	for i, st := range stories {
		if slices.ContainsFunc(st.steps, func(s step) bool { return s.action == domain.ActionGroup }) {
			grouped = append(grouped, ids[i])
		}
	}
	p, _, err := svc.CreateProblem(ctx, office, c, service.ProblemRequest{Key: "demo-lights", Title: "老旧小区照明设施失修", Opinions: grouped})
	if err != nil {
		return err
	}
	first, err := svc.AddTask(ctx, office, p.ID, service.TaskRequest{Lead: "城管科", CoUnits: []string{"民政科"}, Official: "official",
		Leader: "leader", Measures: "全面排查更换损坏路灯，建立月度巡查制度"})
	if err != nil {
		return err
	}
	if err := act(ctx, svc, step{"official", domain.ActionSign, domain.ActionBody{}}, first.ID); err != nil {
		return err
	}
	_, err = svc.AddTask(ctx, office, p.ID, service.TaskRequest{Lead: "民政科", CoUnits: []string{"财政所"}, Official: "official2", Leader: "leader",
		Measures: "安排老旧小区照明改造专项资金"})
	return err
}

// dayCounters name days relative to today: date any day, workday a working day.
// Deadlines and extension dates fall on working days (docs/rules.md): a day off
// moves back to the working day before a past date, on to the one after a future
// date, so the ladder the demo shows stays as it is meant.
func dayCounters(today time.Time, cal *calendar.Calendar) (date, workday func(daysFromToday int) string) {
	date = func(daysFromToday int) string { return today.AddDate(0, 0, daysFromToday).Format(domain.DateLayout) }
	workday = func(daysFromToday int) string {
		d, step := today.AddDate(0, 0, daysFromToday), 1
		if daysFromToday <= 0 {
			step = -1
		}
		for !cal.IsWorkday(d) {
			d = d.AddDate(0, 0, step)
		}
		return d.Format(domain.DateLayout)
	}
	return date, workday
}

func act(ctx context.Context, svc *service.Service, s step, id string) error {
	u, ok := svc.User(s.as)
	if !ok {
		return fmt.Errorf("the users file has no user %q for the demo", s.as)
	}
	_, err := svc.Act(ctx, u, id, s.action, s.body)
	return err
}

// stories are the demo opinions, drawn from the situations of the campaign texts.
// Deadlines count in working days (workday); a fix on the spot may fall on any day.
func stories(date, workday func(int) string) []story {
	cat := func(c string) step {
		return step{"office", domain.ActionCategorize, domain.ActionBody{Category: c}}
	}
	assign := func(official, dep string, deadlineInDays *int) step {
		b := domain.ActionBody{Department: dep, Official: official, Leader: "leader", Measures: "制定整改方案，明确责任人和完成时限"}
		if deadlineInDays != nil {
			b.Deadline = workday(*deadlineInDays)
		}
		return step{"office", domain.ActionAssign, b}
	}
	days := func(n int) *int { return &n }
	sign := func(who string) step { return step{who, domain.ActionSign, domain.ActionBody{}} }
	submit := func(who string) step {
		return step{who, domain.ActionSubmit, domain.ActionBody{Measures: "已完成整改并建立长效机制", Evidence: "现场照片、验收记录已归档"}}
	}
	// group marks an opinion for the demo's problem (seedProblem).
	group := step{"office", domain.ActionGroup, domain.ActionBody{}}
	pass := step{"verifier", domain.ActionVerify, domain.ActionBody{Pass: yes(), Reason: "现场核查属实"}}
	fail := step{"verifier", domain.ActionVerify, domain.ActionBody{Pass: no(), Reason: "现场核查仍有积水，整改不到位"}}
	callback := func(s string) step {
		return step{"office", domain.ActionCallback, domain.ActionBody{Satisfaction: s, Note: "电话回访"}}
	}
	const road, hardship, service, formalism = "群众需要解决的问题", "特殊困难群体", "服务态度和效率", "形式主义"
	closed := func(official, dep, c, satisfaction string) []step {
		return []step{cat(c), assign(official, dep, nil), sign(official), submit(official), pass, callback(satisfaction)}
	}
	return []story{
		{"幸福路东段路面坑洼多年未修，雨天积水严重，出行不便。", "hotline", "", 40, closed("official", "城管科", road, "satisfied")},
		{"小区路灯坏了两个月没人修，晚上老人出门不安全。", "visit", "", 35, closed("official", "城管科", road, "basically")},
		{"社区独居老人王大爷行动不便，希望有人定期上门看望。", "visit", "", 33, closed("official2", "民政科", hardship, "satisfied")},
		{"便民服务中心办低保要跑三四次，材料要求不一次说清。", "symposium", "", 30, closed("official2", "便民服务中心", service, "dissatisfied")},
		{"街道会议太多，一个事开三次会，基层干部疲于应付。", "suggestion_box", "", 30, closed("official", "机关党委", formalism, "satisfied")},
		{"农贸市场周边垃圾清运不及时，夏天气味很大。", "online", "", 28, []step{cat(road), assign("official", "城管科", nil), sign("official"), submit("official"), pass}},
		{"空巢老人家中水管漏水，自己无力维修。", "hotline", "", 26, []step{cat(hardship), assign("official2", "民政科", nil), sign("official2"), submit("official2")}},
		{"服务窗口工作人员态度生硬，问两句就不耐烦。", "letter", "", 25, []step{cat(service), assign("official2", "便民服务中心", nil), sign("official2"), submit("official2"), fail}},
		{"下水道堵塞，污水漫到人行道上。", "hotline", "", 30, []step{cat(road), assign("official", "城管科", days(-14)), sign("official")}},
		{"检查评比太多，各种台账材料占用大量工作时间。", "symposium", "", 30, []step{cat(formalism), assign("official", "机关党委", days(-8)), sign("official")}},
		{"困难户申请临时救助，一个月了还没有结果。", "visit", "", 25, []step{cat(hardship), assign("official2", "民政科", days(-2)), sign("official2")}},
		{"小区停车位不足，消防通道经常被占。", "online", "", 20, []step{cat(road), assign("official", "城管科", days(-1))}},
		{"留守儿童放学后无人看管，希望社区开办托管班。", "symposium", "", 12, []step{cat(hardship), assign("official2", "民政科", days(1)), sign("official2")}},
		{"办事大厅排队时间长，取号机经常故障。", "hotline", "", 10, []step{cat(service), assign("official2", "便民服务中心", nil), sign("official2"),
			{"official2", domain.ActionRequestExtension, domain.ActionBody{Until: workday(60), Reason: "取号机需走政府采购程序"}}}},
		{"老旧小区外墙脱落，存在安全隐患。", "visit", "", 9, []step{cat(road), assign("official", "城管科", nil), sign("official")}},
		{"文件转发层层加码，基层收到的通知一天十几份。", "suggestion_box", "", 8, []step{cat(formalism), assign("official", "机关党委", nil)}},
		{"残疾人家庭无障碍改造申请迟迟没有批复。", "letter", "", 8, []step{cat(hardship), assign("official2", "民政科", nil)}},
		{"公车私用现象时有发生，群众反映强烈。", "letter", "", 7, []step{cat("奢靡之风")}},
		{"工作日上班时间有人在办公室玩手机。", "online", "", 6, []step{cat("享乐主义")}},
		// 长期坚持: on the long-term track, with its first monthly report filed.
		{"政府采购流程不透明，希望公开招标结果。", "symposium", "", 6, []step{cat("制度漏洞"), assign("official", "机关党委", nil),
			sign("official"), {"official", domain.ActionReportProgress, domain.ActionBody{Measures: "起草采购信息公开办法，已公开近三个月招标结果",
				Next: "征求意见后印发执行", Percent: percent(30)}}}},
		// 立行立改: fixed on the spot the day after it was collected, then verified.
		{"办事大厅饮水机坏了，群众等候时没有热水。", "visit", "", 3, []step{{"office", domain.ActionResolve, domain.ActionBody{
			Category: service, Department: "便民服务中心", Official: "official2", Measures: "当场联系物业更换饮水机",
			Evidence: "更换后现场照片已存档", FixedOn: date(-2)}}, pass}},
		{"小区噪音扰民，夜间施工无人管。", "hotline", "", 5, []step{cat(road), assign("official", "城管科", nil),
			{"official", domain.ActionReturn, domain.ActionBody{Reason: "夜间施工属住建部门监管，非城管科职责"}}}},
		{"幸福路东段路面破损，雨后积水，请尽快修复。", "online", "", 5, []step{{"office", domain.ActionMerge, domain.ActionBody{Reason: "与第1件反映同一问题"}}}},
		{"希望增加社区健身器材。", "suggestion_box", "", 4, []step{{"office", domain.ActionReject, domain.ActionBody{Reason: "属建议类，已转体育部门参考，不纳入整改台账"}}}},
		{"反映的楼道灯问题已自行解决，撤回。", "hotline", "", 4, []step{{"office", domain.ActionCancel, domain.ActionBody{Reason: "反映人来电撤回"}}}},
		{"社区卫生服务站医生少，看病等很久。", "visit", "", 3, nil},
		{"希望便民服务中心周末也能办理业务。", "online", "", 2, nil},
		{"部分干部下基层走过场，拍照留痕就走。", "symposium", "", 2, nil},
		{"孤寡老人冬季取暖困难。", "visit", "", 1, nil},
		{"菜市场门口道路拥堵，早高峰无人疏导。", "hotline", "", 1, nil},
		{"办事指南与实际要求不一致，白跑一趟。", "letter", "", 0, nil},
		// 问题清单: two opinions of one matter, grouped into a problem with two tasks.
		{"光明小区路灯大面积不亮，晚上出门摸黑。", "hotline", "", 9, []step{cat(road), group}},
		{"老旧小区照明太差，老人晚上不敢下楼。", "visit", "", 8, []step{cat(road), group}},
	}
}
