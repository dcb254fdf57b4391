package api

import (
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"

	"rectify/internal/domain"
	"rectify/internal/service"
	"rectify/internal/user"
)

// listParams are the parameters of GET /api/v1/opinions, each with what its value
// does to the list's filter. Any other parameter is refused (422 unknown_parameter):
// a misspelt filter must not answer with everything. A new filter is one line here.
var listParams = map[string]func(f *service.Filter, value string, u user.User) error{
	"campaign":   func(f *service.Filter, v string, _ user.User) error { f.CampaignID = v; return nil },
	"state":      func(f *service.Filter, v string, _ user.User) error { return stateFilter(f, v) },
	"category":   func(f *service.Filter, v string, _ user.User) error { f.Category = v; return nil },
	"department": func(f *service.Filter, v string, _ user.User) error { f.Department = v; return nil },
	"assignee":   func(f *service.Filter, v string, u user.User) error { f.Official = meOr(v, u); return nil },
	"leader":     func(f *service.Filter, v string, u user.User) error { f.Leader = meOr(v, u); return nil },
	"overdue":    func(f *service.Filter, v string, _ user.User) error { return overdueFilter(f, v) },
	// The triage filters: a keyword in the content (or an opinion's exact key), the
	// channel, the suggested category, the collection dates and the target.
	"q": func(f *service.Filter, v string, _ user.User) error {
		if utf8.RuneCountInString(v) > maxKeywordRunes {
			return refuse(http.StatusUnprocessableEntity, "invalid_q", "api.q_too_long", maxKeywordRunes)
		}
		f.Query = v
		return nil
	},
	"channel":            func(f *service.Filter, v string, _ user.User) error { f.Channel = v; return nil },
	"suggested_category": func(f *service.Filter, v string, _ user.User) error { f.SuggestedCategory = v; return nil },
	"collected_from": func(f *service.Filter, v string, _ user.User) error {
		return dateParam("collected_from", v, &f.CollectedFrom)
	},
	"collected_to": func(f *service.Filter, v string, _ user.User) error {
		return dateParam("collected_to", v, &f.CollectedTo)
	},
	"target": func(f *service.Filter, v string, _ user.User) error { f.Target = v; return nil },
	"target_kind": func(f *service.Filter, v string, _ user.User) error {
		switch v {
		case "", service.TargetTeam, service.TargetIndividual:
			f.TargetKind = v
			return nil
		}
		return refuse(http.StatusUnprocessableEntity, "invalid_target_kind", "api.invalid_target_kind", service.TargetTeam, service.TargetIndividual)
	},
	"limit": func(f *service.Filter, v string, _ user.User) (err error) {
		if v != "" {
			f.Limit, err = intValue("limit", v, 1, 500)
		}
		return err
	},
	"page_token": func(f *service.Filter, v string, _ user.User) (err error) {
		if v != "" {
			f.Offset, err = intValue("page_token", v, 0, 1<<30)
		}
		return err
	},
}

// maxKeywordRunes bounds a keyword: a search, not a document.
const maxKeywordRunes = 200

// dateParam reads a YYYY-MM-DD date parameter into dst ("" leaves it unset).
func dateParam(name, v string, dst *string) error {
	if _, err := time.Parse(domain.DateLayout, v); v != "" && err != nil {
		return refuse(http.StatusUnprocessableEntity, "invalid_"+name, "api.param_date", name, v)
	}
	*dst = v
	return nil
}

// meOr is a username parameter's value: "me" is the caller.
func meOr(v string, u user.User) string {
	if v == "me" {
		return u.Username
	}
	return v
}

func stateFilter(f *service.Filter, v string) error {
	f.State = domain.State(v)
	if f.State != "" && !validState(f.State) {
		return refuse(http.StatusUnprocessableEntity, "invalid_state", "api.invalid_state", f.State)
	}
	return nil
}

func overdueFilter(f *service.Filter, v string) error {
	switch v {
	case "", "false":
	case "true":
		f.Overdue = true
	default:
		return refuse(http.StatusUnprocessableEntity, "invalid_overdue", "api.param_bool", "overdue", v)
	}
	return nil
}

// listFilter reads the list's query into a filter, refusing any parameter the list
// does not take, and any taken twice.
func listFilter(q url.Values, u user.User) (service.Filter, error) {
	f := service.Filter{Limit: 50}
	err := readParams(q, listParams, &f, u)
	return f, err
}

