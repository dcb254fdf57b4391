package api

import (
	"net/http"

	"rectify/internal/service"
	"rectify/internal/user"
)

// ProblemAnswer is a new problem with what became of each opinion it was to group.
type ProblemAnswer struct {
	service.ProblemView
	Results []service.GroupResult `json:"results"`
}

// createProblem groups opinions into a problem: 201 when every opinion joined it,
// 207 when some could not (each result says why), the problem made either way.
func (s *Server) createProblem(r *http.Request, u user.User) (int, any, error) {
	if err := service.CampaignWork.Check(u); err != nil {
		return 0, nil, err
	}
	c, err := s.svc.Campaign(r.Context(), r.PathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	var req service.ProblemRequest
	if err := decode(r, &req); err != nil {
		return 0, nil, err
	}
	v, results, err := s.svc.CreateProblem(r.Context(), u, c, req)
	if err != nil {
		return 0, nil, err
	}
	status := http.StatusCreated
	for _, res := range results {
		if res.Error != nil {
			status = http.StatusMultiStatus
			res.Error.Message = messageIn(Language(r), res.Error.Refusal())
		}
	}
	return status, ProblemAnswer{ProblemView: v, Results: results}, nil
}

func (s *Server) listProblems(r *http.Request, u user.User) (int, any, error) {
	if err := onlyParams(r.URL.Query()); err != nil {
		return 0, nil, err
	}
	ps, err := s.svc.Problems(r.Context(), u, r.PathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]any{"problems": ps}, nil
}

func (s *Server) getProblem(r *http.Request, u user.User) (int, any, error) {
	v, err := s.svc.ProblemView(r.Context(), u, r.PathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, v, nil
}

// addTask makes a task of a problem; the task is acted on like an opinion
// (POST /api/v1/opinions/{task id}/actions/{action}).
func (s *Server) addTask(r *http.Request, u user.User) (int, any, error) {
	if err := service.CampaignWork.Check(u); err != nil {
		return 0, nil, err
	}
	var req service.TaskRequest
	if err := decode(r, &req); err != nil {
		return 0, nil, err
	}
	t, err := s.svc.AddTask(r.Context(), u, r.PathValue("id"), req)
	if err != nil {
		return 0, nil, err
	}
	status, v, err := s.showOpinion(r, u, t)
	if status == http.StatusOK {
		status = http.StatusCreated
	}
	return status, v, err
}

// taskParams are the filters of the task list.
var taskParams = map[string]func(f *service.TaskFilter, value string, u user.User) error{
	"campaign": func(f *service.TaskFilter, v string, _ user.User) error { f.Campaign = v; return nil },
	"problem":  func(f *service.TaskFilter, v string, _ user.User) error { f.Problem = v; return nil },
	"official": func(f *service.TaskFilter, v string, _ user.User) error { f.Official = v; return nil },
	"leader":   func(f *service.TaskFilter, v string, _ user.User) error { f.Leader = v; return nil },
	"lead":     func(f *service.TaskFilter, v string, _ user.User) error { f.Lead = v; return nil },
	"open": func(f *service.TaskFilter, v string, _ user.User) error {
		switch v {
		case "", "false":
			f.Open = false
		case "true":
			f.Open = true
		default:
			return refuse(http.StatusUnprocessableEntity, "invalid_open", "api.param_bool", "open", v)
		}
		return nil
	},
}

func (s *Server) listTasks(r *http.Request, u user.User) (int, any, error) {
	var f service.TaskFilter
	if err := readParams(r.URL.Query(), taskParams, &f, u); err != nil {
		return 0, nil, err
	}
	ts, err := s.svc.Tasks(r.Context(), u, f)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]any{"tasks": ts}, nil
}
