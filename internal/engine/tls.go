package engine

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"

	uiconfig "github.com/temporalio/ui-server/v2/server/config"
	"go.temporal.io/server/common/config"
)

// TLS secures a server node. Its frontend, history, matching and worker services and
// its membership port all serve the node's certificate. Between nodes both sides
// present their certificates and check them against the CA; the frontend asks
// callers for one only with RequireClientCert. The node's own clients (its system
// workers, the Web UI, rectify's worker and API in the same process) dial it with
// the node's certificate.
type TLS struct {
	// CertFile and KeyFile are the node's certificate and key (PEM).
	CertFile, KeyFile string
	// CAFile holds the CA certificate(s) that sign the nodes' and the clients'
	// certificates (PEM).
	CAFile string
	// ServerName is the name checked in a node's certificate when dialing it; empty
	// checks the address dialed, so the certificate must name the node's broadcast IP.
	ServerName string
	// RequireClientCert makes the frontend refuse callers without a certificate
	// signed by CAFile.
	RequireClientCert bool
}

// TLSFileError says which TLS file could not be used, so that the caller can name
// its own setting.
type TLSFileError struct {
	// CA is true for the CA file, false for the certificate and key.
	CA   bool
	Path string
	// Name, when set, is the name the certificate lacks: the node is dialed by it.
	Name string
	Err  error
}

func (e *TLSFileError) Error() string {
	what := "certificate and key"
	if e.CA {
		what = "CA"
	}
	if e.Name != "" {
		return fmt.Sprintf("engine: TLS certificate %s does not name %s, which the nodes dial and check: %v", e.Path, e.Name, e.Err)
	}
	return fmt.Sprintf("engine: TLS %s %s: %v", what, e.Path, e.Err)
}

func (e *TLSFileError) Unwrap() error { return e.Err }

// clientConfig is how the node's own clients dial it: with its certificate, trusting
// the CA. It reads the files and checks the certificate before the server starts:
// the server exits the process on a file it cannot load, and a certificate that the
// CA did not sign for both ends of a connection, or that lacks the name the nodes
// dial, leaves it waiting for services that never connect. names are the addresses
// the node is dialed at; a ServerName replaces them.
func (t *TLS) clientConfig(names []string) (*tls.Config, error) {
	cert, err := tls.LoadX509KeyPair(t.CertFile, t.KeyFile)
	if err != nil {
		return nil, &TLSFileError{Path: t.CertFile, Err: err}
	}
	pem, err := os.ReadFile(t.CAFile)
	if err != nil {
		return nil, &TLSFileError{CA: true, Path: t.CAFile, Err: err}
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, &TLSFileError{CA: true, Path: t.CAFile, Err: errors.New("no PEM certificate in it")}
	}
	leaf := cert.Leaf
	if leaf == nil {
		if leaf, err = x509.ParseCertificate(cert.Certificate[0]); err != nil {
			return nil, &TLSFileError{Path: t.CertFile, Err: err}
		}
	}
	intermediates := x509.NewCertPool()
	for _, der := range cert.Certificate[1:] {
		c, err := x509.ParseCertificate(der)
		if err != nil {
			return nil, &TLSFileError{Path: t.CertFile, Err: err}
		}
		intermediates.AddCert(c)
	}
	for _, usage := range []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth} {
		_, err := leaf.Verify(x509.VerifyOptions{Roots: pool, Intermediates: intermediates, KeyUsages: []x509.ExtKeyUsage{usage}})
		if err != nil {
			return nil, &TLSFileError{Path: t.CertFile, Err: fmt.Errorf("not valid with the CA %s for serverAuth and clientAuth: %w", t.CAFile, err)}
		}
	}
	if t.ServerName != "" {
		names = []string{t.ServerName}
	}
	for _, name := range names {
		if err := leaf.VerifyHostname(name); err != nil {
			return nil, &TLSFileError{Path: t.CertFile, Name: name, Err: err}
		}
	}
	return &tls.Config{
		Certificates: []tls.Certificate{cert},
		RootCAs:      pool,
		ServerName:   t.ServerName,
		MinVersion:   tls.VersionTLS12,
	}, nil
}

// rootTLS is the server's TLS configuration. The system workers (which dial the
// frontend) are configured apart from the internode clients, so that they present
// the node's certificate whether or not the frontend asks for one.
func (t *TLS) rootTLS() config.RootTLS {
	if t == nil {
		return config.RootTLS{}
	}
	ca := []string{t.CAFile}
	client := config.ClientTLS{ServerName: t.ServerName, RootCAFiles: ca}
	return config.RootTLS{
		Internode: config.GroupTLS{
			Server: config.ServerTLS{CertFile: t.CertFile, KeyFile: t.KeyFile, ClientCAFiles: ca, RequireClientAuth: true},
			Client: client,
		},
		Frontend: config.GroupTLS{
			Server: config.ServerTLS{CertFile: t.CertFile, KeyFile: t.KeyFile, ClientCAFiles: ca, RequireClientAuth: t.RequireClientCert},
			Client: client,
		},
		SystemWorker: config.WorkerTLS{CertFile: t.CertFile, KeyFile: t.KeyFile, Client: client},
	}
}

// uiTLS is how the embedded Web UI dials the frontend.
func (t *TLS) uiTLS() uiconfig.TLS {
	if t == nil {
		return uiconfig.TLS{}
	}
	return uiconfig.TLS{
		CaFile: t.CAFile, CertFile: t.CertFile, KeyFile: t.KeyFile,
		ServerName: t.ServerName, EnableHostVerification: true,
	}
}
