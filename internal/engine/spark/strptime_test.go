package spark

import (
	"strings"
	"testing"
)

func TestTranslateStrptime(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		format, gate, pattern string
	}{
		{"%m/%d/%Y %H:%M:%S", `^\s*[0-9]{1,2}+\/[0-9]{1,2}+\/[0-9]{1,4}+\s+[0-9]{1,2}+\:[0-9]{1,2}+\:[0-9]{1,2}+\s*\z`, `M'/'d'/'y' 'H':'m':'s`},
		{"%Y-%m-%d", `^\s*[0-9]{1,4}+\-[0-9]{1,2}+\-[0-9]{1,2}+\s*\z`, `y'-'M'-'d`},
		{"%Y  %m", `^\s*[0-9]{1,4}+\s+[0-9]{1,2}+\s*\z`, `y' 'M`},
		{"%d. o'clock %%%H", `^\s*[0-9]{1,2}+\.\s+o\'clock\s+%[0-9]{1,2}+\s*\z`, `d'. o''clock %'H`},
	} {
		gate, pattern, err := translateStrptime(c.format)
		if err != nil || gate != c.gate || pattern != c.pattern {
			t.Errorf("translateStrptime(%q) = %s, %s, %v; want %s, %s", c.format, gate, pattern, err, c.gate, c.pattern)
		}
	}
	for format, says := range map[string]string{
		"%b %d %Y": "specifier %b",
		"%Y%m%d":   "without a separator",
		" %Y":      "blank at its start or end",
		"%Y-%m ":   "blank at its start or end",
		"%Y%":      "lone %",
		"":         "empty",
	} {
		_, _, err := translateStrptime(format)
		if err == nil || !strings.Contains(err.Error(), says) || !strings.Contains(err.Error(), format) {
			t.Errorf("translateStrptime(%q) = %v; want an error naming the format and saying %q", format, err, says)
		}
	}
}
