package api

import (
	"net/http"

	"rectify/internal/user"
)

// route is one authenticated endpoint: json answers with a status and a body to
// encode, raw writes its own answer (a download, or an answer with headers of its
// own).
type route struct {
	pattern string
	json    func(*http.Request, user.User) (int, any, error)
	raw     func(http.ResponseWriter, *http.Request, user.User) error
}

// routes lists every authenticated endpoint of the API, in one place, so the
// documentation (docs/openapi.yaml) can be checked against what is served.
func (s *Server) routes() []route {
	return append([]route{
		{pattern: "GET /api/v1/campaigns", json: s.listCampaigns},
		{pattern: "POST /api/v1/campaigns", json: s.createCampaign},
		{pattern: "GET /api/v1/campaigns/{id}", json: s.getCampaign},
		{pattern: "PATCH /api/v1/campaigns/{id}", json: s.patchCampaign},
		{pattern: "GET /api/v1/campaigns/{id}/changes", json: s.campaignChanges},
		{pattern: "GET /api/v1/campaigns/{id}/stats", json: s.campaignStats},
		{pattern: "GET /api/v1/campaigns/{id}/ledger", json: s.campaignLedger},
		{pattern: "GET /api/v1/campaigns/{id}/ledger.xlsx", raw: s.downloadLedger},
		{pattern: "GET /api/v1/campaigns/{id}/ledger.csv", raw: s.downloadLedger},
		{pattern: "POST /api/v1/campaigns/{id}/opinions", json: s.submitOpinion},
		{pattern: "GET /api/v1/opinions", json: s.listOpinions},
		{pattern: "GET /api/v1/opinions/{id}", json: s.getOpinion},
		{pattern: "POST /api/v1/opinions/{id}/actions/{action}", json: s.act},
		{pattern: "POST /api/v1/opinions/{id}/attachments", json: s.uploadAttachment},
		{pattern: "GET /api/v1/attachments/{id}", raw: s.downloadAttachment},
		{pattern: "GET /api/v1/attachments/{id}/thumbnail", raw: s.downloadThumbnail},
		{pattern: "POST /api/v1/campaigns/{id}/batches", json: s.createBatch},
		{pattern: "GET /api/v1/batches/{id}", json: s.getBatch},
		{pattern: "GET /api/v1/batches/{id}/{file}", raw: s.downloadRejections},
		{pattern: "POST /api/v1/campaigns/{id}/bulk", raw: s.createBulk},
		{pattern: "GET /api/v1/bulks/{id}", json: s.getBulk},
		{pattern: "POST /api/v1/campaigns/{id}/problems", json: s.createProblem},
		{pattern: "GET /api/v1/campaigns/{id}/problems", json: s.listProblems},
		{pattern: "GET /api/v1/problems/{id}", json: s.getProblem},
		{pattern: "POST /api/v1/problems/{id}/tasks", json: s.addTask},
		{pattern: "GET /api/v1/tasks", json: s.listTasks},
		{pattern: "GET /api/v1/audit", json: s.auditLog},
		{pattern: "POST /api/v1/campaigns/{id}/publications", json: s.createPublication},
		{pattern: "GET /api/v1/campaigns/{id}/publications", json: s.listPublications},
		{pattern: "GET /api/v1/publications/{id}", json: s.getPublication},
	}, append(append(s.reportRoutes(), s.notificationRoutes()...), s.userRoutes()...)...)
}
