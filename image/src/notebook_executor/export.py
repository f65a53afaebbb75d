"""Writes the requested output formats through nbconvert's exporters.

A format that cannot be produced (no LaTeX engine for pdf, no pandoc for latex) is reported
for that format only; the others are still written.
"""

from __future__ import annotations

import logging
import os
import shutil
from dataclasses import dataclass, field

import nbformat
from nbconvert.exporters import (
    HTMLExporter,
    LatexExporter,
    MarkdownExporter,
    PDFExporter,
    ScriptExporter,
)
from nbconvert.utils.pandoc import PandocMissing
from nbformat import NotebookNode
from traitlets.config import Config

from . import naming

log = logging.getLogger(__name__)


@dataclass
class ExportResult:
    written: list[tuple[str, str]] = field(default_factory=list)  # (format, local path)
    failed: dict[str, str] = field(default_factory=dict)  # format -> reason


def export_all(
    nb: NotebookNode,
    formats: tuple[str, ...],
    directory: str,
    input_file: str,
    create_time_ms: int,
    input_metadata: dict,
) -> ExportResult:
    result = ExportResult()
    for output_format in formats:
        name = naming.output_file_name(input_file, create_time_ms, output_format, input_metadata)
        path = os.path.join(directory, name)
        try:
            content = render(nb, output_format)
        except Exception as error:  # one broken format must not cost the others
            reason = describe_failure(output_format, error)
            log.error("Output format %s failed: %s", output_format, reason)
            result.failed[output_format] = reason
            continue
        mode = "wb" if isinstance(content, bytes) else "w"
        with open(path, mode, **({} if mode == "wb" else {"encoding": "utf-8"})) as out:
            out.write(content)
        result.written.append((output_format, path))
        log.info("Wrote %s", name)
    return result


def render(nb: NotebookNode, output_format: str) -> str | bytes:
    if output_format == "ipynb":
        return nbformat.writes(nb)
    exporter = _exporter(output_format)
    body, _resources = exporter.from_notebook_node(nb)
    return body


def _exporter(output_format: str):
    if output_format == "html":
        return HTMLExporter()  # images are embedded as data URIs by default
    if output_format == "markdown":
        # Keep images inside the one .md file as data URIs instead of separate files.
        config = Config()
        config.ExtractOutputPreprocessor.enabled = False
        return MarkdownExporter(config=config)
    if output_format == "script":
        return ScriptExporter()
    if output_format == "latex":
        return LatexExporter()
    if output_format == "pdf":
        exporter = PDFExporter()
        engine = exporter.latex_command[0]
        if shutil.which(engine) is None:
            raise LatexEngineMissing(engine)
        return exporter
    raise ValueError(f"unknown output format {output_format}")


def use_bundled_pandoc(environ) -> None:
    """Puts the pandoc of the pypandoc_binary wheel on PATH unless one is there already.

    nbconvert looks pandoc up on PATH (latex and pdf need it for markdown cells); taking it from
    a wheel keeps its version pinned and hashed in requirements.lock like everything else.
    """
    if shutil.which("pandoc", path=environ.get("PATH")):
        return
    try:
        import pypandoc
    except ImportError:
        return
    bundled = os.path.join(os.path.dirname(pypandoc.__file__), "files")
    if os.path.isfile(os.path.join(bundled, "pandoc")):
        environ["PATH"] = os.pathsep.join(filter(None, [environ.get("PATH"), bundled]))


class LatexEngineMissing(Exception):
    def __init__(self, engine: str):
        super().__init__(engine)
        self.engine = engine


def describe_failure(output_format: str, error: Exception) -> str:
    if isinstance(error, LatexEngineMissing):
        return f"{output_format} needs a LaTeX engine ({error.engine}) and this image has none"
    if isinstance(error, PandocMissing):
        return f"{output_format} needs pandoc and this image has none"
    text = " ".join(str(error).split())
    if len(text) > 300:
        text = text[:300] + "..."
    return f"{output_format} could not be produced ({type(error).__name__}: {text})"
