package i18n

import (
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode"

	"github.com/stretchr/testify/require"
)

func TestTheLanguageOfAnAcceptLanguageHeaderIsTheBestOneRectifySpeaks(t *testing.T) {
	for header, want := range map[string]string{
		"":                               Chinese,
		"zh-CN,zh;q=0.9,en;q=0.8":        Chinese,
		"zh-Hans-CN":                     Chinese,
		"en-US,en;q=0.9":                 English,
		"en-GB, zh-CN;q=0.5":             English,
		"zh-CN;q=0.4, en;q=0.8":          English,
		"fr-FR, de;q=0.9":                Chinese,
		"fr-FR, en;q=0.5":                English,
		"en;q=0":                         Chinese,
		"*":                              Chinese,
		"en;q=bogus, zh-TW":              Chinese,
		"EN":                             English,
		" en-US ; q=0.7 , ja ; q=0.9 ":   English,
		"zh-TW,zh;q=0.9,en-US;q=0.8,en;": Chinese,
	} {
		require.Equal(t, want, FromAcceptLanguage(header), header)
	}
}

func TestTheLanguageOfALocaleIsEnglishOnlyForAnEnglishOne(t *testing.T) {
	for locale, want := range map[string]string{
		"": Chinese, "C": Chinese, "POSIX": Chinese, "C.UTF-8": Chinese,
		"zh_CN.UTF-8": Chinese, "en_US.UTF-8": English, "en": English, "en_GB@euro": English, "de_DE.UTF-8": Chinese,
	} {
		require.Equal(t, want, FromLocale(locale), locale)
	}
}

func TestAStoredMessageReadsInEitherLanguageAndOldTextAsItIs(t *testing.T) {
	m := M("rule.key_conflict", "TJ-2", "o-1", []Message{M("column.content"), M("column.phone")})
	stored := m.Stored()
	require.Equal(t, `key "TJ-2" already belongs to opinion o-1, which differs in content, phone; give this opinion its own key, or correct it to match that opinion`,
		Render(English, stored))
	require.Equal(t, "编号“TJ-2”已属于意见 o-1，两者的意见内容、联系电话不同；请给这条意见另编编号，或改正为与那条意见一致", Render(Chinese, stored))
	old := `"外星局" is not one of this campaign's departments; kept as written for triage`
	require.Equal(t, old, Render(Chinese, old), "a reason stored in English before reasons were messages stays readable")
	require.Equal(t, "{not a message", Render(Chinese, "{not a message"))

	joined := JoinStored(M("rule.phone").Stored(), M("rule.content_empty").Stored())
	require.Equal(t, "应为11位手机号或带区号的固定电话，如 0373-5771293；内容为空，请填写意见内容", Render(Chinese, joined))
	require.Equal(t, "old; older", JoinStored("old", "older"))
}

func TestAReasonTheSystemGaveIsWordedInTheReadersLanguageAndAPersonsAsWritten(t *testing.T) {
	require.Equal(t, "可重新整改的期限已过", Reason(Chinese, "reopen window passed"))
	require.Equal(t, "reopen window passed", Reason(English, "reopen window passed"))
	require.Equal(t, "签收期限已过，仍未签收", Reason(Chinese, "not signed for by the sign-in deadline"))
	require.Equal(t, "路灯归城建", Reason(English, "路灯归城建"))
	for reason, key := range systemReasons {
		for _, lang := range Languages {
			_, ok := Catalogue(lang)[key]
			require.True(t, ok, "%q has no %s text", reason, lang)
		}
	}
}

func TestACountIsWordedForOneAndForMany(t *testing.T) {
	require.Equal(t, "1 working day", Plural(English, "calendar.working_days", 1, 1))
	require.Equal(t, "3 working days", Plural(English, "calendar.working_days", 3, 3))
	require.Equal(t, "0 working days", Plural(English, "calendar.working_days", 0, 0))
	require.Equal(t, "1 个工作日", Plural(Chinese, "calendar.working_days", 1, 1))
}

func TestATextMissingInEnglishFallsBackToChineseThenToItsKey(t *testing.T) {
	require.Equal(t, "签收", Text(Chinese, "action.sign"))
	require.Equal(t, "no.such.key", Text(English, "no.such.key"))
	require.Equal(t, Chinese, Supported("fr"))
	require.Equal(t, English, Supported("en"))
}

// verbs are the format verbs of a text, which say nothing in any language.
var verbs = regexp.MustCompile(`%(\[\d+\])?[-+# 0-9.]*[a-zA-Z]`)

// spoken are the groups of texts read outside the pages: error codes, import
// rules and the columns they name, the API's own words and the command line's,
// a deadline's explanation with the holidays it names, and the reasons the
// system gives in a timeline.
var spoken = []string{"code.", "rule.", "column.", "api.", "cli.", "calendar.", "deadline.", "holiday.", "reason."}

// No Chinese in an English text, and a Chinese text that says something in
// words says it in Chinese: a reader of either language reads only theirs.
func TestAnEnglishTextHasNoChineseAndAChineseTextIsInChinese(t *testing.T) {
	checked := 0
	for key, en := range Catalogue(English) {
		if !spokenKey(key) {
			continue
		}
		checked++
		require.False(t, HasHan(en), "the English text of %s has Chinese in it: %q", key, en)
		zh := Catalogue(Chinese)[key]
		if words := verbs.ReplaceAllString(zh, ""); strings.IndexFunc(words, unicode.IsLetter) >= 0 {
			require.True(t, HasHan(zh), "the Chinese text of %s is not in Chinese: %q", key, zh)
		}
	}
	require.Greater(t, checked, 300, "the groups are the catalogues' own")
	for _, p := range spoken {
		require.True(t, slices.ContainsFunc(slices.Collect(maps.Keys(Catalogue(English))), func(k string) bool { return strings.HasPrefix(k, p) }),
			"no text of the catalogues starts with %s", p)
	}
}

func spokenKey(key string) bool {
	for _, p := range spoken {
		if strings.HasPrefix(key, p) {
			return true
		}
	}
	return false
}
