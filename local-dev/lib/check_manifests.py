"""Checks the rendered k8s/ manifests (as the API server returned them from a server-side dry
run, JSON) against what docs/operations.md promises: least-privilege RBAC, hardened pods, probes,
resources, configuration wiring, and per-overlay specifics. Used by local-dev/check-deploy.sh.

    python3 check_manifests.py KIND(base|local|production) NAMESPACE DRY_RUN.json

Prints one line per failed expectation and exits 1 if any failed.
"""
import ipaddress
import json
import sys

# The Role of k8s/base/rbac/role.yaml, as the code needs it (docs/operations.md, "RBAC").
EXPECTED_RULES = {
    ("batch", "jobs"): {"create", "get", "list", "watch", "patch", "delete"},
    ("batch", "cronjobs"): {"create", "get", "list", "watch", "patch", "update", "delete"},
    ("batch", "cronjobs/status"): {"update"},
    ("", "pods"): {"get", "list", "watch", "delete"},
    ("", "pods/log"): {"get"},
    ("", "events"): {"get", "list", "watch"},
    ("", "secrets"): {"create", "patch", "delete"},
    ("coordination.k8s.io", "leases"): {"get", "create", "update"},
}
CLUSTER_SCOPED = {"ClusterRole", "ClusterRoleBinding", "Namespace", "PersistentVolume", "StorageClass",
                  "PriorityClass", "CustomResourceDefinition", "MutatingWebhookConfiguration",
                  "ValidatingWebhookConfiguration"}
SERVICE_LABELS = {"app.kubernetes.io/name": "notebook-jobs", "app.kubernetes.io/component": "api"}
# What every executor pod carries (JobManifests.labels) and the service's pods never do.
EXECUTOR_LABELS = {"app.kubernetes.io/managed-by": "notebook-jobs"}
METADATA_ADDRESS = ipaddress.ip_address("169.254.169.254")

problems = []


def expect(condition, message):
    if not condition:
        problems.append(message)


def items_of(doc):
    return doc["items"] if doc.get("kind", "").endswith("List") else [doc]


def find(objs, kind, name):
    for o in objs:
        if o["kind"] == kind and o["metadata"]["name"] == name:
            return o
    return None


