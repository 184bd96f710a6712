package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// selfSigned writes a throwaway certificate and key for 127.0.0.1.
func selfSigned(t *testing.T) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "ccaas test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, _ := x509.MarshalECPrivateKey(key)
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600)
	return certFile, keyFile
}

func TestServesTLSWithSecureCookies(t *testing.T) {
	cert, key := selfSigned(t)
	c := runCommand(t, "demo", "--addr", "127.0.0.1:0", "--db", filepath.Join(t.TempDir(), "tls.db"), "--callers-every", "0",
		"--log-level", "error", "--tls-cert", cert, "--tls-key", key)
	base := c.baseURL(t)
	if !strings.HasPrefix(base, "https://") {
		t.Fatalf("URL %s is not https", base)
	}
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}, Timeout: 5 * time.Second}
	waitUntil(t, "healthz over TLS", func() bool { return healthStatus(client, base) == http.StatusOK })
	resp, err := client.Post(base+"/api/login", "application/json", strings.NewReader(`{"username":"bob","password":"bob-demo","domain":"demo.local"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	cookies := resp.Cookies()
	if len(cookies) != 1 || !cookies[0].Secure || !cookies[0].HttpOnly || cookies[0].SameSite != http.SameSiteStrictMode {
		t.Fatalf("session cookie over TLS = %+v", cookies)
	}
}

func TestTLSFlagsValidated(t *testing.T) {
	cert, _ := selfSigned(t)
	for _, args := range [][]string{
		{"demo", "--tls-cert", cert},
		{"demo", "--tls-cert", cert, "--tls-key", cert}, // not a key
	} {
		if err := run(context.Background(), args, strings.NewReader(""), io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), "tls") {
			t.Fatalf("%v: err = %v", args, err)
		}
	}
}
