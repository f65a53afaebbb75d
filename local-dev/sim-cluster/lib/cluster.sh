# shellcheck shell=bash
# Starting and stopping the control plane, KWOK, the process node and S3.
# Components start in dependency order and each start waits for readiness
# with a bounded timeout that points at the component's log on failure.

COMPONENTS=(etcd kube-apiserver kube-controller-manager kube-scheduler kwok process-node s3proxy)

https_ok() { curl -fsS --max-time 2 --cacert "$CERT_DIR/ca.crt" "$1" >/dev/null; }
# The controller-manager and scheduler serve /healthz with self-signed certs.
healthz_ok() { curl -fsSk --max-time 2 "$1" >/dev/null; }

start_etcd() {
  mkdir -p "$SIM_STATE_DIR/etcd"
  chmod 700 "$SIM_STATE_DIR/etcd"
  # fsync off by default: this is throw-away test state and fsync on a shared
  # disk makes every write slow. SIM_ETCD_FSYNC=1 turns it back on.
  local fsync=true
  [[ ${SIM_ETCD_FSYNC:-0} == 1 ]] && fsync=false
  start_bg etcd "$SIM_BIN_ETCD/etcd" \
    --name sim --data-dir "$SIM_STATE_DIR/etcd" \
    --listen-client-urls "http://127.0.0.1:$SIM_ETCD_PORT" \
    --advertise-client-urls "http://127.0.0.1:$SIM_ETCD_PORT" \
    --listen-peer-urls "http://127.0.0.1:$SIM_ETCD_PEER_PORT" \
    --initial-advertise-peer-urls "http://127.0.0.1:$SIM_ETCD_PEER_PORT" \
    --initial-cluster "sim=http://127.0.0.1:$SIM_ETCD_PEER_PORT" \
    --unsafe-no-fsync="$fsync" --quota-backend-bytes=2147483648 --log-level=warn
  wait_for etcd 30 "$LOG_DIR/etcd.log" curl -fsS --max-time 2 "http://127.0.0.1:$SIM_ETCD_PORT/health"
}

start_apiserver() {
  local -a extra=()
  # Extra flags for experiments, e.g. SIM_APISERVER_EXTRA_ARGS="--enable-admission-plugins=NodeRestriction,ExtendedResourceToleration"
  read -r -a extra <<<"${SIM_APISERVER_EXTRA_ARGS:-}"
  start_bg kube-apiserver "$SIM_BIN_K8S/kube-apiserver" \
    --bind-address=127.0.0.1 --advertise-address=127.0.0.1 --secure-port="$SIM_APISERVER_PORT" \
    --etcd-servers="http://127.0.0.1:$SIM_ETCD_PORT" \
    --tls-cert-file="$CERT_DIR/apiserver.crt" --tls-private-key-file="$CERT_DIR/apiserver.key" \
    --client-ca-file="$CERT_DIR/ca.crt" \
    --service-account-issuer=https://kubernetes.default.svc.cluster.local \
    --service-account-key-file="$CERT_DIR/sa.pub" --service-account-signing-key-file="$CERT_DIR/sa.key" \
    --authorization-mode=Node,RBAC --enable-admission-plugins=NodeRestriction \
    --service-cluster-ip-range=10.96.0.0/16 --allow-privileged=true \
    --endpoint-reconciler-type=none \
    --kubelet-client-certificate="$CERT_DIR/apiserver-kubelet-client.crt" \
    --kubelet-client-key="$CERT_DIR/apiserver-kubelet-client.key" \
    --kubelet-certificate-authority="$CERT_DIR/ca.crt" \
    --kubelet-preferred-address-types=InternalIP \
    --shutdown-watch-termination-grace-period=2s \
    --profiling=false "${extra[@]}"
  # --endpoint-reconciler-type=none: the apiserver only listens on loopback,
  # which is not a valid Endpoints address; nothing in-cluster needs it.
  # --shutdown-watch-termination-grace-period: without it a SIGTERM waits the
  # full 60s request timeout for open watches before the process exits;
  # with it watches are closed (clients re-watch) and restarts take seconds.
  wait_for "kube-apiserver /readyz" "$SIM_READY_TIMEOUT" "$LOG_DIR/kube-apiserver.log" \
    https_ok "https://127.0.0.1:$SIM_APISERVER_PORT/readyz"
  # /readyz can be served before RBAC bootstrap roles are visible to clients;
  # wait until the admin credentials really work.
  wait_for "admin access to the API" 60 "$LOG_DIR/kube-apiserver.log" kctl get --raw /api/v1/namespaces/default
}

