package api

import (
	"fmt"
	"net/http"
	"path"
	"strconv"
	"strings"

	"rectify/internal/domain"
	"rectify/internal/service"
	"rectify/internal/user"
)

// ledgerStates reads ?open=: every opinion, or (true) only those still being worked on.
// The ledgers take until as well (the 整改台账's cut-off: service.LedgerFile).
func ledgerStates(r *http.Request) ([]domain.State, error) {
	if err := onlyParams(r.URL.Query(), "open", "until"); err != nil {
		return nil, err
	}
	switch r.URL.Query().Get("open") {
	case "", "false":
		return nil, nil
	case "true":
		return service.OpenStates, nil
	}
	return nil, refuse(http.StatusUnprocessableEntity, "invalid_open", "api.param_bool", "open", r.URL.Query().Get("open"))
}

// campaignLedger answers a campaign's opinions as a ledger in the import's JSON
// format (?open=true: only those still being worked on), so they can be imported
// into another installation (service.LedgerRows).
func (s *Server) campaignLedger(r *http.Request, u user.User) (int, any, error) {
	if err := service.CampaignWork.Check(u); err != nil {
		return 0, nil, err
	}
	c, err := s.svc.Campaign(r.Context(), r.PathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	if err := onlyParams(r.URL.Query(), "open"); err != nil { // no cut-off: it is for moving
		return 0, nil, err
	}
	states, err := ledgerStates(r)
	if err != nil {
		return 0, nil, err
	}
	rows, err := s.svc.LedgerRows(r.Context(), u, c, states)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, rows, nil
}

// downloadLedger serves a campaign's 整改台账 as ledger.xlsx or ledger.csv.
func (s *Server) downloadLedger(w http.ResponseWriter, r *http.Request, u user.User) error {
	states, err := ledgerStates(r)
	if err != nil {
		return err
	}
	format := path.Ext(r.URL.Path)[1:]
	d, err := s.svc.LedgerFile(r.Context(), u, r.PathValue("id"), format, states, r.URL.Query().Get("until"))
	if err != nil {
		return err
	}
	defer d.Close()
	return SendFile(w, d)
}

// downloadRejections serves a batch's refused rows and rows with warnings as
// rejections.xlsx or rejections.csv.
func (s *Server) downloadRejections(w http.ResponseWriter, r *http.Request, u user.User) error {
	format, ok := strings.CutPrefix(r.PathValue("file"), "rejections.")
	if !ok {
		format = "" // refused by RejectionsFile, after the batch and role checks
	}
	d, err := s.svc.RejectionsFile(r.Context(), u, r.PathValue("id"), format, Language(r))
	if err != nil {
		return err
	}
	defer d.Close()
	return SendFile(w, d)
}

// SendFile answers with d as an attachment: its type, its name and (when known)
// its length, then its bytes. The API and the web pages send downloads through
// it, so the two are the same file under the same name. A download is never
// shown in the browser, and its type is never guessed from its bytes (nosniff):
// an uploaded file that holds a web page stays a file.
func SendFile(w http.ResponseWriter, d *service.Download) error {
	h := w.Header()
	h.Set("Content-Type", d.ContentType)
	h.Set("Content-Disposition", contentDisposition(d.Name))
	h.Set("X-Content-Type-Options", "nosniff")
	if d.Size >= 0 {
		h.Set("Content-Length", strconv.FormatInt(d.Size, 10))
	}
	return d.Send(w)
}

// contentDisposition names a download (RFC 6266): the name as given, in UTF-8 and
// percent-escaped (filename*, RFC 8187), which every current browser reads, and an
// ASCII name for the clients that read only filename: its ASCII letters, digits
// and punctuation, "attachment" when nothing of the name is left but its
// extension.
func contentDisposition(name string) string {
	var ascii, escaped strings.Builder
	for _, r := range name {
		if r < 0x80 && r >= 0x20 && r != 0x7f && !strings.ContainsRune(`"\/;%`, r) {
			ascii.WriteRune(r)
		} else if !strings.HasSuffix(ascii.String(), "_") {
			ascii.WriteByte('_')
		}
	}
	for _, b := range []byte(name) {
		if b < 0x80 && (b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || strings.IndexByte("!#$&+-.^_`|~", b) >= 0) {
			escaped.WriteByte(b)
		} else {
			fmt.Fprintf(&escaped, "%%%02X", b)
		}
	}
	fallback := ascii.String()
	ext := path.Ext(fallback)
	stem := strings.Trim(strings.TrimSuffix(fallback, ext), "_-. ")
	if stem == "" {
		stem = "attachment"
	}
	fallback = stem + ext
	return `attachment; filename="` + fallback + `"; filename*=UTF-8''` + escaped.String()
}
