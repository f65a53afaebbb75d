"""The bridge's tests run against the real packaged service on the simulated cluster.

One cluster (its own state dir and ports: ~/.cache/notebook-jobs/sim-cluster/state-ui, 18443-18450,
so neither a developer's cluster nor the e2e suite's is touched) and one service process are
started for the whole session and stopped at the end. The cluster's process node runs the real
executor (image/.venv, made as for the e2e suite), so jobs really run notebooks. The service jar is
packaged first when it is missing or older than the sources.

Each test gets its own Jupyter server (pytest-jupyter's jp_serverapp, root_dir a fresh temporary
folder) with the bridge enabled and pointed at that service.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest
from helpers import job_model
from traitlets.config import Config

# browser.fixtures: the browser tests' JupyterHub, second service, JupyterLab and Chromium.
pytest_plugins = ["pytest_jupyter.jupyter_server", "browser.fixtures"]

REPO = Path(__file__).resolve().parents[2]
SIM_CLUSTER = REPO / "local-dev" / "sim-cluster" / "sim-cluster"
# Read now: pytest-jupyter points HOME at a temporary folder in every test.
CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "notebook-jobs" / "sim-cluster"
STATE_DIR = Path(os.environ.get("NBJ_UI_SIM_STATE_DIR") or CACHE / "state-ui")
PORT_BASE = int(os.environ.get("NBJ_UI_SIM_PORT_BASE") or 18443)
EXECUTOR_BIN = Path(os.environ.get("NBJ_EXECUTOR_BIN") or REPO / "image" / ".venv" / "bin")
SERVICE_JAR = Path(os.environ.get("NBJ_SERVICE_JAR") or REPO / "target" / "quarkus-app" / "quarkus-run.jar")
READY_WITHIN = 120
# Outside the state dir, which `sim-cluster reset` deletes.
SERVICE_PIDFILE = CACHE / "ui-tests-service.pid"


# Set-up steps and how long they took, printed at the end of the run.
TIMINGS: list[str] = []


def say(message: str) -> None:
    print(f"[bridge-tests] {message}", file=sys.stderr, flush=True)


def pytest_terminal_summary(terminalreporter):
    for line in TIMINGS:
        terminalreporter.write_line(f"bridge tests: {line}")


# ---- the simulated cluster


class SimCluster:
    """local-dev/sim-cluster with this suite's state dir and ports, started fresh."""

    def __init__(self, state_dir: Path, port_base: int, executor_bin: Path):
        self.state_dir = state_dir
        self.kubeconfig: Path | None = None
        self.env = {
            **os.environ,
            "SIM_CACHE_DIR": str(CACHE),
            "SIM_STATE_DIR": str(state_dir),
            "SIM_PORT_BASE": str(port_base),
            "SIM_EXECUTOR_BIN": str(executor_bin),
        }

    def run(self, *args: str) -> str:
        done = subprocess.run(
            [str(SIM_CLUSTER), *args], env=self.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        if done.returncode != 0:
            raise RuntimeError(f"sim-cluster {' '.join(args)} failed ({done.returncode}):\n{done.stderr[-4000:]}")
        return done.stdout

    def up(self) -> Path:
        # A clean slate: no jobs or objects from an earlier run.
        self.run("reset")
        kubeconfig = Path(self.run("up").strip().splitlines()[-1])
        if not kubeconfig.is_file():
            raise RuntimeError(f"sim-cluster up printed no kubeconfig ({kubeconfig})")
        self.kubeconfig = kubeconfig
        return kubeconfig

    def kubectl(self, *args: str, stdin: str | None = None) -> str:
        """The cluster's own kubectl (from the pinned build, on the PATH `sim-cluster env` prints)."""
        path = next(line.split("=", 1)[1].split(":")[0] for line in self.run("env").splitlines()
                    if line.startswith("export PATH="))
        done = subprocess.run([f"{path}/kubectl", "--kubeconfig", str(self.kubeconfig), *args], input=stdin,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"kubectl {' '.join(args)} failed ({done.returncode}): {done.stderr[-2000:]}")
        return done.stdout

    def s3_env(self) -> dict[str, str]:
        values = {}
        for line in (self.state_dir / "s3.env").read_text().splitlines():
            if "=" in line and not line.startswith("#"):
                key, value = line.split("=", 1)
                values[key.strip()] = value.strip()
        return values

    def down(self) -> None:
        try:
            self.run("down")
        except RuntimeError as e:
            say(str(e))


# ---- the packaged service


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Service:
    """The packaged service (java -jar quarkus-run.jar) and a small client for checking what it holds."""

    url: str
    process: subprocess.Popen
    log_file: Path
    # The Authorization header of every call (the browser tests' service verifies hub tokens).
    authorization: str | None = None

    def call(self, method: str, path: str, body: bytes | None = None, content_type: str | None = None):
        request = urllib.request.Request(f"{self.url}/scheduler/{path}", data=body, method=method)
        if self.authorization:
            request.add_header("Authorization", self.authorization)
        if content_type:
            request.add_header("Content-Type", content_type)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()

    def json(self, path: str):
        status, body = self.call("GET", path)
        assert status == 200, f"GET {path}: {status} {body[:500]!r}"
        return json.loads(body)

    def file(self, job_id: str, name: str) -> bytes:
        status, body = self.call("GET", f"jobs/{job_id}/files/{urllib.request.quote(name)}")
        assert status == 200, f"GET jobs/{job_id}/files/{name}: {status} {body[:500]!r}"
        return body

    def file_names(self, job_id: str) -> list[str]:
        return sorted(f["name"] for f in self.json(f"jobs/{job_id}/files")["files"])

    def log_tail(self, lines: int = 60) -> str:
        return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(5)


def start_service(
    cluster: SimCluster,
    workdir: Path,
    *,
    namespace: str = "notebook-jobs",
    port: int | None = None,
    extra_env: dict[str, str] | None = None,
    properties: str = "",
    pidfile: Path = SERVICE_PIDFILE,
) -> Service:
    """Starts the packaged service in `namespace` with the settings every instance shares, plus
    `extra_env` and `properties` (written to config/application.properties in its working dir,
    for map-valued settings such as runtime environments)."""
    # Run from a copy, so that a rebuild of target/ during the session cannot break it.
    app = workdir / "quarkus-app"
    shutil.copytree(SERVICE_JAR.parent, app)
    s3 = cluster.s3_env()
    port = port or free_port()
    if properties:
        (workdir / "config").mkdir()
        (workdir / "config" / "application.properties").write_text(properties)
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(workdir),
        "LANG": "C.UTF-8",
        "KUBECONFIG": str(cluster.kubeconfig),
        "K8S_NAMESPACE": namespace,
        "S3_BUCKET": s3["S3_BUCKET"],
        "S3_ENDPOINT_URL": s3["S3_ENDPOINT_URL"],
        "AWS_REGION": s3.get("AWS_REGION", "us-east-1"),
        "AWS_ACCESS_KEY_ID": s3["AWS_ACCESS_KEY_ID"],
        "AWS_SECRET_ACCESS_KEY": s3["AWS_SECRET_ACCESS_KEY"],
        "NOTEBOOK_JOBS_S3_PATH_STYLE": "true",
        "NOTEBOOK_JOBS_S3_CREDENTIALS_SECRET_NAME": "notebook-jobs-s3",
        # The process node runs the notebook-executor on its PATH; the image name is not used.
        "K8S_IMAGE": "notebook-jobs/executor:ui-tests",
        "NOTEBOOK_JOBS_RESOURCES_DEFAULT_CPU": "500m",
        "NOTEBOOK_JOBS_RESOURCES_DEFAULT_MEMORY": "1Gi",
        "NOTEBOOK_JOBS_KUBE_DIAGNOSIS_INTERVAL": "1s",
        "QUARKUS_HTTP_HOST": "127.0.0.1",
        "QUARKUS_HTTP_PORT": str(port),
        **(extra_env or {}),
    }
    java = shutil.which("java")
    if java is None:
        raise RuntimeError("java is needed to run the service")
    log_file = workdir / "service.log"
    with open(log_file, "wb") as log:
        process = subprocess.Popen(
            [java, "-Xmx512m", "-jar", str(app / "quarkus-run.jar")],
            cwd=workdir,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    pidfile.write_text(f"{process.pid}\n")
    service = Service(f"http://127.0.0.1:{port}", process, log_file)
    deadline = time.monotonic() + READY_WITHIN
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"the service exited ({process.returncode}):\n{service.log_tail()}")
        try:
            with urllib.request.urlopen(f"{service.url}/q/health/ready", timeout=2) as r:
                if r.status == 200:
                    return service
        except (urllib.error.URLError, OSError):
            pass
        if time.monotonic() > deadline:
            service.stop()
            raise RuntimeError(f"the service was not ready within {READY_WITHIN}s:\n{service.log_tail()}")
        time.sleep(0.5)


