"""Shared fixtures: a real S3-compatible server (s3proxy) and a way to run the real executor.

The S3 server is s3proxy's standalone jar, started once per session on loopback. Its path
comes from NBJ_TEST_S3PROXY_JAR (run-tests.sh downloads and caches it).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import boto3
import nbformat
import pytest
from botocore.config import Config as BotoConfig
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

TESTS_DIR = Path(__file__).parent
FIXTURES_DIR = TESTS_DIR / "fixtures"
ACCESS_KEY = "nbj-test-access-key"
SECRET_KEY = "nbj-test-secret-Kx7QpZ2mVw9"
BUCKET = "notebook-jobs-test"
CREATE_TIME_MS = 1795437423000  # 2026-11-23 12:37:03 UTC
STAMP = "2026-11-23-12-37-03-PM"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for_port(port: int, process: subprocess.Popen, log_path: Path, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"s3proxy exited with {process.returncode}:\n{log_path.read_text()[-3000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"s3proxy did not listen on port {port} within {seconds} s")


@dataclass
class S3Server:
    endpoint: str
    access_key: str
    secret_key: str

    def client(self):
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
            region_name="us-east-1",
            config=BotoConfig(s3={"addressing_style": "path"}),
        )


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory) -> S3Server:
    jar = os.environ.get("NBJ_TEST_S3PROXY_JAR")
    if not jar or not os.path.isfile(jar):
        pytest.fail("NBJ_TEST_S3PROXY_JAR must name the s3proxy jar: run the tests through image/run-tests.sh")
    java = shutil.which("java")
    if java is None:
        pytest.fail("java is needed to run the s3proxy test server")
    port = _free_port()
    directory = tmp_path_factory.mktemp("s3proxy")
    properties = directory / "s3proxy.properties"
    properties.write_text(
        "\n".join(
            [
                f"s3proxy.endpoint=http://127.0.0.1:{port}",
                "s3proxy.authorization=aws-v2-or-v4",
                f"s3proxy.identity={ACCESS_KEY}",
                f"s3proxy.credential={SECRET_KEY}",
                "jclouds.provider=transient",
                "jclouds.identity=unused",
                "jclouds.credential=unused",
            ]
        )
        + "\n"
    )
    log_path = directory / "s3proxy.log"
    with open(log_path, "wb") as log_file:
        process = subprocess.Popen(
            [java, "-Xmx512m", "-jar", jar, "--properties", str(properties)],
            stdout=log_file,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    try:
        _wait_for_port(port, process, log_path)
        server = S3Server(f"http://127.0.0.1:{port}", ACCESS_KEY, SECRET_KEY)
        server.client().create_bucket(Bucket=BUCKET)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="session")
def s3(s3_server):
    return s3_server.client()


# --- notebooks ---------------------------------------------------------------------------


def notebook(*cells, kernel="python3", language="python", language_info=True):
    """A notebook from cells: a str is a code cell, ("md", text) a markdown cell, a dict with
    "source" and "tags" a tagged code cell."""
    nb = new_notebook()
    for cell in cells:
        if isinstance(cell, str):
            nb.cells.append(new_code_cell(cell))
        elif isinstance(cell, tuple) and cell[0] == "md":
            nb.cells.append(new_markdown_cell(cell[1]))
        else:
            code = new_code_cell(cell["source"])
            code.metadata["tags"] = list(cell["tags"])
            nb.cells.append(code)
    if kernel is not None:
        nb.metadata["kernelspec"] = {"name": kernel, "display_name": kernel, "language": language}
    if language_info:
        nb.metadata["language_info"] = {"name": language, "file_extension": ".py"}
    return nb


def notebook_bytes(nb) -> bytes:
    return nbformat.writes(nb).encode("utf-8")


# --- jobs --------------------------------------------------------------------------------


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str
    message: str
    seconds: float

    def describe(self) -> str:
        return f"exit {self.returncode}\nmessage: {self.message}\nstderr:\n{self.stderr[-4000:]}"


@dataclass
class Job:
    """One job's S3 prefixes and local directories, unique per test."""

    server: S3Server
    s3: object
    tmp: Path
    job_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    input_file: str = "report.ipynb"

    @property
    def prefix(self) -> str:
        return f"jobs/{self.job_id}/"

    @property
    def input_prefix(self) -> str:
        return self.prefix + "input/"

    @property
    def output_prefix(self) -> str:
        return self.prefix + "output/"

    @property
    def files_prefix(self) -> str:
        return self.prefix + "files/"

    @property
    def log_key(self) -> str:
        return self.prefix + "logs/executor.log"

    @property
    def work_dir(self) -> Path:
        return self.tmp / "work"

    @property
    def termination_log(self) -> Path:
        return self.tmp / "termination-log"

    def stage(self, files: dict) -> None:
        """Uploads {relative path: bytes} under the input prefix."""
        for relative, content in files.items():
            self.s3.put_object(Bucket=BUCKET, Key=self.input_prefix + relative, Body=content)

    def stage_notebook(self, nb, extra: dict | None = None) -> None:
        self.stage({self.input_file: notebook_bytes(nb), **(extra or {})})

    def env(self, **overrides) -> dict:
        env = {
            # Only the executor's own bin directory: no xelatex can be found, whatever the machine
            # has, and nothing of the developer's environment (AWS profiles...) leaks in.
            "PATH": os.path.dirname(sys.executable),
            "LANG": "C.UTF-8",
            "HOME": str(self.tmp / "original-home"),
            "NBJ_JOB_NAME": f"nb-job-{self.job_id}",
            "NBJ_JOB_ID": self.job_id,
            "NBJ_S3_BUCKET": BUCKET,
            "NBJ_S3_ENDPOINT_URL": self.server.endpoint,
            "NBJ_S3_REGION": "us-east-1",
            "NBJ_S3_PATH_STYLE": "true",
            "NBJ_INPUT_PREFIX": self.input_prefix,
            "NBJ_INPUT_FILE": self.input_file,
            "NBJ_PACKAGE_INPUT_FOLDER": "false",
            "NBJ_OUTPUT_PREFIX": self.output_prefix,
            "NBJ_SIDE_EFFECTS_PREFIX": self.files_prefix,
            "NBJ_OUTPUT_FORMATS": "ipynb",
            "NBJ_CREATE_TIME": str(CREATE_TIME_MS),
            "NBJ_PARAMETERS": "{}",
            "NBJ_RUN_TIMEOUT_SECONDS": "120",
            "NBJ_CELL_TIMEOUT_SECONDS": "0",
            "NBJ_WORK_DIR": str(self.work_dir),
            "NBJ_TERMINATION_LOG": str(self.termination_log),
            "NBJ_LOG_KEY": self.log_key,
            "AWS_ACCESS_KEY_ID": self.server.access_key,
            "AWS_SECRET_ACCESS_KEY": self.server.secret_key,
        }
        for name, value in overrides.items():
            if value is None:
                env.pop(name, None)
            else:
                env[name] = value
        return env

    def run(self, env: dict | None = None, timeout: float = 150, **overrides) -> Result:
        return run_executor(env if env is not None else self.env(**overrides), self.termination_log, timeout)

    def keys(self, prefix: str) -> list[str]:
        return list_keys(self.s3, prefix)

    def read(self, key: str) -> bytes:
        return self.s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()

    def output_name(self, extension: str) -> str:
        return f"{self.output_prefix}report-{STAMP}.{extension}"

    def executed_notebook(self):
        return nbformat.reads(self.read(self.output_name("ipynb")).decode("utf-8"), as_version=4)


