package api

import (
	"context"
	"errors"
	"io"
	"mime"
	"net/http"
	"os"
	"path"
	"strconv"

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

// ledgerStates reads ?open=: every opinion, or (true) only those still being worked on.
func ledgerStates(r *http.Request) ([]domain.State, error) {
	if err := onlyParams(r.URL.Query(), "open"); err != nil {
		return nil, err
	}
	switch r.URL.Query().Get("open") {
	case "", "false":
		return nil, nil
	case "true":
		return OpenStates, nil
	}
	return nil, errorf(http.StatusUnprocessableEntity, "invalid_open", "open must be true or false")
}

// campaignLedger answers a campaign's opinions as a ledger in the import's JSON
// format (?open=true: only those still being worked on), so they can be imported
// into another installation — the way from one machine to a cluster
// (docs/operations.md). Keys are kept, so importing twice adds nothing.
func (s *Service) campaignLedger(r *http.Request, u user.User) (int, any, error) {
	if err := CampaignWork.Check(u); err != nil {
		return 0, nil, err
	}
	c, err := s.campaign(r.Context(), r.PathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	states, err := ledgerStates(r)
	if err != nil {
		return 0, nil, err
	}
	rows := []map[string]string{}
	err = s.Store.EachOpinion(r.Context(), c.ID, states, func(o domain.Opinion) error {
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
		return 0, nil, err
	}
	// It carries every submitter's name and phone: handed out only once recorded.
	if err := s.AuditRequired(r.Context(), u, store.AuditExportPersonalData, c.ID, len(rows)); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, rows, nil
}

// downloadLedger serves a campaign's 整改台账 as ledger.xlsx or ledger.csv.
func (s *Service) downloadLedger(w http.ResponseWriter, r *http.Request, u user.User) error {
	states, err := ledgerStates(r)
	if err != nil {
		return err
	}
	format := path.Ext(r.URL.Path)[1:]
	return s.WriteLedger(r.Context(), u, r.PathValue("id"), format, states, w)
}

// WriteLedger writes a campaign's 整改台账 (ledger.Table) as XLSX or CSV, every
// opinion in states (all when none) as one snapshot, for the office and leaders.
// The API and the web pages both serve it. The file is made in full before the
// first byte is sent, so a failure answers with an error, never half a ledger.
func (s *Service) WriteLedger(ctx context.Context, u user.User, campaignID, format string, states []domain.State, w http.ResponseWriter) error {
	if err := Oversight.Check(u); err != nil {
		return err
	}
	c, err := s.campaign(ctx, campaignID)
	if err != nil {
		return err
	}
	write := map[string]func(io.Writer, spreadsheet.Table) error{
		"xlsx": spreadsheet.WriteXLSX, "csv": spreadsheet.WriteCSV,
	}[format]
	if write == nil {
		return errorf(http.StatusNotFound, "unknown_format", "the ledger comes as ledger.xlsx or ledger.csv")
	}
	f, err := os.CreateTemp("", "rectify-ledger-*."+format)
	if err != nil {
		return err
	}
	// A scratch copy, written and read back through f: what goes wrong shows in the
	// writes and reads, and removing it is a courtesy.
	defer func() { _ = f.Close(); _ = os.Remove(f.Name()) }()
	var readErr error
	opinions := func(yield func(domain.Opinion) bool) {
		stopped := errors.New("stopped")
		readErr = s.Store.EachOpinion(ctx, c.ID, states, func(o domain.Opinion) error {
			if !yield(o) {
				return stopped
			}
			return nil
		})
		if errors.Is(readErr, stopped) {
			readErr = nil
		}
	}
	if err := write(f, ledger.Table(opinions, s.displayName, c.Policy.Location())); err != nil {
		return err
	}
	if readErr != nil {
		return readErr
	}
	w.Header().Set("Content-Type", map[string]string{
		"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
		"csv":  "text/csv; charset=utf-8",
	}[format])
	name := c.Name + "-整改台账-" + s.Now().In(c.Policy.Location()).Format("20060102") + "." + format
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	size, err := f.Seek(0, io.SeekCurrent)
	if err != nil {
		return err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	w.Header().Set("Content-Length", strconv.FormatInt(size, 10))
	_, err = io.Copy(w, f)
	return err
}

// displayName is how a person appears in documents: their name and username, or
// the username alone for someone no longer in the users file.
func (s *Service) displayName(username string) string {
	if p, ok := s.Users.Lookup(username); ok && p.Name != "" {
		return p.Name + "（" + username + "）"
	}
	return username
}
