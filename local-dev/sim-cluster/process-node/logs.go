package main

// A minimal kubelet /containerLogs endpoint so `kubectl logs` works for pods
// on the process node (the API server proxies to the node's InternalIP and
// kubeletEndpoint port). Only API server client certificates are accepted.

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"k8s.io/klog/v2"
)

func (k *kubelet) serveLogs() {
	mux := http.NewServeMux()
	mux.HandleFunc("/containerLogs/", k.containerLogs)
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok") })
	srv := &http.Server{Addr: fmt.Sprintf("%s:%d", nodeIP, k.cfg.port), Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	if k.cfg.clientCA != "" {
		pem, err := os.ReadFile(k.cfg.clientCA)
		if err != nil {
			klog.Fatalf("client CA: %v", err)
		}
		pool := x509.NewCertPool()
		pool.AppendCertsFromPEM(pem)
		srv.TLSConfig = &tls.Config{ClientCAs: pool, ClientAuth: tls.RequireAndVerifyClientCert, MinVersion: tls.VersionTLS12}
	}
	klog.Infof("serving container logs on https://%s", srv.Addr)
	if err := srv.ListenAndServeTLS(k.cfg.tlsCert, k.cfg.tlsKey); err != nil {
		klog.Errorf("logs endpoint: %v", err)
	}
}

// GET /containerLogs/{namespace}/{pod}/{container}?follow=&tailLines=&limitBytes=
func (k *kubelet) containerLogs(w http.ResponseWriter, r *http.Request) {
	parts := strings.Split(strings.TrimPrefix(r.URL.Path, "/containerLogs/"), "/")
	if len(parts) != 3 {
		http.Error(w, "expected /containerLogs/{namespace}/{pod}/{container}", http.StatusBadRequest)
		return
	}
	key := parts[0] + "/" + parts[1]
	k.mu.Lock()
	run := k.runs[key]
	k.mu.Unlock()
	if run == nil {
		http.Error(w, fmt.Sprintf("pod %s is not running on this node", key), http.StatusNotFound)
		return
	}
	f, err := os.Open(filepath.Join(run.dir, "logs", parts[2]+".log"))
	if err != nil {
		http.Error(w, fmt.Sprintf("container %q in pod %s has no log yet", parts[2], key), http.StatusNotFound)
		return
	}
	defer f.Close()
	q := r.URL.Query()
	if n, err := strconv.Atoi(q.Get("tailLines")); err == nil && n >= 0 {
		data, _ := io.ReadAll(f)
		_, _ = io.WriteString(w, lastLines(string(data), n))
	} else {
		var src io.Reader = f
		if n, err := strconv.ParseInt(q.Get("limitBytes"), 10, 64); err == nil && n > 0 {
			src = io.LimitReader(f, n)
		}
		_, _ = io.Copy(w, src)
	}
	if q.Get("follow") != "true" {
		return
	}
	// What is there already goes out now, as the kubelet sends it: a follower must not wait for
	// the container's next line to see the earlier ones.
	flusher, _ := w.(http.Flusher)
	if flusher != nil {
		flusher.Flush()
	}
	for {
		n, _ := io.Copy(w, f)
		if n > 0 && flusher != nil {
			flusher.Flush()
		}
		if n == 0 && run.finished() {
			return
		}
		select {
		case <-r.Context().Done():
			return
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// lastLines returns the last n lines of s, each with its newline; a final
// newline ends the last line rather than starting another.
func lastLines(s string, n int) string {
	if n <= 0 {
		return ""
	}
	i := len(strings.TrimSuffix(s, "\n"))
	for ; n > 0; n-- {
		i = strings.LastIndexByte(s[:i], '\n')
		if i < 0 {
			return s
		}
	}
	return s[i+1:]
}