def ensure_executor_venv() -> None:
    """image/.venv, made exactly as for the e2e suite (image/run-tests.sh rebuilds it only when its
    locks change; with --version pytest only prints its version)."""
    if os.environ.get("NBJ_EXECUTOR_BIN"):
        return
    subprocess.run([str(REPO / "image" / "run-tests.sh"), "--version"], check=True, stdout=subprocess.DEVNULL)


def ensure_service_jar() -> None:
    """Packages the service when there is no jar or the sources are newer than it."""
    if os.environ.get("NBJ_SERVICE_JAR"):
        return
    built = SERVICE_JAR.stat().st_mtime if SERVICE_JAR.is_file() else 0
    sources = [REPO / "pom.xml", *(p for p in (REPO / "src" / "main").rglob("*") if p.is_file())]
    if built and all(p.stat().st_mtime <= built for p in sources):
        return
    say("packaging the service (./mvnw -B -ntp -q -DskipTests package)")
    subprocess.run(["./mvnw", "-B", "-ntp", "-q", "-DskipTests", "package"], cwd=REPO, check=True)


def stop_leftover_service(pidfile: Path = SERVICE_PIDFILE, marker: bytes = b"bridge-tests-service") -> None:
    """A service left running by a session that was killed (its pid file; only if it is still our java,
    `marker` being the name of its working dir)."""
    try:
        pid = int(pidfile.read_text().split()[0])
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except (OSError, ValueError, IndexError):
        return
    if b"quarkus-run.jar" in cmdline and marker in cmdline:
        say(f"stopping a service left running by an earlier session (pid {pid})")
        os.killpg(pid, signal.SIGKILL)


