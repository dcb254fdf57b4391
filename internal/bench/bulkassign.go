package bench

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/google/uuid"

	"rectify/internal/domain"
)

// runBulk imports a ledger of o.BulkOpinions rows, categorizes them in one bulk, then
// times one bulk assignment of them all: opinions assigned/s from the request to the
// bulk's end, against the lifecycle's actions/s.
func runBulk(ctx context.Context, t *Target, o Options, r *Report) error {
	n := o.BulkOpinions
	campaign := "bench-bulk-" + uuid.NewString()[:8]
	if err := t.createCampaign(ctx, campaign); err != nil {
		return err
	}
	if _, err := t.importLedger(ctx, campaign, 0, n); err != nil {
		return err
	}
	ids := make([]string, n)
	for i := range ids {
		ids[i] = domain.OpinionID(campaign, ledgerKey(i+1))
	}
	if _, err := t.bulk(ctx, campaign, "categorize", ids, map[string]any{"category": benchCategory}); err != nil {
		return err
	}
	if _, err := t.settle(ctx, received(campaign), n); err != nil {
		return err
	}
	// One department and official for all, as an office assigns a batch of one kind.
	cpu := processCPU()
	elapsed, err := t.bulk(ctx, campaign, "assign", ids, map[string]any{
		"department": department(0), "official": officialUser(0), "leader": leaderUser, "measures": "更换路灯",
	})
	if err != nil {
		return err
	}
	cpuPerOpinion := cpuPer(cpu, n)
	st, err := t.stats(ctx, campaign)
	if err != nil {
		return err
	}
	if st.ByState[domain.StateAssigned] != n {
		return fmt.Errorf("campaign %s: %d opinions assigned after a bulk of %d", campaign, st.ByState[domain.StateAssigned], n)
	}
	if _, err := t.settle(ctx, assigned(campaign), n); err != nil {
		return err
	}
	r.Bulk = Rate{Count: n, Elapsed: elapsed, PerSec: perSecond(n, elapsed), CPUPer: cpuPerOpinion}
	return nil
}

// bulk posts one bulk action on ids of campaign as the office and waits until it is
// done with none refused; it returns the time from the request to its end.
func (t *Target) bulk(ctx context.Context, campaign, action string, ids []string, body map[string]any) (time.Duration, error) {
	var b struct {
		ID      string `json:"id"`
		State   string `json:"state"`
		Total   int    `json:"total"`
		Done    int    `json:"done"`
		Refused int    `json:"refused"`
	}
	start := time.Now()
	// A bulk done within the API's wait is answered done (200), a longer one running (202).
	err := t.callOneOf(ctx, officeUser(0), http.MethodPost, "/api/v1/campaigns/"+campaign+"/bulk",
		map[string]any{"action": action, "opinions": ids, "body": body}, []int{http.StatusOK, http.StatusAccepted}, &b)
	if err != nil {
		return 0, err
	}
	for b.State != "done" {
		if err := pause(ctx, progressPoll); err != nil {
			return 0, err
		}
		if err := t.call(ctx, officeUser(0), http.MethodGet, "/api/v1/bulks/"+b.ID+"?limit=1", nil, http.StatusOK, &b); err != nil {
			return 0, err
		}
	}
	elapsed := time.Since(start)
	if b.Done != len(ids) || b.Refused != 0 {
		return elapsed, fmt.Errorf("bulk %s of %d opinions: %d done, %d refused", action, len(ids), b.Done, b.Refused)
	}
	return elapsed, nil
}
