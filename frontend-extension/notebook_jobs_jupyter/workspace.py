"""The user's side of the bridge: files under the Jupyter server's root directory.

What a create uploads (the notebook and, when packaged, its folder without checkpoints, hidden
files and the downloaded jobs/ folder) and where downloaded outputs go
(<root>/jobs/<input base>-<job id>/), as in stock jupyter-scheduler.
"""

from __future__ import annotations

import os
import posixpath
from dataclasses import dataclass
from pathlib import Path

from .errors import BridgeError, bad_request

# Downloaded outputs live in <root>/jobs/; packaging the root folder must not upload them again.
JOBS_FOLDER = "jobs"
# The areas of a job's files in the service's listing (GET /scheduler/jobs/{id}/files).
SERVICE_AREAS = ("input", "output", "files")


def is_within(path: str, folder: str) -> bool:
    """True when the resolved path is the folder or inside it."""
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def shown(root: str, path: str) -> str:
    """A path as the user knows it: relative to the server's root directory."""
    rel = os.path.relpath(path, root)
    return "(the server's root directory)" if rel == "." else f"'{Path(rel).as_posix()}'"


@dataclass(frozen=True)
class Input:
    """The notebook a create or update names, resolved inside the root directory."""

    notebook: str  # real path of the file to upload
    filename: str  # the name it is uploaded under: the input_uri's last segment
    folder: str  # real path of the folder that is packaged with package_input_folder


def resolve_input(root: str, input_uri: object) -> Input:
    """The notebook input_uri names, relative to root; refuses paths (and links) that leave it."""
    if not isinstance(input_uri, str) or not input_uri.strip():
        raise bad_request("input_uri", "is required: the notebook's path relative to the server's root directory")
    if "\0" in input_uri:
        raise bad_request("input_uri", "contains a NUL character")
    root = os.path.realpath(root)
    named = os.path.join(root, input_uri)  # an absolute input_uri replaces root here, and is refused below
    notebook = os.path.realpath(named)
    folder = os.path.realpath(os.path.dirname(named))
    if not is_within(notebook, root) or not is_within(folder, root):
        raise bad_request(
            "input_uri",
            f"'{input_uri}' is outside the server's root directory (a path or a link leads out of it)",
        )
    if not os.path.isfile(notebook):
        raise bad_request("input_uri", f"there is no file '{input_uri}' under the server's root directory")
    filename = os.path.basename(named)
    return Input(notebook=notebook, filename=filename, folder=folder)


@dataclass(frozen=True)
class PackagedFile:
    path: str  # relative to the notebook's folder, with '/' (the multipart file name)
    file: str  # where it is on disk
    size: int


def is_hidden(name: str) -> bool:
    # .ipynb_checkpoints is hidden too.
    return name.startswith(".")


def packaged_folder(root: str, source: Input, max_files: int, max_bytes: int, log=None) -> list[PackagedFile]:
    """The files of the notebook's folder to upload with it, the notebook itself left out.

    Left out as well: hidden files and folders (.ipynb_checkpoints, .git, .venv, ...), the
    downloaded outputs in <root>/jobs/, links to folders (never followed: loops, and folders
    elsewhere), links to files outside the root directory, and anything that is not a regular
    file. More files, or more bytes, than the limits is a 400 before anything is read.
    """
    root = os.path.realpath(root)
    jobs_folder = os.path.join(root, JOBS_FOLDER)
    found: list[PackagedFile] = []
    total = 0
    for here, folders, files in os.walk(source.folder, followlinks=False):
        kept = []
        for name in sorted(folders):
            path = os.path.join(here, name)
            if is_hidden(name) or path == jobs_folder:
                continue
            if os.path.islink(path):
                _skipped(log, root, path, "a link to a folder")
                continue
            kept.append(name)
        folders[:] = kept
        for name in sorted(files):
            path = os.path.join(here, name)
            if is_hidden(name):
                continue
            if here == source.folder and name == source.filename:
                continue  # the notebook, uploaded as the `input` part
            real = os.path.realpath(path)
            if os.path.islink(path) and not is_within(real, root):
                _skipped(log, root, path, "a link to a file outside the server's root directory")
                continue
            if not os.path.isfile(real):
                continue
            size = os.path.getsize(real)
            total += size
            found.append(PackagedFile(Path(os.path.relpath(path, source.folder)).as_posix(), real, size))
            if len(found) > max_files:
                raise bad_request(
                    "package_input_folder",
                    f"the notebook's folder {shown(root, source.folder)} has more than {max_files} files "
                    "to upload (the limit, NotebookJobsBridge.max_packaged_files; hidden files, "
                    ".ipynb_checkpoints and jobs/ not counted): move the notebook into a folder with only "
                    "what it needs, or schedule it without 'Run job with input folder'",
                )
            if total > max_bytes:
                raise bad_request(
                    "package_input_folder",
                    f"the files in the notebook's folder {shown(root, source.folder)} add up to more than "
                    f"{max_bytes} bytes (the limit, NotebookJobsBridge.max_packaged_bytes): move the notebook "
                    "into a folder with only what it needs, or schedule it without 'Run job with input folder'",
                )
    return found


def _skipped(log, root: str, path: str, why: str) -> None:
    if log is not None:
        log.info("Notebook Jobs: not packaging %s: %s", shown(root, path), why)


# ---- downloads


def job_folder(input_filename: object, job_id: object) -> str:
    """Where a job's files are downloaded, relative to root: jobs/<input base>-<job id>."""
    if not isinstance(input_filename, str) or not isinstance(job_id, str):
        raise BridgeError(502, "The Notebook Jobs service described a job without input_filename or job_id")
    base = posixpath.splitext(input_filename)[0]
    name = f"{base}-{job_id}"
    if not base or not _plain_segment(name):
        raise BridgeError(502, f"The Notebook Jobs service gave an unusable file name or job id ({name!r})")
    return f"{JOBS_FOLDER}/{name}"


def local_name(service_name: object) -> str | None:
    """A file's path inside the job's download folder: the service's name without its area.

    output/report-2026-11-23-12-37-03-PM.html -> report-2026-11-23-12-37-03-PM.html,
    files/data/summary.csv -> data/summary.csv, input/report.ipynb -> report.ipynb (the copy
    of the input that is among the outputs). The names are the service's; nothing is recomputed.
    None for a name that is not area/relative-path.
    """
    if not isinstance(service_name, str):
        return None
    area, _, rest = service_name.partition("/")
    if area not in SERVICE_AREAS or not rest:
        return None
    if not all(_plain_segment(s) for s in rest.split("/")):
        return None
    return rest


def _plain_segment(segment: str) -> bool:
    return bool(segment) and segment not in (".", "..") and not any(c in segment for c in "/\\\0")
