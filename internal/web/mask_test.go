package web

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"rectify/internal/domain"
)

func TestMaskPersonal(t *testing.T) {
	for in, want := range map[string]string{
		// Mobiles, however they are typed.
		"联系人手机13912345678，请尽快回复":           "联系人手机139****5678，请尽快回复",
		"电话 139-1234-5678 或 139 1234 5678": "电话 139-****-5678 或 139 **** 5678",
		"+86 13912345678":                  "+86 139****5678",
		"8613912345678":                    "86139****5678",
		"手机１３９１２３４５６７８":                    "手机139****5678",
		"拨打13912345678 3次无人接":              "拨打139****5678 3次无人接",
		// Landlines with an area code, and a local number that says it is a phone.
		"电话0373-5771293":   "电话0373-*****93",
		"（0373）5771293":    "（0373）*****93",
		"010-12345678转123": "010-********转*23",
		"02112345678":      "021******78",
		"座机：5771293，白天有人":  "座机：*****93，白天有人",
		"联系电话 577-1293":    "联系电话 ***-**93",
		// ID and card numbers.
		"身份证号110101199003071234": "身份证号110*************34",
		"身份证11010119900307123X":  "身份证110*************3X",
		"旧证号110101900307123":     "旧证号110**********23",
		"银行卡6222021234567890123": "银行卡622**************23",
		// E-mail.
		"邮箱 zhang.san@example.com.cn": "邮箱 z***@example.com.cn",
		// Left as they are: dates, amounts, counts, numbers inside longer ones.
		"2025-06-10 前完成，投入 12000000 元": "2025-06-10 前完成，投入 12000000 元",
		"第 3 次反映，涉及 15 户":              "第 3 次反映，涉及 15 户",
		"编号 913912345678":              "编号 913912345678",
		"合同号 20250610123":              "合同号 20250610123",
		"":                             "",
	} {
		require.Equal(t, want, maskPersonal(in), in)
	}
}

func TestPublicResultsMaskPersonalNumbers(t *testing.T) {
	e := newLeaderEnv(t)
	e.createCampaign(t, "c1", "主题教育整改")
	o := leaderOpinion("c1", leaderSeed{id: "pii", category: "形式主义", department: ldDeptHousing,
		state: domain.StateClosed, deadline: "2025-06-09", closedOn: "2025-06-03", onTime: true})
	o.Content = "五保户邓安元反映小区路灯坏了，请联系我 13912345678 或 0373-5771293，身份证 11010119900307123X，邮箱 qian@example.com"
	o.Measures = "已更换路灯，回访电话 139 8765 4321 确认满意"
	require.NoError(t, e.store.ProjectOpinion(context.Background(), o))

	for _, who := range []string{ldLeader, "verifier", "office"} {
		status, body := e.get(t, e.signIn(t, who), "/campaigns/c1/public")
		require.Equal(t, http.StatusOK, status)
		for _, personal := range []string{"13912345678", "5771293", "11010119900307123X", "qian@", "8765 4321", "邓安元"} {
			require.NotContains(t, body, personal, who)
		}
		require.Contains(t, body, `<td class="pre">五保户邓某某反映小区路灯坏了，请联系我 139****5678 或 0373-*****93，身份证 110*************3X，邮箱 q***@example.com</td>`, who)
		require.Contains(t, body, `<td class="pre">已更换路灯，回访电话 139 **** 4321 确认满意</td>`, who)
	}
	// The office still reads the numbers on the item's own page.
	status, body := e.get(t, e.signIn(t, "office"), "/opinions/pii")
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, body, "13912345678")
}

// Names typed into the text are hidden where offices write them: after a title or a
// household word, and before a form of address. Seen: the seed's "计生办干部陶德丽…
// 纪工委副书记董明…五保户邓安元" was printed on the 公示 page as written.
func TestMaskNames(t *testing.T) {
	for in, want := range map[string]string{
		"计生办干部陶德丽在群众办证过程中，态度冷漠；纪工委副书记董明在拆迁安置过程中，未按时将安置经费打到对五保户邓安元头上致使多次上访": "计生办干部陶某某在群众办证过程中，态度冷漠；纪工委副书记董某在拆迁安置过程中，未按时将安置经费打到对五保户邓某某头上致使多次上访",
		"村民王小明反映路灯不亮":          "村民王某某反映路灯不亮",
		"请李师傅上门维修，王女士满意，李建国师傅": "请李师傅上门维修，王女士满意，李某某师傅", // a surname alone is no name
		"感谢张建国同志":              "感谢张某某同志",
		"低保户欧阳秀英家中漏雨":          "低保户欧阳某某家中漏雨",
		"主任王明在会上表态":            "主任王某在会上表态",
		"已由王某核实":               "已由王某核实",
		// Words that merely follow a title stay as they are.
		"党的群众路线教育实践活动":          "党的群众路线教育实践活动",
		"书记高度重视，干部管理制度已修订":      "书记高度重视，干部管理制度已修订",
		"干部作风转变，干部在一线，村民代表大会通过": "干部作风转变，干部在一线，村民代表大会通过",
		"干部于2024年调整，居民楼加装电梯":    "干部于2024年调整，居民楼加装电梯",
		"": "",
	} {
		require.Equal(t, want, maskNames(in), in)
	}
}
