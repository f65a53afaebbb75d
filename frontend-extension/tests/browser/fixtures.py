"""Session fixtures of the browser tests: what a user of a shared deployment has.

- a real JupyterHub (local-dev/hub/hub; users alice, bob, carol; bob in cpsHPCAccess) on
  127.0.0.1:18460-18462, state ~/.cache/notebook-jobs/hub/state-ui;
- a second service on the session's simulated cluster, in auth mode jupyterhub with the group policy
  k8s/components/group-policy/policy.yaml, in its own namespace (notebook-jobs-lab), on port 18465.
  The bridge tests keep their service in mode none; two services never share a namespace;
- JupyterLab 4 (this venv's, with the stock jupyter_scheduler labextension and ours, the bridge
  enabled by the package's own config) on 18470 as bob, started once; the group test starts a
  second one as alice on 18471;
- one Debian chromium driven by Playwright (never a downloaded browser), one page per test, a
  screenshot under a temp dir after each step of a test (the `shot` fixture) and when a test
  fails; the directory is printed at the start and in the summary.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from conftest import CACHE, REPO, TIMINGS, SimCluster, Service, say, start_service, stop_leftover_service

CHROMIUM = Path(os.environ.get("NBJ_CHROMIUM") or "/usr/bin/chromium")
# Playwright 1.64 speaks the DevTools protocol of Chromium 156 (tests/requirements.in).
CHROMIUM_MAJOR = 156
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
HUB = REPO / "local-dev" / "hub" / "hub"
HUB_CACHE = CACHE.parent / "hub"
HUB_STATE = HUB_CACHE / "state-ui"
# 18460-18499 are the browser tests' (the Java tests' hub is 18870+, the ui cluster 18443-18450).
HUB_PORT_BASE = 18460
HUB_SERVICE_PORT = 18465
LAB_PORT = 18470
SECOND_LAB_PORT = 18471
NAMESPACE = "notebook-jobs-lab"
POLICY = REPO / "k8s" / "components" / "group-policy" / "policy.yaml"
HUB_SERVICE_PIDFILE = CACHE / "ui-tests-hub-service.pid"
VENV_BIN = Path(sys.executable).parent


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    browser = [item for item in items if Path(str(item.fspath)).parent == here]
    # Last, in file order: the bridge tests (async, on pytest-jupyter's loop) never run while
    # Playwright's session is open, and they give the quicker answer.
    items[:] = [item for item in items if item not in browser] + browser
    # Without Debian's chromium every browser test is skipped, saying why (run-tests.sh installs it
    # as root); the bridge tests still run.
    if not CHROMIUM.exists():
        skip = pytest.mark.skip(reason=f"no {CHROMIUM}: the browser tests need Debian's chromium "
                                       "(apt-get install chromium; run-tests.sh does it as root)")
        for item in browser:
            item.add_marker(skip)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    # Each phase's report on the item, so that the page fixture knows whether its test failed.
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


# ---- JupyterHub


class Hub:
    """local-dev/hub/hub with this suite's ports and state."""

    def __init__(self):
        self.env = {**os.environ, "NBJ_HUB_CACHE_DIR": str(HUB_CACHE), "NBJ_HUB_STATE_DIR": str(HUB_STATE),
                    "NBJ_HUB_PORT_BASE": str(HUB_PORT_BASE)}
        self.api_url = ""

    def run(self, *args: str) -> str:
        done = subprocess.run([str(HUB), *args], env=self.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True)
        if done.returncode != 0:
            raise RuntimeError(f"hub {' '.join(args)} failed ({done.returncode}; log {HUB_STATE}/hub.log):\n"
                               f"{done.stderr[-3000:]}")
        return done.stdout.strip()

    def token(self, user: str) -> str:
        """A new API token of `user` with the service's scope, as a single-user server holds."""
        return self.run("token", user).splitlines()[-1]


@pytest.fixture(scope="session")
def hub():
    hub = Hub()
    t0 = time.monotonic()
    hub.run("reset")  # no users, tokens or servers from an earlier session
    hub.api_url = hub.run("up").splitlines()[-1]
    TIMINGS.append(f"JupyterHub up in {time.monotonic() - t0:.1f} s ({hub.api_url})")
    try:
        yield hub
    finally:
        hub.run("down")


