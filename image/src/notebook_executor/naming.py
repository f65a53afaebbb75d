"""Output file names (docs/executor-contract.md, "Files in S3")."""

from __future__ import annotations

import posixpath
from datetime import datetime, timezone

EXTENSIONS = {"ipynb": "ipynb", "html": "html", "markdown": "md", "latex": "tex", "pdf": "pdf"}
SCRIPT_EXTENSIONS_BY_LANGUAGE = {"python": "py", "r": "r", "julia": "jl"}


def stamp(create_time_ms: int) -> str:
    """YYYY-MM-DD-hh-mm-ss-AM|PM in UTC, built by hand so that the locale cannot change %p."""
    moment = datetime.fromtimestamp(create_time_ms / 1000, tz=timezone.utc)
    hour12 = moment.hour % 12 or 12
    meridiem = "AM" if moment.hour < 12 else "PM"
    return f"{moment:%Y-%m-%d}-{hour12:02d}-{moment:%M-%S}-{meridiem}"


def base_name(input_file: str) -> str:
    """The input file without its last extension: report.ipynb -> report, a.b.ipynb -> a.b."""
    base, _ = posixpath.splitext(input_file)
    return base or input_file


def script_extension(notebook_metadata: dict) -> str:
    """Decided from the notebook as submitted, so the service can predict the name."""
    file_extension = (notebook_metadata.get("language_info") or {}).get("file_extension")
    if isinstance(file_extension, str) and file_extension.lstrip("."):
        return file_extension.lstrip(".")
    language = (notebook_metadata.get("kernelspec") or {}).get("language")
    if isinstance(language, str):
        return SCRIPT_EXTENSIONS_BY_LANGUAGE.get(language.lower(), "txt")
    return "txt"


def output_file_name(input_file: str, create_time_ms: int, output_format: str, notebook_metadata: dict) -> str:
    if output_format == "script":
        extension = script_extension(notebook_metadata)
    else:
        extension = EXTENSIONS[output_format]
    return f"{base_name(input_file)}-{stamp(create_time_ms)}.{extension}"
