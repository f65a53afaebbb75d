#!/usr/bin/env bash
# The deployment checks (`./test deploy`):
#   1. tools: the pinned kubectl of local-dev/sim-cluster (built on first use) and shellcheck
#      (installed with apt-get when missing);
#   2. shellcheck on every shell script of the repository;
#   3. `kubectl kustomize` renders k8s/base (in a test namespace), k8s/overlays/local and
#      k8s/overlays/production;
#   4. local-dev/up on the simulated cluster: the sample job must be COMPLETED with its
#      parameters applied, the service running with exactly the Role of k8s/base/rbac;
#   5. a server-side dry run of every rendering against that cluster, and the expectations of
#      local-dev/lib/check_manifests.py on what the API server returned;
#   6. the service account's rights, asked of the API server (kubectl auth can-i), and a job
#      definition's whole life through the API (CronJob, Secret, update, run now, delete);
#   7. local-dev/up a second time: the stack is reused and another sample job completes;
#   8. local-dev/down: nothing is left running.
# It runs its own stack (state in ~/.cache/notebook-jobs/check-deploy, service on port 18089,
# cluster ports 27543-27550), so it never touches a developer's local-dev stack or the tests'
# cluster. Idempotent. Bounded: every long step runs under `timeout` (the cluster build 30 min,
# cold it takes 11-15; each local-dev/up 15 min), and local-dev/up bounds its own waits.
# Prints timings and closes with "N passed, M failed".
# KEEP_STACK=1 leaves the stack up at the end for inspection (local-dev/down with the same
# LOCAL_DEV_* variables removes it).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

: "${CHECK_DEPLOY_DIR:=${XDG_CACHE_HOME:-$HOME/.cache}/notebook-jobs/check-deploy}"
: "${CHECK_DEPLOY_BUILD_TIMEOUT:=1800}"
: "${CHECK_DEPLOY_UP_TIMEOUT:=900}"
export LOCAL_DEV_MODE=sim
export LOCAL_DEV_STATE_DIR="$CHECK_DEPLOY_DIR/stack"
export LOCAL_DEV_PORT="${CHECK_DEPLOY_PORT:-18089}"
export LOCAL_DEV_SIM_PORT_BASE="${CHECK_DEPLOY_SIM_PORT_BASE:-27543}"
SIM="$root/local-dev/sim-cluster/sim-cluster"
SA="system:serviceaccount:notebook-jobs:notebook-jobs"
RENDERED="$CHECK_DEPLOY_DIR/rendered"

started=$SECONDS
passed=0
failed=0
summary=()

say() { printf '[check-deploy] %s\n' "$*" >&2; }
# port_taken (the file only defines functions; sim-cluster and local-dev use it too).
# shellcheck source=sim-cluster/lib/proc.sh
source "$root/local-dev/sim-cluster/lib/proc.sh"

# check NAME CMD...: runs one check, times it, counts it. Output goes to the terminal. (Called
# after `||`, the check functions run without `set -e`: each returns its failures itself.)
check() {
  local name=$1 t=$SECONDS rc=0
  shift
  say "--- $name"
  "$@" || rc=$?
  if ((rc == 0)); then
    passed=$((passed + 1))
    summary+=("$(printf 'ok    %4ss  %s' "$((SECONDS - t))" "$name")")
  else
    failed=$((failed + 1))
    summary+=("$(printf 'FAIL  %4ss  %s' "$((SECONDS - t))" "$name")")
    say "FAILED: $name"
  fi
  return "$rc"
}

# The service's log of a failed run, kept in CHECK_DEPLOY_DIR (local-dev/down deletes the stack's).
show_logs() {
  [[ -f $LOCAL_DEV_STATE_DIR/service/service.log ]] || return 0
  cp "$LOCAL_DEV_STATE_DIR/service/service.log" "$CHECK_DEPLOY_DIR/last-failed-service.log"
  say "last lines of the service's log ($CHECK_DEPLOY_DIR/last-failed-service.log):"
  grep -v '^\s*at ' "$LOCAL_DEV_STATE_DIR/service/service.log" | tail -n 25 >&2
}

finish() {
  local rc=$?
  if [[ ${stack_up:-0} == 1 && ${KEEP_STACK:-0} != 1 ]]; then
    down_quietly
  fi
  echo
  echo "=== deploy checks ($((SECONDS - started)) s) ==="
  local line
  for line in "${summary[@]}"; do echo "$line"; done
  if ((rc != 0 && failed == 0)); then failed=1; fi
  echo "deploy: $passed passed, $failed failed"
  ((failed == 0)) || exit 1
  exit "$rc"
}

down_quietly() {
  local-dev/down >"$CHECK_DEPLOY_DIR/down.log" 2>&1 || say "local-dev/down failed (see $CHECK_DEPLOY_DIR/down.log)"
  stack_up=0
}

trap finish EXIT
trap 'exit 130' INT TERM