# ---- the service in auth mode jupyterhub, with the group policy


def prepare_namespace(cluster: SimCluster, workdir: Path) -> None:
    """NAMESPACE with what a deployment has there: the S3 Secret job pods read (copied from the
    cluster's namespace) and the claims the policy mounts, bound to hostPath volumes (the process
    node does not mount them; they make the pods schedulable as on a real cluster)."""
    cluster.kubectl("create", "namespace", NAMESPACE)
    deadline = time.monotonic() + 60
    while True:
        try:
            cluster.kubectl("-n", NAMESPACE, "get", "serviceaccount", "default")
            break
        except RuntimeError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)
    secret = json.loads(cluster.kubectl("-n", "notebook-jobs", "get", "secret", "notebook-jobs-s3", "-o", "json"))
    secret["metadata"] = {"name": "notebook-jobs-s3", "namespace": NAMESPACE}
    cluster.kubectl("apply", "-f", "-", stdin=json.dumps(secret))
    cluster.kubectl("-n", NAMESPACE, "apply", "-f", str(REPO / "k8s" / "overlays" / "local" / "volumes.yaml"))
    for claim in ("jhub-userdir-rwx", "jhub-shared-rwx"):
        (workdir / "volumes" / claim).mkdir(parents=True)
        volume = {
            "apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": f"{NAMESPACE}-{claim}"},
            "spec": {"capacity": {"storage": "5Gi"}, "accessModes": ["ReadWriteOnce", "ReadWriteMany"],
                     "persistentVolumeReclaimPolicy": "Delete", "storageClassName": "",
                     "hostPath": {"path": str(workdir / "volumes" / claim)},
                     "claimRef": {"namespace": NAMESPACE, "name": claim}},
        }
        cluster.kubectl("apply", "-f", "-", stdin=json.dumps(volume))


@pytest.fixture(scope="session")
def hub_service(sim_cluster, hub, tmp_path_factory) -> Service:
    """The service as a shared JupyterHub deployment runs it: hub tokens, the example group policy
    and the runtime environment its standard profile names (the process node ignores images)."""
    stop_leftover_service(HUB_SERVICE_PIDFILE, b"bridge-tests-hub-service")
    t0 = time.monotonic()
    workdir = tmp_path_factory.mktemp("bridge-tests-hub-service")
    prepare_namespace(sim_cluster, workdir)
    svc = start_service(
        sim_cluster,
        workdir,
        namespace=NAMESPACE,
        port=HUB_SERVICE_PORT,
        pidfile=HUB_SERVICE_PIDFILE,
        extra_env={
            "NOTEBOOK_JOBS_AUTH_MODE": "jupyterhub",
            "NOTEBOOK_JOBS_AUTH_JUPYTERHUB_API_URL": hub.api_url,
            "NOTEBOOK_JOBS_POLICY_FILE": str(POLICY),
            # Above the groups' limits, so that the policy's limits are what the users meet.
            "NOTEBOOK_JOBS_RESOURCES_MAX_CPU": "32",
            "NOTEBOOK_JOBS_RESOURCES_MAX_MEMORY": "256Gi",
        },
        properties="notebook-jobs.environments.pytorch.image=notebook-jobs/executor-pytorch:ui-tests\n"
                   "notebook-jobs.environments.pytorch.description=PyTorch\n"
                   # Notifications the form offers; nothing listens there: these tests look at what
                   # the job asks for, the service's own tests at delivery.
                   "notebook-jobs.notifications.mail-from=notebook-jobs@ui-tests.example\n"
                   "quarkus.mailer.port=9\n"
                   "notebook-jobs.notifications.webhooks.team.url=http://127.0.0.1:9/hooks/team\n",
    )
    TIMINGS.append(f"hub-mode service ready in {time.monotonic() - t0:.1f} s ({svc.url}, log {svc.log_file})")
    try:
        yield svc
    finally:
        svc.stop()
        HUB_SERVICE_PIDFILE.unlink(missing_ok=True)


# ---- JupyterLab


