# shellcheck shell=bash
# Process and port helpers of sim-cluster (lib/common.sh sources this file) and of local-dev
# (local-dev/lib/common.sh and check-deploy.sh source it too). Only defines functions; the
# caller defines log().
#
# PID files hold "PID START-TIME", so a PID reused by an unrelated process (after a reboot or
# crash) is never mistaken for ours, and only the process we started is ever signalled.

port_taken() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# proc_field PID N: field N of /proc/PID/stat (state is 3, start time 22),
# counted after the command name, which may contain spaces.
proc_field() {
  local stat
  stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 1
  stat="${stat##*) }"
  local -a fields
  read -r -a fields <<<"$stat"
  echo "${fields[$(($2 - 3))]}"
}

# alive PID: running and not a zombie (PID 1 here reaps orphans with a delay,
# and kill -0 succeeds on a zombie).
alive() {
  local state
  state="$(proc_field "$1" 3)" || return 1
  [[ $state != Z ]]
}

# write_pidfile FILE PID: record PID and its start time.
write_pidfile() { echo "$2 $(proc_field "$2" 22)" >"$1"; }

# pid_alive FILE: print the PID recorded in FILE if that very process still runs.
pid_alive() {
  local pidfile=$1 pid started
  [[ -f $pidfile ]] || return 1
  read -r pid started <"$pidfile" || true
  [[ -n ${pid:-} && -n ${started:-} ]] || return 1
  alive "$pid" || return 1
  [[ $(proc_field "$pid" 22) == "$started" ]] || return 1
  echo "$pid"
}

# stop_pidfile FILE NAME GRACE: SIGTERM the recorded process, SIGKILL after GRACE seconds;
# then remove FILE.
stop_pidfile() {
  local pidfile=$1 name=$2 grace=$3 pid i
  if pid="$(pid_alive "$pidfile")"; then
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < grace * 10; i++)); do
      pid_alive "$pidfile" >/dev/null || break
      sleep 0.1
    done
    if pid_alive "$pidfile" >/dev/null; then
      log "$name (pid $pid) ignored SIGTERM for ${grace}s; sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
    fi
    log "stopped $name (pid $pid)"
  fi
  rm -f "$pidfile"
}
