package api

import (
	"net/http"

	"rectify/internal/service"
	"rectify/internal/user"
)

// The office's publications (公示, service/publications.go): publish a snapshot of
// chosen items for a 公示期, list a campaign's, read one. The public reads them on
// the web's signed-out pages (/public/{campaign}/…), never through the API.

func (s *Server) createPublication(r *http.Request, u user.User) (int, any, error) {
	if err := service.Publishing.Check(u); err != nil {
		return 0, nil, err
	}
	var req service.PublicationRequest
	if err := decode(r, &req); err != nil {
		return 0, nil, err
	}
	p, err := s.svc.Publish(r.Context(), u, r.PathValue("id"), req)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, p, nil
}

func (s *Server) listPublications(r *http.Request, u user.User) (int, any, error) {
	if err := onlyParams(r.URL.Query()); err != nil {
		return 0, nil, err
	}
	c, ps, err := s.svc.Publications(r.Context(), u, r.PathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]any{"campaign_id": c.ID, "publications": ps}, nil
}

func (s *Server) getPublication(r *http.Request, u user.User) (int, any, error) {
	p, err := s.svc.Publication(r.Context(), u, r.PathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, p, nil
}