class Lab:
    """`jupyter lab` of this venv as one hub user's server: JUPYTERHUB_API_TOKEN is that user's
    token (the bridge forwards it), root_dir its workspace, everything else in a temp dir."""

    def __init__(self, user: str, token: str, port: int, service_url: str, home: Path):
        self.user = user
        self.port = port
        self.root = home / "work"
        self.root.mkdir(parents=True, exist_ok=True)
        self.lab_token = secrets.token_hex(16)
        self.url = f"http://127.0.0.1:{port}"
        self.log_file = home / "lab.log"
        config = home / "config"
        (config / "labconfig").mkdir(parents=True, exist_ok=True)
        # No news pop-up over the page.
        (config / "labconfig" / "page_config.json").write_text(
            json.dumps({"disabledExtensions": {"@jupyterlab/apputils-extension:announcements": True}}))
        self.env = {
            "PATH": f"{VENV_BIN}:{os.environ.get('PATH', '/usr/bin:/bin')}",
            "HOME": str(home),
            "LANG": "C.UTF-8",
            "JUPYTER_CONFIG_DIR": str(config),
            "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
            "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces"),
            "JUPYTERLAB_SETTINGS_DIR": str(home / "settings"),
            "JUPYTER_PLATFORM_DIRS": "1",
            "JUPYTERHUB_API_TOKEN": token,
        }
        self.args = [
            str(VENV_BIN / "jupyter"), "lab", "--no-browser", "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={port}", "--ServerApp.port_retries=0", f"--IdentityProvider.token={self.lab_token}",
            # root on CI machines and here; harmless otherwise.
            "--allow-root",
            f"--ServerApp.root_dir={self.root}", f"--NotebookJobsBridge.service_url={service_url}",
            "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        ]
        self.process: subprocess.Popen | None = None
        # Outside the temp dirs, so that the next session finds a JupyterLab a killed one left.
        self.pidfile = CACHE / f"ui-tests-lab-{port}.pid"

    def stop_leftover(self) -> None:
        try:
            pid = int(self.pidfile.read_text().split()[0])
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except (OSError, ValueError, IndexError):
            return
        if b"jupyter" in cmdline and f"--ServerApp.port={self.port}".encode() in cmdline:
            say(f"stopping a JupyterLab left running by an earlier session (pid {pid})")
            os.killpg(pid, signal.SIGKILL)

    def start(self, within: float = 90) -> None:
        self.stop_leftover()
        t0 = time.monotonic()
        with open(self.log_file, "ab") as log:
            self.process = subprocess.Popen(self.args, env=self.env, cwd=self.root, stdout=log,
                                            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                            start_new_session=True)
        self.pidfile.write_text(f"{self.process.pid}\n")
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"JupyterLab ({self.user}) exited ({self.process.returncode}):\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(f"{self.url}/api/status?token={self.lab_token}", timeout=2) as r:
                    if r.status == 200:
                        break
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() - t0 > within:
                self.stop()
                raise RuntimeError(f"JupyterLab ({self.user}) not up within {within}s:\n{self.log_tail()}")
            time.sleep(0.3)
        say(f"JupyterLab as {self.user} up in {time.monotonic() - t0:.1f} s ({self.url}, log {self.log_file})")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(5)
        self.process = None
        self.pidfile.unlink(missing_ok=True)

    def lab_url(self, path: str = "lab") -> str:
        return f"{self.url}/{path}?token={self.lab_token}"

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])


def start_lab(hub: Hub, hub_service: Service, user: str, port: int, home: Path) -> Lab:
    lab = Lab(user, hub.token(user), port, hub_service.url, home)
    lab.start()
    return lab


@pytest.fixture(scope="session")
def labextensions() -> str:
    """Both labextensions must be there: the stock scheduler UI and our form (run-tests.sh links ours
    with `jupyter labextension develop`)."""
    done = subprocess.run([str(VENV_BIN / "jupyter"), "labextension", "list"], stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True)
    listing = done.stdout
    for name in ("@jupyterlab/scheduler", "notebook-jobs-jupyter"):
        line = next((ln for ln in listing.splitlines() if name + " " in ln or ln.strip().startswith(name + " ")), "")
        if "enabled" not in line or "OK" not in line:
            pytest.fail(f"labextension {name} is not installed and enabled (jlpm build:prod, then "
                        f"`jupyter labextension develop --overwrite .` in frontend-extension/):\n{listing}")
    return listing


