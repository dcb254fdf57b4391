package api

import (
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

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
		return errorf(http.StatusUnprocessableEntity, "invalid_state", "state %q is not one of the opinion states", f.State)
	}
	return nil
}

func overdueFilter(f *service.Filter, v string) error {
	switch v {
	case "", "false":
	case "true":
		f.Overdue = true
	default:
		return errorf(http.StatusUnprocessableEntity, "invalid_overdue", "overdue must be true or false")
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
				return errorf(http.StatusUnprocessableEntity, "unknown_parameter", "this takes no parameter, not %q", name)
			}
			return errorf(http.StatusUnprocessableEntity, "unknown_parameter", "there is no parameter %q here; it takes %s",
				name, strings.Join(takes, ", "))
		}
		if len(q[name]) > 1 {
			return errorf(http.StatusUnprocessableEntity, "repeated_parameter", "the parameter %q is given %d times; give it once", name, len(q[name]))
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
		return 0, errorf(http.StatusUnprocessableEntity, "invalid_"+name, "%s must be a whole number from %d to %d", name, lo, hi)
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
			return errorf(http.StatusUnprocessableEntity, "invalid_action", "action %q is not one the access log records: %s",
				v, strings.Join(service.AuditActions, ", "))
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
			return errorf(http.StatusUnprocessableEntity, "invalid_cursor", "cursor must be the next_cursor of an earlier page")
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
	return time.Time{}, errorf(http.StatusUnprocessableEntity, "invalid_"+name,
		"%s must be a date (2025-06-10, China Standard Time) or a time with its offset (2025-06-10T08:30:00+08:00)", name)
}

// auditFilter reads the access log's query into a filter, refusing any parameter it
// does not take, any taken twice, and an until not after since.
func auditFilter(q url.Values, u user.User) (service.AuditFilter, error) {
	f := service.AuditFilter{Limit: 50}
	if err := readParams(q, auditParams, &f, u); err != nil {
		return f, err
	}
	if !f.Since.IsZero() && !f.Until.IsZero() && !f.Until.After(f.Since) {
		return f, errorf(http.StatusUnprocessableEntity, "invalid_until", "until must be later than since")
	}
	return f, nil
}
