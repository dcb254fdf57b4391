package app

// The authorization matrix over HTTP on the real server: every request the API
// takes — each lifecycle action, each read of an opinion, the lists, the campaign,
// ledger and import endpoints — made by every kind of caller, with the answer each
// must get. The matrix is the table authzMatrix; the rest of this file only builds
// the items it talks about and checks each cell.

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"rectify/internal/apitest"
	"rectify/internal/attachment/attachmenttest"
	"rectify/internal/domain"
	"rectify/internal/user"
)

// authzMatrix is the expected answer of every request (a row, defined in
// authzRequests) to every caller (a column, defined in authzColumns):
//
//	200, 201, 404, 422   that status (404: opinion_not_found; 422: unknown_parameter)
//	!office              403 office_only: only the campaign office takes this action
//	!official            403 official_only: only a responsible official does
//	!assignee            403 not_assignee: an official, but not the one it is assigned to
//	!ofc/ldr             403 office_or_leader: the office or the item's responsible leader
//	!co-unit             403 co_unit_only: only an official of the task's co-units (or the office) adds a part
//	!verifier            403 verifier_only
//	!own-fix             403 own_fix: a verifier never verifies a fix they submitted
//	!hidden              403 forbidden: the caller may not even see the opinion
//	!role                403 forbidden: the endpoint needs a role the caller lacks
//	!attach              403 forbidden: the caller may take no action with evidence files on it
//	409                  409 wrong_state: the caller may, but not in the item's state
//	!anon                401 unauthenticated: no token
//	!token               401 invalid_token: a token nobody has
//
// The callers: the office; leader, the items' responsible leader, and leader2,
// another; a verifier; dual, an official of 城管科 who is a verifier too; official,
// the official the items are assigned to (城管科); colleague, another official of
// 城管科; official2, an official of 民政科; anon, who sends no token, and forged, who
// sends one nobody has. A user with no role has no column: the users file refuses
// one (user.New: "roles is empty"), so no such caller can exist.
//
// Every item is routed to 城管科; once assigned, its official is "official" and its
// responsible leader "leader" — except verify-own-fix's, assigned to "dual", who
// submitted the fix. Every item's submitter has the same name and phone; the
// imported item has them again in columns of the ledger's own (联系人, 手机号码). A caller
// allowed an action (200) takes it on an item of their own, brought to the same
// state; the refused ask the row's item, whose history must not move.
const authzMatrix = `
request                office    leader    leader2   verifier  dual      official  colleague official2 anon      forged
categorize             200       !office   !office   !office   !office   !office   !office   !hidden   !anon     !token
merge                  200       !office   !office   !office   !office   !office   !office   !hidden   !anon     !token
reject                 200       !office   !office   !office   !office   !office   !office   !hidden   !anon     !token
assign                 200       !office   !office   !office   !office   !office   !office   !hidden   !anon     !token
sign                   !official !official !official !official !assignee 200       !assignee !hidden   !anon     !token
return                 !official !official !official !official !assignee 200       !assignee !hidden   !anon     !token
request-extension      !official !official !official !official !assignee 200       !assignee !hidden   !anon     !token
decide-extension       200       200       !ofc/ldr  !ofc/ldr  !ofc/ldr  !ofc/ldr  !ofc/ldr  !hidden   !anon     !token
submit                 !official !official !official !official !assignee 200       !assignee !hidden   !anon     !token
resolve                200       !office   !office   !office   !office   !office   !office   !hidden   !anon     !token
report-progress        !official !official !official !official !assignee 200       !assignee !hidden   !anon     !token
conclude               200       200       !ofc/ldr  !ofc/ldr  !ofc/ldr  !ofc/ldr  !ofc/ldr  !hidden   !anon     !token
verify                 !verifier !verifier !verifier 200       200       !verifier !verifier !hidden   !anon     !token
verify-own-fix         !verifier !verifier !verifier 200       !own-fix  !verifier !verifier !hidden   !anon     !token
callback               200       !office   !office   !office   !office   !office   !office   !hidden   !anon     !token
reopen                 200       200       !ofc/ldr  !ofc/ldr  !ofc/ldr  !ofc/ldr  !ofc/ldr  !hidden   !anon     !token
cancel                 200       !office   !office   !office   !office   !office   !office   !hidden   !anon     !token
group                  200       !office   !office   !office   !office   !office   !office   !hidden   !anon     !token
contribute             200       !co-unit  !co-unit  !co-unit  !co-unit  !co-unit  !co-unit  200       !anon     !token
get-opinion            200       200       200       200       200       200       200       !hidden   !anon     !token
get-unrouted-opinion   200       200       200       200       200       !hidden   !hidden   !hidden   !anon     !token
get-imported-opinion   200       200       200       200       200       200       200       !hidden   !anon     !token
get-unknown-opinion    404       404       404       404       404       404       404       404       !anon     !token
list                   200       200       200       200       200       200       200       200       !anon     !token
list-assignee-me       200       200       200       200       200       200       200       200       !anon     !token
list-leader-me         200       200       200       200       200       200       200       200       !anon     !token
list-department        200       200       200       200       200       200       200       200       !anon     !token
list-unknown-parameter 422       422       422       422       422       422       422       422       !anon     !token
list-campaigns         200       200       200       200       200       200       200       200       !anon     !token
get-campaign           200       200       200       200       200       200       200       200       !anon     !token
create-campaign        201       !role     !role     !role     !role     !role     !role     !role     !anon     !token
patch-campaign         200       !role     !role     !role     !role     !role     !role     !role     !anon     !token
campaign-changes       200       200       200       !role     !role     !role     !role     !role     !anon     !token
stats                  200       200       200       !role     !role     !role     !role     !role     !anon     !token
ledger-json            200       !role     !role     !role     !role     !role     !role     !role     !anon     !token
ledger-xlsx            200       200       200       !role     !role     !role     !role     !role     !anon     !token
ledger-csv             200       200       200       !role     !role     !role     !role     !role     !anon     !token
submit-opinion         201       !role     !role     !role     !role     !role     !role     !role     !anon     !token
import                 201       !role     !role     !role     !role     !role     !role     !role     !anon     !token
batch                  200       !role     !role     !role     !role     !role     !role     !role     !anon     !token
batch-rejections       200       !role     !role     !role     !role     !role     !role     !role     !anon     !token
attach                 409       409       !attach   !attach   !attach   201       !attach   !hidden   !anon     !token
get-attachment         200       200       200       200       200       200       200       !hidden   !anon     !token
get-thumbnail          200       200       200       200       200       200       200       !hidden   !anon     !token
`

