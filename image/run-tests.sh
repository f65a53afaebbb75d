#!/usr/bin/env bash
# Runs the executor's tests: real notebooks, a real kernel, a real S3-compatible server.
#
# Needs only python3 (3.11, like the image), java (for the s3proxy test server), curl and access
# to PyPI and Maven Central on first use. Idempotent: the venv (image/.venv) is rebuilt only when
# the lock files or pyproject.toml change. The s3proxy jar is the simulated cluster's
# (local-dev/sim-cluster: one version and SHA-256 pin, one cache path, so it is downloaded once
# for both), cached in ${XDG_CACHE_HOME:-~/.cache}/notebook-jobs/sim-cluster/s3proxy/ and
# checked against its SHA-256.
#
# Usage: image/run-tests.sh [pytest arguments...]
set -euo pipefail
cd "$(dirname "$0")"

PYTHON=${PYTHON:-python3}
VENV=.venv

log() { echo "run-tests: $*" >&2; }

command -v java >/dev/null || { log "java is required (it runs the s3proxy S3 test server)"; exit 2; }
"$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11, 5))' \
  || { log "$PYTHON must be Python 3.11.5 or newer (the image uses 3.11; the lock needs 3.11.5+)"; exit 2; }

# --- the venv --------------------------------------------------------------------------------
wanted=$(cat requirements.lock requirements-test.lock pyproject.toml | "$PYTHON" -c \
  'import hashlib, sys; print(hashlib.sha256(sys.stdin.buffer.read()).hexdigest())')
stamp=$VENV/.notebook-jobs-installed
if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c '' 2>/dev/null; then
  log "creating $VENV"
  rm -rf "$VENV"
  "$PYTHON" -m venv "$VENV"
fi
if [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
  log "installing the locked dependencies into $VENV"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
    --require-hashes -r requirements.lock -r requirements-test.lock
  # Editable, so that source changes need no reinstall; --no-deps: everything is locked above.
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps -e .
  echo "$wanted" > "$stamp"
fi

# --- the S3 test server ----------------------------------------------------------------------
# The simulated cluster's pinned jar: fetched when missing or not matching its SHA-256.
S3PROXY_JAR=$(../local-dev/sim-cluster/sim-cluster s3proxy-jar)

# --- the tests -------------------------------------------------------------------------------
export NBJ_TEST_S3PROXY_JAR=$S3PROXY_JAR
exec "$VENV/bin/python" -m pytest -p no:cacheprovider "$@"
