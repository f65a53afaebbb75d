# shellcheck shell=bash
# Certificates and kubeconfigs, generated once per state dir with openssl.
# A cluster CA signs everything; identities follow kubeadm's conventions so the
# default RBAC bindings and the Node authorizer apply unchanged.

# new_cert NAME CN [O] [SANS]: an EC key plus a CA-signed cert. SANS is an
# openssl subjectAltName value; with SANS the cert is for serving, else client.
new_cert() {
  local name=$1 cn=$2 org=${3:-} sans=${4:-} subj="/CN=$2" ext
  [[ -f $CERT_DIR/$name.crt ]] && return 0
  [[ -n $org ]] && subj="/O=$org/CN=$cn"
  ext="$CERT_DIR/$name.ext"
  {
    echo "basicConstraints=CA:FALSE"
    echo "keyUsage=critical,digitalSignature,keyEncipherment"
    if [[ -n $sans ]]; then
      echo "extendedKeyUsage=serverAuth"
      echo "subjectAltName=$sans"
    else
      echo "extendedKeyUsage=clientAuth"
    fi
  } >"$ext"
  openssl ecparam -name prime256v1 -genkey -noout -out "$CERT_DIR/$name.key" 2>/dev/null
  openssl req -new -key "$CERT_DIR/$name.key" -subj "$subj" -out "$CERT_DIR/$name.csr" 2>/dev/null
  openssl x509 -req -in "$CERT_DIR/$name.csr" -CA "$CERT_DIR/ca.crt" -CAkey "$CERT_DIR/ca.key" \
    -CAcreateserial -days 3650 -extfile "$ext" -out "$CERT_DIR/$name.crt" 2>/dev/null
  rm -f "$CERT_DIR/$name.csr" "$ext"
  chmod 600 "$CERT_DIR/$name.key"
}

# write_kubeconfig FILE CERTNAME: a kubeconfig with the credentials inlined, so
# it can be copied or handed to any client (fabric8, kubectl, client-go).
write_kubeconfig() {
  local file=$1 cert=$2
  # Rewritten on every `up` so a changed SIM_APISERVER_PORT takes effect.
  cat >"$file.tmp" <<KUBECONFIG
apiVersion: v1
kind: Config
clusters:
- name: sim-cluster
  cluster:
    server: https://127.0.0.1:$SIM_APISERVER_PORT
    certificate-authority-data: $(base64 -w0 "$CERT_DIR/ca.crt")
users:
- name: $cert
  user:
    client-certificate-data: $(base64 -w0 "$CERT_DIR/$cert.crt")
    client-key-data: $(base64 -w0 "$CERT_DIR/$cert.key")
contexts:
- name: sim-cluster
  context:
    cluster: sim-cluster
    user: $cert
    namespace: $SIM_NAMESPACE
current-context: sim-cluster
KUBECONFIG
  chmod 600 "$file.tmp"
  mv "$file.tmp" "$file"
}

ensure_pki() {
  command -v openssl >/dev/null || die "openssl is required (apt-get install openssl)"
  mkdir -p "$CERT_DIR"
  chmod 700 "$CERT_DIR"
  if [[ ! -f $CERT_DIR/ca.crt ]]; then
    openssl ecparam -name prime256v1 -genkey -noout -out "$CERT_DIR/ca.key" 2>/dev/null
    openssl req -x509 -new -key "$CERT_DIR/ca.key" -subj "/CN=sim-cluster-ca" -days 3650 \
      -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature" \
      -out "$CERT_DIR/ca.crt" 2>/dev/null
    chmod 600 "$CERT_DIR/ca.key"
  fi
  # Service-account tokens are signed with RSA (what the token controller and
  # most OIDC consumers expect).
  if [[ ! -f $CERT_DIR/sa.key ]]; then
    openssl genrsa -out "$CERT_DIR/sa.key" 2048 2>/dev/null
    openssl rsa -in "$CERT_DIR/sa.key" -pubout -out "$CERT_DIR/sa.pub" 2>/dev/null
    chmod 600 "$CERT_DIR/sa.key"
  fi
  new_cert apiserver kube-apiserver "" \
    "IP:127.0.0.1,IP:10.96.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local"
  new_cert apiserver-kubelet-client kube-apiserver-kubelet-client system:masters
  new_cert admin sim-cluster-admin system:masters
  new_cert controller-manager system:kube-controller-manager
  new_cert scheduler system:kube-scheduler
  new_cert kwok kwok-controller system:masters
  # The process node authenticates as a real node identity, so the Node
  # authorizer limits it to the Secrets of pods bound to it, as for a kubelet.
  new_cert process-node "system:node:$SIM_PROCESS_NODE_NAME" system:nodes
  new_cert process-node-serving "system:node:$SIM_PROCESS_NODE_NAME" system:nodes "IP:127.0.0.1,DNS:localhost"

  write_kubeconfig "$KUBECONFIG_ADMIN" admin
  write_kubeconfig "$SIM_STATE_DIR/controller-manager.kubeconfig" controller-manager
  write_kubeconfig "$SIM_STATE_DIR/scheduler.kubeconfig" scheduler
  write_kubeconfig "$SIM_STATE_DIR/kwok.kubeconfig" kwok
  write_kubeconfig "$SIM_STATE_DIR/process-node.kubeconfig" process-node
}
