# shellcheck shell=bash
# JupyterLab for the local stack: JupyterLab 4 with the stock scheduler UI (jupyter_scheduler
# 2.11's labextension), our create form and the bridge (frontend-extension/), pointed at the local
# service. Its virtualenv is made from frontend-extension/tests/requirements.lock, the versions the
# ui suite tests, and kept across local-dev/down; the labextension is built the way
# frontend-extension/run-tests.sh builds it (jlpm install, jlpm build:prod). The service runs in
# auth mode none, so the bridge sends no identity.

# 0: local-dev/up --no-lab (read by lib/common.sh).
# shellcheck disable=SC2034
LD_START_LAB=1
: "${LOCAL_DEV_LAB_PORT:=8888}"
: "${LOCAL_DEV_LAB_VENV:=$LOCAL_DEV_CACHE_DIR/local-dev-lab-venv}"
LD_LAB_DIR="$LOCAL_DEV_STATE_DIR/lab"
LD_FRONTEND="$LD_ROOT/frontend-extension"

# The venv: the locked versions and frontend-extension/ installed editable (so the bridge is the
# checkout's). Rebuilt only when the lock, pyproject.toml or the Python change.
ensure_lab_venv() {
  local py want stamp="$LOCAL_DEV_LAB_VENV/.local-dev-installed"
  py="$(find_python)" || die "Python 3.11.5 or newer is needed for JupyterLab (set PYTHON=/path/to/python3.11)"
  want="$({ "$py" --version; cat "$LD_FRONTEND/tests/requirements.lock" "$LD_FRONTEND/pyproject.toml"; } |
    sha256sum | cut -c1-32)"
  if [[ $(cat "$stamp" 2>/dev/null) == "$want" && -x $LOCAL_DEV_LAB_VENV/bin/jupyter-lab ]]; then
    return 0
  fi
  log "installing JupyterLab and the bridge into $LOCAL_DEV_LAB_VENV (a minute or two, once)"
  rm -rf "$LOCAL_DEV_LAB_VENV"
  "$py" -m venv "$LOCAL_DEV_LAB_VENV"
  "$LOCAL_DEV_LAB_VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
    --require-hashes -r "$LD_FRONTEND/tests/requirements.lock" >"$LD_LAB_DIR/install.log" 2>&1 ||
    die "pip install of frontend-extension/tests/requirements.lock failed (log: $LD_LAB_DIR/install.log)"
  # Without the labextension build (ensure_labextension does it); hatchling is in the lock.
  HATCH_JUPYTER_BUILDER_SKIP_NPM=1 "$LOCAL_DEV_LAB_VENV/bin/python" -m pip install --quiet \
    --disable-pip-version-check --no-deps --no-build-isolation -e "$LD_FRONTEND" >>"$LD_LAB_DIR/install.log" 2>&1 ||
    die "pip install -e frontend-extension failed (log: $LD_LAB_DIR/install.log)"
  echo "$want" >"$stamp"
  log "JupyterLab installed after $(elapsed)"
}

# Our labextension (notebook_jobs_jupyter/labextension, gitignored), rebuilt when a source is newer,
# and linked into the venv's JupyterLab.
ensure_labextension() {
  local built="$LD_FRONTEND/notebook_jobs_jupyter/labextension/package.json" newer=""
  # jlpm and jupyter-builder are the venv's.
  local path="$LOCAL_DEV_LAB_VENV/bin:$PATH"
  command -v node >/dev/null || die "Node.js 20 is needed to build the JupyterLab extension (or use --no-lab)"
  if [[ -f $built ]]; then
    newer="$(find "$LD_FRONTEND/src" "$LD_FRONTEND/style" "$LD_FRONTEND/package.json" -newer "$built" -type f \
      -print -quit 2>/dev/null)"
  fi
  if [[ ! -f $built || -n $newer ]]; then
    log "building the JupyterLab extension (jlpm install, jlpm build:prod)${newer:+: $newer changed}"
    if ! (cd "$LD_FRONTEND" && PATH="$path" jlpm install && PATH="$path" jlpm build:prod) >"$LD_LAB_DIR/build.log" 2>&1; then
      tail -n 20 "$LD_LAB_DIR/build.log" >&2
      die "the JupyterLab extension does not build (log: $LD_LAB_DIR/build.log)"
    fi
    log "JupyterLab extension built after $(elapsed)"
  fi
  (cd "$LD_FRONTEND" && PATH="$path" jupyter labextension develop --overwrite . \
    >"$LD_LAB_DIR/develop.log" 2>&1) || die "jupyter labextension develop failed (log: $LD_LAB_DIR/develop.log)"
}

lab_url() { echo "http://localhost:$LOCAL_DEV_LAB_PORT/lab?token=$(cat "$LD_LAB_DIR/token")"; }

