"""The package as pip installs it: server config, labextensions, and what a wheel must contain."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1]
SOURCES = ["pyproject.toml", "README.md", "install.json", "notebook_jobs_jupyter", "jupyter-config"]
BIN = Path(sys.executable).parent


def isolated_env(tmp_path: Path) -> dict[str, str]:
    """No user or system config: only what the venv (sys.prefix) has, as on a fresh machine."""
    home = tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("JUPYTER")}
    env.update(HOME=str(home), JUPYTER_CONFIG_DIR=str(home / ".jupyter"), JUPYTER_DATA_DIR=str(home / "data"),
               JUPYTER_PLATFORM_DIRS="1", NO_COLOR="1")
    return env


def plain(text: str) -> str:
    return re.sub(r"\x1b\[[0-9;]*m", "", text)


def test_the_installed_config_enables_the_bridge_and_disables_jupyter_scheduler(tmp_path):
    shipped = PACKAGE / "jupyter-config" / "server-config" / "notebook_jobs_jupyter.json"
    installed = Path(sys.prefix) / "etc" / "jupyter" / "jupyter_server_config.d" / "notebook_jobs_jupyter.json"
    assert json.loads(installed.read_text()) == json.loads(shipped.read_text())
    # Jupyter merges config.d files in name order: ours must come after jupyter_scheduler's.
    assert sorted([installed.name, "jupyter_scheduler.json"])[-1] == installed.name

    done = subprocess.run([BIN / "jupyter", "server", "extension", "list"], env=isolated_env(tmp_path),
                          capture_output=True, text=True, timeout=120)
    listing = plain(done.stdout + done.stderr)
    assert re.search(r"notebook_jobs_jupyter\s+enabled", listing), listing
    assert re.search(r"jupyter_scheduler\s+disabled", listing), listing


def test_the_stock_scheduler_ui_stays_enabled(tmp_path):
    done = subprocess.run([BIN / "jupyter", "labextension", "list"], env=isolated_env(tmp_path),
                          capture_output=True, text=True, timeout=120)
    listing = plain(done.stdout + done.stderr)
    assert re.search(r"@jupyterlab/scheduler v2\.11\.\d+ enabled", listing), listing


def copy_sources(to: Path) -> Path:
    to.mkdir(parents=True)
    for name in SOURCES:
        source = PACKAGE / name
        if source.is_dir():
            shutil.copytree(source, to / name, ignore=shutil.ignore_patterns("__pycache__", "labextension"))
        else:
            shutil.copy2(source, to / name)
    return to


def build_wheel(project: Path, out: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    env.pop("HATCH_JUPYTER_BUILDER_SKIP_NPM", None)
    return subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--disable-pip-version-check",
         "-w", str(out), str(project)],
        capture_output=True, text=True, env=env, timeout=300,
    )


def test_a_wheel_build_fails_when_the_labextension_cannot_be_built(tmp_path):
    # No labextension and no package.json to build it from: the wheel must not be made without it.
    project = copy_sources(tmp_path / "project")
    done = build_wheel(project, tmp_path / "dist")
    assert done.returncode != 0, done.stdout[-3000:]
    assert not list(tmp_path.glob("dist/*.whl"))
    # It failed building the labextension (`jlpm install` / `jlpm build:prod`), not elsewhere.
    assert "jlpm" in done.stdout + done.stderr, done.stdout[-3000:]


def test_a_wheel_ships_the_labextension_install_json_and_server_config(tmp_path):
    project = copy_sources(tmp_path / "project")
    labextension = project / "notebook_jobs_jupyter" / "labextension"
    built = PACKAGE / "notebook_jobs_jupyter" / "labextension"
    if (built / "package.json").is_file():
        shutil.copytree(built, labextension)  # the real build (run-tests.sh makes it once the TS side exists)
    else:
        # Until the TypeScript side exists: a labextension folder as `jlpm build:prod` lays it out,
        # to check where the wheel puts it (its content is not what is tested here).
        (labextension / "static").mkdir(parents=True)
        (labextension / "package.json").write_text(json.dumps({"name": "notebook-jobs-jupyter", "version": "0.1.0"}))
        (labextension / "static" / "remoteEntry.0123456789abcdef.js").write_text("// built bundle\n")
    done = build_wheel(project, tmp_path / "dist")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    (wheel,) = (tmp_path / "dist").glob("notebook_jobs_jupyter-0.1.0-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    data = "notebook_jobs_jupyter-0.1.0.data/data"
    share = f"{data}/share/jupyter/labextensions/notebook-jobs-jupyter"
    assert f"{share}/package.json" in names
    assert f"{share}/install.json" in names
    assert any(n.startswith(f"{share}/static/remoteEntry.") for n in names)
    assert f"{data}/etc/jupyter/jupyter_server_config.d/notebook_jobs_jupyter.json" in names
    assert {"notebook_jobs_jupyter/__init__.py", "notebook_jobs_jupyter/handlers.py"} <= names
    metadata = zipfile.ZipFile(wheel).read("notebook_jobs_jupyter-0.1.0.dist-info/METADATA").decode()
    assert "Requires-Dist: jupyter-scheduler==2.11.*" in metadata
    assert "Requires-Dist: jupyter-server<3,>=2" in metadata


@pytest.mark.parametrize("extension_points", ["_jupyter_server_extension_points", "_jupyter_labextension_paths"])
def test_the_module_declares_its_extension_points(extension_points):
    import notebook_jobs_jupyter

    assert getattr(notebook_jobs_jupyter, extension_points)()