start_controller_manager() {
  local kc="$SIM_STATE_DIR/controller-manager.kubeconfig"
  start_bg kube-controller-manager "$SIM_BIN_K8S/kube-controller-manager" \
    --kubeconfig="$kc" --authentication-kubeconfig="$kc" --authorization-kubeconfig="$kc" \
    --bind-address=127.0.0.1 --secure-port="$SIM_CONTROLLER_MANAGER_PORT" \
    --leader-elect=false --use-service-account-credentials=true \
    --service-account-private-key-file="$CERT_DIR/sa.key" --root-ca-file="$CERT_DIR/ca.crt" \
    --cluster-signing-cert-file="$CERT_DIR/ca.crt" --cluster-signing-key-file="$CERT_DIR/ca.key" \
    --controllers='*' --profiling=false
  wait_for kube-controller-manager 60 "$LOG_DIR/kube-controller-manager.log" \
    healthz_ok "https://127.0.0.1:$SIM_CONTROLLER_MANAGER_PORT/healthz"
}

start_scheduler() {
  local kc="$SIM_STATE_DIR/scheduler.kubeconfig"
  start_bg kube-scheduler "$SIM_BIN_K8S/kube-scheduler" \
    --kubeconfig="$kc" --authentication-kubeconfig="$kc" --authorization-kubeconfig="$kc" \
    --bind-address=127.0.0.1 --secure-port="$SIM_SCHEDULER_PORT" --leader-elect=false --profiling=false
  wait_for kube-scheduler 60 "$LOG_DIR/kube-scheduler.log" \
    healthz_ok "https://127.0.0.1:$SIM_SCHEDULER_PORT/healthz"
}

start_kwok() {
  # Only nodes labelled sim.notebook-jobs.io/kwok=true are KWOK's; the process
  # node is not. Node and pod IPs are loopback addresses so that nothing (for
  # example the API server proxying `kubectl logs`) ever dials a real network.
  start_bg kwok "$SIM_BIN_KWOK/kwok" \
    --kubeconfig="$SIM_STATE_DIR/kwok.kubeconfig" \
    --config="$SIM_ROOT/kwok/stages.yaml" \
    --manage-all-nodes=false --manage-nodes-with-label-selector=sim.notebook-jobs.io/kwok=true \
    --node-ip=127.0.0.1 --cidr=127.1.0.0/16 --node-lease-duration-seconds=40 \
    --server-address="127.0.0.1:$SIM_KWOK_PORT"
  wait_for kwok 30 "$LOG_DIR/kwok.log" curl -fsS --max-time 2 "http://127.0.0.1:$SIM_KWOK_PORT/healthz"
}

start_process_node() {
  local bin
  bin="$(process_node_bin)"
  mkdir -p "$SIM_STATE_DIR/process-node"
  start_bg process-node "$bin" \
    --kubeconfig="$SIM_STATE_DIR/process-node.kubeconfig" \
    --node-name="$SIM_PROCESS_NODE_NAME" --work-dir="$SIM_STATE_DIR/process-node" \
    --path="$SIM_PROCESS_NODE_PATH" \
    --labels="notebook-jobs.io/process-node=true,node.kubernetes.io/instance-type=sim-process" \
    --taints="${SIM_PROCESS_NODE_TAINTS:-}" \
    --cpu="${SIM_PROCESS_NODE_CPU:-4}" --memory="${SIM_PROCESS_NODE_MEMORY:-16Gi}" --pods=20 \
    --kubelet-version="$SIM_K8S_VERSION" --port="$SIM_PROCESS_NODE_PORT" \
    --tls-cert="$CERT_DIR/process-node-serving.crt" --tls-key="$CERT_DIR/process-node-serving.key" \
    --client-ca="$CERT_DIR/ca.crt"
}

register_kwok_nodes() {
  kctl apply -f "$SIM_ROOT/nodes/" >/dev/null
}

nodes_ready() {
  local want=$1 ready
  ready="$(kctl get nodes -o jsonpath='{range .items[*]}{.status.conditions[?(@.type=="Ready")].status}{"\n"}{end}' | grep -c True)"
  ((ready >= want))
}

# The service namespace, with its default ServiceAccount (created by the
# controller-manager; pods are rejected until it exists).
ensure_namespace() {
  kctl get namespace "$SIM_NAMESPACE" >/dev/null 2>&1 || kctl create namespace "$SIM_NAMESPACE" >/dev/null
  wait_for "default ServiceAccount in $SIM_NAMESPACE" 60 "$LOG_DIR/kube-controller-manager.log" \
    kctl -n "$SIM_NAMESPACE" get serviceaccount default
}

