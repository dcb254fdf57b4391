package mask

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Names are typed into opinions and measures as often as phone numbers ("五保户邓安元
// 多次上访", "纪工委副书记董明在拆迁安置中…"), and the published results must not
// print them. Chinese has no capitals or spaces to find a name by, so Names
// looks where offices write one: right after a word that names a person's role or
// household (书记, 干部, 村民, 五保户 …), or right before a form of address (同志,
// 先生, 女士, 师傅). There, a common surname and the one or two characters after it
// are a name, and all but the surname become 某: 邓某某, 董某. It errs on the side of
// hiding: a word that merely looks like a name there is masked too.

// roleWords are the words a name follows, longest first so 副书记 wins over 书记.
var roleWords = sortedLongestFirst([]string{
	"书记", "副书记", "主任", "副主任", "干部", "局长", "副局长", "科长", "副科长", "所长", "站长",
	"镇长", "副镇长", "乡长", "县长", "村长", "组长", "队长", "会计", "出纳", "民警", "辅警", "职工",
	"工作人员", "网格员", "村民", "居民", "老人", "老党员", "五保户", "低保户", "贫困户", "困难户",
	"特困户", "农户", "住户", "商户", "租户", "业主", "反映人", "当事人", "申请人", "举报人", "家属",
	"老师", "教师", "医生", "护士", "大爷", "大妈", "阿姨",
})

// addressWords follow a name.
var addressWords = []string{"同志", "先生", "女士", "师傅", "老师"}

// sayWords follow the name of who reported or said something, where a clause
// starts with it ("…家中漏雨，董明反映…"): the name a 公示 must never print.
var sayWords = sortedLongestFirst([]string{
	"反映", "投诉", "举报", "来电", "来信", "来访", "表示", "称", "说", "提出", "建议", "要求", "诉称", "报称",
})

// clauseStarts end the text before a clause; the start of the text is one too.
const clauseStarts = "，。；：、！？,.;:!?（）()「」“”\"' \t\n"

// notSayers are surnames that, at the start of a clause, are far more often a
// preposition or a conjunction (向社区反映, 和居民说) than a person.
const notSayers = "向和于"

// surnames are the common single-character surnames (together well over nine in
// ten people) and the compound ones. Characters that are also everyday words
// after a title (高度, 管理, 任用, 路线 …) are caught by notNames instead of being
// left out, so 高 and 管 as surnames are still masked.
var surnames = func() map[string]bool {
	m := map[string]bool{}
	for _, r := range "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付傅方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝" {
		m[string(r)] = true
	}
	for _, s := range []string{"欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "令狐", "长孙", "宇文", "司徒", "夏侯"} {
		m[s] = true
	}
	return m
}()

// notNames are everyday words that begin like a name after a title or a household
// word ("书记高度重视", "干部管理", "群众路线", "村民代表"): never masked.
var notNames = []string{
	"高度", "任用", "任免", "任职", "管理", "路线", "于是", "和谐", "应该", "应当", "关于", "关心", "关注",
	"安全", "安排", "安置", "方面", "方式", "方案", "时间", "时候", "成立", "成员", "全面", "全体", "明确",
	"明显", "文件", "文明", "常态", "常委", "华丽", "金额", "单位", "车辆", "项目", "师傅", "商户", "商量",
	"解决", "解释", "向上", "向群众", "陆续", "谷物", "连续", "简单", "党员", "党组", "宫殿", "费用",
	"席位", "卫生", "宗旨", "全部", "农村", "农业", "司法", "和",
	"田间", "白天", "包括", "尚未", "严格", "严重", "武装", "戴帽", "康复", "施工", "易地", "齐全",
	"章程", "申请", "史料", "龙头", "毛病", "万元", "钱款", "温暖", "江河", "石头", "田地", "马上",
	"程序", "苏醒", "余额", "杜绝", "叶片", "林地", "罗列", "许多", "曾经", "纪律", "纪委",
	"纪检", "凌晨", "毕业", "季度", "成本", "成效", "曲折", "游戏", "辛苦", "蒙受", "房屋",
	"房子", "阳光", "时期", "明年", "明天", "景区", "冷漠", "边远", "师生",
	"荣誉", "池塘", "查处", "查看", "麻烦", "迟到", "迟迟",
}

// pauses end a name: a character after two of a name's that is one of these is
// the sentence going on, not a third character of the name (董明在… is 董明).
const pauses = "在的因等未对将说称被把向与和及到于了是也都就从自给让为以不没已曾又再还却只才去来要会能应可拒多次"

// Names replaces the given names of the people s names after a role or
// household word, before a form of address, or at the start of a clause before a
// word of reporting or saying (董明反映), with 某.
func Names(s string) string {
	return scanNames(s, nil)
}

// Found are the names the rules of Names find in s, each once: the same people
// named elsewhere without a title (为邓安元家修缮) are hidden by Known.
func Found(s string) []string {
	var out []string
	scanNames(s, func(name string) {
		if !slices.Contains(out, name) {
			out = append(out, name)
		}
	})
	return out
}

// scanNames is s with each name the rules find masked, telling found of each.
func scanNames(s string, found func(name string)) string {
	var b strings.Builder
	mask := func(name string) {
		if found != nil {
			found(name)
		}
		b.WriteString(masked(name))
	}
	for i := 0; i < len(s); {
		if role := prefixOf(s[i:], roleWords); role != "" {
			b.WriteString(role)
			i += len(role)
			if lens := nameLengths(s[i:]); len(lens) > 0 {
				n := lens[len(lens)-1]
				mask(s[i : i+n])
				i += n
			}
			continue
		}
		if n := addressedName(s[i:]); n > 0 {
			mask(s[i : i+n])
			i += n
			continue
		}
		if n := sayerName(s[i:]); n > 0 && clauseStart(s[:i]) {
			mask(s[i : i+n])
			i += n
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		b.WriteRune(r)
		i += size
	}
	return b.String()
}

// addressedName is the length of the name s starts with when a form of address
// follows it (王女士, 李建国同志, 张老师), or 0.
func addressedName(s string) int {
	lens := nameLengths(s)
	for k := len(lens) - 1; k >= 0; k-- {
		if prefixOf(s[lens[k]:], addressWords) != "" {
			return lens[k]
		}
	}
	return 0
}

// sayerName is the length of the name s starts with when a word of reporting or
// saying follows it (董明反映, 王建国来电), or 0.
func sayerName(s string) int {
	if r, _ := utf8.DecodeRuneInString(s); strings.ContainsRune(notSayers, r) {
		return 0
	}
	lens := nameLengths(s)
	for k := len(lens) - 1; k >= 0; k-- {
		if prefixOf(s[lens[k]:], sayWords) != "" {
			return lens[k]
		}
	}
	return 0
}

// clauseStart reports whether a clause starts after before: it is empty or ends
// with punctuation or a space.
func clauseStart(before string) bool {
	if before == "" {
		return true
	}
	r, _ := utf8.DecodeLastRuneInString(before)
	return strings.ContainsRune(clauseStarts, r)
}

// Known masks every occurrence in s of the names given — the people an opinion
// is known to be from or about (its submitter, the person it targets) — wherever
// they stand, as Names would: 邓安元 becomes 邓某某. A name of fewer than two
// characters, or one that is not Chinese, is left to the other rules.
func Known(s string, names ...string) string {
	for _, n := range sortedLongestFirst(names) {
		n = strings.TrimSpace(n)
		if utf8.RuneCountInString(n) < 2 || utf8.RuneCountInString(n) > 6 || !allHan(n) {
			continue
		}
		s = strings.ReplaceAll(s, n, masked(n))
	}
	return s
}

// allHan reports whether s is written in Chinese characters only.
func allHan(s string) bool {
	for _, r := range s {
		if !unicode.Is(unicode.Han, r) {
			return false
		}
	}
	return true
}

// nameLengths are the byte lengths a name s starts with may have, shortest first:
// a surname and one Han character, and a surname and two when the second is not a
// pause. None when s does not start with a surname, or with a word of notNames.
func nameLengths(s string) []int {
	if prefixOf(s, notNames) != "" {
		return nil
	}
	surname := 0
	for _, l := range []int{2, 1} {
		if end := runeEnd(s, l); end > 0 && surnames[s[:end]] {
			surname = end
			break
		}
	}
	if surname == 0 {
		return nil
	}
	var out []int
	n := surname
	for k := 0; k < 2; k++ {
		r, size := utf8.DecodeRuneInString(s[n:])
		if !unicode.Is(unicode.Han, r) || r == '某' || strings.ContainsRune(pauses, r) {
			break
		}
		n += size
		out = append(out, n)
	}
	return out
}

// masked keeps a name's surname and writes 某 for each other character.
func masked(name string) string {
	surname := name[:runeEnd(name, 1)]
	if end := runeEnd(name, 2); end > 0 && end < len(name) && surnames[name[:end]] {
		surname = name[:end]
	}
	return surname + strings.Repeat("某", utf8.RuneCountInString(name[len(surname):]))
}

// runeEnd is the byte length of s's first n runes, or 0 when s is shorter.
func runeEnd(s string, n int) int {
	i := 0
	for k := 0; k < n; k++ {
		if i >= len(s) {
			return 0
		}
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
	return i
}

// prefixOf is the first of words s starts with, or "".
func prefixOf(s string, words []string) string {
	for _, w := range words {
		if strings.HasPrefix(s, w) {
			return w
		}
	}
	return ""
}

// sortedLongestFirst orders words so that a longer one is tried before a word it
// ends with or starts with.
func sortedLongestFirst(words []string) []string {
	out := slices.Clone(words)
	slices.SortStableFunc(out, func(a, b string) int { return len(b) - len(a) })
	return out
}
