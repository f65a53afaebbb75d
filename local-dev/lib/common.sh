# shellcheck shell=bash
# shellcheck disable=SC2034 # variables here are used by the other lib/*.sh files and up/down
# Shared settings and helpers of local-dev/up and local-dev/down. Every setting can be changed
# from the environment, so that a second stack (local-dev/check-deploy.sh runs one) can run
# beside a developer's own without sharing ports or state.

LD_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
SIM="$LD_ROOT/local-dev/sim-cluster/sim-cluster"
# port_taken, pid_alive, write_pidfile, stop_pidfile: sim-cluster's, so PID files are the same.
# shellcheck source=../sim-cluster/lib/proc.sh
source "$LD_ROOT/local-dev/sim-cluster/lib/proc.sh"

# auto (Kind when Docker answers and kind is installed, else the simulated cluster), kind or sim.
: "${LOCAL_DEV_MODE:=auto}"
# Where the API is served on this machine, in both modes.
: "${LOCAL_DEV_PORT:=8080}"
: "${LOCAL_DEV_CACHE_DIR:=${XDG_CACHE_HOME:-$HOME/.cache}/notebook-jobs}"
# Everything a stack leaves on disk; local-dev/down deletes it.
: "${LOCAL_DEV_STATE_DIR:=$LOCAL_DEV_CACHE_DIR/local-dev}"
# The simulated cluster of local-dev uses its own state and ports (27443-27450), so it never
# collides with a `sim-cluster up` of the tests (16443-16450).
: "${LOCAL_DEV_SIM_PORT_BASE:=27443}"
: "${LOCAL_DEV_KIND_CLUSTER:=notebook-jobs}"
# The local stack runs in auth mode none as one user; these are its groups in the group policy
# (k8s/components/group-policy): the HPC group sees every profile.
: "${LOCAL_DEV_GROUPS:=cpsHPCAccess}"
: "${LOCAL_DEV_SAMPLE_TIMEOUT:=300}"
: "${LOCAL_DEV_READY_TIMEOUT:=180}"
# The executor's virtualenv for the process node; kept across `down` (it takes a minute to build).
: "${LOCAL_DEV_EXECUTOR_VENV:=$LOCAL_DEV_CACHE_DIR/local-dev-executor-venv}"

LD_NAMESPACE=notebook-jobs
# 0: bring the stack up without running the sample job (local-dev/up --no-sample).
LD_RUN_SAMPLE=1
LD_SERVICE_DIR="$LOCAL_DEV_STATE_DIR/service"
LD_MODE_FILE="$LOCAL_DEV_STATE_DIR/mode"

log() { printf '[local-dev] %s\n' "$*" >&2; }
die() {
  printf '[local-dev] ERROR: %s\n' "$*" >&2
  exit 1
}

# Seconds since the script started, for the timings it prints.
elapsed() { echo "$((SECONDS - LD_STARTED))s"; }
LD_STARTED=$SECONDS

http_ok() { curl -fsS --max-time 3 -o /dev/null "$1" 2>/dev/null; }

# wait_until SECONDS DESCRIPTION CMD...: poll CMD every second; fail after SECONDS.
wait_until() {
  local timeout=$1 what=$2
  shift 2
  local deadline=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || return 1
    sleep 1
  done
  log "$what after $(elapsed)"
}

docker_usable() { command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; }

# The mode this run uses, and why, as "MODE|REASON".
choose_mode() {
  case $LOCAL_DEV_MODE in
    kind) echo "kind|LOCAL_DEV_MODE=kind" ;;
    sim) echo "sim|LOCAL_DEV_MODE=sim" ;;
    auto)
      if docker_usable && command -v kind >/dev/null 2>&1; then
        echo "kind|Docker and kind are available"
      elif docker_usable; then
        echo "sim|Docker answers but kind is not installed"
      else
        echo "sim|no Docker daemon answers"
      fi
      ;;
    *) die "LOCAL_DEV_MODE must be auto, kind or sim (not '$LOCAL_DEV_MODE')" ;;
  esac
}

