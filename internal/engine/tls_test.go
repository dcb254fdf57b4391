package engine

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/server/common/config"

	"rectify/internal/tlstest"
)

// checkHealth dials addr with tlsConfig (nil: plain gRPC) and asks the frontend
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

// TestTLSServerServesOnlyCallersWithACertificateOfItsCA starts a one-node server
// with TLS and client certificates required, and the Web UI beside it. Its own
// clients (the search-attribute setup, the UI, ClientTLS) get through; a plain gRPC
// caller, a TLS caller without a certificate and one with a certificate of another
// CA do not.
func TestTLSServerServesOnlyCallersWithACertificateOfItsCA(t *testing.T) {
	dir := t.TempDir()
	ca := tlstest.NewCA(t, dir, "ca")
	cert, key := ca.Issue(t, "node", "127.0.0.1")
	client1, clientKey := ca.Issue(t, "client")
	other := tlstest.NewCA(t, dir, "other-ca")
	stranger, strangerKey := other.Issue(t, "stranger")

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	uiAddr := ln.Addr().String()
	require.NoError(t, ln.Close())
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	s, err := Start(ctx, Options{
		DataDir: filepath.Join(dir, "data"), FrontendAddr: "127.0.0.1:0", UIAddr: uiAddr, Namespace: "rectify",
		TLS: &TLS{CertFile: cert, KeyFile: key, CAFile: ca.CertFile, RequireClientCert: true},
	})
	require.NoError(t, err, "the server's own clients dial it through TLS")
	defer s.Stop()
	addr := s.FrontendAddr()

	good := ca.ClientConfig(t, client1, clientKey)
	noCert := ca.ClientConfig(t, "", "")
	strangerTLS := ca.ClientConfig(t, stranger, strangerKey) // trusts the server; its certificate is another CA's
	require.NoError(t, checkHealth(ctx, addr, s.ClientTLS()), "the node's certificate")
	require.NoError(t, checkHealth(ctx, addr, good), "a client certificate of the CA")
	require.Error(t, checkHealth(ctx, addr, nil), "plain gRPC")
	require.Error(t, checkHealth(ctx, addr, noCert), "TLS without a client certificate")
	require.Error(t, checkHealth(ctx, addr, strangerTLS), "a client certificate of another CA")
	// Refused for the reasons expected, by the TLS layer.
	require.NoError(t, tlstest.Refusal(addr, good))
	require.ErrorContains(t, tlstest.Refusal(addr, noCert), "certificate required")
	require.ErrorContains(t, tlstest.Refusal(addr, strangerTLS), "unknown certificate authority")

	// The Web UI reads through the frontend with the node's certificate.
	require.Eventually(t, func() bool {
		resp, err := http.Get("http://" + uiAddr + "/api/v1/namespaces/rectify")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode == http.StatusOK && len(body) > 0
	}, 30*time.Second, 100*time.Millisecond, "the Web UI reaches the TLS frontend")
}

// TestTLSFilesAreCheckedBeforeTheServerStarts: the server exits the whole process on
// a certificate it cannot load, and waits a minute for services that cannot connect
// with one the CA did not sign for both ends or that lacks the name dialed; Start
// checks first and says which file is wrong.
func TestTLSFilesAreCheckedBeforeTheServerStarts(t *testing.T) {
	dir := t.TempDir()
	ca := tlstest.NewCA(t, dir, "ca")
	cert, key := ca.Issue(t, "node", "127.0.0.1")
	otherCert, otherKey := tlstest.NewCA(t, dir, "other-ca").Issue(t, "other", "127.0.0.1")
	serverOnly, serverOnlyKey := ca.IssueFor(t, "server-only", []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, "127.0.0.1")
	elsewhere, elsewhereKey := ca.Issue(t, "elsewhere", "node-a.rectify.internal")
	notPEM := filepath.Join(dir, "not.pem")
	require.NoError(t, os.WriteFile(notPEM, []byte("not a certificate"), 0o600))
	for _, tc := range []struct {
		name string
		tls  TLS
		ca   bool
		path string
	}{
		{"missing key", TLS{CertFile: cert, KeyFile: filepath.Join(dir, "missing.key"), CAFile: ca.CertFile}, false, cert},
		{"key of another certificate", TLS{CertFile: ca.CertFile, KeyFile: key, CAFile: ca.CertFile}, false, ca.CertFile},
		{"missing CA", TLS{CertFile: cert, KeyFile: key, CAFile: filepath.Join(dir, "missing.pem")}, true, filepath.Join(dir, "missing.pem")},
		{"CA not PEM", TLS{CertFile: cert, KeyFile: key, CAFile: notPEM}, true, notPEM},
		{"certificate of another CA", TLS{CertFile: otherCert, KeyFile: otherKey, CAFile: ca.CertFile}, false, otherCert},
		{"certificate for servers only", TLS{CertFile: serverOnly, KeyFile: serverOnlyKey, CAFile: ca.CertFile}, false, serverOnly},
		{"certificate for another name", TLS{CertFile: elsewhere, KeyFile: elsewhereKey, CAFile: ca.CertFile}, false, elsewhere},
		{"certificate without the server name", TLS{CertFile: cert, KeyFile: key, CAFile: ca.CertFile, ServerName: "rectify-frontend"}, false, cert},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Start(context.Background(), Options{DataDir: filepath.Join(dir, "data"), FrontendAddr: "127.0.0.1:0", TLS: &tc.tls})
			var fileErr *TLSFileError
			require.ErrorAs(t, err, &fileErr)
			require.Equal(t, tc.ca, fileErr.CA)
			require.Equal(t, tc.path, fileErr.Path)
			t.Log(err)
		})
	}
	_, err := os.Stat(filepath.Join(dir, "data"))
	require.ErrorIs(t, err, os.ErrNotExist, "nothing was set up")
}

// TestRootTLS: between nodes a certificate is always required; at the frontend only
// when asked; every client trusts the CA and checks the server name given.
func TestRootTLS(t *testing.T) {
	var none *TLS
	require.Equal(t, config.RootTLS{}, none.rootTLS(), "no TLS: plain gRPC everywhere")

	tl := &TLS{CertFile: "node.pem", KeyFile: "node.key", CAFile: "ca.pem", ServerName: "rectify-frontend"}
	r := tl.rootTLS()
	require.True(t, r.Internode.Server.RequireClientAuth)
	require.Equal(t, []string{"ca.pem"}, r.Internode.Server.ClientCAFiles)
	require.False(t, r.Frontend.Server.RequireClientAuth)
	for _, c := range []config.ClientTLS{r.Internode.Client, r.Frontend.Client, r.SystemWorker.Client} {
		require.Equal(t, []string{"ca.pem"}, c.RootCAFiles)
		require.Equal(t, "rectify-frontend", c.ServerName)
		require.False(t, c.DisableHostVerification)
	}
	require.Equal(t, "node.pem", r.SystemWorker.CertFile, "system workers present the node's certificate")
	require.True(t, r.Internode.IsServerEnabled() && r.Internode.IsClientEnabled() && r.Frontend.IsServerEnabled())

	tl.RequireClientCert = true
	require.True(t, tl.rootTLS().Frontend.Server.RequireClientAuth)
}