// authzWant is one cell's answer: a status, and for an error its code and a part of
// its message.
type authzWant struct {
	status  int
	code    string
	message string
}

var authzAnswers = map[string]authzWant{
	"200":       {status: http.StatusOK},
	"201":       {status: http.StatusCreated},
	"404":       {http.StatusNotFound, "opinion_not_found", "no opinion"},
	"422":       {http.StatusUnprocessableEntity, "unknown_parameter", `"assigne"`},
	"!office":   {http.StatusForbidden, "office_only", "only the campaign office"},
	"!official": {http.StatusForbidden, "official_only", "only a responsible official"},
	"!assignee": {http.StatusForbidden, "not_assignee", "assigned to another official"},
	"!ofc/ldr":  {http.StatusForbidden, "office_or_leader", "the responsible leader"},
	"!verifier": {http.StatusForbidden, "verifier_only", "only a verifier"},
	"!co-unit":  {http.StatusForbidden, "co_unit_only", "co-unit"},
	"!own-fix":  {http.StatusForbidden, "own_fix", "they submitted"},
	"!hidden":   {http.StatusForbidden, "forbidden", "neither assigned to you nor to your department"},
	"!role":     {http.StatusForbidden, "forbidden", "this needs one of these roles"},
	"!attach":   {http.StatusForbidden, "forbidden", "may attach files"},
	"409":       {http.StatusConflict, "wrong_state", "takes none from you now"},
	"!anon":     {http.StatusUnauthorized, "unauthenticated", "Bearer"},
	"!token":    {http.StatusUnauthorized, "invalid_token", "not valid"},
}

// authzColumn is one caller: the matrix's header for it, the role/relation its
// subtests are named by, and the username whose token it sends ("" for none).
type authzColumn struct {
	header, name, username string
}

var authzColumns = []authzColumn{
	{"office", "office/any", "office"},
	{"leader", "leader/responsible", "leader"},
	{"leader2", "leader/not-responsible", "leader2"},
	{"verifier", "verifier/any", "verifier"},
	{"dual", "official+verifier/same-department", "dual"},
	{"official", "official/assignee", "official"},
	{"colleague", "official/same-department", "colleague"},
	{"official2", "official/other-department", "official2"},
	{"anon", "anonymous/no-token", ""},
	{"forged", "anonymous/forged-token", "nobody"},
}

