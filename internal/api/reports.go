package api

import (
	"net/http"
	"strings"
	"time"

	"rectify/internal/service"
	"rectify/internal/user"
)

// reportRoutes are the progress reports' endpoints (整改进展情况): today's or a
// kept day's as a workbook, the kept ones listed, one kept downloaded.
func (s *Server) reportRoutes() []route {
	return []route{
		{pattern: "GET /api/v1/campaigns/{id}/reports/progress.xlsx", raw: s.downloadProgress},
		{pattern: "GET /api/v1/campaigns/{id}/reports", json: s.listReports},
		{pattern: "GET /api/v1/reports/{file}", raw: s.downloadReport},
	}
}

// reportLang reads ?lang= (zh, the default, or en): the language of the workbook.
func reportLang(r *http.Request) (string, error) {
	switch lang := r.URL.Query().Get("lang"); lang {
	case "", "zh", "en":
		return lang, nil
	}
	return "", refuse(http.StatusUnprocessableEntity, "invalid_lang", "api.invalid_lang")
}

// downloadProgress serves the progress report at ?until= (today when left out).
func (s *Server) downloadProgress(w http.ResponseWriter, r *http.Request, u user.User) error {
	if err := onlyParams(r.URL.Query(), "until", "lang"); err != nil {
		return err
	}
	lang, err := reportLang(r)
	if err != nil {
		return err
	}
	d, err := s.svc.ProgressFile(r.Context(), u, r.PathValue("id"), r.URL.Query().Get("until"), lang)
	if err != nil {
		return err
	}
	defer d.Close()
	return SendFile(w, d)
}

// reportInfo is a kept report as the list shows it.
type reportInfo struct {
	ID       string    `json:"id"`
	CutOff   string    `json:"cut_off"`
	MadeAt   time.Time `json:"made_at"`
	MadeBy   string    `json:"made_by"`
	Download string    `json:"download"`
}

// listReports lists a campaign's kept reports, latest cut-off first.
func (s *Server) listReports(r *http.Request, u user.User) (int, any, error) {
	c, rs, err := s.svc.Reports(r.Context(), u, r.PathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	out := make([]reportInfo, len(rs))
	for i, rep := range rs {
		out[i] = reportInfo{ID: rep.ID, CutOff: rep.CutOff, MadeAt: rep.MadeAt, MadeBy: rep.MadeBy,
			Download: "/api/v1/reports/" + rep.ID + ".xlsx"}
	}
	return http.StatusOK, map[string]any{"campaign_id": c.ID, "reports": out}, nil
}

// downloadReport serves a kept report as {id}.xlsx.
func (s *Server) downloadReport(w http.ResponseWriter, r *http.Request, u user.User) error {
	if err := onlyParams(r.URL.Query(), "lang"); err != nil {
		return err
	}
	lang, err := reportLang(r)
	if err != nil {
		return err
	}
	id, ok := strings.CutSuffix(r.PathValue("file"), ".xlsx")
	if !ok {
		if err := service.Oversight.Check(u); err != nil {
			return err
		}
		return refuse(http.StatusNotFound, "report_not_found", "api.report_download")
	}
	d, err := s.svc.ReportFile(r.Context(), u, id, lang)
	if err != nil {
		return err
	}
	defer d.Close()
	return SendFile(w, d)
}
