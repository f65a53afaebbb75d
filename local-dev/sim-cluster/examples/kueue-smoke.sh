#!/usr/bin/env bash
# Proof that the real Kueue manager (`sim-cluster kueue up`) queues our Jobs:
# two suspended Jobs in LocalQueue nb-small (ClusterQueue quota cpu 1), each
# requesting cpu 600m, so only one fits at a time. Shows, verbatim:
#   1. the first Workload Admitted and its Job unsuspended by Kueue;
#   2. the second Workload pending with Kueue's quota message;
#   3. after the first Job completes, the second admitted;
#   4. spec.active=false on the second Workload: Kueue suspends its Job again.
# Pods run on the KWOK CPU nodes (they tolerate the simulated taint); the
# first completes after 15 s through the kwok-complete-after annotation, the
# second runs until it is deactivated. Takes about a minute. Jobs are deleted
# at the end unless KEEP=1.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
sim="$here/../sim-cluster"
eval "$("$sim" env)"
ns="${SIM_NAMESPACE:-notebook-jobs}"
queue=nb-small
k() { kubectl -n "$ns" "$@"; }
say() { printf '\n=== %s\n' "$*"; }
fail() { printf 'KUEUE SMOKE FAILED: %s\n' "$*" >&2; exit 1; }
now_ms() { date +%s%3N; }
pretty() { if command -v jq >/dev/null; then jq .; else cat; echo; fi; }

"$sim" kueue status >/dev/null || fail "Kueue is not running: run '$sim kueue up' first"

# wait_until SECONDS DESCRIPTION CMD...: poll CMD every 0.2 s.
wait_until() {
  local timeout=$1 what=$2; shift 2
  local deadline=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || fail "timed out after ${timeout}s: $what"
    sleep 0.2
  done
}

job_uid() { k get job "$1" -o jsonpath='{.metadata.uid}'; }
# The Workload Kueue created for a Job, found by the job-uid label Kueue sets.
workload_of() {
  local name
  name="$(k get workloads -l "kueue.x-k8s.io/job-uid=$(job_uid "$1")" -o jsonpath='{.items[0].metadata.name}')"
  [[ -n $name ]] || return 1
  echo "$name"
}
wl_cond() { k get workload "$1" -o jsonpath="{.status.conditions[?(@.type==\"$2\")].status}"; }
is_cond() { [[ $(wl_cond "$1" "$2") == "$3" ]]; }
job_suspend() { k get job "$1" -o jsonpath='{.spec.suspend}'; }
is_suspend() { [[ $(job_suspend "$1") == "$2" ]]; }
job_cond() { [[ $(k get job "$1" -o jsonpath="{.status.conditions[?(@.type==\"$2\")].status}") == True ]]; }

show_workload() {
  local wl=$1
  echo "--- Workload $wl"
  echo "labels:"; k get workload "$wl" -o jsonpath='{.metadata.labels}' | pretty
  echo "ownerReferences:"; k get workload "$wl" -o jsonpath='{.metadata.ownerReferences}' | pretty
  echo "spec.active: $(k get workload "$wl" -o jsonpath='{.spec.active}')  spec.queueName: $(k get workload "$wl" -o jsonpath='{.spec.queueName}')"
  echo "status.conditions:"; k get workload "$wl" -o jsonpath='{.status.conditions}' | pretty
  echo "status.admission:"; k get workload "$wl" -o jsonpath='{.status.admission}' | pretty
}
show_job() {
  echo "--- Job $1: spec.suspend=$(job_suspend "$1")"
  echo "status.conditions:"; k get job "$1" -o jsonpath='{.status.conditions}' | pretty
  k get pods -l "batch.kubernetes.io/job-name=$1" -o wide --no-headers 2>/dev/null || true
}

job_manifest() {
  local name=$1 complete_after=${2:-}
  cat <<YAML
apiVersion: batch/v1
kind: Job
metadata:
  name: $name
  labels:
    kueue.x-k8s.io/queue-name: $queue
    sim.notebook-jobs.io/kueue-smoke: "true"
spec:
  suspend: true          # no Kueue webhook by default: create suspended, Kueue unsuspends
  backoffLimit: 0
  template:
    metadata:
      annotations:
        ${complete_after:+sim.notebook-jobs.io/kwok-complete-after: "$complete_after"}
    spec:
      restartPolicy: Never
      nodeSelector:
        type: kwok
      tolerations:
      - key: sim.notebook-jobs.io/simulated
        operator: Exists
        effect: NoSchedule
      containers:
      - name: main
        image: sim.invalid/notebook:latest   # KWOK pods run no image
        command: ["sleep", "3600"]
        resources:
          requests:
            cpu: 600m
            memory: 256Mi
YAML
}

