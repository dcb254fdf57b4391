package service

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"rectify/internal/calendar"
	"rectify/internal/deadline"
	"rectify/internal/domain"
	"rectify/internal/text"
	"rectify/internal/user"
	"rectify/internal/web/i18n"
	"rectify/workflows"
)

// Act performs one lifecycle action as u and returns the opinion as it stands after
// it. The workflow's validator has the last word on role, person, state and input;
// this layer adds the checks that need the user directory or other opinions.
//
// The body's free text (reason, note, measures, evidence) is cleaned first, as an
// opinion's is (text.Clean): a text with nothing visible is sent empty, and the
// validator refuses it where it is required (reason_required, …).
func (s *Service) Act(ctx context.Context, u user.User, id string, action domain.Action, body domain.ActionBody) (domain.Opinion, error) {
	o, req, err := s.prepareAction(ctx, u, id, action, body)
	if err != nil {
		return o, err
	}
	res, err := s.sendAction(ctx, id, action, req, "")
	if err != nil {
		return o, err
	}
	return s.store.ProjectedOpinion(ctx, id, res.Revision)
}

// prepareAction reads the opinion id for u and runs every check of an action that
// needs more than the workflow's own state, returning the request to send: a
// single action and each opinion of a bulk go through it alike.
func (s *Service) prepareAction(ctx context.Context, u user.User, id string, action domain.Action, body domain.ActionBody) (domain.Opinion, domain.ActionRequest, error) {
	o, err := s.Opinion(ctx, u, id)
	if err != nil {
		return o, domain.ActionRequest{}, err
	}
	req, err := s.checkRequest(ctx, u, o, action, body)
	return o, req, err
}

// checkRequest checks an action u takes on o and makes its request: role, person
// and state first, in the validator's own words (an opinion whose workflow has
// ended has no validator left to ask, and a caller without the role hears that
// before anything about the people or opinions they named); then the people,
// opinions and evidence files the body names, the campaign's settings and the
// working days.
func (s *Service) checkRequest(ctx context.Context, u user.User, o domain.Opinion, action domain.Action, body domain.ActionBody) (domain.ActionRequest, error) {
	body = cleanBody(body)
	if err := domain.Permitted(&o, action, u.Actor()); err != nil {
		return domain.ActionRequest{}, actionError(action, err)
	}
	if action == domain.ActionGroup {
		body.Category = "" // the problem's, never the caller's
		if p, err := s.store.Problem(ctx, body.Problem); err == nil {
			body.Category = p.Category
		}
	}
	if err := s.checkReferences(ctx, o, action, body); err != nil {
		return domain.ActionRequest{}, err
	}
	if err := s.completeAttachments(ctx, o, action, &body); err != nil {
		return domain.ActionRequest{}, err
	}
	req := domain.ActionRequest{Actor: u.Actor(), Body: body}
	if err := s.withSettings(ctx, o, action, &req); err != nil {
		return req, err
	}
	return req, s.checkWorkingDays(o, action, req)
}

// sendAction sends a prepared action to the opinion's workflow as an Update and
// waits for its outcome. updateID names the Update ("" for a fresh one): sent
// again under the same id, an action is taken once and its outcome answered
// again. Once Temporal has recorded the action, its write to the store is no
// longer in doubt and the notifications it set off may go; should confirming
// that fail, the reconciler confirms it.
func (s *Service) sendAction(ctx context.Context, id string, action domain.Action, req domain.ActionRequest, updateID string) (domain.ActionResult, error) {
	var res domain.ActionResult
	handle, err := s.temporal.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID:   workflows.ItemWorkflowID(id),
		UpdateID:     updateID,
		UpdateName:   string(action),
		Args:         []any{req},
		WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	if err == nil {
		err = handle.Get(ctx, &res)
	}
	if err != nil {
		return res, actionError(action, err)
	}
	if err := s.store.Confirm(ctx, id, res.Revision); err != nil {
		s.logger.Warn("confirming an action's write failed; the reconciler will", "opinion", id, "err", err)
	}
	return res, nil
}

// cleanBody removes control characters other than line breaks and tabs from an
// action's free text and trims spaces and invisible characters from its ends. The
// workflow's validator checks what is required and how long it may be; it reads
// "\u200b" as text, so the cleaning is done here, before the Update is sent.
func cleanBody(b domain.ActionBody) domain.ActionBody {
	b.Reason = text.Clean(b.Reason)
	b.Note = text.Clean(b.Note)
	b.Measures = text.Clean(b.Measures)
	b.Evidence = text.Clean(b.Evidence)
	return b
}

// checkWorkingDays refuses a deadline or extension date on a weekend or holiday,
// naming the next working day (docs/rules.md). The calendar lives outside the
// workflow, whose validator reads its own state only. It is asked last: a request
// the workflow's validator refuses anyway (a date out of bounds, a reason missing)
// goes to the workflow, which says why in its own words, and only a request it
// would accept is refused here for its day off.
func (s *Service) checkWorkingDays(o domain.Opinion, action domain.Action, req domain.ActionRequest) error {
	b := req.Body
	var check func() error
	switch {
	case (action == domain.ActionAssign || action == domain.ActionReopen) && b.Deadline != "":
		check = func() error { return s.checkWorkingDay("deadline", b.Deadline, req.Policy) }
	case action == domain.ActionRequestExtension && b.Until != "":
		check = func() error { return s.checkWorkingDay("until", b.Until, req.Policy) }
	default:
		return nil
	}
	if req.Policy == nil {
		return nil // every action with a date carries the campaign's policy (withSettings)
	}
	if domain.Validate(&o, *req.Policy, action, req, s.Now()) != nil {
		return nil // the workflow's validator refuses it, in its own words
	}
	return check()
}