# A Python 3.11.5+ (the executor's lock needs it): $PYTHON, python3.11, python3.
find_python() {
  local p
  for p in ${PYTHON:-} python3.11 python3; do
    if command -v "$p" >/dev/null 2>&1 &&
      "$p" -c 'import sys; sys.exit(sys.version_info < (3, 11, 5))' 2>/dev/null; then
      command -v "$p"
      return 0
    fi
  done
  return 1
}

# Builds the service (target/quarkus-app) when a source is newer than the packaged jar, then
# copies it to the stack's own directory, so that a `mvn clean` in the checkout never pulls the
# jar out from under the running service. Prints nothing; sets LD_APP_FINGERPRINT.
package_service() {
  local jar="$LD_ROOT/target/quarkus-app/quarkus-run.jar" newer=""
  if [[ -f $jar ]]; then
    newer="$(find "$LD_ROOT/src/main" "$LD_ROOT/pom.xml" -newer "$jar" -type f -print -quit 2>/dev/null)"
  fi
  if [[ ! -f $jar || -n $newer ]]; then
    log "building the service (./mvnw -Dmaven.test.skip=true package)${newer:+: $newer changed}"
    if ! (cd "$LD_ROOT" && ./mvnw -q -B -ntp -Dmaven.test.skip=true package >"$LOCAL_DEV_STATE_DIR/build.log" 2>&1); then
      if [[ -f $LD_SERVICE_DIR/app/quarkus-app/quarkus-run.jar ]]; then
        log "WARNING: the build failed (see $LOCAL_DEV_STATE_DIR/build.log); keeping the service built before"
        LD_APP_FINGERPRINT="$(cat "$LD_SERVICE_DIR/app/fingerprint" 2>/dev/null || echo unknown)"
        return 0
      fi
      tail -n 30 "$LOCAL_DEV_STATE_DIR/build.log" >&2
      die "the service does not build (full log: $LOCAL_DEV_STATE_DIR/build.log)"
    fi
    log "service built after $(elapsed)"
  fi
  LD_APP_FINGERPRINT="$(cd "$LD_ROOT/target/quarkus-app" && find . -type f -printf '%P %s %T@\n' | sort | sha256sum | cut -c1-16)"
  if [[ $(cat "$LD_SERVICE_DIR/app/fingerprint" 2>/dev/null) != "$LD_APP_FINGERPRINT" ]]; then
    rm -rf "$LD_SERVICE_DIR/app.new"
    mkdir -p "$LD_SERVICE_DIR/app.new"
    cp -a "$LD_ROOT/target/quarkus-app" "$LD_SERVICE_DIR/app.new/quarkus-app"
    echo "$LD_APP_FINGERPRINT" >"$LD_SERVICE_DIR/app.new/fingerprint"
    rm -rf "$LD_SERVICE_DIR/app"
    mv "$LD_SERVICE_DIR/app.new" "$LD_SERVICE_DIR/app"
  fi
}

# run_sample URL BUCKET: runs the sample job and prints where everything is. Returns the
# sample's exit code (0: COMPLETED with the parameters applied).
run_sample() {
  local url=$1 bucket=$2 result="$LOCAL_DEV_STATE_DIR/sample-result.json" rc=0
  local py
  [[ $LD_RUN_SAMPLE == 1 ]] || return 0
  py="$(command -v python3)" || die "python3 is needed to run the sample job"
  log "running the sample notebook (local-dev/sample/sample.ipynb) with parameters name='local-dev', count=5"
  rm -f "$result"
  "$py" "$LD_ROOT/local-dev/sample/run-sample.py" --url "$url" --bucket "$bucket" \
    --timeout "$LOCAL_DEV_SAMPLE_TIMEOUT" --result "$result" || rc=$?
  if [[ ! -f $result ]]; then
    ((rc != 0)) || rc=1
    return "$rc"
  fi
  LD_SAMPLE_RESULT=$result
  return "$rc"
}

