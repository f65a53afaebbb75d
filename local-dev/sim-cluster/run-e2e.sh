#!/usr/bin/env bash
# End-to-end tests: the packaged service against the sim-cluster (a real
# Kubernetes control plane, the process node running the real executor, S3).
#
#   local-dev/sim-cluster/run-e2e.sh                                  # all *E2EIT classes
#   local-dev/sim-cluster/run-e2e.sh -Dit.test=GpuSchedulingE2EIT    # one class (extra Maven args)
#   local-dev/sim-cluster/run-e2e.sh --check    # can it run here? exit 0: binaries cached,
#                                               # 10: needs a cold build (~15 min), 3: cannot run
#
# Idempotent and self-contained: creates the executor's venv (image/.venv) if
# needed, builds the cluster binaries on first use (cold: 11-15 minutes, then
# cached), starts a fresh cluster in its own state dir and ports (so a
# developer's cluster from `sim-cluster up` is never touched), runs the tests
# through `./mvnw verify` (which packages the service first), and always stops
# the cluster again.
#
# Environment:
#   SIM_E2E_KEEP=1      leave the cluster running afterwards (stop it with
#                       `SIM_STATE_DIR=... SIM_PORT_BASE=... sim-cluster down`, printed at the end)
#   SIM_STATE_DIR, SIM_PORT_BASE   default: <cache>/state-e2e and 17443
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
sim="$here/sim-cluster"

: "${SIM_CACHE_DIR:=${XDG_CACHE_HOME:-$HOME/.cache}/notebook-jobs/sim-cluster}"
: "${SIM_STATE_DIR:=$SIM_CACHE_DIR/state-e2e}"
: "${SIM_PORT_BASE:=17443}"
export SIM_CACHE_DIR SIM_STATE_DIR SIM_PORT_BASE
# The same settings sim-cluster derives from these (SIM_BIN_K8S: the pinned kubectl).
# shellcheck source=lib/common.sh
source "$here/lib/common.sh"

# --check: for ./test and CI, which run the e2e suite only when it fits their time budget.
if [[ ${1:-} == --check ]]; then
  # shellcheck source=lib/build.sh
  source "$here/lib/build.sh"
  command -v java >/dev/null || { echo "cannot run: no java"; exit 3; }
  command -v python3 >/dev/null || { echo "cannot run: no python3"; exit 3; }
  # shellcheck source=lib/kueue.sh
  source "$here/lib/kueue.sh"
  if [[ -f $SIM_BIN_K8S/.complete && -f $SIM_BIN_ETCD/.complete && -f $SIM_BIN_KWOK/.complete &&
    -x $(process_node_bin) && -f $SIM_S3PROXY_JAR && -f $SIM_BIN_KUEUE/.complete ]]; then
    echo "ready: cluster binaries cached in $SIM_CACHE_DIR/bin (a run takes about 5 minutes)"
    exit 0
  fi
  command -v go >/dev/null || { echo "cannot run: binaries not cached and no Go toolchain to build them"; exit 3; }
  echo "needs a cold build of the cluster binaries first (11-15 minutes, Kueue 6 more, then about 5 minutes per run)"
  exit 10
fi

started=$SECONDS
step_start=$SECONDS
timings=()
say() { printf '[run-e2e] %s\n' "$*" >&2; }
step_done() {
  timings+=("$(printf '%-34s %5ss' "$1" $((SECONDS - step_start)))")
  step_start=$SECONDS
}
print_timings() {
  local t
  say "timings:"
  for t in "${timings[@]}"; do say "  $t"; done
  say "  $(printf '%-34s %5ss' total $((SECONDS - started)))"
}

cluster_up=0
finish() {
  local rc=$?
  if ((cluster_up)); then
    if [[ ${SIM_E2E_KEEP:-0} == 1 ]]; then
      say "cluster left running (SIM_E2E_KEEP=1); stop it with:"
      say "  SIM_STATE_DIR=$SIM_STATE_DIR SIM_PORT_BASE=$SIM_PORT_BASE $sim down"
    else
      step_start=$SECONDS
      "$sim" down >/dev/null 2>&1 || say "sim-cluster down failed (state: $SIM_STATE_DIR)"
      step_done "cluster down"
    fi
  fi
  print_timings
  if ((rc == 0)); then say "e2e tests passed"; else say "e2e tests FAILED (exit $rc)"; fi
  exit "$rc"
}
trap finish EXIT
trap 'exit 130' INT TERM

command -v java >/dev/null || { say "java (17+) is required"; exit 2; }

# --- the executor: image/.venv, made exactly as the executor's own tests make it ---
# run-tests.sh (re)builds the venv only when the lock files changed; with
# --version pytest just prints its version instead of running the suite.
say "executor venv (image/.venv)"
"$repo/image/run-tests.sh" --version >/dev/null
[[ -x $repo/image/.venv/bin/notebook-executor ]] || { say "image/.venv has no notebook-executor"; exit 1; }
export SIM_EXECUTOR_BIN="$repo/image/.venv/bin"
step_done "executor venv"

# --- the cluster: built once into the cache, started fresh for every run ---
"$sim" build
step_done "cluster binaries (build or cache)"
# A clean slate: no Jobs, pods or objects left over from an earlier run.
"$sim" reset >/dev/null 2>&1
cluster_up=1
kubeconfig="$("$sim" up | tail -n 1)"
step_done "cluster up (fresh state)"
# Kueue (KueueE2EIT): built once into the cache like the cluster; it manages only Jobs with
# its queue-name label, so the other tests' Jobs are none of its business.
"$sim" kueue up >/dev/null
step_done "kueue (build or cache) + up"

export SIM_KUBECONFIG="$kubeconfig"
export SIM_S3_ENV="$SIM_STATE_DIR/s3.env"
export SIM_CLUSTER="$sim"
export SIM_KUBECTL="$SIM_BIN_K8S/kubectl"
export SIM_E2E_DIR="$SIM_STATE_DIR/e2e"
[[ -x $SIM_KUBECTL ]] || { say "no kubectl at $SIM_KUBECTL"; exit 1; }

# --- the tests: failsafe runs *E2EIT; surefire's unit tests are skipped ---
say "running the e2e tests (./mvnw verify packages the service first)"
cd "$repo"
./mvnw -B -ntp verify -Dtest=NoSuchTest -Dsurefire.failIfNoSpecifiedTests=false -Dit.test='*E2EIT' "$@"
step_done "service build + e2e tests"
