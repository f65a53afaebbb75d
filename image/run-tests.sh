#!/usr/bin/env bash
# Runs the executor's tests: real notebooks, a real kernel, a real S3-compatible server.
#
# Needs only python3 (3.11, like the image), java (for the s3proxy test server) and access to
# PyPI and Maven Central on first use. Idempotent: the venv (image/.venv) is rebuilt only when
# the lock files or pyproject.toml change, and the s3proxy jar is downloaded once into
# ${XDG_CACHE_HOME:-~/.cache}/notebook-jobs/ and checked against its SHA-256.
#
# Usage: image/run-tests.sh [pytest arguments...]
set -euo pipefail
cd "$(dirname "$0")"

PYTHON=${PYTHON:-python3}
VENV=.venv
CACHE_DIR=${XDG_CACHE_HOME:-$HOME/.cache}/notebook-jobs
S3PROXY_VERSION=4.1.0
S3PROXY_SHA256=a4d025969aaf796616ed4b1e2491d87d455ce84bb28cb9db086b2e6aaa68b48d
S3PROXY_URL=https://repo.maven.apache.org/maven2/org/gaul/s3proxy/$S3PROXY_VERSION/s3proxy-$S3PROXY_VERSION-jar-with-dependencies.jar
S3PROXY_JAR=$CACHE_DIR/s3proxy-$S3PROXY_VERSION.jar

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
sha256() { "$PYTHON" -c 'import hashlib, sys; print(hashlib.sha256(open(sys.argv[1], "rb").read()).hexdigest())' "$1"; }
if [ ! -f "$S3PROXY_JAR" ] || [ "$(sha256 "$S3PROXY_JAR")" != "$S3PROXY_SHA256" ]; then
  log "downloading s3proxy $S3PROXY_VERSION into $CACHE_DIR"
  mkdir -p "$CACHE_DIR"
  "$VENV/bin/python" - "$S3PROXY_URL" "$S3PROXY_JAR" "$S3PROXY_SHA256" <<'PY'
import hashlib, os, sys, tempfile, urllib.request
url, target, expected = sys.argv[1:]
fd, partial = tempfile.mkstemp(dir=os.path.dirname(target), suffix=".part")
digest = hashlib.sha256()
with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=120) as response:
    for block in iter(lambda: response.read(1 << 20), b""):
        digest.update(block)
        out.write(block)
if digest.hexdigest() != expected:
    os.unlink(partial)
    sys.exit(f"s3proxy download does not match its pinned SHA-256 ({digest.hexdigest()})")
os.replace(partial, target)
PY
fi

# --- the tests -------------------------------------------------------------------------------
export NBJ_TEST_S3PROXY_JAR=$S3PROXY_JAR
exec "$VENV/bin/python" -m pytest -p no:cacheprovider "$@"
