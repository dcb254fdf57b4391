package api

import (
	"net"
	"net/http"
	"strings"

	"rectify/internal/service"
)

// WithOrigin returns r carrying its client's address and its method and path, which
// the access log records with whatever r reads or exports. The API and the web
// pages put every authenticated request through it.
func WithOrigin(r *http.Request) *http.Request {
	o := service.Origin{Client: ClientAddr(r), Request: r.Method + " " + r.URL.Path}
	return r.WithContext(service.WithOrigin(r.Context(), o))
}

// ClientAddr is the address a request came from: the peer's IP, or behind a proxy
// that says whom it forwards for (X-Forwarded-For, its last entry: the address the
// nearest proxy saw) "<that address> via <the proxy's>". rectify does not know
// which proxies to trust, so both are kept.
func ClientAddr(r *http.Request) string {
	peer, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		peer = r.RemoteAddr
	}
	hops := strings.Split(r.Header.Get("X-Forwarded-For"), ",")
	if ip := net.ParseIP(strings.TrimSpace(hops[len(hops)-1])); ip != nil && ip.String() != peer {
		return ip.String() + " via " + peer
	}
	return peer
}