mkdir -p "$CHECK_DEPLOY_DIR"

# ---- 1. tools --------------------------------------------------------------------------------
tools() {
  if ! command -v shellcheck >/dev/null; then
    if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
      say "installing shellcheck (apt-get)"
      apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq shellcheck >/dev/null
    else
      say "shellcheck is required: apt-get install shellcheck (or your system's package)"
      return 1
    fi
  fi
  shellcheck --version | sed -n 's/^version: /shellcheck /p' >&2
  # The simulated cluster's binaries include the pinned kubectl (with kustomize); no-op when cached.
  timeout "$CHECK_DEPLOY_BUILD_TIMEOUT" "$SIM" build || return 1
  # shellcheck disable=SC2016 # the $PATH is literal in sim-cluster's output
  KUBECTL="$("$SIM" env | sed -n 's/^export PATH=\(.*\):\$PATH$/\1/p')/kubectl"
  "$KUBECTL" version --client >&2 || return 1
}
check "tools (pinned kubectl, shellcheck)" tools || exit 1

# ---- 2. shellcheck ---------------------------------------------------------------------------
# Every file git knows or would add (tracked or untracked, not ignored); outside a git work tree,
# every file but build output, virtualenvs and caches.
repo_files() {
  if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    git ls-files -co --exclude-standard
  else
    find . \( -name .git -o -name target -o -name node_modules -o -name .venv -o -name __pycache__ \) -prune \
      -o -type f -print | sed 's|^\./||'
  fi
}
shell_scripts() {
  local f
  repo_files | sort -u | while read -r f; do
    [[ -f $f ]] || continue
    case $f in
      *.sh) echo "$f" ;;
      *) head -n1 "$f" 2>/dev/null | grep -qE '^#!.*([/ ]|env )(ba)?sh([[:space:]]|$)' && echo "$f" ;;
    esac
  done
}
run_shellcheck() {
  local -a scripts
  mapfile -t scripts < <(shell_scripts)
  say "${#scripts[@]} scripts: ${scripts[*]}"
  ((${#scripts[@]} > 0)) && shellcheck -x -P SCRIPTDIR "${scripts[@]}"
}
check "shellcheck on every shell script" run_shellcheck || true

# ---- 3. render -------------------------------------------------------------------------------
render() {
  rm -rf "$RENDERED"
  mkdir -p "$RENDERED/base-overlay"
  # The base is namespace-agnostic; render it the way an overlay uses it, in a test namespace.
  cat >"$RENDERED/base-overlay/kustomization.yaml" <<EOF
namespace: deploy-check
resources:
  - $(python3 -c 'import os, sys; print(os.path.relpath(sys.argv[1], sys.argv[2]))' "$root/k8s/base" "$RENDERED/base-overlay")
EOF
  "$KUBECTL" kustomize "$RENDERED/base-overlay" >"$RENDERED/base.yaml" || return 1
  "$KUBECTL" kustomize k8s/overlays/local >"$RENDERED/local.yaml" || return 1
  "$KUBECTL" kustomize k8s/overlays/production >"$RENDERED/production.yaml" || return 1
  local f
  for f in base local production; do
    say "$f: $(grep -c '^kind:' "$RENDERED/$f.yaml") objects ($RENDERED/$f.yaml)"
  done
}
check "kubectl kustomize renders k8s/base, overlays/local, overlays/production" render || true

# ---- 4. the local stack on the simulated cluster ---------------------------------------------
up_and_check() {
  local log=$1 expect_reuse=$2
  stack_up=1
  local rc=0
  # --no-lab: JupyterLab is the ui suite's business (frontend-extension/run-tests.sh).
  timeout "$CHECK_DEPLOY_UP_TIMEOUT" local-dev/up --no-lab 2>&1 | tee "$log" || rc=$?
  ((rc == 0)) || {
    say "local-dev/up exited with $rc"
    show_logs
    return 1
  }
  grep -q '^  status:    COMPLETED' "$log" || {
    say "the sample job did not complete"
    return 1
  }
  grep -q 'applied in the output: yes' "$log" || {
    say "the sample's parameters are not in its output"
    return 1
  }
  grep -q '=== Notebook Jobs local stack: simulated cluster' "$log" || {
    say "the output does not say which cluster it used"
    return 1
  }
  if [[ $expect_reuse == 1 ]]; then
    grep -q 'reusing the running service' "$log" || {
      say "the second run did not reuse the running service"
      return 1
    }
  fi
}
# A stack left by an interrupted run is removed first, so every run starts from the same state.
down_quietly
check "local-dev/up on the simulated cluster (sample job COMPLETED)" up_and_check "$CHECK_DEPLOY_DIR/up-1.log" 0 || true

# The checks against the cluster run whenever the cluster and the service came up, also when the
# sample job failed: they tell more about why.
if [[ -f $LOCAL_DEV_STATE_DIR/env.sh ]]; then
  # shellcheck disable=SC1091
  source "$LOCAL_DEV_STATE_DIR/env.sh"

  # ---- 5. server-side dry run ----------------------------------------------------------------
  dry_run() {
    local f ns rc=0
    "$KUBECTL" get namespace deploy-check >/dev/null 2>&1 || "$KUBECTL" create namespace deploy-check >/dev/null
    for f in base local production; do
      ns=notebook-jobs
      [[ $f == base ]] && ns=deploy-check
      if ! "$KUBECTL" apply --server-side --force-conflicts --field-manager=check-deploy --dry-run=server \
        -f "$RENDERED/$f.yaml" -o json >"$RENDERED/$f.dry-run.json" 2>"$RENDERED/$f.dry-run.err"; then
        say "$f: the API server rejected it:"
        cat "$RENDERED/$f.dry-run.err" >&2
        rc=1
        continue
      fi
      python3 local-dev/lib/check_manifests.py "$f" "$ns" "$RENDERED/$f.dry-run.json" >&2 || rc=1
    done
    "$KUBECTL" delete namespace deploy-check --wait=false >/dev/null 2>&1 || true
    return "$rc"
  }
  check "server-side dry run of every rendering, and their expectations" dry_run || true

  # ---- 6. RBAC as the API server sees it -------------------------------------------------------
  rbac() {
    local rc=0 spec verb resource want got
    # "verb resource expected" as the service account notebook-jobs in namespace notebook-jobs.
    for spec in \
      "create jobs.batch yes" "patch jobs.batch yes" "delete jobs.batch yes" "watch jobs.batch yes" \
      "create cronjobs.batch yes" "update cronjobs.batch yes" "delete cronjobs.batch yes" "watch cronjobs.batch yes" \
      "update cronjobs.batch/status yes" \
      "watch pods yes" "delete pods yes" "get pods/log yes" "watch events yes" \
      "create secrets yes" "patch secrets yes" "delete secrets yes" \
      "get secrets no" "list secrets no" "watch secrets no" "create pods no" "create pods/exec no" \
      "update jobs.batch no" "create configmaps no" "create events no" "create rolebindings no" \
      "create serviceaccounts/token no" "get nodes no" "create namespaces no"; do
      read -r verb resource want <<<"$spec"
      got="$("$KUBECTL" auth can-i "$verb" "$resource" --as="$SA" -n notebook-jobs 2>/dev/null || true)"
      if [[ $got != "$want" ]]; then
        say "service account: can-i $verb $resource = $got, expected $want"
        rc=1
      fi
    done
    got="$("$KUBECTL" auth can-i create jobs.batch --as="$SA" -n default 2>/dev/null || true)"
    [[ $got == no ]] || {
      say "service account can create Jobs in namespace default"
      rc=1
    }
    got="$("$KUBECTL" auth can-i --list --as=system:serviceaccount:notebook-jobs:notebook-jobs-executor -n notebook-jobs 2>/dev/null |
      grep -Ev '^(Resources|selfsubject|  *\[|\[|$)' | awk '$1 !~ /^selfsubject/' || true)"
    [[ -z $got ]] || {
      say "the executor service account has rights: $got"
      rc=1
    }
    return "$rc"
  }
  check "RBAC: the service's rights are exactly the Role's, the executor has none" rbac || true

  definition() {
    python3 local-dev/lib/check_definition.py "http://localhost:$LOCAL_DEV_PORT" || {
      show_logs
      return 1
    }
  }
  check "a job definition's life (CronJob, Secret, update, run now, delete) as the service account" definition || true

  # ---- 7. a second run reuses the stack --------------------------------------------------------
  check "local-dev/up again (reuses the stack, another sample job COMPLETED)" \
    up_and_check "$CHECK_DEPLOY_DIR/up-2.log" 1 || true
fi

# ---- 8. down ---------------------------------------------------------------------------------
down_and_check() {
  local rc=0 port
  local-dev/down || rc=1
  stack_up=0
  for port in "$LOCAL_DEV_PORT" "$LOCAL_DEV_SIM_PORT_BASE" "$((LOCAL_DEV_SIM_PORT_BASE + 6))"; do
    if port_taken "$port"; then
      say "port $port still answers after local-dev/down"
      rc=1
    fi
  done
  [[ ! -e $LOCAL_DEV_STATE_DIR ]] || {
    say "$LOCAL_DEV_STATE_DIR is still there"
    rc=1
  }
  return "$rc"
}
if [[ ${KEEP_STACK:-0} == 1 && ${stack_up:-0} == 1 ]]; then
  say "KEEP_STACK=1: the stack stays up (LOCAL_DEV_STATE_DIR=$LOCAL_DEV_STATE_DIR LOCAL_DEV_PORT=$LOCAL_DEV_PORT LOCAL_DEV_SIM_PORT_BASE=$LOCAL_DEV_SIM_PORT_BASE local-dev/down removes it)"
else
  check "local-dev/down leaves nothing running" down_and_check || true
fi