// authzUsers are the callers the matrix needs besides apitest.Users: a leader who
// is not the items' responsible leader, a second official of 城管科, and one person
// who is both an official of 城管科 and a verifier — who may verify others' fixes
// but never their own.
var authzUsers = []user.User{
	{Username: "leader2", Roles: []domain.Role{domain.RoleLeader}},
	{Username: "colleague", Roles: []domain.Role{domain.RoleOfficial}, Department: "城管科"},
	{Username: "dual", Roles: []domain.Role{domain.RoleOfficial, domain.RoleVerifier}, Department: "城管科"},
}

const (
	authzCampaign = "authz"
	// authzImports takes the uploads, so that their opinions stay out of authz's lists.
	authzImports = "authz-import"
)

// authzStage is where a row's item is brought before its request.
type authzStage int

const (
	noItem authzStage = iota
	receivedItem
	unroutedItem // received with no department: no official's yet
	categorizedItem
	assignedItem
	inProgressItem
	extensionAskedItem
	submittedItem
	awaitingCallbackItem
	closedItem
	importedItem // imported from a ledger whose own columns repeat the submitter's contact
	longTermItem // of a long-term category, signed for: on the long-term track
	taskItem     // a problem's task led by 城管科 with 民政科 as co-unit, assigned to its official
)

// authzSteps are the actions that bring a new item to each stage.
var authzSteps = map[authzStage][]domain.Action{
	receivedItem:         {},
	unroutedItem:         {},
	categorizedItem:      {domain.ActionCategorize},
	assignedItem:         {domain.ActionCategorize, domain.ActionAssign},
	inProgressItem:       {domain.ActionCategorize, domain.ActionAssign, domain.ActionSign},
	extensionAskedItem:   {domain.ActionCategorize, domain.ActionAssign, domain.ActionSign, domain.ActionRequestExtension},
	submittedItem:        {domain.ActionCategorize, domain.ActionAssign, domain.ActionSign, domain.ActionSubmit},
	awaitingCallbackItem: {domain.ActionCategorize, domain.ActionAssign, domain.ActionSign, domain.ActionSubmit, domain.ActionVerify},
	closedItem: {domain.ActionCategorize, domain.ActionAssign, domain.ActionSign, domain.ActionSubmit, domain.ActionVerify,
		domain.ActionCallback},
	longTermItem: {domain.ActionCategorize, domain.ActionAssign, domain.ActionSign},
}

// authzRequest is one row's request. "{opinion}" in the path is the row's item,
// "{batch}" the fixture's import batch, and "{target}" in a body the opinion items
// are merged into.
type authzRequest struct {
	method, path string
	body         map[string]any
	// upload sends a CSV ledger as multipart/form-data instead of a JSON body;
	// photo sends a photo so.
	upload, photo bool
	// item is the stage of the row's item, and owner the official it is assigned
	// to ("official" when empty).
	item  authzStage
	owner string
	// action is a lifecycle action: a refused one leaves the item's history as it
	// was, and each caller allowed it acts on an item of their own, prepared alike.
	action bool
	// officePII says the office's answer holds the submitter's name and phone;
	// noPII that nobody's does. Nobody else's answer ever does.
	officePII, noPII bool
}

// authzBodies are valid bodies for every action, used by the matrix and to prepare
// its items: a refusal is about who asks, never about what they sent.
func authzBodies() map[domain.Action]map[string]any {
	return map[domain.Action]map[string]any{
		domain.ActionCategorize: {"category": "群众需要解决的问题"},
		domain.ActionMerge:      {"into": "{target}"},
		domain.ActionReject:     {"reason": "不属于本次活动范围"},
		domain.ActionAssign: {"department": "城管科", "official": "official", "leader": "leader",
			"measures": "制定整改方案", "deadline": workday(10)},
		domain.ActionSign:             {},
		domain.ActionReturn:           {"reason": "不属于本科室职责"},
		domain.ActionRequestExtension: {"until": workday(20), "reason": "需走采购程序"},
		domain.ActionDecideExtension:  {"approve": true, "reason": "同意"},
		domain.ActionSubmit:           {"measures": "已整改", "evidence": "现场照片"},
		domain.ActionVerify:           {"pass": true, "reason": "现场核查属实"},
		domain.ActionCallback:         {"satisfaction": "satisfied", "note": "电话回访"},
		domain.ActionReopen:           {"reason": "回头看发现反弹"},
		domain.ActionCancel:           {"reason": "反映人撤回"},
		domain.ActionResolve: {"department": "城管科", "official": "official", "measures": "当场整改",
			"evidence": "现场照片", "fixed_on": day(0)},
		domain.ActionReportProgress: {"measures": "起草制度", "next": "征求意见", "percent": 30},
		domain.ActionConclude:       {"measures": "制度已印发执行", "evidence": "制度文件"},
		domain.ActionGroup:          {"problem": "{problem}"},
		domain.ActionContribute:     {"note": "民政科已排查辖区内相关点位"},
	}
}

