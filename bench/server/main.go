// Command server is the benchmarks' target: a loopback HTTP or HTTPS server
// that does no work, answers 200 to every request and counts what it
// received, so a benchmark takes each generator's achieved rate and its
// first request's instant from the target, not from the generator. It runs
// in its own process (fasthttp, so it is not the bottleneck on one core) and
// the load generators' CPU and memory are measured apart from it.
//
// It listens on -listen (default 127.0.0.1:0), writes its base URL to
// -addr-file once listening, and stops on SIGINT or SIGTERM. With -tls it
// serves HTTPS with a self-signed certificate for 127.0.0.1 and localhost,
// written in PEM to -cert-file for the clients to trust (SSL_CERT_FILE).
//
// GET /__stats answers the counts since the last GET /__reset as one line:
// requests=N first_ns=T last_ns=T first_any_ns=T, where requests counts every
// request but /health (a pre-run check) and the two control paths, first_ns
// and last_ns are the first and last such request's arrival (Unix
// nanoseconds) and first_any_ns the first request of any path (the check
// included): the instant a generator's first request reached the target.
package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"flag"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/valyala/fasthttp"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:0", "address to listen on (loopback only)")
	addrFile := flag.String("addr-file", "", "write the base URL to this file once listening")
	useTLS := flag.Bool("tls", false, "serve HTTPS with a self-signed certificate")
	certFile := flag.String("cert-file", "", "with -tls: write the certificate (PEM) here")
	flag.Parse()
	if err := run(*listen, *addrFile, *useTLS, *certFile); err != nil {
		fmt.Fprintln(os.Stderr, "server:", err)
		os.Exit(1)
	}
}

var okBody = []byte("ok")

// counts is what the server received since the last reset.
type counts struct {
	n, first, last, firstAny atomic.Int64
}

func (c *counts) reset() {
	c.n.Store(0)
	c.first.Store(0)
	c.last.Store(0)
	c.firstAny.Store(0)
}

// seen records one request that arrived at now; traffic is false for the
// pre-run check.
func (c *counts) seen(now int64, traffic bool) {
	c.firstAny.CompareAndSwap(0, now)
	if !traffic {
		return
	}
	c.n.Add(1)
	c.first.CompareAndSwap(0, now)
	for l := c.last.Load(); now > l && !c.last.CompareAndSwap(l, now); l = c.last.Load() {
	}
}

func (c *counts) String() string {
	return fmt.Sprintf("requests=%d first_ns=%d last_ns=%d first_any_ns=%d\n",
		c.n.Load(), c.first.Load(), c.last.Load(), c.firstAny.Load())
}

func (c *counts) handle(ctx *fasthttp.RequestCtx) {
	switch string(ctx.Path()) {
	case "/__stats":
		ctx.SetBodyString(c.String())
		return
	case "/__reset":
		c.reset()
		return
	case "/health":
		c.seen(time.Now().UnixNano(), false)
	default:
		c.seen(time.Now().UnixNano(), true)
	}
	ctx.Response.Header.Set("X-Served-By", "bench")
	ctx.SetBody(okBody)
}

func run(listen, addrFile string, useTLS bool, certFile string) error {
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	var c counts
	srv := &fasthttp.Server{Handler: c.handle, Name: "bench", NoDefaultDate: true, NoDefaultContentType: true}
	scheme := "http"
	var cert, key []byte
	if useTLS {
		scheme = "https"
		if cert, key, err = selfSigned(); err != nil {
			return fmt.Errorf("certificate: %w", err)
		}
		if certFile != "" {
			if err := os.WriteFile(certFile, cert, 0o644); err != nil {
				return fmt.Errorf("write cert file: %w", err)
			}
		}
	}
	if addrFile != "" {
		url := scheme + "://" + ln.Addr().String()
		if err := os.WriteFile(addrFile, []byte(url+"\n"), 0o644); err != nil {
			return fmt.Errorf("write addr file: %w", err)
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		_ = srv.Shutdown()
	}()
	if useTLS {
		err = srv.ServeTLSEmbed(ln, cert, key)
	} else {
		err = srv.Serve(ln)
	}
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	return nil
}

// selfSigned makes a P-256 certificate and key (PEM) for 127.0.0.1, ::1 and
// localhost, valid for a day: its own CA, so a client that trusts it
// (SSL_CERT_FILE) verifies the server as it would a real one.
func selfSigned() (cert, key []byte, err error) {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(now.UnixNano()),
		Subject:               pkix.Name{CommonName: "slocheck bench"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		DNSNames:              []string{"localhost"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &priv.PublicKey, priv)
	if err != nil {
		return nil, nil, err
	}
	kder, err := x509.MarshalECPrivateKey(priv)
	if err != nil {
		return nil, nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), nil
}
