package notify

import (
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"rectify/internal/domain"
	"rectify/internal/web/i18n"
)

// TestAMessageIsInItsRecipientsLanguageApartFromItsData: an English recipient
// reads no Chinese but the campaign's own data (its departments, people, opinions
// and campaign names), a Chinese one no English words but the link.
func TestAMessageIsInItsRecipientsLanguageApartFromItsData(t *testing.T) {
	facts := Facts{Key: "TJ-001", Summary: "食堂浪费严重，希望整改", Department: "住建局", Official: "王科长", Leader: "李局长", Campaign: "主题教育活动"}
	data := []string{facts.Summary, facts.Department, facts.Official, facts.Campaign}
	messages := []domain.Notification{
		{Kind: domain.ActionAssign, OpinionID: "o1", Deadline: "2025-06-20", Level: domain.LevelOverdue,
			State: domain.StateAssigned, Roles: []domain.Role{domain.RoleOfficial, domain.RoleLeader}},
		{Kind: domain.NotifyDigest, Digest: &domain.Digest{Day: "2025-06-20", Items: []domain.DigestItem{
			{Key: "TJ-001", Level: domain.LevelSupervised, Role: domain.RoleOfficial, Deadline: "2025-06-20"}}}},
		{Kind: domain.NotifyReportReady, ReportID: "r1"},
	}
	for _, n := range messages {
		for _, lang := range i18n.Languages {
			m := Render(i18n.Text, lang, "https://rectify.example", n, facts)
			require.NotEmpty(t, m.Title)
			own := strings.Join(append([]string{m.Title, m.LinkText}, m.Lines...), "\n")
			for _, d := range data {
				own = strings.ReplaceAll(own, d, "")
			}
			require.NotContains(t, own, "notify.", "every text is in the catalogue")
			if lang == i18n.English {
				require.False(t, i18n.HasHan(own), "an English message has no Chinese of its own:\n%s", own)
				continue
			}
			require.NotRegexp(t, regexp.MustCompile(`[A-Za-z]{3,}`), strings.ReplaceAll(own, facts.Key, ""), "a Chinese message has no English words of its own")
		}
	}
}