func authzRequests() map[string]authzRequest {
	bodies := authzBodies()
	act := func(a domain.Action, item authzStage) authzRequest {
		return authzRequest{method: http.MethodPost, path: "/api/v1/opinions/{opinion}/actions/" + string(a),
			body: bodies[a], item: item, action: true}
	}
	get := func(path string) authzRequest { return authzRequest{method: http.MethodGet, path: path} }
	campaign := "/api/v1/campaigns/" + authzCampaign
	reqs := map[string]authzRequest{
		"categorize":        act(domain.ActionCategorize, receivedItem),
		"merge":             act(domain.ActionMerge, receivedItem),
		"reject":            act(domain.ActionReject, receivedItem),
		"assign":            act(domain.ActionAssign, categorizedItem),
		"sign":              act(domain.ActionSign, assignedItem),
		"return":            act(domain.ActionReturn, assignedItem),
		"request-extension": act(domain.ActionRequestExtension, inProgressItem),
		"decide-extension":  act(domain.ActionDecideExtension, extensionAskedItem),
		"submit":            act(domain.ActionSubmit, inProgressItem),
		"verify":            act(domain.ActionVerify, submittedItem),
		"verify-own-fix":    act(domain.ActionVerify, submittedItem),
		"callback":          act(domain.ActionCallback, awaitingCallbackItem),
		"reopen":            act(domain.ActionReopen, closedItem),
		"cancel":            act(domain.ActionCancel, inProgressItem),
		"resolve":           act(domain.ActionResolve, categorizedItem),
		"report-progress":   act(domain.ActionReportProgress, longTermItem),
		"conclude":          act(domain.ActionConclude, longTermItem),
		"group":             act(domain.ActionGroup, categorizedItem),
		"contribute":        act(domain.ActionContribute, taskItem),

		"get-opinion":          {method: http.MethodGet, path: "/api/v1/opinions/{opinion}", item: inProgressItem, officePII: true},
		"get-unrouted-opinion": {method: http.MethodGet, path: "/api/v1/opinions/{opinion}", item: unroutedItem, officePII: true},
		"get-imported-opinion": {method: http.MethodGet, path: "/api/v1/opinions/{opinion}", item: importedItem, officePII: true},
		"get-unknown-opinion":  get("/api/v1/opinions/3f0c2a9e-0000-4000-8000-000000000000"),

		"list":                   {method: http.MethodGet, path: "/api/v1/opinions?limit=500&campaign=" + authzCampaign, officePII: true},
		"list-assignee-me":       get("/api/v1/opinions?assignee=me"),
		"list-leader-me":         get("/api/v1/opinions?leader=me&campaign=" + authzCampaign),
		"list-department":        get("/api/v1/opinions?department=" + url.QueryEscape("城管科")),
		"list-unknown-parameter": get("/api/v1/opinions?campaign=" + authzCampaign + "&assigne=me"),
		"list-campaigns":         get("/api/v1/campaigns"),
		"get-campaign":           get(campaign),

		"create-campaign": {method: http.MethodPost, path: "/api/v1/campaigns",
			body: map[string]any{"id": "authz-new", "name": "新一轮整改", "departments": []string{"城管科"}}},
		"patch-campaign":   {method: http.MethodPatch, path: campaign, body: map[string]any{"name": "群众路线整改（调整）"}},
		"campaign-changes": get(campaign + "/changes"),
		"stats":            get(campaign + "/stats"),
		"ledger-json":      {method: http.MethodGet, path: campaign + "/ledger", officePII: true},
		"ledger-xlsx":      {method: http.MethodGet, path: campaign + "/ledger.xlsx", noPII: true},
		"ledger-csv":       {method: http.MethodGet, path: campaign + "/ledger.csv", noPII: true},
		"submit-opinion": {method: http.MethodPost, path: campaign + "/opinions", officePII: true,
			body: map[string]any{"key": "AUTHZ-NEW", "content": "公园厕所长期无人打扫", "channel": "热线", "collected_at": day(0),
				"department": "城管科", "submitter": "{name}", "phone": "{phone}"}},
		"import":           {method: http.MethodPost, path: "/api/v1/campaigns/" + authzImports + "/batches", upload: true},
		"batch":            {method: http.MethodGet, path: "/api/v1/batches/{batch}", officePII: true},
		"batch-rejections": {method: http.MethodGet, path: "/api/v1/batches/{batch}/rejections.csv", officePII: true},

		"attach":         {method: http.MethodPost, path: "/api/v1/opinions/{opinion}/attachments", photo: true, item: inProgressItem},
		"get-attachment": {method: http.MethodGet, path: "/api/v1/attachments/{attachment}", item: inProgressItem, noPII: true},
		"get-thumbnail":  {method: http.MethodGet, path: "/api/v1/attachments/{attachment}/thumbnail", item: inProgressItem, noPII: true},
	}
	own := reqs["verify-own-fix"]
	own.owner = "dual"
	reqs["verify-own-fix"] = own
	return reqs
}

