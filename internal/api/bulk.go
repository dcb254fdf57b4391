package api

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"rectify/internal/domain"
	"rectify/internal/service"
	"rectify/internal/user"
)

// bulkWait is how long creating a bulk waits for it to finish: a bulk done by
// then is answered done, with its results; a larger one is answered accepted,
// to be followed at its Location.
const bulkWait = 10 * time.Second

// bulkRequest is the body of POST /api/v1/campaigns/{id}/bulk.
type bulkRequest struct {
	Action   domain.Action     `json:"action"`
	Opinions []string          `json:"opinions"`
	Body     domain.ActionBody `json:"body"`
}

// BulkAnswer is a bulk as the API answers it: its progress and a page of what
// became of each opinion, in the order they were listed; next_page_token, while
// there are more, is the page_token of the next page.
type BulkAnswer struct {
	service.BulkView
	Results       []service.BulkResult `json:"results"`
	NextPageToken string               `json:"next_page_token,omitempty"`
}

// bulkPage is a page of a bulk's results: from the offset-th, limit of them.
type bulkPage struct {
	offset, limit int
}

// bulkParams are the parameters of GET /api/v1/bulks/{id}, as listParams are the
// opinion list's: any other is refused.
var bulkParams = map[string]func(p *bulkPage, value string, u user.User) error{
	"limit": func(p *bulkPage, v string, _ user.User) (err error) {
		if v != "" {
			p.limit, err = intValue("limit", v, 1, service.MaxBulkOpinions)
		}
		return err
	},
	"page_token": func(p *bulkPage, v string, _ user.User) (err error) {
		if v != "" {
			p.offset, err = intValue("page_token", v, 0, service.MaxBulkOpinions)
		}
		return err
	},
}

// defaultBulkResults is how many results a page has unless limit says otherwise.
const defaultBulkResults = 1000

// createBulk stores a bulk and starts it, answering 202 with its progress and
// its Location; a bulk that finishes within bulkWait is answered 200, done, with
// its first page of results.
func (s *Server) createBulk(w http.ResponseWriter, r *http.Request, u user.User) error {
	if err := service.CampaignWork.Check(u); err != nil {
		return err
	}
	var req bulkRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	// Once stored, the bulk is started whether or not the caller waits for it.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), actionTimeout)
	defer cancel()
	v, err := s.svc.CreateBulk(ctx, u, r.PathValue("id"), req.Action, req.Opinions, req.Body)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/bulks/"+v.ID)
	if !s.svc.AwaitBulk(r.Context(), u, v.ID, bulkWait) {
		writeJSON(w, http.StatusAccepted, v)
		return nil
	}
	answer, err := s.bulkAnswer(r.Context(), u, v.ID, bulkPage{limit: defaultBulkResults}, Language(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, answer)
	return nil
}

func (s *Server) getBulk(r *http.Request, u user.User) (int, any, error) {
	if err := service.CampaignWork.Check(u); err != nil {
		return 0, nil, err
	}
	page := bulkPage{limit: defaultBulkResults}
	if err := readParams(r.URL.Query(), bulkParams, &page, u); err != nil {
		return 0, nil, err
	}
	answer, err := s.bulkAnswer(r.Context(), u, r.PathValue("id"), page, Language(r))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, answer, nil
}

// bulkAnswer is bulk id with a page of its results, each refusal's message in lang.
func (s *Server) bulkAnswer(ctx context.Context, u user.User, id string, page bulkPage, lang string) (BulkAnswer, error) {
	v, err := s.svc.Bulk(ctx, u, id)
	if err != nil {
		return BulkAnswer{}, err
	}
	results, err := s.svc.BulkResults(ctx, u, id, page.offset, page.limit)
	if err != nil {
		return BulkAnswer{}, err
	}
	for _, res := range results {
		if res.Error != nil {
			res.Error.Message = messageIn(lang, res.Error.Refusal())
		}
	}
	answer := BulkAnswer{BulkView: v, Results: results}
	if next := page.offset + len(results); next < v.Total {
		answer.NextPageToken = strconv.Itoa(next)
	}
	return answer, nil
}
