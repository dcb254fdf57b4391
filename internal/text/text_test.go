package text

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestCleanRemovesControlCharactersAndTrimsWhatShowsNothing(t *testing.T) {
	for _, tt := range []struct{ name, in, want string }{
		{"plain", "路灯坏了", "路灯坏了"},
		{"spaces around", "  路灯坏了\u3000", "路灯坏了"},
		{"line breaks and tabs inside are kept", "第一\n第二\r\n\t第三", "第一\n第二\r\n\t第三"},
		{"NUL and other controls inside are removed", "路灯\u0000坏了\u0007\u001b\u007f\u0085\u009f", "路灯坏了"},
		{"zero-width characters inside are kept", "👨\u200d👩", "👨\u200d👩"},
		{"zero-width and format characters at the ends are trimmed", "\ufeff\u200b路灯坏了\u200e\u2060", "路灯坏了"},
		{"zero-width spaces only", "\u200b\u200b", ""},
		{"NUL only", "\u0000", ""},
		{"byte-order mark only", "\ufeff", ""},
		{"line separator only", "\u2028", ""},
		{"paragraph separator and soft hyphen", "\u2029\u00ad", ""},
		{"fillers", "\u3164\u115f\u2800", ""},
		{"a mix", " \u200c\t\u0000\r\n\u200d ", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, Clean(tt.in))
			require.Equal(t, tt.want == "", IsBlank(tt.in))
		})
	}
}

func TestHasControlCountsLineBreaksAndTabsInNames(t *testing.T) {
	for in, want := range map[string]bool{
		"城管科": false, "城管\n科": true, "城管\t科": true, "城管\r科": true, "城管\u0000科": true,
		"城管\u0085科": true, "城管\u200b科": false, "é": false, "\u00a0": false,
	} {
		require.Equal(t, want, HasControl(in), "%q", in)
	}
}

func TestExcerptShortensOnlyWhatIsLonger(t *testing.T) {
	require.Equal(t, "城管科", Excerpt("城管科", 3))
	require.Equal(t, "城管…", Excerpt("城管科", 2))
	require.Equal(t, "abc", Excerpt("abc", 5))
	require.Equal(t, "", Excerpt("", 0))
	require.Equal(t, "…", Excerpt("a", 0))
}