def check_common(objs, namespace):
    for o in objs:
        if o["kind"] in CLUSTER_SCOPED and o["kind"] != "Namespace":
            problems.append(f"{o['kind']} {o['metadata']['name']}: cluster-scoped objects are not allowed")
        if o["kind"] not in CLUSTER_SCOPED:
            expect(o["metadata"].get("namespace") == namespace,
                   f"{o['kind']} {o['metadata']['name']} is in namespace {o['metadata'].get('namespace')}, not {namespace}")

    role = find(objs, "Role", "notebook-jobs")
    expect(role is not None, "no Role notebook-jobs")
    if role:
        granted = {}
        for rule in role.get("rules", []):
            expect(not rule.get("resourceNames"), "Role rules are not expected to name resources")
            for group in rule.get("apiGroups", []):
                for resource in rule.get("resources", []):
                    granted.setdefault((group, resource), set()).update(rule.get("verbs", []))
        expect(granted == EXPECTED_RULES, f"Role rules differ from the expected ones: {sorted(granted.items())}")
        expect("*" not in json.dumps(role["rules"]), "Role rules must not use wildcards")

    binding = find(objs, "RoleBinding", "notebook-jobs")
    expect(binding is not None, "no RoleBinding notebook-jobs")
    if binding:
        expect(binding["roleRef"] == {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "notebook-jobs"},
               f"RoleBinding refers to {binding['roleRef']}")
        expect(binding["subjects"] == [{"kind": "ServiceAccount", "name": "notebook-jobs", "namespace": namespace}],
               f"RoleBinding subjects are {binding['subjects']}")

    executor_sa = find(objs, "ServiceAccount", "notebook-jobs-executor")
    expect(executor_sa is not None and executor_sa.get("automountServiceAccountToken") is False,
           "ServiceAccount notebook-jobs-executor must exist with automountServiceAccountToken: false")
    expect(find(objs, "ServiceAccount", "notebook-jobs") is not None, "no ServiceAccount notebook-jobs")

    deployment = find(objs, "Deployment", "notebook-jobs")
    expect(deployment is not None, "no Deployment notebook-jobs")
    if not deployment:
        return None
    template = deployment["spec"]["template"]
    pod = template["spec"]
    labels = template["metadata"].get("labels", {})
    expect(all(labels.get(k) == v for k, v in SERVICE_LABELS.items()), f"pod labels {labels}")
    expect(labels.get("app.kubernetes.io/managed-by") != "notebook-jobs",
           "the service's own pods must not carry app.kubernetes.io/managed-by=notebook-jobs (that marks job pods)")
    expect(pod.get("serviceAccountName") == "notebook-jobs", "the Deployment must run as ServiceAccount notebook-jobs")
    psc = pod.get("securityContext", {})
    expect(psc.get("runAsNonRoot") is True, "pod securityContext.runAsNonRoot must be true")
    expect(psc.get("seccompProfile", {}).get("type") == "RuntimeDefault", "pod seccompProfile must be RuntimeDefault")
    containers = pod["containers"]
    expect(len(containers) == 1, "one container expected")
    c = containers[0]
    sc = c.get("securityContext", {})
    expect(sc.get("allowPrivilegeEscalation") is False, "allowPrivilegeEscalation must be false")
    expect(sc.get("privileged") is False, "privileged must be false")
    expect(sc.get("readOnlyRootFilesystem") is True, "readOnlyRootFilesystem must be true")
    expect(sc.get("capabilities", {}).get("drop") == ["ALL"], "capabilities must drop ALL")
    expect(c.get("livenessProbe", {}).get("httpGet", {}).get("path") == "/q/health/live", "liveness probe on /q/health/live")
    expect(c.get("readinessProbe", {}).get("httpGet", {}).get("path") == "/q/health/ready", "readiness probe on /q/health/ready")
    for kind in ("requests", "limits"):
        for resource in ("cpu", "memory"):
            expect(resource in c.get("resources", {}).get(kind, {}), f"resources.{kind}.{resource} must be set")
    env = {e["name"]: e for e in c.get("env", [])}
    expect(env.get("K8S_NAMESPACE", {}).get("valueFrom", {}).get("fieldRef", {}).get("fieldPath") == "metadata.namespace",
           "K8S_NAMESPACE must come from the downward API (metadata.namespace)")
    mounts = {m["mountPath"] for m in c.get("volumeMounts", [])}
    expect("/tmp" in mounts, "/tmp must be a writable volume (uploads are spooled there)")
    expect(c.get("workingDir") == "/deployments" and "/deployments/config" in mounts,
           "config/application.properties must be mounted in the working directory /deployments")
    config_refs = [e["configMapRef"]["name"] for e in c.get("envFrom", []) if "configMapRef" in e]
    expect(len(config_refs) == 1, "the configuration must come from one ConfigMap (envFrom)")
    config = find(objs, "ConfigMap", config_refs[0]) if config_refs else None
    expect(config is not None, f"the ConfigMap {config_refs} the Deployment refers to is not rendered")
    for v in pod.get("volumes", []):
        if "configMap" in v:
            expect(find(objs, "ConfigMap", v["configMap"]["name"]) is not None,
                   f"volume {v['name']} refers to a ConfigMap that is not rendered")
    if config:
        data = config.get("data", {})
        expect(data.get("S3_BUCKET"), "S3_BUCKET must be set")
        expect(data.get("NOTEBOOK_JOBS_KUBE_EXECUTOR_SERVICE_ACCOUNT") == "notebook-jobs-executor",
               "executor pods must run as notebook-jobs-executor")
        expect("K8S_NAMESPACE" not in data, "K8S_NAMESPACE belongs to the downward API, not the ConfigMap")

    service = find(objs, "Service", "notebook-jobs")
    expect(service is not None and service["spec"]["selector"] == SERVICE_LABELS, "Service notebook-jobs selects the pods")
    if service:
        expect([p["port"] for p in service["spec"]["ports"]] == [8080], "Service port 8080")

    policy = find(objs, "NetworkPolicy", "notebook-jobs")
    expect(policy is not None, "no NetworkPolicy notebook-jobs")
    if policy:
        expect(policy["spec"]["podSelector"].get("matchLabels") == SERVICE_LABELS, "NetworkPolicy selects the service's pods")
        expect(policy["spec"].get("policyTypes") == ["Ingress"], "NetworkPolicy restricts ingress")

    check_executor_policy(find(objs, "NetworkPolicy", "notebook-jobs-executor"))

    pdb = find(objs, "PodDisruptionBudget", "notebook-jobs")
    expect(pdb is not None and pdb["spec"]["selector"].get("matchLabels") == SERVICE_LABELS,
           "PodDisruptionBudget selects the service's pods")
    return deployment, config, policy, pdb


def check_executor_policy(policy):
    """Executor pods' egress: DNS and everything else but the cloud metadata address."""
    expect(policy is not None, "no NetworkPolicy notebook-jobs-executor")
    if not policy:
        return
    spec = policy["spec"]
    expect(spec["podSelector"].get("matchLabels") == EXECUTOR_LABELS,
           "NetworkPolicy notebook-jobs-executor selects the executor pods (app.kubernetes.io/managed-by)")
    expect(spec.get("policyTypes") == ["Egress"], "NetworkPolicy notebook-jobs-executor restricts egress")
    rules = spec.get("egress", [])
    expect(any(not r.get("to") and {"protocol": "UDP", "port": 53} in r.get("ports", []) for r in rules),
           "executor pods may resolve names (port 53 to anywhere)")
    for rule in rules:
        if not rule.get("to"):
            expect({p.get("port") for p in rule.get("ports", [])} == {53},
                   "an egress rule open to every address may only open DNS")
        for peer in rule.get("to", []):
            block = peer.get("ipBlock")
            if block and _covers_metadata(block):
                expect(any(_covers_metadata({"cidr": e}) for e in block.get("except", [])),
                       f"egress to {block['cidr']} must except {METADATA_ADDRESS}/32 (the cloud metadata service)")