@pytest.fixture(scope="session")
def sim_cluster() -> SimCluster:
    """The session's simulated cluster, fresh, with the executor venv and the service jar ready."""
    ensure_executor_venv()
    ensure_service_jar()
    missing = [
        f"{what} ({path})"
        for what, path in (("the executor venv", EXECUTOR_BIN / "notebook-executor"), ("the service jar", SERVICE_JAR))
        if not path.exists()
    ]
    if missing:
        pytest.fail("missing " + ", ".join(missing))
    stop_leftover_service()
    t0 = time.monotonic()
    cluster = SimCluster(STATE_DIR, PORT_BASE, EXECUTOR_BIN)
    try:
        cluster.up()
        TIMINGS.append(f"simulated cluster up in {time.monotonic() - t0:.1f} s (state {STATE_DIR})")
        yield cluster
    finally:
        cluster.down()


@pytest.fixture(scope="session")
def service(sim_cluster, tmp_path_factory) -> Service:
    """The service in auth mode none, in the cluster's namespace notebook-jobs."""
    t1 = time.monotonic()
    svc = start_service(sim_cluster, tmp_path_factory.mktemp("bridge-tests-service"))
    TIMINGS.append(f"service ready in {time.monotonic() - t1:.1f} s ({svc.url}, log {svc.log_file})")
    try:
        yield svc
    finally:
        svc.stop()
        SERVICE_PIDFILE.unlink(missing_ok=True)


# ---- the Jupyter server with the bridge


@pytest.fixture
def bridge_config() -> dict:
    """NotebookJobsBridge settings for this test's server (tests override it)."""
    return {}


@pytest.fixture
def service_url(service) -> str:
    return service.url


@pytest.fixture
def jp_server_config(service_url, bridge_config):
    # jupyter_scheduler's own server extension is not enabled here (pytest-jupyter isolates the
    # config path); test_packaging checks that the shipped config disables it.
    return Config(
        {
            "ServerApp": {"jpserver_extensions": {"notebook_jobs_jupyter": True}},
            "NotebookJobsBridge": {"service_url": service_url, **bridge_config},
        }
    )


@dataclass
class Answer:
    code: int
    body: bytes
    headers: dict

    def json(self):
        return json.loads(self.body)

    @property
    def message(self) -> str:
        return self.json()["message"]


class Scheduler:
    """The bridge's API as the stock UI calls it: {base_url}scheduler/<path>[?query]."""

    def __init__(self, client, base_url: str, auth: dict):
        self.client = client
        self.base_url = base_url
        self.auth = auth

    async def call(self, method: str, path: str, body=None, headers=None, timeout: float = 60) -> Answer:
        if body is not None and not isinstance(body, (bytes, str)):
            body = json.dumps(body)
        response = await self.client.fetch(
            f"{self.base_url}scheduler/{path}",
            method=method,
            body=body,
            headers={**self.auth, "Content-Type": "application/json", **(headers or {})},
            raise_error=False,
            allow_nonstandard_methods=True,
            request_timeout=timeout,
        )
        return Answer(response.code, response.body or b"", dict(response.headers))

    async def get(self, path: str) -> Answer:
        return await self.call("GET", path)

    async def post(self, path: str, body) -> Answer:
        return await self.call("POST", path, body)

    async def patch(self, path: str, body) -> Answer:
        return await self.call("PATCH", path, body)

    async def delete(self, path: str) -> Answer:
        return await self.call("DELETE", path)

    async def create_job(self, **fields) -> str:
        answer = await self.post("jobs", job_model(**fields))
        assert answer.code == 200, f"create: {answer.code} {answer.body!r}"
        return answer.json()["job_id"]

    async def wait_for(self, job_id: str, statuses=("COMPLETED", "FAILED", "STOPPED"), within: float = 180) -> dict:
        deadline = time.monotonic() + within
        while True:
            answer = await self.get(f"jobs/{job_id}")
            assert answer.code == 200, f"describe {job_id}: {answer.code} {answer.body!r}"
            job = answer.json()
            if job["status"] in statuses:
                return job
            assert time.monotonic() < deadline, f"job {job_id} still {job['status']} after {within}s"
            await asyncio.sleep(0.5)


@pytest.fixture
def scheduler(jp_serverapp, http_server_client, jp_auth_header, jp_base_url) -> Scheduler:
    return Scheduler(http_server_client, jp_base_url, jp_auth_header)


@pytest.fixture
def root(jp_root_dir) -> Path:
    """The Jupyter server's root_dir (the user's workspace)."""
    return Path(jp_root_dir)