type authzRow struct {
	name  string
	cells []authzWant
}

// parseAuthzMatrix reads the matrix, checking its shape: the header names the
// columns in order, every row has a cell per column, every request and every
// lifecycle action has exactly one row.
func parseAuthzMatrix(t *testing.T, reqs map[string]authzRequest) []authzRow {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(authzMatrix), "\n")
	header := strings.Fields(lines[0])
	require.Len(t, header, len(authzColumns)+1)
	for i, col := range authzColumns {
		require.Equal(t, col.header, header[i+1], "column %d of the header", i+1)
	}
	var rows []authzRow
	seen := map[string]bool{}
	for _, line := range lines[1:] {
		fields := strings.Fields(line)
		require.Len(t, fields, len(authzColumns)+1, "a cell per column: %q", line)
		name := fields[0]
		require.False(t, seen[name], "row %s appears twice", name)
		seen[name] = true
		_, ok := reqs[name]
		require.True(t, ok, "row %s has a request in authzRequests", name)
		row := authzRow{name: name}
		for _, cell := range fields[1:] {
			want, ok := authzAnswers[cell]
			require.True(t, ok, "row %s: %q is not an answer of the legend", name, cell)
			row.cells = append(row.cells, want)
		}
		rows = append(rows, row)
	}
	for name := range reqs {
		require.True(t, seen[name], "request %s has a row in the matrix", name)
	}
	for _, a := range domain.Actions {
		require.True(t, seen[string(a)], "every action has a row: %s has none", a)
	}
	return rows
}

// authzFixture is the campaign and the items the matrix talks about.
type authzFixture struct {
	h      *harness
	bodies map[domain.Action]map[string]any
	// name and phone are the submitter's, on every item: only the office reads them.
	name, phone string
	keys        int
	target      string
	// problem is an open problem items are grouped into.
	problem  string
	batch    string
	imported string
	// attachment is a photo the official uploaded to get-attachment's item.
	attachment string
	// items are the rows' items: one per row that has one, refused by every
	// caller but those the row allows; fresh are the items those act on, one per
	// row and column. before is each row item's history length once prepared.
	items, fresh map[string]string
	before       map[string]int
	// sent counts the requests, each from an address of its own.
	sent int
}

func (fx *authzFixture) t() testing.TB { return fx.h.t }

// send sends a row's request as username: call, with its upload.
func (fx *authzFixture) send(t testing.TB, username, method, path string, body any, req authzRequest) (int, []byte) {
	t.Helper()
	if req.photo {
		return fx.callWith(t, username, method, path, body, photoUpload)
	}
	return fx.call(t, username, method, path, body, req.upload)
}

// call sends one request as username ("" sends no token) and answers the status
// and body. A throttled request (429) waits the second it is told to and goes again:
// preparing the items asks more of the office than the per-user rate allows.
func (fx *authzFixture) call(t testing.TB, username, method, path string, body any, upload bool) (int, []byte) {
	t.Helper()
	var file func(testing.TB) (io.Reader, string)
	if upload {
		file = fx.ledgerUpload
	}
	return fx.callWith(t, username, method, path, body, file)
}

// callWith is call with file, when set, making the multipart upload to send.
func (fx *authzFixture) callWith(t testing.TB, username, method, path string, body any, file func(testing.TB) (io.Reader, string)) (int, []byte) {
	t.Helper()
	for {
		var r io.Reader
		contentType := ""
		switch {
		case file != nil:
			r, contentType = file(t)
		case body != nil:
			data, err := json.Marshal(fx.resolve(body))
			require.NoError(t, err)
			r, contentType = bytes.NewReader(data), "application/json"
		}
		req, err := http.NewRequest(method, fx.h.Base+path, r)
		require.NoError(t, err)
		req.Header.Set("Accept-Language", "en") // the messages checked are the English ones
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		if username != "" {
			req.Header.Set("Authorization", "Bearer tok-"+username)
		}
		fx.sent++
		req.Header.Set("X-Forwarded-For", fmt.Sprintf("198.18.%d.%d", fx.sent/250, 1+fx.sent%250))
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		data, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		require.NoError(t, err)
		if resp.StatusCode == http.StatusTooManyRequests && !bytes.Contains(data, []byte("too_many_attempts")) {
			time.Sleep(time.Second)
			continue
		}
		return resp.StatusCode, data
	}
}

