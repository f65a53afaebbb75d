# shellcheck shell=bash
# shellcheck disable=SC2034 # the variables here are used by the other lib/*.sh files
# Shared configuration and helpers for the sim-cluster scripts.
# Every setting can be overridden from the environment so that two checkouts
# (or a CI job) can run side by side without colliding.

# Pinned versions. Kubernetes >= 1.34 is required: its scheduler reports
# "Insufficient nvidia.com/gpu" beyond a node's allocatable as
# UnschedulableAndUnresolvable (kubernetes PR #131345), which the e2e tests rely
# on to tell "more GPUs than any node has" from "waits for a busy GPU".
: "${SIM_K8S_VERSION:=v1.36.3}"
# etcd is built from the very version k8s.io/kubernetes pins in its go.mod, so it
# is the version that release was tested with.
: "${SIM_ETCD_VERSION:=v3.6.8}"
: "${SIM_KWOK_VERSION:=v0.8.0}"
: "${SIM_S3PROXY_VERSION:=4.1.0}"
# Optional Kueue controller manager (`sim-cluster kueue up`, lib/kueue.sh).
: "${SIM_KUEUE_VERSION:=v0.17.0}"
# SHA-256 of that version's jar-with-dependencies (set both to change the version). The jar is
# also the executor tests' S3 server: image/run-tests.sh gets it with `sim-cluster s3proxy-jar`.
: "${SIM_S3PROXY_SHA256:=a4d025969aaf796616ed4b1e2491d87d455ce84bb28cb9db086b2e6aaa68b48d}"

: "${SIM_CACHE_DIR:=${XDG_CACHE_HOME:-$HOME/.cache}/notebook-jobs/sim-cluster}"
: "${SIM_STATE_DIR:=$SIM_CACHE_DIR/state}"
# Dedicated Go caches keep the (large) build inputs in one place that can be
# measured, cached by CI, or deleted without touching the user's own Go caches.
: "${SIM_GOMODCACHE:=$SIM_CACHE_DIR/go/mod}"
: "${SIM_GOCACHE:=$SIM_CACHE_DIR/go/build}"

# Loopback ports, chosen away from the usual 6443/2379/9000/8080 defaults.
: "${SIM_PORT_BASE:=16443}"
: "${SIM_APISERVER_PORT:=$SIM_PORT_BASE}"
: "${SIM_ETCD_PORT:=$((SIM_PORT_BASE + 1))}"
: "${SIM_ETCD_PEER_PORT:=$((SIM_PORT_BASE + 2))}"
: "${SIM_CONTROLLER_MANAGER_PORT:=$((SIM_PORT_BASE + 3))}"
: "${SIM_SCHEDULER_PORT:=$((SIM_PORT_BASE + 4))}"
: "${SIM_KWOK_PORT:=$((SIM_PORT_BASE + 5))}"
: "${SIM_S3_PORT:=$((SIM_PORT_BASE + 6))}"
: "${SIM_PROCESS_NODE_PORT:=$((SIM_PORT_BASE + 7))}"
: "${SIM_KUEUE_HEALTH_PORT:=$((SIM_PORT_BASE + 8))}"
: "${SIM_KUEUE_METRICS_PORT:=$((SIM_PORT_BASE + 9))}"
: "${SIM_KUEUE_WEBHOOK_PORT:=$((SIM_PORT_BASE + 10))}"

: "${SIM_NAMESPACE:=notebook-jobs}"
: "${SIM_S3_BUCKET:=notebook-jobs}"
: "${SIM_S3_REGION:=us-east-1}"
: "${SIM_PROCESS_NODE_NAME:=sim-process-node}"
: "${SIM_READY_TIMEOUT:=120}"

SIM_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# port_taken, pid_alive, stop_pidfile and the like, shared with local-dev/lib/common.sh.
# shellcheck source=proc.sh
source "$SIM_ROOT/lib/proc.sh"
# PATH used to resolve a pod container's command on the process node: the
# executor venv's bin dir (SIM_EXECUTOR_BIN) if given, the caller's PATH, and
# last testdata/ so the smoke test's fake-executor resolves too.
: "${SIM_PROCESS_NODE_PATH:=${SIM_EXECUTOR_BIN:+$SIM_EXECUTOR_BIN:}$PATH:$SIM_ROOT/testdata}"
SIM_BIN_K8S="$SIM_CACHE_DIR/bin/kubernetes-$SIM_K8S_VERSION"
SIM_BIN_ETCD="$SIM_CACHE_DIR/bin/etcd-$SIM_ETCD_VERSION"
SIM_BIN_KWOK="$SIM_CACHE_DIR/bin/kwok-$SIM_KWOK_VERSION"
SIM_S3PROXY_JAR="$SIM_CACHE_DIR/s3proxy/s3proxy-$SIM_S3PROXY_VERSION-jar-with-dependencies.jar"

CERT_DIR="$SIM_STATE_DIR/pki"
LOG_DIR="$SIM_STATE_DIR/logs"
PID_DIR="$SIM_STATE_DIR/pids"
KUBECONFIG_ADMIN="$SIM_STATE_DIR/kubeconfig"

log() { printf '[sim-cluster] %s\n' "$*" >&2; }
die() { printf '[sim-cluster] ERROR: %s\n' "$*" >&2; exit 1; }

# kubectl from the pinned build, always against this cluster.
kctl() { "$SIM_BIN_K8S/kubectl" --kubeconfig "$KUBECONFIG_ADMIN" "$@"; }

# pid_of NAME: print the PID recorded for NAME if that very process still
# runs (see lib/proc.sh: a reused PID is never mistaken for ours).
pid_of() { pid_alive "$PID_DIR/$1.pid"; }

is_running() { pid_of "$1" >/dev/null; }

# start_bg NAME CMD...: start CMD detached (own session, so a Ctrl-C in the
# calling shell does not kill it), log to logs/NAME.log, record its PID.
start_bg() {
  local name=$1; shift
  if is_running "$name"; then
    log "$name already running (pid $(pid_of "$name"))"
    return 0
  fi
  mkdir -p "$LOG_DIR" "$PID_DIR"
  setsid "$@" >>"$LOG_DIR/$name.log" 2>&1 </dev/null &
  write_pidfile "$PID_DIR/$name.pid" $!
  log "started $name (pid $!, log $LOG_DIR/$name.log)"
}

# stop_pid NAME: SIGTERM the recorded PID, SIGKILL after 10 s. Only the PID we
# started is signalled, never a process found by name.
stop_pid() { stop_pidfile "$PID_DIR/$1.pid" "$1" 10; }

# wait_for DESCRIPTION TIMEOUT LOGFILE CMD...: poll CMD once a second; on
# timeout fail with a pointer to the log that most likely explains why.
wait_for() {
  local what=$1 timeout=$2 logfile=$3; shift 3
  local deadline=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    if ((SECONDS >= deadline)); then
      log "timed out after ${timeout}s waiting for $what; last lines of $logfile:"
      tail -n 20 "$logfile" >&2 2>/dev/null || true
      die "$what not ready (see $logfile)"
    fi
    sleep 1
  done
}
