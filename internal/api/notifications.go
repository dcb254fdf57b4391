package api

import (
	"net/http"
	"strconv"
	"time"

	"rectify/internal/notify"
	"rectify/internal/service"
	"rectify/internal/user"
)

// notificationRoutes are a person's own notification addresses, and the office's
// delivery record: what was sent to whom over which channel, what failed, and a
// resend of a failed one.
func (s *Server) notificationRoutes() []route {
	return []route{
		{pattern: "GET /api/v1/me/notifications", json: s.myNotifications},
		{pattern: "PUT /api/v1/me/notifications", json: s.setMyNotifications},
		{pattern: "GET /api/v1/notifications", json: s.listDeliveries},
		{pattern: "GET /api/v1/notifications/{id}", json: s.getDelivery},
		{pattern: "POST /api/v1/notifications/{id}/resend", json: s.resendDelivery},
	}
}

// MyAddresses are a person's own addresses as the API shows them: the signing
// secrets are never sent back, only whether one is set.
type MyAddresses struct {
	DingTalk          string `json:"dingtalk_webhook"`
	DingTalkSecretSet bool   `json:"dingtalk_secret_set"`
	WeCom             string `json:"wecom_webhook"`
	Feishu            string `json:"feishu_webhook"`
	FeishuSecretSet   bool   `json:"feishu_secret_set"`
	Email             string `json:"email"`
	Lang              string `json:"lang"`
}

// MyAddressesFrom is what the API and the settings page show of a.
func MyAddressesFrom(a notify.UserAddresses) MyAddresses {
	return MyAddresses{DingTalk: a.DingTalk, DingTalkSecretSet: a.DingTalkSecret != "", WeCom: a.WeCom,
		Feishu: a.Feishu, FeishuSecretSet: a.FeishuSecret != "", Email: a.Email, Lang: a.Lang}
}

// MyAddressesRequest replaces a person's addresses. A secret left out (null) is
// kept while its webhook stays the same; "" removes it.
type MyAddressesRequest struct {
	DingTalk       string  `json:"dingtalk_webhook"`
	DingTalkSecret *string `json:"dingtalk_secret"`
	WeCom          string  `json:"wecom_webhook"`
	Feishu         string  `json:"feishu_webhook"`
	FeishuSecret   *string `json:"feishu_secret"`
	Email          string  `json:"email"`
	Lang           string  `json:"lang"`
}

// Merge is the addresses req sets over the ones kept.
func (req MyAddressesRequest) Merge(kept notify.UserAddresses) notify.UserAddresses {
	out := notify.UserAddresses{DingTalk: req.DingTalk, WeCom: req.WeCom, Feishu: req.Feishu, Email: req.Email, Lang: req.Lang}
	switch {
	case req.DingTalkSecret != nil:
		out.DingTalkSecret = *req.DingTalkSecret
	case req.DingTalk == kept.DingTalk:
		out.DingTalkSecret = kept.DingTalkSecret
	}
	switch {
	case req.FeishuSecret != nil:
		out.FeishuSecret = *req.FeishuSecret
	case req.Feishu == kept.Feishu:
		out.FeishuSecret = kept.FeishuSecret
	}
	return out
}

func (s *Server) myNotifications(r *http.Request, u user.User) (int, any, error) {
	a, err := s.svc.MyNotifications(r.Context(), u)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, MyAddressesFrom(a), nil
}

func (s *Server) setMyNotifications(r *http.Request, u user.User) (int, any, error) {
	var req MyAddressesRequest
	if err := decode(r, &req); err != nil {
		return 0, nil, err
	}
	kept, err := s.svc.MyNotifications(r.Context(), u)
	if err != nil {
		return 0, nil, err
	}
	a, err := s.svc.SetMyNotifications(r.Context(), u, req.Merge(kept))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, MyAddressesFrom(a), nil
}

// DeliveryView is one delivery of the record as the API shows it.
type DeliveryView struct {
	ID         string     `json:"id"`
	Kind       string     `json:"kind"`
	OpinionID  string     `json:"opinion_id,omitempty"`
	CampaignID string     `json:"campaign_id,omitempty"`
	Recipient  string     `json:"recipient"`
	Channel    string     `json:"channel"`
	Target     string     `json:"target"`
	Title      string     `json:"title"`
	Text       string     `json:"text"`
	Status     string     `json:"status"`
	Attempts   int        `json:"attempts"`
	CreatedAt  time.Time  `json:"created_at"`
	SettledAt  *time.Time `json:"settled_at,omitempty"`
	LastError  string     `json:"last_error,omitempty"`
	// AttemptLog is every attempt, on GET of one delivery.
	AttemptLog []service.DeliveryAttempt `json:"attempt_log,omitempty"`
}

func deliveryView(d notify.Delivery) DeliveryView {
	return DeliveryView{ID: d.ID, Kind: string(d.Kind), OpinionID: d.OpinionID, CampaignID: d.CampaignID,
		Recipient: d.Recipient, Channel: string(d.Channel), Target: d.Target, Title: d.Message.Title, Text: d.Message.Text(),
		Status: d.Status, Attempts: d.Attempts, CreatedAt: d.CreatedAt, SettledAt: d.SettledAt, LastError: d.LastError}
}

// listDeliveries answers GET /api/v1/notifications?status=&channel=&recipient=&opinion=&limit=&cursor=.
func (s *Server) listDeliveries(r *http.Request, u user.User) (int, any, error) {
	q := r.URL.Query()
	if err := onlyParams(q, "status", "channel", "recipient", "opinion", "limit", "cursor"); err != nil {
		return 0, nil, err
	}
	f := service.DeliveryFilter{Status: q.Get("status"), Channel: q.Get("channel"), Recipient: q.Get("recipient"),
		OpinionID: q.Get("opinion"), Before: q.Get("cursor"), Limit: 50}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 500 {
			return 0, nil, refuse(http.StatusUnprocessableEntity, "invalid_limit", "api.param_range", "limit", 1, 500)
		}
		f.Limit = n
	}
	page, err := s.svc.Deliveries(r.Context(), u, f)
	if err != nil {
		return 0, nil, err
	}
	out := make([]DeliveryView, len(page.Deliveries))
	for i, d := range page.Deliveries {
		out[i] = deliveryView(d)
	}
	body := map[string]any{"notifications": out}
	if page.Next != "" {
		body["next_cursor"] = page.Next
	}
	return http.StatusOK, body, nil
}

func (s *Server) getDelivery(r *http.Request, u user.User) (int, any, error) {
	d, attempts, err := s.svc.Delivery(r.Context(), u, r.PathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	v := deliveryView(d)
	v.AttemptLog = attempts
	return http.StatusOK, v, nil
}

// resendDelivery sends a failed delivery again: 200 with it pending, 409 when it
// has not failed.
func (s *Server) resendDelivery(r *http.Request, u user.User) (int, any, error) {
	d, err := s.svc.ResendDelivery(r.Context(), u, r.PathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, deliveryView(d), nil
}
