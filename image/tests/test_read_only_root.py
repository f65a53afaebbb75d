"""The Job runs with a read-only root file system: only the work volume and /tmp are writable.

Reproduced with a private mount namespace in which / is remounted read-only while /tmp (where
pytest keeps the work directory) stays writable, as the emptyDir volumes do in the pod. The
executor's own installation (the venv) is then read-only, as in the image.
"""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from conftest import cell_text, executor_command, notebook


def _can_remount() -> bool:
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        return False
    probe = subprocess.run(
        ["unshare", "--mount", "sh", "-c", "mount --make-rprivate / && mount --bind /tmp /tmp"],
        capture_output=True,
    )
    return probe.returncode == 0


@pytest.mark.skipif(not _can_remount(), reason="needs root and mount namespaces (unshare) to make / read-only")
def test_runs_with_a_read_only_root_file_system(job):
    job.stage_notebook(
        notebook(
            "import os, tempfile\n"
            "open('written-in-cwd.txt', 'w').write('ok')\n"
            "with tempfile.NamedTemporaryFile() as f: pass\n"
            "print(os.access('/usr', os.W_OK), os.access(os.environ['HOME'], os.W_OK))"
        ),
        {"data/x.txt": b"x"},
    )
    # The executor's environment keeps PATH = the venv only, so the tools are named in full.
    mount, touch = shutil.which("mount"), shutil.which("touch")
    script = (
        f"set -e; {mount} --make-rprivate /; {mount} --bind /tmp /tmp; {mount} -o remount,bind,ro /; "
        f"if {touch} /read-only-probe 2>/dev/null; then echo 'root is writable' >&2; exit 99; fi; "
        f"exec {executor_command()}"
    )
    env = job.env(NBJ_PACKAGE_INPUT_FOLDER="true", NBJ_OUTPUT_FORMATS="ipynb,html,markdown,script,latex")
    assert str(job.tmp).startswith("/tmp/")
    completed = subprocess.run(
        [shutil.which("unshare"), "--mount", shutil.which("sh"), "-c", script], env=env, capture_output=True, text=True, timeout=150
    )

    assert completed.returncode == 0, completed.stderr[-4000:]
    assert cell_text(job.executed_notebook().cells[0]) == "False True\n"
    assert job.keys(job.files_prefix) == [job.files_prefix + "written-in-cwd.txt"]
