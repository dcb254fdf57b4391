package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	"google.golang.org/grpc/credentials"

	"rectify/internal/domain"
	"rectify/internal/pgtest"
	"rectify/internal/tlstest"
)

// TestClusterOverTLSServesOnlyRectifysOwnProcesses runs two server nodes on one
// database with TLS on every port and client certificates required, certificates
// made by a CA of the test's own, and a worker and web process dialing node A with a
// client certificate of that CA. The nodes form one ring (their history, matching
// and membership ports speak TLS to each other) and opinions go through their first
// steps over the web API. Each node's frontend then refuses plain gRPC, TLS without
// a client certificate and a client certificate of another CA; its internode and
// membership ports refuse a caller without a certificate.
//
// Node A checks the IP address it dials in the other node's certificate; node B and
// the worker check the name both certificates carry (RECTIFY_TEMPORAL_SERVER_TLS_SERVER_NAME,
// TEMPORAL_TLS_SERVER_NAME).
func TestClusterOverTLSServesOnlyRectifysOwnProcesses(t *testing.T) {
	began := time.Now()
	pg := pgtest.Start(t)
	db := pg.CreateDatabase(t, "temporal")
	dir := t.TempDir()
	ca := tlstest.NewCA(t, dir, "rectify-ca")
	const name = "rectify-frontend"
	certA, keyA := ca.Issue(t, "node-a", "127.0.0.1", name)
	certB, keyB := ca.Issue(t, "node-b", "127.0.0.1", name)
	clientCert, clientKey := ca.Issue(t, "rectify-worker")
	other := tlstest.NewCA(t, dir, "other-ca")
	strangerCert, strangerKey := other.Issue(t, "stranger")

	serverTLS := func(cert, key string) []string {
		return []string{"RECTIFY_TEMPORAL_SERVER_TLS_CERT=" + cert, "RECTIFY_TEMPORAL_SERVER_TLS_KEY=" + key,
			"RECTIFY_TEMPORAL_SERVER_TLS_CA=" + ca.CertFile}
	}
	a, b := newNode(t, filepath.Join(dir, "a"), db), newNode(t, filepath.Join(dir, "b"), db)

	// A certificate without the address the node is dialed at stops the start at once.
	misnamed, misnamedKey := ca.Issue(t, "misnamed", "node-a.rectify.internal")
	refused := launch(t, append(slices.Clone(a.env), serverTLS(misnamed, misnamedKey)...))
	require.Error(t, refused.cmd.Wait())
	require.Contains(t, refused.log.String(), "RECTIFY_TEMPORAL_SERVER_TLS_CERT="+misnamed+" does not name 127.0.0.1")

	a.env = append(a.env, serverTLS(certA, keyA)...)
	b.env = append(b.env, append(serverTLS(certB, keyB), "RECTIFY_TEMPORAL_SERVER_TLS_SERVER_NAME="+name)...)
	procA, procB := launch(t, a.env), launch(t, b.env)
	// Ready means the node's own client got through its frontend with its certificate.
	procA.waitReady(t, a.probes)
	procB.waitReady(t, b.probes)
	admin := credentials.NewTLS(ca.ClientConfig(t, clientCert, clientKey))
	require.Eventually(t, func() bool { return historyHosts(t, a.frontend, admin) == 2 && historyHosts(t, b.frontend, admin) == 2 },
		time.Minute, 100*time.Millisecond, "both nodes join one ring over TLS")
	nodesUp := time.Since(began)

	httpAddr, env := clientEnv(t, dir, a.frontend)
	w := start(t, append(env, "TEMPORAL_TLS_CERT="+clientCert, "TEMPORAL_TLS_KEY="+clientKey,
		"TEMPORAL_TLS_CA="+ca.CertFile, "TEMPORAL_TLS_SERVER_NAME="+name), httpAddr)
	w.Must("office", http.MethodPost, "/api/v1/campaigns", map[string]any{"id": "tls", "name": "整改"}, http.StatusCreated)
	today := time.Now().In(time.FixedZone("", 8*3600)).Format(domain.DateLayout)
	const n = 4 // with 16 shards on two nodes, some opinions live on the node the worker does not dial
	for i := range n {
		op := w.Must("office", http.MethodPost, "/api/v1/campaigns/tls/opinions", map[string]any{
			"key": fmt.Sprintf("TLS-%d", i), "content": fmt.Sprintf("第%d件：路灯损坏", i), "channel": "hotline", "collected_at": today,
		}, http.StatusCreated)
		id := op["id"].(string)
		w.Act("office", id, "categorize", map[string]any{"category": "群众需要解决的问题"}, http.StatusOK)
		w.Act("office", id, "assign", map[string]any{"department": "城管科", "official": "official", "leader": "leader"}, http.StatusOK)
		require.Equal(t, "in_progress", w.Act("official", id, "sign", nil, http.StatusOK)["state"])
	}
	stats := w.Must("office", http.MethodGet, "/api/v1/campaigns/tls/stats", nil, http.StatusOK)
	require.EqualValues(t, n, stats["collected"])

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	good := ca.ClientConfig(t, clientCert, clientKey)
	noCert := ca.ClientConfig(t, "", "")
	stranger := ca.ClientConfig(t, strangerCert, strangerKey) // trusts the nodes; its certificate is another CA's
	for _, node := range []node{a, b} {
		require.NoError(t, checkHealth(ctx, node.frontend, good), "%s: a client certificate of the CA", node.frontend)
		require.Error(t, checkHealth(ctx, node.frontend, nil), "%s: plain gRPC", node.frontend)
		require.Error(t, checkHealth(ctx, node.frontend, noCert), "%s: TLS without a client certificate", node.frontend)
		require.Error(t, checkHealth(ctx, node.frontend, stranger), "%s: a client certificate of another CA", node.frontend)
		// The same, as the TLS layer says it.
		require.ErrorContains(t, tlstest.Refusal(node.frontend, noCert), "certificate required")
		require.ErrorContains(t, tlstest.Refusal(node.frontend, stranger), "unknown certificate authority")
		host, port, err := net.SplitHostPort(node.history)
		require.NoError(t, err)
		p, err := strconv.Atoi(port)
		require.NoError(t, err)
		membership := net.JoinHostPort(host, strconv.Itoa(p+100))
		require.NoError(t, tlstest.Refusal(node.history, good), "%s takes a certificate of the CA", node.history)
		for _, internode := range []string{node.history, membership} {
			require.ErrorContains(t, tlstest.Refusal(internode, noCert), "certificate required", internode)
		}
	}
	t.Logf("two TLS nodes in one ring after %.1f s; %d opinions acted on and every refusal checked after %.1f s",
		nodesUp.Seconds(), n, time.Since(began).Seconds())

	w.stop(t)
	procB.stop(t)
	procA.stop(t)
}

// checkHealth dials the frontend at addr with tlsConfig (nil: plain gRPC) and asks
// whether it serves.
func checkHealth(ctx context.Context, addr string, tlsConfig *tls.Config) error {
	c, err := client.Dial(client.Options{HostPort: addr, Logger: sdklog.NewStructuredLogger(slog.New(slog.DiscardHandler)),
		ConnectionOptions: client.ConnectionOptions{TLS: tlsConfig}})
	if err != nil {
		return err
	}
	defer c.Close()
	_, err = c.CheckHealth(ctx, &client.CheckHealthRequest{})
	return err
}
