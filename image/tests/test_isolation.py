"""The notebook cannot obtain the executor's storage credentials.

The kernel runs under the executor's UID, so the executor's environment is hidden by making the
executor non-dumpable (isolation.py) and by starting the kernel without any AWS_ or NBJ_S3_
variable (workspace.kernel_environment). The real executor runs here with credentials and IRSA
variables in its environment, a notebook tries every way in we know of under the same UID (its
own environment, /proc/<pid>/environ and /proc/<pid>/mem of the executor and its ancestors, and
a process left behind that reads the environment of what the executor starts after the kernel),
and none of the values may show up anywhere.

In the pod the executor is PID 1 and has no readable ancestor. Here it has one (pytest, or a
shell): a parent that still holds the credentials in its environment gives them away, which is
why the container command must be the executor itself or an `exec` to it (see
docs/executor-contract.md, "The container").
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from conftest import SECRET_KEY, Job, Result, cell_text, executor_command, notebook
from notebook_executor.workspace import kernel_environment

# The pod's UID; used to run the executor unprivileged when the tests run as root, since root's
# CAP_SYS_PTRACE would read any process and prove nothing.
POD_UID = 1000
CAP_SYS_PTRACE = 19
ROLE_ARN = "arn:aws:iam::123456789012:role/nbj-canary-role-5Qe8"
TOKEN_FILE = "/var/run/secrets/eks.amazonaws.com/serviceaccount/nbj-canary-token-file"

# What a notebook would try: the executor's environment and memory through /proc, for the
# parent and every ancestor, and its own environment. It prints what it finds, so that the
# test can look for the values in the outputs, and how each attempt ended. It stops below the
# test runner, whose environment is the developer's (AWS profiles...) and none of the job's.
PROBE = r"""
import os, re

def status(pid):
    with open(f'/proc/{pid}/status') as f:
        return dict(line.rstrip('\n').split(':\t', 1) for line in f if ':\t' in line)

def read_environ(pid):
    try:
        with open(f'/proc/{pid}/environ', 'rb') as f:
            data = f.read()
    except OSError as error:
        return type(error).__name__
    found = [entry.decode(errors='replace') for entry in data.split(b'\0') if re.match(rb'(AWS_|NBJ_S3_)', entry)]
    return 'read: ' + ' '.join(found)

def read_mem(pid):
    try:
        mem = open(f'/proc/{pid}/mem', 'rb')
    except OSError as error:
        return type(error).__name__
    found = []
    with mem, open(f'/proc/{pid}/maps') as maps:
        for line in maps:
            addresses, perms = line.split()[:2]
            if not perms.startswith('rw'):
                continue
            start, end = (int(a, 16) for a in addresses.split('-'))
            try:
                mem.seek(start)
                chunk = mem.read(min(end - start, 64 << 20))
            except (OSError, ValueError, OverflowError):
                continue
            found += [m.group(0).decode(errors='replace') for m in re.finditer(rb'AWS_[A-Z_]+=[\x21-\x7e]{1,200}', chunk)]
    return 'read: ' + ' '.join(found[:50])

print('cap_eff', status('self')['CapEff'])
print('own', ' '.join(f'{k}={v}' for k, v in os.environ.items() if k.startswith(('AWS_', 'NBJ_S3_'))))
pid = os.getppid()
while pid > 0 and pid != __TEST_RUNNER_PID__:
    print('pid', pid, 'environ', read_environ(pid), 'mem', read_mem(pid))
    try:
        pid = int(status(pid)['PPid'])
    except OSError:
        break
"""


def _credential_values(job: Job) -> list[str]:
    return [SECRET_KEY, job.server.access_key, ROLE_ARN, TOKEN_FILE, job.server.endpoint]


@pytest.fixture
def private_job(s3_server, s3):
    """A job whose directories the pod's UID may use: pytest's own tmp_path is root's alone."""
    directory = Path(tempfile.mkdtemp(prefix="nbj-isolation-"))
    try:
        if os.geteuid() == 0:
            os.chmod(directory, 0o755)
            os.chown(directory, POD_UID, POD_UID)
        yield Job(s3_server, s3, directory)
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def _hidden_ancestor(path: str) -> str | None:
    """The outermost directory on the way to path that other users may not enter, if any."""
    current = "/"
    for part in Path(path).parts[1:]:
        current = os.path.join(current, part)
        if os.path.isdir(current) and not os.stat(current).st_mode & stat.S_IXOTH:
            return current
    return None