// must is call that requires the status and decodes the JSON answer.
func (fx *authzFixture) must(username, method, path string, body any, want int) map[string]any {
	t := fx.t()
	t.Helper()
	status, data := fx.call(t, username, method, path, body, false)
	require.Equal(t, want, status, "%s %s as %s: %s", method, path, username, data)
	var out map[string]any
	require.NoError(t, json.Unmarshal(data, &out))
	return out
}

// resolve puts the fixture's values in place of a body's placeholders.
func (fx *authzFixture) resolve(body any) any {
	m, ok := body.(map[string]any)
	if !ok {
		return body
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		switch v {
		case "{target}":
			v = fx.target
		case "{problem}":
			v = fx.problem
		case "{name}":
			v = fx.name
		case "{phone}":
			v = fx.phone
		}
		out[k] = v
	}
	return out
}

// authzImportKey is the key of the imported item.
const authzImportKey = "AUTHZ-IMP-1"

// ledgerUpload is a CSV ledger with one good row and one refused (an unknown
// channel), both routed to 城管科 and with the submitter's name and phone, again in
// columns rectify has no field for: an office's ledger often has its own.
func (fx *authzFixture) ledgerUpload(t testing.TB) (io.Reader, string) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, err := mw.CreateFormFile("file", "意见.csv")
	require.NoError(t, err)
	contact := fx.name + "," + fx.phone + "," + fx.name + "," + fx.phone
	_, err = io.WriteString(fw, "意见编号,意见内容,来源,收集时间,涉及单位,反映人,联系电话,联系人,手机号码\n"+
		authzImportKey+",背街小巷路灯不亮,热线,"+day(-1)+",城管科,"+contact+"\n"+
		"AUTHZ-IMP-2,道路积水,传真,"+day(-1)+",城管科,"+contact+"\n")
	require.NoError(t, err)
	require.NoError(t, mw.Close())
	return &body, mw.FormDataContentType()
}

// photoUpload is a photo of the fix, as multipart/form-data.
func photoUpload(t testing.TB) (io.Reader, string) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, err := mw.CreateFormFile("file", "整改后.png")
	require.NoError(t, err)
	_, err = fw.Write(attachmenttest.PNG(t, 64, 48))
	require.NoError(t, err)
	require.NoError(t, mw.Close())
	return &body, mw.FormDataContentType()
}

// newItem submits an opinion routed to 城管科 (or to no department) and brings it
// to stage through the API, each step taken by whoever it falls to, with owner as
// its official.
func (fx *authzFixture) newItem(stage authzStage, owner string) string {
	t := fx.t()
	t.Helper()
	if owner == "" {
		owner = "official"
	}
	if stage == importedItem {
		return fx.imported
	}
	if stage == taskItem {
		return fx.newTask(owner)
	}
	fx.keys++
	in := map[string]any{
		"key": fmt.Sprintf("AUTHZ-%03d", fx.keys), "content": fmt.Sprintf("幸福路路面坑洼，雨天积水严重（%d）", fx.keys),
		"channel": "热线", "collected_at": day(0), "submitter": fx.name, "phone": fx.phone, "department": "城管科",
	}
	if stage == unroutedItem {
		delete(in, "department")
	}
	op := fx.must("office", http.MethodPost, "/api/v1/campaigns/"+authzCampaign+"/opinions", in, http.StatusCreated)
	id := op["id"].(string)
	if stage != unroutedItem {
		require.Equal(t, "城管科", op["department"], "the item is routed to 城管科 from the start")
	}
	by := map[domain.Action]string{
		domain.ActionCategorize: "office", domain.ActionAssign: "office", domain.ActionSign: owner,
		domain.ActionRequestExtension: owner, domain.ActionSubmit: owner, domain.ActionVerify: "verifier",
		domain.ActionCallback: "office",
	}
	for _, a := range authzSteps[stage] {
		body := fx.bodies[a]
		if a == domain.ActionAssign {
			body = withValue(body, "official", owner)
		}
		if a == domain.ActionCategorize && stage == longTermItem {
			body = withValue(body, "category", "制度漏洞") // 长期坚持
		}
		fx.must(by[a], http.MethodPost, "/api/v1/opinions/"+id+"/actions/"+string(a), body, http.StatusOK)
	}
	return id
}