# Starts JupyterLab unless it already runs with the same settings; its workspace is
# $LD_LAB_DIR/work, with the sample notebook in it.
ensure_lab() {
  local pidfile="$LD_LAB_DIR/lab.pid" wanted pid
  mkdir -p "$LD_LAB_DIR/work" "$LD_LAB_DIR/config/labconfig"
  ensure_lab_venv
  ensure_labextension
  [[ -s $LD_LAB_DIR/token ]] || (umask 077 && openssl rand -hex 24 >"$LD_LAB_DIR/token")
  wanted="$(echo "$LOCAL_DEV_LAB_PORT $LOCAL_DEV_PORT $(cat "$LOCAL_DEV_LAB_VENV/.local-dev-installed")" | sha256sum | cut -c1-16)"
  if pid="$(pid_alive "$pidfile")"; then
    if [[ $(cat "$LD_LAB_DIR/running" 2>/dev/null) == "$wanted" ]] &&
      http_ok "http://127.0.0.1:$LOCAL_DEV_LAB_PORT/api/status?token=$(cat "$LD_LAB_DIR/token")"; then
      log "reusing the running JupyterLab (pid $pid)"
      return 0
    fi
    log "restarting JupyterLab (new settings)"
    stop_pidfile "$pidfile" JupyterLab 15
  fi
  if port_taken "$LOCAL_DEV_LAB_PORT"; then
    die "port $LOCAL_DEV_LAB_PORT is in use by another program; choose another with LOCAL_DEV_LAB_PORT=... (or --no-lab)"
  fi
  [[ -f $LD_LAB_DIR/work/sample.ipynb ]] || cp "$LD_ROOT/local-dev/sample/sample.ipynb" "$LD_LAB_DIR/work/"
  # No news pop-up; settings and workspaces inside the stack's state, not in ~/.jupyter.
  echo '{"disabledExtensions": {"@jupyterlab/apputils-extension:announcements": true}}' \
    >"$LD_LAB_DIR/config/labconfig/page_config.json"
  (
    cd "$LD_LAB_DIR/work" || exit 1
    export JUPYTER_CONFIG_DIR="$LD_LAB_DIR/config" JUPYTER_RUNTIME_DIR="$LD_LAB_DIR/runtime"
    export JUPYTERLAB_SETTINGS_DIR="$LD_LAB_DIR/settings" JUPYTERLAB_WORKSPACES_DIR="$LD_LAB_DIR/workspaces"
    export JUPYTER_PLATFORM_DIRS=1 NOTEBOOK_JOBS_URL="http://127.0.0.1:$LOCAL_DEV_PORT"
    # Not a hub server: no hub token may leak in from the caller's environment.
    unset JUPYTERHUB_API_TOKEN JUPYTERHUB_API_URL NOTEBOOK_JOBS_TOKEN
    exec setsid "$LOCAL_DEV_LAB_VENV/bin/jupyter" lab --no-browser --ServerApp.ip=127.0.0.1 \
      --ServerApp.port="$LOCAL_DEV_LAB_PORT" --ServerApp.port_retries=0 \
      --IdentityProvider.token="$(cat "$LD_LAB_DIR/token")" --ServerApp.root_dir="$LD_LAB_DIR/work" --allow-root \
      --LabApp.news_url= --LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate \
      >>"$LD_LAB_DIR/lab.log" 2>&1 </dev/null
  ) &
  pid=$!
  write_pidfile "$pidfile" "$pid"
  echo "$wanted" >"$LD_LAB_DIR/running"
  log "started JupyterLab (pid $pid, log $LD_LAB_DIR/lab.log)"
  local deadline=$((SECONDS + LOCAL_DEV_READY_TIMEOUT))
  until http_ok "http://127.0.0.1:$LOCAL_DEV_LAB_PORT/api/status?token=$(cat "$LD_LAB_DIR/token")"; do
    if ! pid_alive "$pidfile" >/dev/null; then
      tail -n 30 "$LD_LAB_DIR/lab.log" >&2
      die "JupyterLab exited (log: $LD_LAB_DIR/lab.log)"
    fi
    if ((SECONDS >= deadline)); then
      stop_pidfile "$pidfile" JupyterLab 15
      die "JupyterLab did not answer within ${LOCAL_DEV_READY_TIMEOUT}s (log: $LD_LAB_DIR/lab.log)"
    fi
    sleep 1
  done
  # The bridge answers the scheduler UI's start-up probe through the service.
  if ! http_ok "http://127.0.0.1:$LOCAL_DEV_LAB_PORT/scheduler/jobs?max_items=0&token=$(cat "$LD_LAB_DIR/token")"; then
    stop_pidfile "$pidfile" JupyterLab 15
    die "JupyterLab started but its /scheduler bridge does not reach the service (log: $LD_LAB_DIR/lab.log)"
  fi
  log "JupyterLab ready after $(elapsed)"
}

lab_down() {
  stop_pidfile "$LD_LAB_DIR/lab.pid" JupyterLab 15
}