@pytest.fixture(scope="session")
def lab(labextensions, hub, hub_service, tmp_path_factory) -> Lab:
    """bob's JupyterLab (cpsHPCAccess: every profile), for the whole session."""
    lab = start_lab(hub, hub_service, "bob", LAB_PORT, tmp_path_factory.mktemp("lab-bob"))
    try:
        yield lab
    finally:
        lab.stop()


@pytest.fixture(scope="session")
def hub_user_service(hub, hub_service):
    """The hub-mode service's API as a given user: hub_user_service('bob').json('jobs')."""
    made: dict[str, Service] = {}

    def as_user(user: str) -> Service:
        if user not in made:
            made[user] = Service(hub_service.url, hub_service.process, hub_service.log_file,
                                 authorization=f"token {hub.token(user)}")
        return made[user]

    return as_user


# ---- the browser


def chromium_version() -> str:
    # Debian's wrapper script prints a shell warning on stderr here; the version is on stdout.
    done = subprocess.run([str(CHROMIUM), "--version"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    return done.stdout.strip()


@pytest.fixture(scope="session")
def browser_context(tmp_path_factory):
    from playwright.sync_api import sync_playwright

    version = chromium_version()
    found = re.search(r"Chromium (\d+)\.", version)
    major = int(found.group(1)) if found else 0
    assert major == CHROMIUM_MAJOR, (
        f"{CHROMIUM} is '{version}': Playwright 1.64 needs Chromium {CHROMIUM_MAJOR} (move the pin in "
        "tests/requirements.in to the Playwright release that bundles this Chromium)")
    t0 = time.monotonic()
    profile = Path(tempfile.mkdtemp(prefix="nbj-chromium-"))
    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(profile), executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS,
            accept_downloads=True, viewport={"width": 1400, "height": 1000})
        TIMINGS.append(f"{version} up in {time.monotonic() - t0:.1f} s")
        try:
            yield context
        finally:
            context.close()
            shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture(scope="session")
def screenshots(tmp_path_factory) -> Path:
    """This session's screenshots: each test's steps (`shot`) and the failed tests' last state."""
    path = tmp_path_factory.mktemp("browser-screenshots")
    say(f"browser screenshots go to {path}")
    # Printed again in the session's summary, with the timings.
    TIMINGS.append(f"screenshots of each step (and of failed tests) in {path}")
    return path


class Shots:
    """Numbered screenshots of one test's steps: NN-<test>-MM-<step>.png, NN the test's place in
    the session, MM the step's in the test."""

    tests = 0  # tests that took a screenshot so far, this session

    def __init__(self, page, directory: Path, test_name: str):
        self.page, self.directory, self.test_name = page, directory, re.sub(r"\W+", "-", test_name).strip("-")
        self.number, self.steps = 0, 0

    def __call__(self, step: str) -> Path:
        if not self.number:
            Shots.tests += 1
            self.number = Shots.tests
        self.steps += 1
        slug = re.sub(r"[^a-z0-9]+", "-", step.lower()).strip("-")
        path = self.directory / f"{self.number:02d}-{self.test_name}-{self.steps:02d}-{slug}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path


@pytest.fixture
def shot(page, screenshots, request) -> Shots:
    """shot("form filled"): a screenshot of the test's page after a step, under `screenshots`."""
    return Shots(page, screenshots, request.node.name.removeprefix("test_"))


@pytest.fixture
def page(browser_context, screenshots, request):
    """A fresh tab; when the test fails, a screenshot of it under `screenshots` (path printed)."""
    page = browser_context.new_page()
    # Bounded waits everywhere: Playwright's auto-waiting gives up after this.
    page.set_default_timeout(30_000)
    yield page
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        path = screenshots / f"{request.node.name}.png"
        try:
            page.screenshot(path=str(path), full_page=True)
            say(f"screenshot of the failed test {request.node.nodeid}: {path}")
        except Exception as e:  # noqa: BLE001 - a screenshot must never hide the failure
            say(f"no screenshot of {request.node.nodeid}: {e}")
    page.close()
