#!/usr/bin/env python3
"""Runs local-dev/sample/sample.ipynb as a job through the service's API and reports on it.

Creates the job (multipart upload, parameters, html + ipynb outputs, one environment variable),
waits until it ends, lists its files, downloads the executed notebook and checks that the
parameters reached it. Prints a summary for people and, with --result FILE, writes it as JSON.
Exit code 0 only when the job COMPLETED and its output shows the injected parameters.

Standard library only, so any python3 >= 3.8 runs it:

    local-dev/sample/run-sample.py --url http://localhost:8080 --bucket notebook-jobs
"""
import argparse
import json
import pathlib
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

HERE = pathlib.Path(__file__).resolve().parent
TERMINAL = {"COMPLETED", "FAILED", "STOPPED"}
NAME = "local-dev"
COUNT = 5


def request(method, url, body=None, headers=None, timeout=60):
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def api_json(method, url, body=None, headers=None):
    status, data = request(method, url, body, headers)
    try:
        payload = json.loads(data) if data else None
    except ValueError:
        payload = {"message": data.decode("utf-8", "replace")}
    if status >= 400:
        message = payload.get("message") if isinstance(payload, dict) else payload
        raise SystemExit(f"run-sample: {method} {url} answered {status}: {message}")
    return payload


def multipart(fields, files):
    boundary = "----notebook-jobs-" + uuid.uuid4().hex
    out = bytearray()
    for name, (content_type, value) in fields.items():
        out += f"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n".encode()
        out += f"Content-Type: {content_type}\r\n\r\n".encode() + value + b"\r\n"
    for name, (filename, content_type, value) in files.items():
        out += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; "
                f"filename=\"{filename}\"\r\nContent-Type: {content_type}\r\n\r\n").encode()
        out += value + b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return bytes(out), f"multipart/form-data; boundary={boundary}"


def outputs_text(notebook):
    """Every text a code cell of an executed notebook printed or displayed."""
    texts = []
    for cell in notebook.get("cells", []):
        for output in cell.get("outputs", []):
            text = output.get("text") or output.get("data", {}).get("text/plain") or ""
            texts.append("".join(text) if isinstance(text, list) else text)
    return "\n".join(texts)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="the service, e.g. http://localhost:8080")
    parser.add_argument("--bucket", required=True, help="the service's bucket, to name S3 keys")
    parser.add_argument("--prefix", default="", help="the service's NOTEBOOK_JOBS_S3_PREFIX")
    parser.add_argument("--timeout", type=int, default=300, help="seconds to wait for the job to end")
    parser.add_argument("--result", help="write the summary as JSON to this file")
    args = parser.parse_args()
    api = args.url.rstrip("/") + "/scheduler"

    job = {
        "name": "local-dev sample",
        "runtime_environment_name": "default",
        "output_formats": ["ipynb", "html"],
        "parameters": {"name": repr(NAME), "count": COUNT},
        # The group policy's custom profile (the local user is in cpsHPCAccess): small, no GPU.
        "runtime_environment_parameters": {"profile": "custom", "cpu": "500m", "memory": "1Gi", "gpu": 0,
                                           "env.SAMPLE_GREETING": "Hello"},
        "timeout_seconds": 600,
        "tags": ["local-dev", "sample"],
    }
    body, content_type = multipart(
        {"job": ("application/json", json.dumps(job).encode())},
        {"input": ("sample.ipynb", "application/x-ipynb+json", (HERE / "sample.ipynb").read_bytes())})
    job_id = api_json("POST", api + "/jobs", body, {"Content-Type": content_type})["job_id"]
    print(f"run-sample: created job {job_id}; waiting up to {args.timeout} s for it to end", file=sys.stderr)

    deadline = time.monotonic() + args.timeout
    last = None
    while True:
        described = api_json("GET", f"{api}/jobs/{job_id}")
        status = described["status"]
        message = described.get("status_message")
        if (status, message) != last:
            print(f"run-sample:   {status}" + (f": {message}" if message else ""), file=sys.stderr)
            last = (status, message)
        if status in TERMINAL or time.monotonic() > deadline:
            break
        time.sleep(1)

    files = api_json("GET", f"{api}/jobs/{job_id}/files")["files"] if status in TERMINAL else []
    root = args.prefix + f"jobs/{job_id}/"
    summary = {
        "job_id": job_id,
        "status": status,
        "status_message": described.get("status_message"),
        "parameters": described.get("parameters"),
        "files": [{
            "name": f["name"],
            "kind": f["kind"],
            "size": f["size"],
            "s3_uri": f"s3://{args.bucket}/{root}{f['name']}",
            "url": f"{api}/jobs/{job_id}/files/{urllib.parse.quote(f['name'])}",
        } for f in files],
        "files_url": f"{api}/jobs/{job_id}/files",
        "job_url": f"{api}/jobs/{job_id}",
        "parameters_applied": False,
    }
    expected = f"sample-result: name={NAME} count={COUNT} sum_of_squares={sum(i * i for i in range(1, COUNT + 1))}"
    for f in files:
        if f["kind"] == "output" and f.get("format") == "ipynb":
            code, data = request("GET", f"{api}/jobs/{job_id}/files/{urllib.parse.quote(f['name'])}")
            if code == 200:
                summary["parameters_applied"] = expected in outputs_text(json.loads(data))
    if args.result:
        pathlib.Path(args.result).write_text(json.dumps(summary, indent=1) + "\n")

    if status not in TERMINAL:
        print(f"run-sample: job {job_id} still {status} after {args.timeout} s", file=sys.stderr)
        return 1
    if status != "COMPLETED":
        return 1
    if not summary["parameters_applied"]:
        print(f"run-sample: the executed notebook does not show '{expected}'", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