def _as_the_pod_user(job: Job, command: list[str]) -> list[str]:
    """As root: the command as UID 1000 without any capability, like the pod.

    Dropping from root to another UID with an empty bounding set leaves no capability, as in the
    pod (runAsUser 1000, drop ALL, no privilege escalation). Python itself may live in root's
    home (pyenv), which UID 1000 cannot enter: then, in a private mount namespace, the
    interpreter's directory is moved onto an empty tmpfs laid over that home.
    """
    tools = {name: shutil.which(name) for name in ("setpriv", "unshare", "mount", "mkdir")}
    if None in tools.values():
        pytest.skip(f"needs {', '.join(name for name, path in tools.items() if path is None)} to run as UID {POD_UID}")
    drop = [tools["setpriv"], f"--reuid={POD_UID}", f"--regid={POD_UID}", "--clear-groups", "--inh-caps=-all",
            "--bounding-set=-all", "--no-new-privs"]
    for needed in (sys.prefix, str(Path(__file__).resolve().parents[1])):
        if _hidden_ancestor(needed):
            pytest.skip(f"{needed} is not reachable for UID {POD_UID}")
    cover = _hidden_ancestor(sys.base_prefix)
    if cover is None:
        return drop + command
    aside = job.tmp / "interpreter"
    aside.mkdir()
    # The job's PATH is the venv only: the tools are named in full.
    mount, mkdir = tools["mount"], tools["mkdir"]
    script = (
        f'set -e; {mount} --bind "$1" "$2"; {mount} -t tmpfs -o mode=0755 nbj-cover "$3"; '
        f'{mkdir} -p "$1"; {mount} --move "$2" "$1"; shift 3; exec "$@"'
    )
    return [tools["unshare"], "--mount", "--propagation", "private", "/bin/sh", "-c", script, "sh",
            sys.base_prefix, str(aside), cover, *drop, *command]


def _run(job: Job, command: list[str], env: dict) -> Result:
    if os.geteuid() == 0:
        command = _as_the_pod_user(job, command)
    started = time.monotonic()
    completed = subprocess.run(command, env=env, capture_output=True, text=True, timeout=150, stdin=subprocess.DEVNULL)
    message = job.termination_log.read_text(encoding="utf-8") if job.termination_log.exists() else ""
    return Result(completed.returncode, completed.stdout, completed.stderr, message, time.monotonic() - started)


def _probe_run(job: Job, wrapper: str | None) -> tuple[Result, str]:
    job.stage_notebook(notebook(PROBE.replace("__TEST_RUNNER_PID__", str(os.getpid()))))
    env = job.env(AWS_ROLE_ARN=ROLE_ARN, AWS_WEB_IDENTITY_TOKEN_FILE=TOKEN_FILE, HOME=str(job.tmp))
    command = [executor_command()] if wrapper is None else ["/bin/sh", "-c", wrapper % executor_command()]
    result = _run(job, command, env)
    assert result.returncode == 0, result.describe()
    output = cell_text(job.executed_notebook().cells[0])
    assert "cap_eff" in output, output
    cap_eff = int(output.split("cap_eff", 1)[1].split()[0], 16)
    assert not cap_eff & (1 << CAP_SYS_PTRACE), f"the kernel has CAP_SYS_PTRACE, the test would prove nothing:\n{output}"
    return result, output


@pytest.mark.parametrize("wrapper", [None, "exec %s"], ids=["executor-itself", "exec-from-a-shell"])
def test_the_notebook_cannot_read_the_executors_credentials(private_job, wrapper):
    result, output = _probe_run(private_job, wrapper)

    lines = output.splitlines()
    assert "own " in lines, output  # no AWS_ or NBJ_S3_ variable in the kernel's environment
    executor_line = next(line for line in lines if line.startswith("pid "))
    assert executor_line.endswith("environ PermissionError mem PermissionError"), output
    published = output + "".join(private_job.read(key).decode() for key in private_job.keys(private_job.output_prefix))
    for value in _credential_values(private_job):
        assert value not in published, f"{value!r} reached the notebook:\n{output}"
    for value in (SECRET_KEY, private_job.server.access_key):
        assert value not in result.stdout + result.stderr + result.message


def test_a_parent_that_does_not_exec_gives_the_credentials_away(private_job):
    # Not a property to keep but the reason for one: a wrapper shell that waits for the executor
    # keeps the credentials in its environment, readable under the same UID.
    _, output = _probe_run(private_job, "%s; exit $?")

    assert SECRET_KEY in output, output


