package main

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"rectify/internal/config"
)

func TestHelpListsEveryVariableTheConfigurationReads(t *testing.T) {
	out, _, status := runArgs(t, "--help")
	require.Equal(t, 0, status)
	require.Equal(t, usage(), out)
	for _, v := range config.Vars {
		require.Regexp(t, `(?m)^  `+v.Name+`( |$)`, out, "--help lists %s", v.Name)
		if v.Default != "" {
			require.Contains(t, out, "["+v.Default+"]", "--help gives %s's default", v.Name)
		}
	}
	for _, line := range strings.Split(out, "\n") {
		require.LessOrEqual(t, utf8.RuneCountInString(line), lineWidth, "a line of --help fits a terminal: %q", line)
	}
}

func TestUsageWrapsLongMeaningsUnderTheirName(t *testing.T) {
	require.Equal(t, []string{"aa bb", "cc", "averyverylongword", "d"}, wrap("aa bb cc averyverylongword d", 5))
	require.Equal(t, []string{""}, wrap("", 5))
}
