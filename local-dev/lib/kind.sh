# shellcheck shell=bash
# The local stack on Kind: a one-node cluster from local-dev/kind/cluster.yaml, the executor and
# service images built with Docker and loaded into it, and k8s/overlays/local applied (the service,
# MinIO, a Job that creates the bucket). Needs docker, kind and kubectl (any release with
# kustomize v5, 1.27 or newer).
#
# NOTE: this path could not be run where it was written (no Docker daemon there); the simulated
# cluster path is the one CI runs. docs/operations.md says what to check first if it fails.

kind_env() {
  KIND_KUBECONFIG="$LOCAL_DEV_STATE_DIR/kind.kubeconfig"
  KIND_CONFIG="$LOCAL_DEV_STATE_DIR/kind-cluster.yaml"
}

kind_kubectl() { kubectl --kubeconfig "$KIND_KUBECONFIG" -n "$LD_NAMESPACE" "$@"; }

kind_cluster_exists() { kind get clusters 2>/dev/null | grep -qx "$LOCAL_DEV_KIND_CLUSTER"; }

kind_up() {
  local reason=$1 before after
  kind_env
  command -v kind >/dev/null || die "kind is needed for the Kind stack (or use local-dev/up --sim)"
  docker_usable || die "no Docker daemon answers (docker info); use local-dev/up --sim without Docker"
  command -v kubectl >/dev/null || die "kubectl (1.27 or newer) is needed for the Kind stack"
  mkdir -p "$LOCAL_DEV_STATE_DIR" "$LD_SERVICE_DIR"
  echo kind >"$LD_MODE_FILE"

  if kind_cluster_exists; then
    log "reusing Kind cluster $LOCAL_DEV_KIND_CLUSTER"
    kind export kubeconfig --name "$LOCAL_DEV_KIND_CLUSTER" --kubeconfig "$KIND_KUBECONFIG" >/dev/null 2>&1
  else
    port_taken "$LOCAL_DEV_PORT" && die "port $LOCAL_DEV_PORT is in use; choose another with LOCAL_DEV_PORT=..."
    sed -e "s/^name: .*/name: $LOCAL_DEV_KIND_CLUSTER/" \
      -e "s/hostPort: 8080 # LOCAL_DEV_PORT/hostPort: $LOCAL_DEV_PORT/" \
      "$LD_ROOT/local-dev/kind/cluster.yaml" >"$KIND_CONFIG"
    log "creating Kind cluster $LOCAL_DEV_KIND_CLUSTER"
    kind create cluster --name "$LOCAL_DEV_KIND_CLUSTER" --config "$KIND_CONFIG" \
      --kubeconfig "$KIND_KUBECONFIG" --wait 180s ${KIND_NODE_IMAGE:+--image "$KIND_NODE_IMAGE"}
  fi
  log "cluster up after $(elapsed)"

  log "building the executor image notebook-jobs/executor:dev (image/)"
  docker build -q -t notebook-jobs/executor:dev "$LD_ROOT/image" >/dev/null
  package_service
  log "building the service image notebook-jobs/service:dev (src/main/docker/Dockerfile.jvm)"
  (cd "$LD_ROOT" && docker build -q -f src/main/docker/Dockerfile.jvm -t notebook-jobs/service:dev . >/dev/null)
  after="$(docker image inspect -f '{{.Id}}' notebook-jobs/service:dev)"
  log "loading the images into Kind"
  kind load docker-image --name "$LOCAL_DEV_KIND_CLUSTER" notebook-jobs/executor:dev notebook-jobs/service:dev >/dev/null
  log "images built and loaded after $(elapsed)"

  kubectl --kubeconfig "$KIND_KUBECONFIG" apply -k "$LD_ROOT/k8s/overlays/local" >/dev/null
  before="$(cat "$LOCAL_DEV_STATE_DIR/service-image-id" 2>/dev/null || true)"
  if [[ -n $before && $before != "$after" ]]; then
    # Same tag, new image: the pods must be replaced to run it.
    log "the service image changed; restarting the Deployment"
    kind_kubectl rollout restart deployment/notebook-jobs >/dev/null
  fi
  echo "$after" >"$LOCAL_DEV_STATE_DIR/service-image-id"
  kind_kubectl rollout status deployment/minio --timeout=180s >/dev/null
  kind_kubectl wait --for=condition=Complete job/minio-bucket --timeout=180s >/dev/null ||
    die "the bucket was not created: kubectl --kubeconfig $KIND_KUBECONFIG -n $LD_NAMESPACE logs job/minio-bucket"
  kind_kubectl rollout status deployment/notebook-jobs --timeout=300s >/dev/null ||
    die "the service did not become ready: kubectl --kubeconfig $KIND_KUBECONFIG -n $LD_NAMESPACE logs deploy/notebook-jobs"
  wait_until "$LOCAL_DEV_READY_TIMEOUT" "service ready at http://localhost:$LOCAL_DEV_PORT" \
    http_ok "http://127.0.0.1:$LOCAL_DEV_PORT/q/health/ready" ||
    die "http://localhost:$LOCAL_DEV_PORT/q/health/ready does not answer (is the port mapping of $KIND_CONFIG in place?)"
  finish_up "Kind ($reason)" "$KIND_KUBECONFIG" "" notebook-jobs "" \
    "Kind cluster $LOCAL_DEV_KIND_CLUSTER (k8s/overlays/local); notebooks run in the executor image" \
    "logs: kubectl -n $LD_NAMESPACE logs deploy/notebook-jobs" \
    "MinIO in the cluster, http://minio:9000, bucket notebook-jobs;
from this machine: kubectl -n $LD_NAMESPACE port-forward svc/minio 9000:9000 9001:9001"
}

kind_down() {
  kind_env
  if command -v kind >/dev/null 2>&1 && docker_usable && kind_cluster_exists; then
    kind delete cluster --name "$LOCAL_DEV_KIND_CLUSTER" --kubeconfig "$KIND_KUBECONFIG"
  fi
}