// checkWorkingDay refuses a date that is not a working day on the calendar.
func (s *Service) checkWorkingDay(field, value string, p *domain.Policy) error {
	d, err := time.ParseInLocation(domain.DateLayout, value, p.Location())
	if err != nil || s.calendar.IsWorkday(d) {
		return nil
	}
	next := NextWorkingDay(s.calendar, d)
	why := i18n.M("weekday." + strings.ToLower(d.Weekday().String())) // a day off that is no holiday: a weekend
	if name, ok := s.calendar.Holiday(d); ok {
		why = i18n.M("api.day_off_holiday", name)
	}
	return Refuse(http.StatusUnprocessableEntity, field+"_not_workday", "api.not_workday",
		i18n.M("api.field."+field), value, why, next.Format(domain.DateLayout))
}

// NextWorkingDay is the first working day after d on the calendar: the date a form
// offers in place of a day off.
func NextWorkingDay(cal *calendar.Calendar, d time.Time) time.Time {
	return cal.AddWorkdays(d, 1).To
}

// PreviewSchedule is the deadline an opinion of a category given workingDays would
// get if it were assigned today (a campaign-local date) without a date of its own,
// counted on the service's calendar as the workflow counts it: the opinion page
// shows it before the office assigns.
func (s *Service) PreviewSchedule(policy domain.Policy, today string, workingDays int) (domain.Schedule, error) {
	return deadline.Compute(s.calendar, workflows.ScheduleInput{Today: today, WorkingDays: workingDays, Policy: policy})
}

// checkReferences checks the people and opinions an action names.
func (s *Service) checkReferences(ctx context.Context, o domain.Opinion, action domain.Action, b domain.ActionBody) error {
	switch action {
	case domain.ActionAssign, domain.ActionResolve:
		if err := s.checkPerson("official", b.Official, domain.RoleOfficial); err != nil {
			return err
		}
		return s.checkPerson("leader", b.Leader, domain.RoleLeader)
	case domain.ActionGroup:
		if b.Problem == "" {
			return nil // the workflow's validator explains it
		}
		p, err := s.store.Problem(ctx, b.Problem)
		if err != nil || p.CampaignID != o.CampaignID {
			return Refuse(http.StatusUnprocessableEntity, "invalid_problem", "api.invalid_problem", b.Problem)
		}
		if p.State != domain.ProblemOpen {
			return Refuse(http.StatusConflict, "problem_closed", "api.problem_closed", b.Problem)
		}
	case domain.ActionMerge:
		if b.Into == "" || b.Into == o.ID {
			return nil // the workflow's validator explains these
		}
		target, err := s.store.Opinion(ctx, b.Into)
		if err != nil {
			return Refuse(http.StatusUnprocessableEntity, "invalid_into", "api.invalid_into", b.Into)
		}
		if target.CampaignID != o.CampaignID {
			return Refuse(http.StatusUnprocessableEntity, "invalid_into", "api.into_other_campaign", b.Into)
		}
		if target.State.Final() {
			return Refuse(http.StatusConflict, "into_final", "api.into_final", b.Into, i18n.M("state."+string(target.State)))
		}
	}
	return nil
}

func (s *Service) checkPerson(field, username string, role domain.Role) error {
	if username == "" {
		return nil // the workflow's validator reports the missing field
	}
	p, ok := s.users.Lookup(username)
	if !ok {
		return Refuse(http.StatusUnprocessableEntity, "invalid_"+field, "api.no_such_user", i18n.M("api.field."+field), username)
	}
	if !p.Has(role) {
		return Refuse(http.StatusUnprocessableEntity, "invalid_"+field, "api.user_lacks_role", i18n.M("api.field."+field), username, i18n.M("role."+string(role)))
	}
	return nil
}

// ruleStatus is the status of each kind of rule error.
var ruleStatus = map[string]int{
	domain.ErrForbidden: http.StatusForbidden,
	domain.ErrConflict:  http.StatusConflict,
	domain.ErrInvalid:   http.StatusUnprocessableEntity,
}

// actionError maps a workflow's rejection to the API's status codes: validators
// reject with Forbidden (403), Conflict (409) or Invalid (422).
func actionError(action domain.Action, err error) error {
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) {
		code := "rejected"
		var detail string
		if appErr.HasDetails() && appErr.Details(&detail) == nil && detail != "" {
			code = detail
		}
		text, _ := domain.RuleText(err)
		if status, ok := ruleStatus[appErr.Type()]; ok {
			return &Error{Status: status, Code: code, Message: appErr.Message(), Text: text}
		}
	}
	var notFound *serviceerror.NotFound
	if errors.As(err, &notFound) || strings.Contains(err.Error(), "workflow execution already completed") {
		return Refuse(http.StatusConflict, "opinion_archived", "api.opinion_archived", i18n.M("action."+string(action)))
	}
	var busy *serviceerror.ResourceExhausted
	if errors.As(err, &busy) {
		return Refuse(http.StatusTooManyRequests, "throttled", "api.throttled_opinion")
	}
	return err
}