# Fail fast, naming the port, when something else already listens where a
# component that is not running yet wants to listen.
check_ports() {
  local -A ports=(
    [etcd]="$SIM_ETCD_PORT $SIM_ETCD_PEER_PORT" [kube-apiserver]=$SIM_APISERVER_PORT
    [kube-controller-manager]=$SIM_CONTROLLER_MANAGER_PORT [kube-scheduler]=$SIM_SCHEDULER_PORT
    [kwok]=$SIM_KWOK_PORT [process-node]=$SIM_PROCESS_NODE_PORT [s3proxy]=$SIM_S3_PORT
  )
  local c p
  for c in "${!ports[@]}"; do
    is_running "$c" && continue
    for p in ${ports[$c]}; do
      if port_taken "$p"; then
        die "port $p (for $c) is already in use on 127.0.0.1; pick other ports with SIM_PORT_BASE"
      fi
    done
  done
}

cmd_up() {
  local start=$SECONDS n_nodes
  cmd_build
  check_ports
  mkdir -p "$SIM_STATE_DIR" "$LOG_DIR" "$PID_DIR"
  ensure_pki
  start_etcd
  start_apiserver
  start_controller_manager
  start_scheduler
  start_kwok
  start_process_node
  register_kwok_nodes
  n_nodes=$(($(cat "$SIM_ROOT"/nodes/*.yaml | grep -c '^kind: Node') + 1))
  wait_for "$n_nodes Ready nodes" "$SIM_READY_TIMEOUT" "$LOG_DIR/process-node.log" nodes_ready "$n_nodes"
  ensure_namespace
  start_s3
  log "cluster up in $((SECONDS - start))s"
  log "kubeconfig: $KUBECONFIG_ADMIN"
  log "S3 settings: $SIM_STATE_DIR/s3.env"
  echo "$KUBECONFIG_ADMIN"
}

cmd_down() {
  local i
  # Reverse start order: clients first so they do not log connection storms.
  for ((i = ${#COMPONENTS[@]} - 1; i >= 0; i--)); do
    stop_pid "${COMPONENTS[i]}"
  done
  log "all components stopped (state kept in $SIM_STATE_DIR; kubeconfig: $KUBECONFIG_ADMIN)"
}

# restart-apiserver [--down SECONDS]: with --down the API server stays stopped
# that long before it starts again (an outage in which pods can finish, for
# tests of watch recovery).
cmd_restart_apiserver() {
  local down=0
  case ${1:-} in
    --down) [[ ${2:-} =~ ^[0-9]+$ ]] || die "usage: restart-apiserver [--down SECONDS]"; down=$2 ;;
    "") ;;
    *) die "usage: restart-apiserver [--down SECONDS]" ;;
  esac
  is_running etcd || die "etcd is not running; use '$0 up'"
  local start=$SECONDS
  stop_pid kube-apiserver
  if ((down > 0)); then
    log "kube-apiserver stays down for ${down}s"
    sleep "$down"
  fi
  start_apiserver
  log "kube-apiserver restarted in $((SECONDS - start))s (etcd data kept)"
  log "kubeconfig: $KUBECONFIG_ADMIN"
}

# Picks up a new SIM_EXECUTOR_BIN / SIM_PROCESS_NODE_PATH or harness build.
# Pods it was running are marked Failed when it comes back (processes lost).
cmd_restart_process_node() {
  is_running kube-apiserver || die "the cluster is not running; use '$0 up'"
  build_process_node
  stop_pid process-node
  start_process_node
  wait_for "process node Ready" 60 "$LOG_DIR/process-node.log" \
    kctl wait --for=condition=Ready "node/$SIM_PROCESS_NODE_NAME" --timeout=1s
  log "process node restarted (PATH for pods: $SIM_PROCESS_NODE_PATH)"
}

cmd_status() {
  local c pid rc=0
  for c in "${COMPONENTS[@]}"; do
    if pid="$(pid_of "$c")"; then
      printf '%-24s running  pid %-8s log %s\n' "$c" "$pid" "$LOG_DIR/$c.log"
    else
      printf '%-24s stopped\n' "$c"
      rc=3
    fi
  done
  echo "kubeconfig: $KUBECONFIG_ADMIN"
  if is_running kube-apiserver; then
    kctl get nodes -o wide 2>/dev/null || true
  fi
  return "$rc"
}

cmd_env() {
  echo "export KUBECONFIG=$KUBECONFIG_ADMIN"
  echo "export PATH=$SIM_BIN_K8S:\$PATH"
  if [[ -f $SIM_STATE_DIR/s3.env ]]; then
    sed 's/^/export /' "$SIM_STATE_DIR/s3.env"
  fi
}

# The Go module and build caches (several GB) are only needed to rebuild;
# the binaries in bin/ are all a cluster needs.
cmd_prune() {
  rm -rf "$SIM_CACHE_DIR/go" "$SIM_CACHE_DIR/src"
  log "removed the Go caches under $SIM_CACHE_DIR (binaries kept in $SIM_CACHE_DIR/bin)"
}

cmd_reset() {
  cmd_down
  [[ -d $SIM_STATE_DIR ]] && rm -rf "$SIM_STATE_DIR"
  log "removed $SIM_STATE_DIR"
}