// newTask makes a problem of a new categorized item and a task of it, led by
// 城管科 with 民政科 as co-unit, assigned to owner.
func (fx *authzFixture) newTask(owner string) string {
	t := fx.t()
	t.Helper()
	p := fx.must("office", http.MethodPost, "/api/v1/campaigns/"+authzCampaign+"/problems",
		map[string]any{"title": "路面坑洼", "opinions": []string{fx.newItem(categorizedItem, "")}}, http.StatusCreated)
	task := fx.must("office", http.MethodPost, "/api/v1/problems/"+p["id"].(string)+"/tasks", map[string]any{"lead": "城管科",
		"co_units": []string{"民政科"}, "official": owner, "leader": "leader", "measures": "修补路面"}, http.StatusCreated)
	return task["id"].(string)
}

func withValue(m map[string]any, k string, v any) map[string]any {
	out := make(map[string]any, len(m)+1)
	for key, val := range m {
		out[key] = val
	}
	out[k] = v
	return out
}

// newAuthzFixture makes the campaigns, a batch, the merge target, every row's item
// and an item for every caller a row allows to act.
func newAuthzFixture(t *testing.T, h *harness, reqs map[string]authzRequest, rows []authzRow) *authzFixture {
	t.Helper()
	fx := &authzFixture{
		h: h, bodies: authzBodies(), name: canary(t, "反映人", 6), phone: canary(t, "139", 8),
		items: map[string]string{}, fresh: map[string]string{}, before: map[string]int{},
	}
	for _, c := range []string{authzCampaign, authzImports} {
		fx.must("office", http.MethodPost, "/api/v1/campaigns", map[string]any{
			"id": c, "name": "群众路线整改", "departments": []string{"城管科", "民政科"},
		}, http.StatusCreated)
	}
	status, data := fx.call(t, "office", http.MethodPost, "/api/v1/campaigns/"+authzCampaign+"/batches", nil, true)
	require.Equal(t, http.StatusCreated, status, "%s", data)
	var batch map[string]any
	require.NoError(t, json.Unmarshal(data, &batch))
	fx.batch = batch["id"].(string)
	fx.imported = domain.OpinionID(authzCampaign, authzImportKey)
	require.Eventually(t, func() bool {
		status, _ := fx.call(t, "office", http.MethodGet, "/api/v1/opinions/"+fx.imported, nil, false)
		return status == http.StatusOK
	}, time.Minute, 20*time.Millisecond, "the imported row becomes an opinion")
	fx.target = fx.newItem(receivedItem, "")
	fx.problem = fx.must("office", http.MethodPost, "/api/v1/campaigns/"+authzCampaign+"/problems",
		map[string]any{"title": "道路积水", "opinions": []string{fx.newItem(categorizedItem, "")}}, http.StatusCreated)["id"].(string)

	for _, row := range rows {
		req := reqs[row.name]
		if req.item == noItem {
			continue
		}
		fx.items[row.name] = fx.newItem(req.item, req.owner)
		if !req.action {
			continue
		}
		for i, col := range authzColumns {
			if row.cells[i].status < 300 {
				fx.fresh[row.name+"/"+col.header] = fx.newItem(req.item, req.owner)
			}
		}
	}
	status, data = fx.callWith(t, "official", http.MethodPost, "/api/v1/opinions/"+fx.items["get-attachment"]+"/attachments", nil, photoUpload)
	require.Equal(t, http.StatusCreated, status, "%s", data)
	var photo map[string]any
	require.NoError(t, json.Unmarshal(data, &photo))
	fx.attachment = photo["id"].(string)
	for name, id := range fx.items {
		fx.before[name] = h.historyLength(id)
	}
	return fx
}