def executor_command() -> str:
    command = os.path.join(os.path.dirname(sys.executable), "notebook-executor")
    assert os.path.exists(command), "the notebook-executor console script is not installed in this venv"
    return command


def run_executor(env: dict, termination_log: Path, timeout: float = 150) -> Result:
    started = time.monotonic()
    completed = subprocess.run(
        [executor_command()], env=env, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL
    )
    message = termination_log.read_text(encoding="utf-8") if termination_log.exists() else ""
    return Result(completed.returncode, completed.stdout, completed.stderr, message, time.monotonic() - started)


def start_executor(env: dict) -> subprocess.Popen:
    return subprocess.Popen(
        [executor_command()], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL
    )


def list_keys(s3, prefix: str, bucket: str = BUCKET) -> list[str]:
    keys = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        keys.extend(item["Key"] for item in page.get("Contents", ()))
    return sorted(keys)


def cell_text(cell) -> str:
    """Everything a code cell printed or returned, as one string."""
    parts = []
    for output in cell.get("outputs", []):
        if output["output_type"] == "stream":
            parts.append(output["text"])
        elif output["output_type"] in ("execute_result", "display_data"):
            parts.append(output.get("data", {}).get("text/plain", ""))
        elif output["output_type"] == "error":
            parts.append(f"{output['ename']}: {output['evalue']}")
    return "".join(parts)


@pytest.fixture
def job(s3_server, s3, tmp_path) -> Job:
    return Job(s3_server, s3, tmp_path)


@pytest.fixture(scope="session")
def contract_fixture() -> dict:
    return json.loads((FIXTURES_DIR / "job-contract.json").read_text(encoding="utf-8"))

