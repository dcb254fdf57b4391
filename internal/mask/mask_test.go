package mask

import (
	"testing"

	"github.com/stretchr/testify/require"
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
		require.Equal(t, want, Personal(in), in)
	}
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
		// Who reported it, at the start of a clause.
		"五保户邓安元家中漏雨，董明反映": "五保户邓某某家中漏雨，董某反映",
		"王建国来电称路灯不亮":      "王某某来电称路灯不亮",
		"据悉，刘芳表示满意":       "据悉，刘某表示满意",
		"向社区反映多次，和居民说明情况": "向社区反映多次，和居民说明情况",
		"群众反映强烈，居民建议加装路灯": "群众反映强烈，居民建议加装路灯",
		"": "",
	} {
		require.Equal(t, want, Names(in), in)
	}
}

// The people an opinion is known to be from or about are masked wherever their
// names stand, even where no rule of Names finds them.
func TestKnown(t *testing.T) {
	require.Equal(t, "请邓某某到场，邓某某签字确认；欧阳某某同意", Known("请邓安元到场，邓安元签字确认；欧阳秀英同意", "邓安元", "欧阳秀英", "", "王", "Li Lei"))
	require.Equal(t, "Li Lei 王", Known("Li Lei 王", "Li Lei", "王"))
}

// The names the rules find, so the same people are hidden where the text names
// them without a title.
func TestFound(t *testing.T) {
	require.Equal(t, []string{"邓安元", "董明"}, Found("五保户邓安元家中漏雨，董明反映；邓安元再次来电"))
	require.Empty(t, Found("书记高度重视"))
}
