package main

import (
	"crypto/tls"
	"crypto/x509"
)

func tlsConfigFor(certPEM []byte) *tls.Config {
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(certPEM)
	return &tls.Config{RootCAs: pool}
}
