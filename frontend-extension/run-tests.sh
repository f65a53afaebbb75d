#!/usr/bin/env bash
# Tests of frontend-extension/: the TypeScript side (when its package.json exists) and the
# server bridge's pytest suite against the real packaged service on the simulated cluster.
#
#   frontend-extension/run-tests.sh                  # everything
#   frontend-extension/run-tests.sh -k download      # extra arguments go to pytest
#   frontend-extension/run-tests.sh --check          # can the bridge suite run here? exit 0 yes, 3 no
#   frontend-extension/run-tests.sh --lock           # re-resolve tests/requirements.lock
#
# Idempotent: frontend-extension/.venv is rebuilt only when tests/requirements.lock,
# pyproject.toml or the Python version change. The tests themselves (tests/conftest.py) make the
# executor's venv (image/.venv, through image/run-tests.sh as for the e2e suite), package the
# service when its jar is missing or older than src/main or pom.xml, and start one simulated
# cluster (state ~/.cache/notebook-jobs/sim-cluster/state-ui, ports 18443-18450) and one service
# for the whole session, stopping both at the end.
#
# Where the cluster cannot run (no java, or no cached cluster binaries and no Go to build them),
# the bridge suite says why and is skipped (exit 0), like the e2e suite.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
PYTHON=${PYTHON:-python3}
VENV=$here/.venv
LOCK=$here/tests/requirements.lock

log() { echo "run-tests(ui): $*" >&2; }

# --- can the bridge suite run here? ----------------------------------------------------------
can_run() {
  command -v java >/dev/null || { echo "cannot run: no java (the service and s3proxy need Java 17)"; return 3; }
  "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11, 5))' 2>/dev/null ||
    { echo "cannot run: $PYTHON is not Python 3.11.5 or newer (the executor needs it)"; return 3; }
  # The simulated cluster's own check (0: binaries cached, 10: a cold build first, 3: cannot).
  local status=0 why
  why="$("$repo/local-dev/sim-cluster/run-e2e.sh" --check 2>&1)" || status=$?
  case $status in
    0) echo "ready: cluster binaries cached" ;;
    10) echo "ready after a cold build of the cluster binaries (11-15 minutes, once)" ;;
    *) echo "${why:-cannot run: the simulated cluster cannot run here}"; return 3 ;;
  esac
}

if [[ ${1:-} == --check ]]; then
  can_run
  exit $?
fi

if [[ ${1:-} == --lock ]]; then
  tools=${XDG_CACHE_HOME:-$HOME/.cache}/notebook-jobs/pip-tools-venv
  [[ -x $tools/bin/pip-compile ]] || { "$PYTHON" -m venv "$tools" && "$tools/bin/pip" install --quiet pip-tools; }
  "$tools/bin/pip-compile" --quiet --generate-hashes --strip-extras --no-header --allow-unsafe \
    -o "$LOCK" "$here/tests/requirements.in"
  log "wrote $LOCK"
  exit 0
fi

started=$SECONDS

# --- the venv: the pinned test dependencies and this package, editable -----------------------
wanted=$({ "$PYTHON" --version; cat "$LOCK" "$here/pyproject.toml"; } | sha256sum | cut -c1-32)
stamp=$VENV/.notebook-jobs-installed
if [[ $(cat "$stamp" 2>/dev/null) != "$wanted" ]] || ! "$VENV/bin/python" -c '' 2>/dev/null; then
  # From scratch: nothing left from another lock or another Python.
  log "creating $VENV with the locked test dependencies"
  rm -rf "$VENV"
  "$PYTHON" -m venv "$VENV"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --require-hashes -r "$LOCK"
  # Editable, without the labextension build (the TypeScript step below does it when the TS
  # side exists); --no-build-isolation: hatchling and the hook are in the lock.
  HATCH_JUPYTER_BUILDER_SKIP_NPM=1 "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
    --no-deps --no-build-isolation -e "$here"
  echo "$wanted" >"$stamp"
fi
export PATH="$VENV/bin:$PATH"

# --- the TypeScript side ---------------------------------------------------------------------
if [[ -f $here/package.json ]]; then
  log "TypeScript side: jlpm install, build:prod, test"
  (
    cd "$here"
    jlpm install
    jlpm build:prod
    # The browser tests' JupyterLab loads it from the venv: a link to notebook_jobs_jupyter/labextension
    # (idempotent; the stock @jupyterlab/scheduler labextension comes with jupyter_scheduler).
    jupyter labextension develop --overwrite . >/dev/null
    # >>> TypeScript tests (jest): owned by the create-form plugin's author.
    jlpm test
    # <<< TypeScript tests
  )
else
  log "TypeScript side: skipped (no frontend-extension/package.json yet)"
fi

# --- the bridge's suite ----------------------------------------------------------------------
if ! why="$(can_run)"; then
  log "$why"
  log "bridge suite: skipped"
  exit 0
fi

# --- the browser for tests/browser: Debian's chromium, never a Playwright download ------------
# Playwright 1.64 (tests/requirements.in) speaks to Chromium 156, what Debian ships. Without it
# (and not root, or no apt-get) the browser tests skip and say why.
if [[ ! -x /usr/bin/chromium ]]; then
  if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
    log "installing Debian's chromium for the browser tests (apt-get install -y chromium)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null ||
      { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } ||
      log "could not install chromium: the browser tests will be skipped"
  else
    log "no /usr/bin/chromium (install Debian's chromium as root): the browser tests will be skipped"
  fi
fi

log "setup took $((SECONDS - started)) s; running the bridge's tests"
cd "$here"
exec "$VENV/bin/python" -m pytest -p no:cacheprovider "$@"