// readParams applies a list's query to its filter f, each parameter through its
// entry in params: a parameter the list does not take is refused naming the ones it
// does (a misspelt filter must not answer with everything), and so is one given twice.
func readParams[F any](q url.Values, params map[string]func(f *F, value string, u user.User) error, f *F, u user.User) error {
	if err := onlyParams(q, slices.Collect(maps.Keys(params))...); err != nil {
		return err
	}
	for _, name := range slices.Sorted(maps.Keys(q)) {
		if err := params[name](f, q.Get(name), u); err != nil {
			return err
		}
	}
	return nil
}

// onlyParams refuses a query parameter the endpoint does not take (422
// unknown_parameter: a misspelt one must not answer with everything) and one given
// more than once.
func onlyParams(q url.Values, takes ...string) error {
	slices.Sort(takes)
	for _, name := range slices.Sorted(maps.Keys(q)) {
		if !slices.Contains(takes, name) {
			if len(takes) == 0 {
				return refuse(http.StatusUnprocessableEntity, "unknown_parameter", "api.no_parameters", name)
			}
			return refuse(http.StatusUnprocessableEntity, "unknown_parameter", "api.unknown_parameter", name, takes)
		}
		if len(q[name]) > 1 {
			return refuse(http.StatusUnprocessableEntity, "repeated_parameter", "api.repeated_parameter", name, len(q[name]))
		}
	}
	return nil
}

func validState(s domain.State) bool {
	for _, st := range domain.AllStates {
		if st == s {
			return true
		}
	}
	return false
}

func intParam(q url.Values, name string, def, lo, hi int) (int, error) {
	if q.Get(name) == "" {
		return def, nil
	}
	return intValue(name, q.Get(name), lo, hi)
}

// intValue reads the whole number a parameter gives, from lo to hi.
func intValue(name, v string, lo, hi int) (int, error) {
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, refuse(http.StatusUnprocessableEntity, "invalid_"+name, "api.param_range", name, lo, hi)
	}
	return n, nil
}

// auditParams are the parameters of GET /api/v1/audit, as listParams are the
// opinion list's: any other is refused.
var auditParams = map[string]func(f *service.AuditFilter, value string, u user.User) error{
	"user":   func(f *service.AuditFilter, v string, u user.User) error { f.User = meOr(v, u); return nil },
	"object": func(f *service.AuditFilter, v string, _ user.User) error { f.Object = v; return nil },
	"action": func(f *service.AuditFilter, v string, _ user.User) error {
		if v != "" && !slices.Contains(service.AuditActions, v) {
			return refuse(http.StatusUnprocessableEntity, "invalid_action", "api.audit_action", v, service.AuditActions)
		}
		f.Action = v
		return nil
	},
	"since": func(f *service.AuditFilter, v string, _ user.User) (err error) {
		f.Since, err = auditTime("since", v, false)
		return err
	},
	"until": func(f *service.AuditFilter, v string, _ user.User) (err error) {
		f.Until, err = auditTime("until", v, true)
		return err
	},
	"limit": func(f *service.AuditFilter, v string, _ user.User) (err error) {
		if v != "" {
			f.Limit, err = intValue("limit", v, 1, 500)
		}
		return err
	},
	"cursor": func(f *service.AuditFilter, v string, _ user.User) error {
		if v == "" {
			return nil
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 {
			return refuse(http.StatusUnprocessableEntity, "invalid_cursor", "api.audit_cursor")
		}
		f.Before = n
		return nil
	},
}

// auditZone is the zone of a date given alone to since or until: China Standard
// Time, where the offices are.
var auditZone = time.FixedZone("CST", 8*3600)

// auditTime reads since or until: an RFC 3339 time, or a date, which is the start
// of that day (since) or the whole day (until) in China Standard Time.
func auditTime(name, v string, end bool) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	if d, err := time.ParseInLocation(domain.DateLayout, v, auditZone); err == nil {
		if end {
			d = d.AddDate(0, 0, 1)
		}
		return d, nil
	}
	return time.Time{}, refuse(http.StatusUnprocessableEntity, "invalid_"+name, "api.param_time", name)
}

// auditFilter reads the access log's query into a filter, refusing any parameter it
// does not take, any taken twice, and an until not after since.
func auditFilter(q url.Values, u user.User) (service.AuditFilter, error) {
	f := service.AuditFilter{Limit: 50}
	if err := readParams(q, auditParams, &f, u); err != nil {
		return f, err
	}
	if !f.Since.IsZero() && !f.Until.IsZero() && !f.Until.After(f.Since) {
		return f, refuse(http.StatusUnprocessableEntity, "invalid_until", "api.until_not_after_since")
	}
	return f, nil
}