def test_the_kernel_gets_no_storage_access_from_the_environment():
    environ = {
        "AWS_ACCESS_KEY_ID": "a",
        "AWS_SECRET_ACCESS_KEY": "b",
        "AWS_SESSION_TOKEN": "c",
        "AWS_ROLE_ARN": "d",
        "AWS_WEB_IDENTITY_TOKEN_FILE": "e",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI": "f",
        "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": "g",
        "AWS_PROFILE": "h",
        "aws_secret_access_key": "i",
        "NBJ_S3_BUCKET": "j",
        "NBJ_S3_ENDPOINT_URL": "k",
        "NBJ_S3_REGION": "l",
        "NBJ_S3_PATH_STYLE": "true",
        "NBJ_JOB_ID": "42",
        "API_TOKEN": "user's own",
        "HOME": "/work/home",
    }
    assert kernel_environment(environ) == {"NBJ_JOB_ID": "42", "API_TOKEN": "user's own", "HOME": "/work/home"}


def test_a_process_started_after_make_undumpable_is_dumpable_again():
    # The flag belongs to the address space, and exec gives the kernel a fresh one: it holds
    # nothing secret, and what notebooks do with their own processes (debuggers, profilers of
    # their children) keeps working, as the docs say.
    script = (
        "import subprocess, sys\n"
        "from notebook_executor.isolation import make_undumpable, _prctl, PR_GET_DUMPABLE\n"
        "assert make_undumpable() and _prctl(PR_GET_DUMPABLE) == 0\n"
        "child = subprocess.run([sys.executable, '-c', 'from notebook_executor.isolation import _prctl, PR_GET_DUMPABLE;"
        " print(_prctl(PR_GET_DUMPABLE))'], capture_output=True, text=True, check=True)\n"
        "print(child.stdout.strip())\n"
    )
    completed = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == "1"


# A process the notebook leaves behind, detached from the kernel, which outlives it. While the
# executor exports and uploads, it reads the environment of the executor's children (pandoc,
# xelatex: dumpable like any exec'd program) until the executor exits, and notes what it saw in
# a file the test reads. Only the executor's children: the machine running the tests may have
# other processes of this UID, whose environments are none of the test's business.
WATCHER = r"""
import os, subprocess, sys
watch = r'''
import os, sys, time
executor, report = int(sys.argv[1]), sys.argv[2]
seen, commands = set(), set()
while os.path.exists(f'/proc/{executor}'):
    for pid in filter(str.isdigit, os.listdir('/proc')):
        try:
            with open(f'/proc/{pid}/stat') as f:
                if int(f.read().rsplit(')', 1)[1].split()[1]) != executor:
                    continue
            with open(f'/proc/{pid}/cmdline', 'rb') as f:
                commands.add(os.path.basename(f.read().split(b'\0')[0].decode(errors='replace')))
            with open(f'/proc/{pid}/environ', 'rb') as f:
                seen.update(e.decode(errors='replace') for e in f.read().split(b'\0') if e.startswith(b'AWS_'))
        except OSError:
            pass
    time.sleep(0.002)
with open(report, 'w') as f:
    f.write('commands ' + ' '.join(sorted(commands)) + '\nseen ' + ' '.join(sorted(seen)) + '\n')
'''
subprocess.Popen([sys.executable, '-c', watch, str(os.getppid()), __REPORT__], start_new_session=True,
                 stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
print('watching')
"""


def test_a_process_left_behind_by_the_notebook_cannot_read_the_exporters_environment(private_job):
    report = private_job.tmp / "watcher-report"
    # latex converts each markdown cell with its own pandoc, a child of the executor that runs
    # after the kernel. One short pandoc can start and end between two scans of /proc on a busy
    # machine; forty give the watcher forty chances to see one.
    markdown = [("md", f"Some *markdown* for pandoc, cell {i}.") for i in range(40)]
    nb = notebook(WATCHER.replace("__REPORT__", repr(str(report))), *markdown)
    private_job.stage_notebook(nb)
    result = _run(private_job, [executor_command()], private_job.env(NBJ_OUTPUT_FORMATS="latex", HOME=str(private_job.tmp)))
    assert result.returncode == 0, result.describe()

    deadline = time.monotonic() + 10
    while not report.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    text = report.read_text()
    assert "pandoc" in text.split("\n")[0], text  # it did see the exporter, or it proves nothing
    for value in (SECRET_KEY, private_job.server.access_key):
        assert value not in text, text