# finish_up TITLE KUBECONFIG KUBECTL_DIR BUCKET LOCAL_FILES_ROOT CLUSTER SERVICE S3: the end of
# local-dev/up on either cluster. Writes env.sh (KUBECTL_DIR, unless empty, first on its PATH),
# runs the sample job on BUCKET and prints the summary: TITLE (the cluster and why), then CLUSTER,
# SERVICE and S3, each one or more lines. Returns the sample's exit code.
finish_up() {
  local title=$1 kubeconfig=$2 kubectl_dir=$3 bucket=$4 local_root=$5 cluster=$6 service=$7 s3=$8 rc=0
  {
    echo "# Written by local-dev/up: source it to use kubectl on the local stack."
    echo "export KUBECONFIG=$kubeconfig"
    [[ -z $kubectl_dir ]] || echo "export PATH=$kubectl_dir:\$PATH"
    echo "export NOTEBOOK_JOBS_URL=http://localhost:$LOCAL_DEV_PORT"
  } >"$LOCAL_DEV_STATE_DIR/env.sh"

  # JupyterLab on the service (local-dev/lib/lab.sh; only local-dev/up sources it, without --no-lab).
  [[ ${LD_START_LAB:-0} == 0 ]] || ensure_lab
  run_sample "http://localhost:$LOCAL_DEV_PORT" "$bucket" || rc=$?
  echo
  echo "=== Notebook Jobs local stack: $title ==="
  summary_lines "Cluster:" "$cluster"$'\n'"kubectl:  source $LOCAL_DEV_STATE_DIR/env.sh && kubectl -n $LD_NAMESPACE get jobs"
  summary_lines "Service:" "http://localhost:$LOCAL_DEV_PORT/scheduler  (OpenAPI /q/openapi, health /q/health/ready)"$'\n'"$service"
  summary_lines "S3:" "$s3"
  if [[ ${LD_START_LAB:-0} == 1 ]]; then
    summary_lines "JupyterLab:" "$(lab_url)"$'\n'"scheduler UI with our create form and the bridge to the service; log $LD_LAB_DIR/lab.log"
  fi
  if [[ -n ${LD_SAMPLE_RESULT:-} ]]; then
    print_sample_summary "$LD_SAMPLE_RESULT" "$local_root"
  fi
  echo "Took $(elapsed). Run local-dev/up again for another sample job; local-dev/down removes everything."
  return "$rc"
}

# summary_lines LABEL TEXT: the lines of TEXT, the first after LABEL, all aligned.
summary_lines() {
  local label=$1 line
  while IFS= read -r line; do
    printf '%-13s%s\n' "$label" "$line"
    label=
  done <<<"$2"
}

# print_sample_summary RESULT_JSON LOCAL_FILES_ROOT: the human summary of the sample job.
# LOCAL_FILES_ROOT (may be empty) is a directory where the bucket's objects are plain files.
print_sample_summary() {
  python3 - "$1" "${2:-}" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
local_root = sys.argv[2]
print(f"Sample job:  {r['job_id']}")
print(f"  status:    {r['status']}" + (f" ({r['status_message']})" if r.get("status_message") else ""))
print(f"  parameters: {json.dumps(r.get('parameters'))}; applied in the output: {'yes' if r['parameters_applied'] else 'NO'}")
first = True
for f in sorted(r["files"], key=lambda f: (f["kind"] != "output", f["name"])):
    label = "outputs:" if f["kind"] == "output" else f"{f['kind']}:"
    print(f"  {label if first or f['kind'] != 'output' else '':<10} {f['s3_uri']}  ({f['size']} bytes)")
    first = first and f["kind"] != "output"
print(f"  job:       curl -s {r['job_url']}")
print(f"  list:      curl -s {r['files_url']}")
html = [f for f in r["files"] if f["kind"] == "output" and f["name"].endswith(".html")]
if html:
    print(f"  download:  curl -sLOJ {html[0]['url']}")
if local_root and r["files"]:
    key = r["files"][0]["s3_uri"].split("/", 3)[3]
    print(f"  on disk:   {local_root}/{key.rsplit('/', 2)[0]}/  (s3proxy keeps objects as files)")
PY
}