// TestAuthzMatrix asks every request of the matrix as every caller and checks the
// answer, that a refused action leaves the item's history as it was (and an allowed
// one adds to it), that nobody but the office reads the submitter's name or phone,
// and that a list shows an official only their own and their department's items.
func TestAuthzMatrix(t *testing.T) {
	reqs := authzRequests()
	rows := parseAuthzMatrix(t, reqs)
	// Every request comes through a trusted proxy from an address of its own, as
	// from many people: the matrix's hundreds of bad tokens would otherwise lock
	// the one test address out (the lockout has tests of its own).
	h := startHarnessWithEnv(t, map[string]string{"RECTIFY_TRUSTED_PROXIES": "127.0.0.1/32"}, authzUsers...)
	fx := newAuthzFixture(t, h, reqs, rows)
	people := map[string]user.User{}
	for _, u := range append(slices.Clip(apitest.Users), authzUsers...) {
		people[u.Username] = u
	}

	for _, row := range rows {
		req := reqs[row.name]
		for i, col := range authzColumns {
			want := row.cells[i]
			t.Run(col.name+"/"+row.name, func(t *testing.T) {
				sub := &harness{Client: apitest.Client{T: t, Base: h.Base}, t: t, app: h.app}
				id, fresh := fx.items[row.name], false
				if fid, ok := fx.fresh[row.name+"/"+col.header]; ok {
					id, fresh = fid, true
				}
				before := fx.before[row.name]
				if fresh {
					before = sub.historyLength(id)
				}
				path := strings.NewReplacer("{opinion}", id, "{batch}", fx.batch, "{attachment}", fx.attachment).Replace(req.path)
				var body any // no body at all, not null, for a request without one
				if req.body != nil {
					body = req.body
				}
				status, data := fx.send(t, col.username, req.method, path, body, req)

				require.Equal(t, want.status, status, "%s %s: %s", req.method, path, data)
				if want.code != "" {
					var e struct {
						Error struct{ Code, Message string }
					}
					require.NoError(t, json.Unmarshal(data, &e), "%s", data)
					require.Equal(t, want.code, e.Error.Code, "%s", e.Error.Message)
					require.Contains(t, e.Error.Message, want.message)
				}

				if req.action && id != "" {
					after := sub.historyLength(id)
					if want.status >= 400 {
						require.Equal(t, before, after, "a refused action writes nothing to the item's history")
					} else {
						require.Greater(t, after, before, "an allowed action is recorded")
					}
				}

				text := readable(t, data)
				u, known := people[col.username]
				office := known && u.Has(domain.RoleOffice)
				switch {
				case office && req.officePII && want.status < 300:
					require.Contains(t, text, fx.name, "the office reads the submitter's name")
					require.Contains(t, text, fx.phone, "the office reads the submitter's phone")
				case office && !req.noPII:
					// The office may read them here; nothing says it must.
				default:
					requireAbsent(t, []byte(text), row.name+" as "+col.name, fx.name, fx.phone)
				}

				if known && want.status == http.StatusOK && strings.HasPrefix(path, "/api/v1/opinions?") {
					requireScoped(t, u, data)
					if row.name == "list" && !onlyOfficial(u) {
						var list struct{ Opinions []struct{ ID string } }
						require.NoError(t, json.Unmarshal(data, &list))
						var listed []string
						for _, o := range list.Opinions {
							listed = append(listed, o.ID)
						}
						for name, id := range fx.items {
							if !domain.IsTaskID(id) { // a task is no opinion: the tasks have their own list
								require.Contains(t, listed, id, "%s sees the whole ledger, %s's item too", col.username, name)
							}
						}
					}
				}
			})
		}
	}
	t.Logf("authorization matrix: %d requests × %d callers = %d cells", len(rows), len(authzColumns), len(rows)*len(authzColumns))
}

// onlyOfficial reports whether u's view of the ledger is an official's: neither
// office, leader nor verifier.
func onlyOfficial(u user.User) bool {
	return !u.Has(domain.RoleOffice) && !u.Has(domain.RoleLeader) && !u.Has(domain.RoleVerifier)
}

// requireScoped checks that a list shows an official only the items assigned to
// them or routed to their department.
func requireScoped(t *testing.T, u user.User, data []byte) {
	t.Helper()
	if !onlyOfficial(u) {
		return
	}
	var list struct {
		Opinions []struct{ ID, Official, Department string }
	}
	require.NoError(t, json.Unmarshal(data, &list))
	for _, o := range list.Opinions {
		require.True(t, o.Official == u.Username || (u.Department != "" && o.Department == u.Department),
			"%s (of %s) sees %s, assigned to %q in %q", u.Username, u.Department, o.ID, o.Official, o.Department)
	}
}

// readable is an answer as text: a workbook's parts unzipped, anything else as sent.
func readable(t *testing.T, data []byte) string {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return string(data)
	}
	var b strings.Builder
	for _, f := range zr.File {
		rc, err := f.Open()
		require.NoError(t, err)
		part, err := io.ReadAll(rc)
		rc.Close()
		require.NoError(t, err)
		b.Write(part)
	}
	return b.String()
}
