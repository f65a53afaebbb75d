#!/usr/bin/env bash
# Smoke test of a running sim-cluster with kubectl only: every property the
# e2e tests rely on, printed as evidence. Run after `./sim-cluster up`.
# Takes about two minutes (the CronJob waits for the next full minute).
# It removes GPU nodes for a moment and restarts the API server once.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
sim="$here/../sim-cluster"
eval "$("$sim" env)"
ns="sim-smoke"
k() { kubectl -n "$ns" "$@"; }
say() { printf '\n=== %s\n' "$*"; }
fail() { printf 'SMOKE FAILED: %s\n' "$*" >&2; exit 1; }

pod_of() { k get pod -l "batch.kubernetes.io/job-name=$1" -o jsonpath='{.items[0].metadata.name}'; }

# fresh NAME FILE: (re)create the manifest's objects from scratch.
fresh() {
  k delete -f "$here/$1" --ignore-not-found --cascade=foreground --wait=true >/dev/null
  k apply -f "$here/$1" >/dev/null
}

container_state() { k get pod "$(pod_of "$1")" -o jsonpath='{.spec.nodeName} {.status.phase} {.status.containerStatuses[0].state}'; echo; }

scheduled_message() {
  k get pod "$(pod_of "$1")" -o jsonpath='{.status.conditions[?(@.type=="PodScheduled")].message}'
  echo
}

wait_scheduled_false() {
  local i
  for ((i = 0; i < 30; i++)); do
    [[ -n $(scheduled_message "$1" 2>/dev/null | tr -d '\n') ]] && return 0
    sleep 1
  done
  fail "no PodScheduled=False message for $1"
}

# A namespace of its own, so leftovers of earlier runs (or of the service's
# tests) neither occupy simulated GPUs nor collide with the names used here.
setup_namespace() {
  say "fresh namespace $ns"
  kubectl delete namespace "$ns" --ignore-not-found --wait=true --timeout=120s >/dev/null
  kubectl create namespace "$ns" >/dev/null
  until k get serviceaccount default >/dev/null 2>&1; do sleep 1; done
  k create secret generic notebook-jobs-s3 --from-literal=AWS_ACCESS_KEY_ID="$AWS_ACCESS_KEY_ID" \
    --from-literal=AWS_SECRET_ACCESS_KEY="$AWS_SECRET_ACCESS_KEY" >/dev/null
}

check_jobs() {
  say "Job on the process node: Complete, exit code and termination message in the pod status"
  fresh job-ok.yaml
  k wait --for=condition=Complete job/sim-job-ok --timeout=60s
  container_state sim-job-ok
  k logs "job/sim-job-ok"

  say "Failing command: Job Failed, terminated exitCode/message"
  fresh job-fail.yaml
  k wait --for=condition=Failed job/sim-job-fail --timeout=60s
  k get job sim-job-fail -o jsonpath='{.status.conditions[?(@.type=="Failed")].reason}{"\n"}'
  container_state sim-job-fail

  say "Missing Secret: CreateContainerConfigError like a kubelet"
  fresh missing-secret.yaml
  sleep 4
  container_state sim-job-missing-secret
  k delete -f "$here/missing-secret.yaml" --wait=false >/dev/null
}

