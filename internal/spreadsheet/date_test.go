package spreadsheet

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParseDate(t *testing.T) {
	cases := []struct {
		in, want string
		ok       bool
	}{
		{"2014-04-02", "2014-04-02", true},
		{"2014-4-2", "2014-04-02", true},
		{"2014/4/2", "2014-04-02", true},
		{"2014/04/02", "2014-04-02", true},
		{"2014年4月2日", "2014-04-02", true},
		{"2014年04月02日", "2014-04-02", true},
		{"2014 年 4 月 2 日", "2014-04-02", true},
		{"2014年4月2号", "2014-04-02", true},
		{"2014年4月2", "2014-04-02", true},
		{"2014.4.2", "2014-04-02", true},
		{"20140402", "2014-04-02", true},
		{"41731", "2014-04-02", true},
		{"41731.75", "2014-04-02", true},
		{"２０１４－０４－０２", "2014-04-02", true},
		{"２０１４年４月２日", "2014-04-02", true},
		{"４１７３１", "2014-04-02", true},
		{"　2014/4/2　", "2014-04-02", true},
		{"2014-04-02 10:30", "2014-04-02", true},
		{"2014-04-02 10:30:15", "2014-04-02", true},
		{"2014/4/2 9:05 PM", "2014-04-02", true},
		{"2014-04-02T10:30:00Z", "2014-04-02", true},
		{"2014-04-02T10:30:00.000+08:00", "2014-04-02", true},
		{"2014年4月2日 上午9:30", "2014-04-02", true},
		{"2014年4月2日10时30分", "2014-04-02", true},
		{"2016-02-29", "2016-02-29", true},

		{"", "", false},
		{"   ", "", false},
		{"2014-02-30", "", false},
		{"2015-02-29", "", false},
		{"2014-13-01", "", false},
		{"2014-00-10", "", false},
		{"2014-4/2", "", false},
		{"2014年4-2", "", false},
		{"04/02/2014", "", false},
		{"14-4-2", "", false},
		{"2014", "", false},          // a year alone is not serial 2014 (1905)
		{"5", "", false},             // nor is a small number
		{"99999999", "", false},      // eight digits that are no date
		{"3000000", "", false},       // past 9999-12-31
		{"41731.", "", false},        // a number cut short
		{"-41731", "", false},        // negative
		{"2014-04-02 昨天", "", false}, // anything else after the date
		{"2014-04-02abc", "", false},
		{"1899-12-31", "", false},
		{"二〇一四年四月二日", "", false},
	}
	for _, c := range cases {
		got, ok := ParseDate(c.in)
		require.Equal(t, c.ok, ok, "%q", c.in)
		require.Equal(t, c.want, got, "%q", c.in)
	}
}

func TestSerial1904(t *testing.T) {
	got, ok := parseDate("40269", true)
	require.True(t, ok)
	require.Equal(t, "2014-04-02", got)
}
