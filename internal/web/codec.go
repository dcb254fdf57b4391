package web

import (
	"net/http"
	"net/url"

	"go.temporal.io/sdk/converter"

	"rectify/internal/api"
	"rectify/internal/payload"
	"rectify/internal/user"
)

// CodecPath is where the Temporal Web UI (or the temporal CLI's --codec-endpoint)
// decrypts payloads: POST CodecPath+"/decode".
const CodecPath = "/codec"

// codecBodyLimit bounds one decode request: the UI sends a page of events' payloads.
const codecBodyLimit = 16 << 20

// codecHandler decrypts payloads for people who may read citizens' data in clear —
// the office and leaders — signed in to rectify in the same browser (the UI sends
// its cookies) or with an API token. It never encrypts: a payload rectify's worker
// would accept can only come from rectify itself.
func (s *Server) codecHandler() http.Handler {
	decode := converter.NewPayloadCodecHTTPHandler(payload.NewCodec(s.svc.PayloadKeys))
	uiOrigin := origin(s.svc.TemporalUIURL)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Cache-Control", "no-store")
		h.Add("Vary", "Origin")
		if o := r.Header.Get("Origin"); o != "" && o == uiOrigin {
			h.Set("Access-Control-Allow-Origin", o)
			h.Set("Access-Control-Allow-Credentials", "true")
		}
		if r.Method == http.MethodOptions {
			h.Set("Access-Control-Allow-Methods", "POST")
			h.Set("Access-Control-Allow-Headers", "Content-Type, X-Namespace, Authorization")
			h.Set("Access-Control-Max-Age", "600")
			w.WriteHeader(http.StatusNoContent)
			return
		}
		if r.Method != http.MethodPost || r.URL.Path != CodecPath+"/decode" {
			http.NotFound(w, r)
			return
		}
		var u user.User
		if v, ok := s.session(r); ok {
			u = v.User
		} else if r.Header.Get("Authorization") == "" {
			http.Error(w, "sign in to rectify (office or leader) to read payloads in clear", http.StatusUnauthorized)
			return
		} else if u, ok = s.svc.Caller(w, r); !ok {
			return // answered, bad tokens counted like the API's
		}
		if api.Oversight.Check(u) != nil {
			http.Error(w, "only the office and leaders read payloads in clear", http.StatusForbidden)
			return
		}
		s.logger.Info("payloads decrypted for a reader of Temporal's histories", "user", u.Username)
		r.Body = http.MaxBytesReader(w, r.Body, codecBodyLimit)
		decode.ServeHTTP(w, r)
	})
}

// origin is scheme://host[:port] of a URL, what a browser sends as Origin.
func origin(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return ""
	}
	return u.Scheme + "://" + u.Host
}