check_gpu() {
  say "GPU: more than any node has"
  fresh gpu-too-many.yaml
  wait_scheduled_false sim-gpu-too-many
  scheduled_message sim-gpu-too-many
  k get events --field-selector "reason=FailedScheduling,involvedObject.name=$(pod_of sim-gpu-too-many)" \
    -o jsonpath='{.items[0].type} {.items[0].reason}: {.items[0].message}{"\n"}'

  say "GPU: every GPU busy, the pod waits"
  fresh gpu-fill.yaml
  k wait --for=condition=Ready pod -l 'batch.kubernetes.io/job-name in (sim-gpu-busy-1,sim-gpu-busy-2,sim-gpu-busy-3)' --timeout=60s >/dev/null
  fresh gpu-wait.yaml
  wait_scheduled_false sim-gpu-wait
  scheduled_message sim-gpu-wait

  say "GPU: a GPU frees up (Job deleted, Background propagation), the waiting pod is scheduled"
  k delete job sim-gpu-busy-1 --cascade=background >/dev/null
  k wait --for=condition=PodScheduled pod -l batch.kubernetes.io/job-name=sim-gpu-wait --timeout=60s
  k delete -f "$here/gpu-fill.yaml" -f "$here/gpu-wait.yaml" --ignore-not-found --wait=false >/dev/null

  say "GPU: no GPU node at all"
  kubectl delete node sim-gpu-1 sim-gpu-2 >/dev/null
  fresh gpu-wait.yaml
  wait_scheduled_false sim-gpu-wait
  scheduled_message sim-gpu-wait
  k delete -f "$here/gpu-wait.yaml" -f "$here/gpu-too-many.yaml" --wait=false >/dev/null
  kubectl apply -f "$here/../nodes/" >/dev/null
  kubectl wait --for=condition=Ready node/sim-gpu-1 node/sim-gpu-2 --timeout=60s >/dev/null
}

check_gc() {
  say "Deleting a running Job with propagationPolicy=Background removes its pod and process"
  fresh job-long.yaml
  k wait --for=condition=Ready pod -l batch.kubernetes.io/job-name=sim-job-long --timeout=60s >/dev/null
  local pid start=$SECONDS
  pid="$(k get pod "$(pod_of sim-job-long)" -o jsonpath='{.status.containerStatuses[0].containerID}')"
  pid=${pid#process://}
  k delete job sim-job-long --cascade=background >/dev/null
  k wait --for=delete pod -l batch.kubernetes.io/job-name=sim-job-long --timeout=60s >/dev/null
  if kill -0 "$pid" 2>/dev/null; then fail "process $pid survived its pod"; fi
  echo "pod and local process $pid gone $((SECONDS - start))s after the delete"
}

check_restart() {
  say "API server restart while a Job runs on the process node"
  k delete job sim-job-restart --ignore-not-found --wait=true >/dev/null
  sed -e 's/name: sim-job-long/name: sim-job-restart/' -e 's/value: "300"/value: "20"/' "$here/job-long.yaml" | k apply -f - >/dev/null
  k wait --for=condition=Ready pod -l batch.kubernetes.io/job-name=sim-job-restart --timeout=60s >/dev/null
  "$sim" restart-apiserver
  k wait --for=condition=Complete job/sim-job-restart --timeout=90s
  container_state sim-job-restart
}

check_cron() {
  say "CronJob '* * * * *' spawns a Job"
  fresh cronjob.yaml
  local start=$SECONDS
  until k get jobs -o jsonpath='{.items[*].metadata.ownerReferences[0].kind}' | grep -q CronJob; do
    ((SECONDS - start < 75)) || fail "no Job from the CronJob within 75s"
    sleep 1
  done
  echo "first Job after $((SECONDS - start))s: $(k get jobs -o jsonpath='{.items[?(@.metadata.ownerReferences[0].kind=="CronJob")].metadata.name}')"
  k delete -f "$here/cronjob.yaml" --cascade=background >/dev/null
}

check_dry_run() {
  say "kubectl apply --dry-run=server"
  k apply --dry-run=server -f "$here/job-ok.yaml" -f "$here/cronjob.yaml"
  if k apply --dry-run=server -f - <<<'{"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"bad"},"spec":{"template":{"spec":{"containers":[{"name":"c","image":"x"}]}}}}' 2>/tmp/sim-dry-run.err; then
    fail "the API server accepted a Job without restartPolicy Never/OnFailure"
  fi
  cat /tmp/sim-dry-run.err
}

setup_namespace
check_jobs
check_gpu
check_gc
check_restart
check_dry_run
check_cron
kubectl delete namespace "$ns" --wait=false >/dev/null
say "smoke test passed"
