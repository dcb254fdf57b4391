package service

import (
	"context"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"rectify/internal/calendar"
	"rectify/internal/campaign"
	"rectify/internal/domain"
	"rectify/internal/intake"
	"rectify/internal/spreadsheet"
	"rectify/internal/user"
	"rectify/internal/web/i18n"
)

// A file refused for a missing column names the column as the import does in
// Chinese, then the headers it takes: the name it gives is itself one of them, so an
// office that writes the header as the message names it is not refused again.
func TestAMissingColumnIsNamedByAHeaderTheImportTakes(t *testing.T) {
	for f := range spreadsheet.Aliases {
		name := i18n.Text("zh", "column."+string(f))
		got, ok := spreadsheet.FieldOf(name)
		require.True(t, ok, "%s: the message names it %q, which no header matches", f, name)
		require.Equal(t, f, got, "%q", name)
		refusal := fileRefusal("a.csv", &spreadsheet.FileError{Code: spreadsheet.CodeMissingColumn, Missing: []spreadsheet.Field{f}}).In("zh")
		require.Contains(t, refusal, name)
	}
}

// A use case checks who may before it reads anything: on a service with no store
// and no Temporal client, where any read would crash, each one refuses a caller
// without the role with a 403.
func TestCallersWithoutTheRoleAreRefusedBeforeAnythingIsRead(t *testing.T) {
	s := New(Config{Calendar: calendar.Default(), Logger: slog.New(slog.DiscardHandler), Now: time.Now})
	official := user.User{Username: "official", Roles: []domain.Role{domain.RoleOfficial}, Department: "住建局"}
	leader := user.User{Username: "leader", Roles: []domain.Role{domain.RoleLeader}}
	ctx := context.Background()
	c := campaign.Campaign{ID: "c1", Policy: campaign.DefaultPolicy()}
	received := domain.Opinion{ID: "o1", CampaignID: "c1", State: domain.StateReceived}
	for name, call := range map[string]func() error{
		"Stats": func() error { _, err := s.Stats(ctx, official, "c1"); return err },
		"Flow":  func() error { _, err := s.Flow(ctx, official, c); return err },
		"CampaignChanges": func() error {
			_, _, err := s.CampaignChanges(ctx, official, "c1", 10)
			return err
		},
		"LedgerFile":     func() error { _, err := s.LedgerFile(ctx, official, "c1", "xlsx", nil, ""); return err },
		"LedgerRows":     func() error { _, err := s.LedgerRows(ctx, leader, c, nil); return err },
		"CreateCampaign": func() error { _, err := s.CreateCampaign(ctx, leader, CampaignRequest{Name: "x"}); return err },
		"PatchCampaign":  func() error { _, err := s.PatchCampaign(ctx, leader, "c1", campaign.Patch{}); return err },
		"Submit":         func() error { _, err := s.Submit(ctx, leader, c, intake.Opinion{Content: "x"}); return err },
		"Import": func() error {
			_, err := s.Import(ctx, leader, c, "ledger.xlsx", "ledger.xlsx", ImportOptions{})
			return err
		},
		"Batch":          func() error { _, err := s.Batch(ctx, leader, "b1"); return err },
		"RejectionsFile": func() error { _, err := s.RejectionsFile(ctx, leader, "b1", "csv", "zh"); return err },
		"AuditLog":       func() error { _, err := s.AuditLog(ctx, leader, AuditFilter{}); return err },
		"CreateBulk": func() error {
			_, err := s.CreateBulk(ctx, leader, "c1", domain.ActionReject, []string{"o1"}, domain.ActionBody{Reason: "重复"})
			return err
		},
		"Bulk":         func() error { _, err := s.Bulk(ctx, leader, "k1"); return err },
		"BulkResults":  func() error { _, err := s.BulkResults(ctx, leader, "k1", 0, 10); return err },
		"BulkRefusals": func() error { _, err := s.BulkRefusals(ctx, leader, "k1", 10); return err },
		"MergeCandidates": func() error {
			_, _, err := s.MergeCandidates(ctx, leader, received, 10)
			return err
		},
	} {
		var refusal *Error
		require.ErrorAs(t, call(), &refusal, name)
		require.Equal(t, http.StatusForbidden, refusal.Status, "%s: %s", name, refusal.Message)
	}
}
