"""Finds the files a run created or changed in the restored input folder.

Content is compared by SHA-256, not by modification time: a file rewritten within the same
second, or restored and touched without change, must be judged by what it contains.
"""

from __future__ import annotations

import hashlib
import os

Snapshot = dict[str, tuple[int, str]]  # relative path (with /) -> (size, sha256)


def snapshot(folder: str) -> Snapshot:
    return {relative: (os.path.getsize(path), _sha256(path)) for relative, path in _regular_files(folder)}


def changed_files(folder: str, before: Snapshot, exclude: set[str]) -> list[str]:
    """Relative paths of regular files that are new or whose content differs, sorted."""
    changed = []
    for relative, path in _regular_files(folder):
        if relative in exclude:
            continue
        previous = before.get(relative)
        if previous is not None:
            size = os.path.getsize(path)
            if size == previous[0] and _sha256(path) == previous[1]:
                continue
        changed.append(relative)
    return sorted(changed)


def _regular_files(folder: str):
    # Symbolic links are skipped: they could point anywhere in the container.
    for directory, subdirectories, files in os.walk(folder, followlinks=False):
        subdirectories.sort()
        for name in sorted(files):
            path = os.path.join(directory, name)
            if os.path.islink(path) or not os.path.isfile(path):
                continue
            yield os.path.relpath(path, folder).replace(os.sep, "/"), path


def _sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()
