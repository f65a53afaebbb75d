"""Run the executor contract's sample job for real on the sim-cluster.

Stages the inputs of image/tests/fixtures/job-contract.json in the cluster's
S3 and prints (as a kubectl List) the per-job Secret and a Job with exactly
the fixture's container, pointed at the cluster's S3. Needs a Python with
boto3 (the executor's venv) and the variables of `sim-cluster env`:

    eval "$(local-dev/sim-cluster/sim-cluster env)"
    SIM_EXECUTOR_BIN=/path/to/venv/bin local-dev/sim-cluster/sim-cluster up
    /path/to/venv/bin/python -B local-dev/sim-cluster/examples/contract-job.py | kubectl apply -f -
    kubectl wait --for=condition=Complete job/nb-job-3f0c9a1e-5b7d-4c2a-9e8f-1a2b3c4d5e6f
"""
import json
import os
import pathlib

import boto3

FIXTURES = pathlib.Path(__file__).resolve().parents[3] / "image" / "tests" / "fixtures"


def main() -> None:
    fx = json.loads((FIXTURES / "job-contract.json").read_text())
    s3 = boto3.client(
        "s3",
        endpoint_url=os.environ["S3_ENDPOINT_URL"],
        region_name=os.environ["AWS_REGION"],
        aws_access_key_id=os.environ["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=os.environ["AWS_SECRET_ACCESS_KEY"],
    )
    for key, rel in fx["s3"]["inputKeys"].items():
        s3.upload_file(str(FIXTURES / rel), os.environ["S3_BUCKET"], key)

    container = fx["container"]
    env = []
    for var in container["env"]:
        if var["name"] == "NBJ_S3_ENDPOINT_URL":
            var = {"name": var["name"], "value": os.environ["S3_ENDPOINT_URL"]}
        env.append(var)
    # Keep the executor's source tree free of bytecode files.
    env.append({"name": "PYTHONDONTWRITEBYTECODE", "value": "1"})
    labels = {k: v for k, v in fx["podLabels"].items() if k != "batch.kubernetes.io/job-name"}
    job = {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": fx["job"]["job_name"]},
        "spec": {
            "backoffLimit": 0,
            "template": {
                "metadata": {"labels": labels},
                "spec": {
                    "restartPolicy": "Never",
                    "containers": [{
                        "name": "executor",
                        "image": "notebook-executor:dev",
                        "command": container["command"],
                        "env": env,
                        "volumeMounts": container["volumeMounts"],
                    }],
                    "volumes": [{"name": "work", "emptyDir": {}}, {"name": "tmp", "emptyDir": {}}],
                },
            },
        },
    }
    secrets = [
        {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": name}, "stringData": data}
        for name, data in fx["secrets"].items()
    ]
    print(json.dumps({"apiVersion": "v1", "kind": "List", "items": secrets + [job]}, indent=1))


if __name__ == "__main__":
    main()