say "fresh start: delete earlier smoke Jobs"
k delete jobs -l sim.notebook-jobs.io/kueue-smoke=true --ignore-not-found --wait=true --cascade=foreground >/dev/null
k get localqueue "$queue" >/dev/null || fail "LocalQueue $ns/$queue missing (sim-cluster kueue up applies examples/kueue/queues.yaml)"
kubectl get clusterqueue "$queue" -o jsonpath='ClusterQueue {.metadata.name}: quota {.spec.resourceGroups[0].flavors[0].resources}{"\n"}'

say "two suspended Jobs, 600m cpu each, in LocalQueue $queue"
t_a=$(now_ms)
job_manifest kq-smoke-a 15s | k apply -f - >/dev/null
wait_until 20 "Workload of kq-smoke-a" workload_of kq-smoke-a
wl_a="$(workload_of kq-smoke-a)"
wait_until 30 "Workload $wl_a Admitted" is_cond "$wl_a" Admitted True
t_a_adm=$(now_ms)
wait_until 20 "Job kq-smoke-a unsuspended" is_suspend kq-smoke-a false
t_a_run=$(now_ms)
echo "kq-smoke-a: Workload $wl_a Admitted $((t_a_adm - t_a)) ms after the Job's create; Job unsuspended after $((t_a_run - t_a)) ms"

t_b=$(now_ms)
job_manifest kq-smoke-b | k apply -f - >/dev/null
wait_until 20 "Workload of kq-smoke-b" workload_of kq-smoke-b
wl_b="$(workload_of kq-smoke-b)"
wait_until 30 "Workload $wl_b QuotaReserved=False" is_cond "$wl_b" QuotaReserved False
echo "kq-smoke-b: Workload $wl_b pending (QuotaReserved=False) $(($(now_ms) - t_b)) ms after the Job's create"
sleep 2
is_suspend kq-smoke-b true || fail "kq-smoke-b was unsuspended although the quota is used"

say "admitted (kq-smoke-a) and quota-pending (kq-smoke-b)"
show_workload "$wl_a"
show_job kq-smoke-a
show_workload "$wl_b"
show_job kq-smoke-b
echo "--- LocalQueue $queue status"; k get localqueue "$queue" -o jsonpath='{.status}' | pretty

say "kq-smoke-a completes (kwok-complete-after 15s); then kq-smoke-b is admitted"
wait_until 60 "Job kq-smoke-a Complete" job_cond kq-smoke-a Complete
t_a_done=$(now_ms)
wait_until 60 "Workload $wl_b Admitted" is_cond "$wl_b" Admitted True
t_b_adm=$(now_ms)
wait_until 20 "Job kq-smoke-b unsuspended" is_suspend kq-smoke-b false
echo "kq-smoke-b admitted $((t_b_adm - t_a_done)) ms after kq-smoke-a's Complete was seen (polling every 0.2 s)"
show_workload "$wl_a"
show_workload "$wl_b"
show_job kq-smoke-b

say "deactivate kq-smoke-b's Workload (spec.active=false)"
wait_until 30 "pod of kq-smoke-b Running" \
  sh -c "kubectl -n $ns get pods -l batch.kubernetes.io/job-name=kq-smoke-b -o jsonpath='{.items[*].status.phase}' | grep -q Running"
t_d=$(now_ms)
k patch workload "$wl_b" --type=merge -p '{"spec":{"active":false}}' >/dev/null
wait_until 30 "Job kq-smoke-b suspended again" is_suspend kq-smoke-b true
t_d_susp=$(now_ms)
wait_until 30 "Workload $wl_b Admitted=False" is_cond "$wl_b" Admitted False
wait_until 30 "pods of kq-smoke-b gone" \
  sh -c "[ -z \"\$(kubectl -n $ns get pods -l batch.kubernetes.io/job-name=kq-smoke-b -o name)\" ]"
echo "Job kq-smoke-b suspended $((t_d_susp - t_d)) ms after the patch; its pods are gone"
show_workload "$wl_b"
show_job kq-smoke-b
echo "--- events of Workload $wl_b"
k get events --field-selector "involvedObject.kind=Workload,involvedObject.name=$wl_b" \
  -o custom-columns=REASON:.reason,MESSAGE:.message --sort-by=.lastTimestamp
echo "--- events of Job kq-smoke-b"
k get events --field-selector "involvedObject.kind=Job,involvedObject.name=kq-smoke-b" \
  -o custom-columns=REASON:.reason,MESSAGE:.message --sort-by=.lastTimestamp

if [[ ${KEEP:-0} != 1 ]]; then
  say "cleanup"
  k delete jobs -l sim.notebook-jobs.io/kueue-smoke=true --wait=true --cascade=foreground
fi
say "KUEUE SMOKE OK"