def _covers_metadata(block):
    network = ipaddress.ip_network(block["cidr"], strict=False)
    return network.version == 4 and METADATA_ADDRESS in network


def main():
    kind, namespace, path = sys.argv[1:4]
    with open(path) as f:
        objs = items_of(json.load(f))
    result = check_common(objs, namespace)
    if result:
        deployment, config, policy, pdb = result
        container = deployment["spec"]["template"]["spec"]["containers"][0]
        env_names = {e["name"] for e in container.get("env", [])}
        data = (config or {}).get("data", {})
        if kind in ("base", "production"):
            for rule in (policy or {}).get("spec", {}).get("ingress", []):
                expect(rule.get("from"), "every ingress rule must name its sources (Jupyter side, monitoring)")
            expect(deployment["spec"].get("replicas", 1) >= 2 and pdb["spec"].get("minAvailable") == 1,
                   "two replicas with a PodDisruptionBudget of minAvailable 1")
        if kind == "local":
            service = find(objs, "Service", "notebook-jobs")
            expect(service["spec"]["type"] == "NodePort" and service["spec"]["ports"][0].get("nodePort") == 30080,
                   "the local Service must be NodePort 30080 (local-dev/kind/cluster.yaml maps it)")
            expect(find(objs, "Secret", "notebook-jobs-s3") is not None, "the local overlay provides Secret notebook-jobs-s3")
            expect(data.get("NOTEBOOK_JOBS_S3_CREDENTIALS_SECRET_NAME") == "notebook-jobs-s3",
                   "executor pods get S3 keys from notebook-jobs-s3")
            expect(data.get("S3_ENDPOINT_URL") == "http://minio:9000", "the local stack uses MinIO")
            expect(find(objs, "Deployment", "minio") is not None and find(objs, "Job", "minio-bucket") is not None,
                   "MinIO and the bucket Job are part of the local overlay")
        if kind == "production":
            expect(not env_names & {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"},
                   "production must not take static AWS keys")
            expect("NOTEBOOK_JOBS_S3_CREDENTIALS_SECRET_NAME" not in data, "production executor pods use IRSA, not a Secret")
            for sa in ("notebook-jobs", "notebook-jobs-executor"):
                o = find(objs, "ServiceAccount", sa)
                expect(o and "eks.amazonaws.com/role-arn" in o["metadata"].get("annotations", {}),
                       f"ServiceAccount {sa} must carry an IAM role (eks.amazonaws.com/role-arn)")
            image = container["image"]
            expect("/" in image and "." in image.split("/")[0], f"the service image must come from a registry ({image})")
            expect("." in data.get("K8S_IMAGE", "").split("/")[0], "the executor image must come from a registry")
            props = find(objs, "ConfigMap", [v["configMap"]["name"] for v in
                                             deployment["spec"]["template"]["spec"]["volumes"] if "configMap" in v][0])
            expect("notebook-jobs.kube.gpu.node-selector." in json.dumps(props.get("data", {})),
                   "production sets a GPU node selector")
            expect(data.get("NOTEBOOK_JOBS_KUBE_GPU_TOLERATIONS"), "production sets the GPU tolerations")
            expect(data.get("NOTEBOOK_JOBS_AUTH_MODE") == "jupyterhub" and data.get("NOTEBOOK_JOBS_AUTH_JUPYTERHUB_API_URL"),
                   "production verifies users with JupyterHub (auth mode and hub API URL)")
            expect(data.get("NOTEBOOK_JOBS_AUTH_ADMIN_GROUPS"), "production names its administrators' group")
            pod = deployment["spec"]["template"]
            expect(pod["metadata"].get("labels", {}).get("hub.jupyter.org/network-access-hub") == "true",
                   "the service's pods may reach the hub through zero-to-jupyterhub's NetworkPolicy")
            policy_file = next((e.get("value") for e in container.get("env", []) if e["name"] == "NOTEBOOK_JOBS_POLICY_FILE"), None)
            mounts = {m["name"]: m["mountPath"] for m in container.get("volumeMounts", [])}
            volumes = {v["name"]: v for v in pod["spec"]["volumes"]}
            policy_map = volumes.get("policy", {}).get("configMap", {}).get("name")
            expect(policy_file and mounts.get("policy") and policy_file.startswith(mounts["policy"] + "/"),
                   "NOTEBOOK_JOBS_POLICY_FILE points into the mounted policy ConfigMap")
            policy_cm = find(objs, "ConfigMap", policy_map) if policy_map else None
            expect(policy_cm and policy_file and policy_file.rsplit("/", 1)[1] in policy_cm.get("data", {}),
                   "the policy ConfigMap holds the file NOTEBOOK_JOBS_POLICY_FILE names")
    for p in problems:
        print(f"  {kind}: {p}")
    print(f"  {kind}: {len(objs)} objects checked, {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
