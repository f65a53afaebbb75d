#!/usr/bin/env bash
# Regenerates requirements.lock and requirements-test.lock (exact versions with hashes) from
# requirements.in and requirements-test.in with pip-tools. Run it with the image's Python
# version (3.11) after changing an .in file, then run ./run-tests.sh and commit the locks.
#   ./lock.sh                 # re-resolve, keeping current pins where possible
#   ./lock.sh --upgrade       # move everything to the newest versions
set -euo pipefail
cd "$(dirname "$0")"
PYTHON=${PYTHON:-python3}
TOOLS=${XDG_CACHE_HOME:-$HOME/.cache}/notebook-jobs/pip-tools-venv
[ -x "$TOOLS/bin/pip-compile" ] || { "$PYTHON" -m venv "$TOOLS" && "$TOOLS/bin/pip" install --quiet pip-tools; }
compile() { "$TOOLS/bin/pip-compile" --quiet --generate-hashes --strip-extras --no-header --allow-unsafe "$@"; }
compile "$@" -o requirements.lock requirements.in
compile "$@" -o requirements-test.lock requirements-test.in
