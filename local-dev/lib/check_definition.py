"""A job definition's whole life through the API, as local-dev/check-deploy.sh runs it against a
service that has exactly the Role of k8s/base/rbac: create (a CronJob and its Secret), update
(the CronJob replaced, the Secret's values patched), pause, run now (a run that must COMPLETE),
delete (the CronJob, its runs and their files). Every step the Role did not allow would answer
with an error naming the Kubernetes API's refusal.

    python3 check_definition.py http://localhost:18089
"""
import importlib.util
import json
import pathlib
import sys
import time
import urllib.error

# The sample runner's HTTP helpers (its file name has a dash, so it is loaded by path).
spec = importlib.util.spec_from_file_location(
    "run_sample", pathlib.Path(__file__).resolve().parents[1] / "sample" / "run-sample.py")
sample = importlib.util.module_from_spec(spec)
spec.loader.exec_module(sample)


def call(method, url, body=None, content_type="application/json"):
    headers = {"Content-Type": content_type} if body is not None else {}
    status, data = sample.request(method, url, body, headers)
    if status >= 400:
        raise SystemExit(f"check-definition: {method} {url} answered {status}: {data.decode('utf-8', 'replace')}")
    return json.loads(data) if data else None


def main():
    api = sys.argv[1].rstrip("/") + "/scheduler"
    definition = {
        "name": "check-deploy definition",
        "schedule": "0 3 * * MON-FRI",
        "timezone": "Europe/Vienna",
        "runtime_environment_name": "default",
        "output_formats": ["ipynb"],
        "parameters": {"name": "'definition'", "count": 2},
        # The group policy's custom profile (the local user is in cpsHPCAccess): small, no GPU.
        "runtime_environment_parameters": {"profile": "custom", "cpu": "250m", "memory": "512Mi", "gpu": 0,
                                           "env.SAMPLE_GREETING": "Hi"},
    }
    body, content_type = sample.multipart(
        {"job": ("application/json", json.dumps(definition).encode())},
        {"input": ("sample.ipynb", "application/x-ipynb+json", (sample.HERE / "sample.ipynb").read_bytes())})
    definition_id = call("POST", api + "/job_definitions", body, content_type)["job_definition_id"]
    print(f"check-definition: created {definition_id}", file=sys.stderr)

    update = {"schedule": "30 4 * * *", "parameters": {"name": "'updated'", "count": 3},
              "runtime_environment_parameters": {"profile": "custom", "cpu": "250m", "memory": "512Mi", "gpu": 0,
                                                 "env.SAMPLE_GREETING": "Hello", "env.EXTRA": "1"}}
    call("PATCH", f"{api}/job_definitions/{definition_id}", json.dumps(update).encode())
    call("PATCH", f"{api}/job_definitions/{definition_id}", json.dumps({"active": False}).encode())
    described = call("GET", f"{api}/job_definitions/{definition_id}")
    assert described["schedule"] == "30 4 * * *" and described["active"] is False, described
    print("check-definition: updated and paused", file=sys.stderr)

    run_id = call("POST", f"{api}/job_definitions/{definition_id}/jobs", json.dumps({}).encode())["job_id"]
    deadline = time.monotonic() + 180
    while True:
        run = call("GET", f"{api}/jobs/{run_id}")
        if run["status"] in sample.TERMINAL or time.monotonic() > deadline:
            break
        time.sleep(1)
    print(f"check-definition: run {run_id} {run['status']} {run.get('status_message') or ''}", file=sys.stderr)
    if run["status"] != "COMPLETED":
        return 1
    runs = call("GET", f"{api}/jobs?job_definition_id={definition_id}")
    assert [j["job_id"] for j in runs["jobs"]] == [run_id], runs

    call("DELETE", f"{api}/job_definitions/{definition_id}")
    status, _ = sample.request("GET", f"{api}/job_definitions/{definition_id}")
    status_run, _ = sample.request("GET", f"{api}/jobs/{run_id}")
    if (status, status_run) != (404, 404):
        print(f"check-definition: after delete the definition answers {status}, its run {status_run}", file=sys.stderr)
        return 1
    print("check-definition: deleted with its run", file=sys.stderr)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except urllib.error.URLError as e:
        raise SystemExit(f"check-definition: {e}")
