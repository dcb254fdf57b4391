package api

import (
	"net/http"

	"rectify/internal/store"
	"rectify/internal/user"
	"rectify/workflows"
)

// openStates are the states of an opinion still being worked on.
var openStates = []workflows.State{
	workflows.StateReceived, workflows.StateCategorized, workflows.StateReturned, workflows.StateAssigned,
	workflows.StateInProgress, workflows.StateSubmitted, workflows.StateAwaitingCallback,
}

// campaignLedger answers a campaign's opinions as a ledger in the import's JSON
// format (?open=true: only those still being worked on), so they can be imported
// into another installation — the way from one machine to a cluster
// (docs/operations.md). Keys are kept, so importing twice adds nothing.
func (s *Service) campaignLedger(r *http.Request, u user.User) (int, any, error) {
	if err := requireRole(u, workflows.RoleOffice); err != nil {
		return 0, nil, err
	}
	c, err := s.campaign(r.Context(), r.PathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	f := store.Filter{CampaignID: c.ID, Limit: 500}
	switch r.URL.Query().Get("open") {
	case "", "false":
	case "true":
		f.States = openStates
	default:
		return 0, nil, errorf(http.StatusUnprocessableEntity, "invalid_open", "open must be true or false")
	}
	ledger := []map[string]string{}
	for {
		page, err := s.Store.Opinions(r.Context(), f)
		if err != nil {
			return 0, nil, err
		}
		for _, o := range page.Opinions {
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
			ledger = append(ledger, row)
		}
		f.Offset += len(page.Opinions)
		if len(page.Opinions) == 0 || f.Offset >= page.Total {
			return http.StatusOK, ledger, nil
		}
	}
}
