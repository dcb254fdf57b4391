package service

import (
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"strings"

	"rectify/internal/campaign"
	"rectify/internal/domain"
	"rectify/internal/ledger"
	"rectify/internal/spreadsheet"
	"rectify/internal/store"
	"rectify/internal/user"
)

// OpenStates are the states of an opinion still being worked on.
var OpenStates = []domain.State{
	domain.StateReceived, domain.StateCategorized, domain.StateReturned, domain.StateAssigned,
	domain.StateInProgress, domain.StateSubmitted, domain.StateAwaitingCallback,
}

// LedgerRows answers campaign c's opinions as a ledger in the import's JSON
// format (states: only those; none: all of them), so they can be imported
// into another installation — the way from one machine to a cluster
// (docs/operations.md). Keys are kept, so importing twice adds nothing. It is
// the office's (CampaignWork).
func (s *Service) LedgerRows(ctx context.Context, u user.User, c campaign.Campaign, states []domain.State) ([]map[string]string, error) {
	if err := CampaignWork.CheckIn(u, c.ID); err != nil {
		return nil, err
	}
	rows := []map[string]string{}
	err := s.store.EachOpinion(ctx, c.ID, states, func(o domain.Opinion) error {
		category := o.Category
		if category == "" {
			category = o.SuggestedCategory
		}
		// Extra columns of the original ledger come along as columns of their own.
		row := map[string]string{}
		for k, v := range o.Extra {
			row[k] = v
		}
		for k, v := range map[string]string{
			"key": o.Key, "content": o.Content, "channel": o.Channel, "collected_at": o.CollectedAt,
			"submitter": o.Submitter, "phone": o.Phone, "target": o.Target, "department": o.Department,
			"category": category,
		} {
			if v != "" {
				row[k] = v
			}
		}
		rows = append(rows, row)
		return nil
	})
	if err != nil {
		return nil, err
	}
	// It carries every submitter's name and phone: handed out only once recorded.
	if err := s.AuditRequired(ctx, u, store.AuditExportPersonalData, c.ID, len(rows)); err != nil {
		return nil, err
	}
	return rows, nil
}

// LedgerFile makes a campaign's 整改台账 for the office and leaders (Oversight),
// with every opinion in states (all when none) as one snapshot at the cut-off
// until (YYYY-MM-DD campaign-local; "" for today). As XLSX it is the workbook
// offices hand up (ledgerWorkbook); as CSV the one table of opinions (ledger.Table).
// The API and the web pages both serve it. The file is made in full before the
// first byte is sent, so a failure answers with an error, never half a ledger.
func (s *Service) LedgerFile(ctx context.Context, u user.User, campaignID, format string, states []domain.State, until string) (_ *Download, err error) {
	if err := Oversight.CheckIn(u, campaignID); err != nil {
		return nil, err
	}
	c, err := s.campaign(ctx, campaignID)
	if err != nil {
		return nil, err
	}
	if format != "xlsx" && format != "csv" {
		return nil, Refuse(http.StatusNotFound, "unknown_format", "api.ledger_format")
	}
	cutOff, err := s.ledgerCutOff(c, until)
	if err != nil {
		return nil, err
	}
	f, err := os.CreateTemp("", "rectify-ledger-*."+format)
	if err != nil {
		return nil, err
	}
	// A scratch copy, written and read back through f: what goes wrong shows in the
	// writes and reads, and removing it is a courtesy: here on an error, else once
	// the download is closed.
	scratch := func() { _ = f.Close(); _ = os.Remove(f.Name()) }
	defer func() {
		if err != nil {
			scratch()
		}
	}()
	if format == "xlsx" {
		err = s.ledgerWorkbook(ctx, f, c, states, cutOff)
	} else {
		err = s.ledgerCSV(ctx, f, c, states)
	}
	if err != nil {
		return nil, err
	}
	size, err := f.Seek(0, io.SeekCurrent)
	if err != nil {
		return nil, err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	name := c.Name + "-整改台账-" + strings.ReplaceAll(cutOff, "-", "") + "." + format
	return &Download{Name: name, ContentType: contentTypes[format], Size: size,
		write: func(w io.Writer) error { _, err := io.Copy(w, f); return err }, close: scratch}, nil
}

// ledgerCSV writes the ledger's one table of opinions, streamed from the store.
func (s *Service) ledgerCSV(ctx context.Context, w io.Writer, c campaign.Campaign, states []domain.State) error {
	var readErr error
	opinions := func(yield func(domain.Opinion) bool) {
		stopped := errors.New("stopped")
		readErr = s.store.EachOpinion(ctx, c.ID, states, func(o domain.Opinion) error {
			if !yield(o) {
				return stopped
			}
			return nil
		})
		if errors.Is(readErr, stopped) {
			readErr = nil
		}
	}
	if err := spreadsheet.WriteCSV(w, ledger.Table(opinions, s.displayName, c.Policy.Location())); err != nil {
		return err
	}
	return readErr
}

// displayName is how a person appears in documents: their name and username, or
// the username alone for someone no longer in the users file.
func (s *Service) displayName(username string) string {
	if p, ok := s.users.Lookup(username); ok && p.Name != "" {
		return p.Name + "（" + username + "）"
	}
	return username
}
