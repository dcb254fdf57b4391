package web

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"rectify/internal/api"
	"rectify/internal/notify"
	"rectify/internal/service"
)

// Notifications on the pages: where each person wants theirs (their own robots
// and e-mail), and the office's record of what was sent to whom, what failed, and
// a failed message sent again.

func (s *Server) notificationPages(page func(string, pageHandler)) {
	page("GET /me/notifications", s.myNotificationsPage)
	page("POST /me/notifications", s.saveMyNotifications)
	page("GET /notifications", s.only(service.DeliveryReading, s.deliveriesPage))
	page("POST /notifications/{id}/resend", s.only(service.DeliveryReading, s.resendDelivery))
}

// notifyFields are the settings form's inputs, in order; the secrets are
// password inputs that are never filled in (left blank, the kept one stays).
var notifyFields = []struct{ Name, Kind string }{
	{"dingtalk_webhook", "url"}, {"dingtalk_secret", "secret"}, {"wecom_webhook", "url"},
	{"feishu_webhook", "url"}, {"feishu_secret", "secret"}, {"email", "email"},
}

func (s *Server) myNotificationsPage(w http.ResponseWriter, r *http.Request, v *visit) {
	a, err := s.svc.MyNotifications(r.Context(), v.User)
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	s.renderMyNotifications(w, r, v, http.StatusOK, api.MyAddressesFrom(a), "", r.URL.Query().Get("saved") != "")
}

func (s *Server) renderMyNotifications(w http.ResponseWriter, r *http.Request, v *visit, status int, shown api.MyAddresses, errText string, saved bool) {
	values := map[string]string{"dingtalk_webhook": shown.DingTalk, "wecom_webhook": shown.WeCom, "feishu_webhook": shown.Feishu,
		"email": shown.Email, "lang": shown.Lang}
	set := map[string]bool{"dingtalk_secret": shown.DingTalkSecretSet, "feishu_secret": shown.FeishuSecretSet}
	s.render(w, r, status, "notify_settings", v, map[string]any{"Fields": notifyFields, "Values": values, "SecretSet": set,
		"Error": errText, "Saved": saved})
}

// saveMyNotifications replaces the visitor's addresses as the API does: a secret
// left blank is kept while its webhook stays the same; ticking "remove" removes it.
func (s *Server) saveMyNotifications(w http.ResponseWriter, r *http.Request, v *visit) {
	req := api.MyAddressesRequest{DingTalk: strings.TrimSpace(r.PostFormValue("dingtalk_webhook")),
		WeCom: strings.TrimSpace(r.PostFormValue("wecom_webhook")), Feishu: strings.TrimSpace(r.PostFormValue("feishu_webhook")),
		Email: strings.TrimSpace(r.PostFormValue("email")), Lang: r.PostFormValue("lang")}
	for _, sec := range []struct {
		name string
		dst  **string
	}{{"dingtalk_secret", &req.DingTalkSecret}, {"feishu_secret", &req.FeishuSecret}} {
		value := strings.TrimSpace(r.PostFormValue(sec.name))
		switch {
		case value != "":
			*sec.dst = &value
		case r.PostFormValue(sec.name+"_remove") != "":
			*sec.dst = new(string)
		}
	}
	kept, err := s.svc.MyNotifications(r.Context(), v.User)
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	wanted := req.Merge(kept)
	_, err = s.svc.SetMyNotifications(r.Context(), v.User, wanted)
	var refusal *service.Error
	switch {
	case err == nil:
		http.Redirect(w, r, "/me/notifications?saved=1", http.StatusSeeOther)
	case errors.As(err, &refusal) && refusal.Status == http.StatusUnprocessableEntity:
		shown := api.MyAddressesFrom(wanted)
		s.renderMyNotifications(w, r, v, refusal.Status, shown, errorText(v, refusal), false)
	default:
		s.fail(w, r, v, err)
	}
}

// deliveryRow is one delivery as the record's page lists it.
type deliveryRow struct {
	notify.Delivery
	When, Settled string
}

func (s *Server) deliveriesPage(w http.ResponseWriter, r *http.Request, v *visit) {
	q := r.URL.Query()
	// A filter the page does not offer is dropped, as the other pages drop theirs.
	f := service.DeliveryFilter{Before: q.Get("cursor"), Limit: listPageSize}
	if st := q.Get("status"); slices.Contains(notify.Statuses, st) {
		f.Status = st
	}
	page, err := s.svc.Deliveries(r.Context(), v.User, f)
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	rows := make([]deliveryRow, len(page.Deliveries))
	for i, d := range page.Deliveries {
		rows[i] = deliveryRow{Delivery: d, When: when(d.CreatedAt)}
		if d.SettledAt != nil {
			rows[i].Settled = when(*d.SettledAt)
		}
	}
	next := ""
	if page.Next != "" {
		q := url.Values{"cursor": {page.Next}}
		if f.Status != "" {
			q.Set("status", f.Status)
		}
		next = "/notifications?" + q.Encode()
	}
	s.render(w, r, http.StatusOK, "deliveries", v, map[string]any{"Rows": rows, "Status": f.Status, "Statuses": notify.Statuses,
		"Next": next, "Resent": q.Get("resent")})
}

// resendDelivery sends a failed delivery again and goes back to the record.
func (s *Server) resendDelivery(w http.ResponseWriter, r *http.Request, v *visit) {
	d, err := s.svc.ResendDelivery(r.Context(), v.User, r.PathValue("id"))
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	http.Redirect(w, r, "/notifications?resent="+url.QueryEscape(d.ID), http.StatusSeeOther)
}
