"""notebook-executor: the container command of every Notebook Jobs Kubernetes Job.

Steps and exit codes follow docs/executor-contract.md ("What the executor does").
"""

from __future__ import annotations

import collections
import copy
import logging
import os
import shutil
import signal
import sys
import time
from dataclasses import dataclass

import nbformat

from . import config as config_module
from . import execution, export, isolation, parameters, side_effects, termination
from .errors import (
    EXIT_CELL_ERROR,
    EXIT_FORMAT,
    EXIT_OK,
    EXIT_STOPPED,
    EXIT_TIME_LIMIT,
    ConfigError,
    ExecutorError,
    StorageError,
)
from .storage import S3Settings, Storage
from .workspace import Workspace, kernel_environment

log = logging.getLogger("notebook_executor")

# Keeps room in the 4096-byte message for the sentences around a long exception value.
MAX_ERROR_VALUE_CHARS = 1500

# The saved log keeps its last lines up to this size (a notebook may print without end).
MAX_SAVED_LOG_BYTES = 4 * 1024 * 1024

RUN_EXIT_CODES = {
    execution.COMPLETED: EXIT_OK,
    execution.CELL_ERROR: EXIT_CELL_ERROR,
    execution.KERNEL_DIED: EXIT_CELL_ERROR,
    execution.CELL_TIMEOUT: EXIT_TIME_LIMIT,
    execution.RUN_TIMEOUT: EXIT_TIME_LIMIT,
    execution.STOPPED: EXIT_STOPPED,
}


USAGE = """usage: notebook-executor [--version | --help]

Runs one notebook as a Notebook Jobs Kubernetes Job. It takes no arguments: everything comes
from NBJ_* environment variables (docs/executor-contract.md in the Notebook Jobs repository)."""


def main() -> None:
    arguments = sys.argv[1:]
    if arguments == ["--version"]:
        print(f"notebook-executor {_version()}")
        sys.exit(EXIT_OK)
    if arguments:
        print(USAGE, file=sys.stderr if arguments != ["--help"] else sys.stdout)
        sys.exit(EXIT_OK if arguments == ["--help"] else 2)
    sys.exit(run(os.environ))


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("notebook-executor")
    except PackageNotFoundError:
        return "unknown"


def run(environ) -> int:
    started = time.monotonic()
    # Decided before the workspace changes the environment: values to keep out of every text.
    redact = termination.Redactor(environ)
    transcript = _configure_logging(redact)
    saved_log = _SavedLog()
    # First, before any child exists: the kernel must not read our environment or memory.
    if not isolation.make_undumpable():
        log.warning("Could not make the executor non-dumpable: the notebook may be able to read its environment")
    termination_log = config_module.termination_log_path(environ)
    sigterm = _Sigterm(termination_log)
    sigterm.install()
    try:
        exit_code, message = _run_job(environ, started, sigterm, saved_log)
    except ExecutorError as error:
        exit_code, message = error.exit_code, str(error)
    except Exception as error:  # a bug of ours: still tell the user something useful
        log.exception("Unexpected executor failure")
        exit_code, message = EXIT_CELL_ERROR, f"The executor failed unexpectedly ({type(error).__name__}: {error})."
    message = termination.truncate_utf8(termination.one_paragraph(redact(message)))
    termination.write(termination_log, message)
    (log.info if exit_code == EXIT_OK else log.error)("Exit %d: %s", exit_code, message)
    saved_log.save(transcript)
    return exit_code


def _run_job(environ, started: float, sigterm: "_Sigterm", saved_log: "_SavedLog") -> tuple[int, str]:
    cfg = config_module.load(environ)
    run_deadline = started + cfg.run_timeout_seconds if cfg.run_timeout_seconds else None
    log.info("Job %s: notebook %s, formats [%s]", cfg.job_id, cfg.input_file, ",".join(cfg.output_formats))

    workspace = Workspace.under(cfg.work_dir)
    _reset(workspace)
    workspace.create()
    workspace.apply_to(os.environ)
    export.use_bundled_pandoc(os.environ)
    storage = _storage(cfg)
    saved_log.storage, saved_log.key = storage, cfg.log_key
    if storage.holds_static_keys():
        isolation.forget_static_keys(os.environ)
    inputs = _prepare_inputs(cfg, storage, workspace)

    os.chdir(workspace.input_dir)
    result = execution.run(
        inputs.nb,
        working_dir=workspace.input_dir,
        kernel_env=kernel_environment(os.environ),
        cell_timeout_seconds=cfg.cell_timeout_seconds,
        run_timeout_seconds=cfg.run_timeout_seconds,
        run_deadline=run_deadline,
    )
    sigterm.uploading = True
    sigterm.install()  # the run's event loop replaced the handler, then reset it
    log.info("Run ended: %s after %.1f s", result.status, result.duration_seconds)

    exported, changed = _publish(cfg, storage, workspace, inputs, result)
    exit_code = RUN_EXIT_CODES[result.status]
    if exit_code == EXIT_OK and exported.failed:
        exit_code = EXIT_FORMAT
    return exit_code, _summary(cfg, result, exported, changed, uploaded=True)


@dataclass
class _Inputs:
    nb: nbformat.NotebookNode  # parameters injected; the run fills in the outputs
    input_metadata: dict  # as submitted: decides the script extension
    submitted_copy: str  # the notebook file exactly as downloaded
    restored: side_effects.Snapshot  # the packaged folder as restored


def _prepare_inputs(cfg, storage: Storage, workspace: Workspace) -> _Inputs:
    notebook_path = os.path.join(workspace.input_dir, cfg.input_file)
    _download_inputs(cfg, storage, workspace, notebook_path)
    restored = side_effects.snapshot(workspace.input_dir) if cfg.package_input_folder else {}
    # Kept aside: the run may well rewrite files in its folder, even the notebook.
    submitted_copy = os.path.join(workspace.root, "submitted", cfg.input_file)
    os.makedirs(os.path.dirname(submitted_copy), exist_ok=True)
    shutil.copyfile(notebook_path, submitted_copy)

    nb = _read_notebook(notebook_path, cfg.input_file)
    input_metadata = copy.deepcopy(dict(nb.metadata))
    if cfg.parameters:
        placement = parameters.inject(nb, cfg.parameters)
        log.info("Injected %d parameters %s", len(cfg.parameters), placement)
    return _Inputs(nb, input_metadata, submitted_copy, restored)


def _publish(cfg, storage: Storage, workspace: Workspace, inputs: _Inputs, result) -> tuple[export.ExportResult, list[str]]:
    """Writes the formats and uploads them, the input copy and the side effects, whatever the result."""
    exported = export.export_all(
        inputs.nb, cfg.output_formats, workspace.output_dir, cfg.input_file, cfg.create_time_ms, inputs.input_metadata
    )
    uploads = [(path, cfg.output_prefix + os.path.basename(path)) for _, path in exported.written]
    uploads.append((inputs.submitted_copy, cfg.output_prefix + cfg.input_file))
    changed = []
    if cfg.package_input_folder:
        changed = side_effects.changed_files(workspace.input_dir, inputs.restored, exclude={cfg.input_file})
        uploads += [(os.path.join(workspace.input_dir, *rel.split("/")), cfg.side_effects_prefix + rel) for rel in changed]
    try:
        storage.upload_files(uploads)
    except StorageError as error:
        raise StorageError(f"{_summary(cfg, result, exported, changed, uploaded=False)} {error}") from None
    log.info("Uploaded %d output files and %d side-effect files", len(uploads) - len(changed), len(changed))
    return exported, changed


class _Sigterm:
    """SIGTERM outside the notebook run (execution.py handles it during the run).

    The executor is PID 1 in its container, where SIGTERM without a handler is ignored. Before
    the run there is nothing to save: report and exit at once (a blocked S3 call could not be
    interrupted cleanly anyway). Once the outputs are being uploaded, finishing the upload
    within the grace period is worth more than exiting early.
    """

    def __init__(self, termination_log: str):
        self.termination_log = termination_log
        self.uploading = False

    def install(self) -> None:
        signal.signal(signal.SIGTERM, self._handle)

    def _handle(self, signum, frame) -> None:
        if self.uploading:
            log.warning("SIGTERM received: finishing the upload first")
            return
        message = "The job was stopped (SIGTERM) before the notebook ran."
        termination.write(self.termination_log, message)
        log.error("Exit %d: %s", EXIT_STOPPED, message)
        logging.shutdown()
        os._exit(EXIT_STOPPED)


def _reset(workspace: Workspace) -> None:
    # A fresh emptyDir in Kubernetes; cleared anyway so that a reused directory cannot leak
    # old files into the inputs or the side effects.
    for path in (workspace.input_dir, workspace.output_dir, os.path.join(workspace.root, "submitted")):
        shutil.rmtree(path, ignore_errors=True)


def _storage(cfg) -> Storage:
    try:
        return Storage(S3Settings(cfg.bucket, cfg.endpoint_url, cfg.region, cfg.path_style))
    except ValueError as error:  # e.g. a malformed endpoint URL
        raise ConfigError(f"The S3 settings are invalid ({type(error).__name__}).") from None


def _download_inputs(cfg, storage: Storage, workspace: Workspace, notebook_path: str) -> None:
    if cfg.package_input_folder:
        log.info("Restoring the input folder from %s", storage.url(cfg.input_prefix))
        restored = storage.download_folder(cfg.input_prefix, workspace.input_dir)
        if cfg.input_file not in restored:
            raise StorageError(f"The input notebook {storage.url(cfg.input_key)} does not exist.")
        log.info("Restored %d files", len(restored))
    else:
        log.info("Downloading %s", storage.url(cfg.input_key))
        storage.download_file(cfg.input_key, notebook_path)


def _read_notebook(path: str, name: str):
    try:
        return nbformat.read(path, as_version=4)
    except Exception as error:  # JSON errors, unknown nbformat versions, validation failures
        raise ConfigError(f"{name} is not a readable Jupyter notebook ({type(error).__name__}).") from None


def _summary(cfg, result: execution.RunResult, exported: export.ExportResult, changed: list[str], uploaded: bool) -> str:
    partial = "Outputs up to that cell were uploaded." if uploaded else "Outputs could not be uploaded."
    cell = f"Cell {result.cell_number}" if result.cell_number else "The notebook"
    if result.status == execution.COMPLETED:
        text = f"Notebook {cfg.input_file} ran in {_seconds(result.duration_seconds)} s"
        text += f"; wrote {', '.join(f for f, _ in exported.written) or 'no output formats'}"
        if cfg.package_input_folder:
            text += f" and {len(changed)} changed file{'s' if len(changed) != 1 else ''}"
        text += "." if uploaded else ", but the upload failed."
    elif result.status == execution.CELL_ERROR:
        value = (result.error_value or "").strip()
        if len(value) > MAX_ERROR_VALUE_CHARS:
            value = value[:MAX_ERROR_VALUE_CHARS] + "..."
        text = f"{cell} raised {result.error_name}: {value}" if value else f"{cell} raised {result.error_name}."
        text = f"{text.rstrip('.')}. {partial}"
    elif result.status == execution.KERNEL_DIED:
        text = f"The kernel died while running cell {result.cell_number} (out of memory?). {partial}"
    elif result.status == execution.CELL_TIMEOUT:
        text = f"{cell} did not finish within the per-cell limit of {result.limit_seconds} s. {partial}"
    elif result.status == execution.RUN_TIMEOUT:
        where = f" (stopped in cell {result.cell_number})" if result.cell_number else ""
        text = f"The notebook did not finish within the run limit of {result.limit_seconds} s{where}. {partial}"
    else:
        where = f" in cell {result.cell_number}" if result.cell_number else ""
        text = f"The run was stopped (SIGTERM){where}. {partial}"
    if exported.failed:
        text += " Not written: " + "; ".join(exported.failed.values()) + "."
    return text


def _seconds(duration: float) -> str:
    return f"{duration:.1f}" if duration < 10 else f"{duration:.0f}"


class _RedactingFilter(logging.Filter):
    def __init__(self, redact):
        super().__init__()
        self.redact = redact

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = self.redact(record.getMessage())
        record.args = None
        if record.exc_info:
            record.exc_text = self.redact(logging.Formatter().formatException(record.exc_info))
        return True


class _Transcript(logging.Handler):
    """The log lines of this run, kept for the saved log: the last MAX_SAVED_LOG_BYTES of them."""

    def __init__(self):
        super().__init__()
        self.lines: collections.deque[str] = collections.deque()
        self.size = 0
        self.dropped = 0

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = self.format(record) + "\n"
        except Exception:  # never let logging fail the run
            return
        self.lines.append(line)
        self.size += len(line.encode("utf-8", "replace"))
        while self.size > MAX_SAVED_LOG_BYTES and len(self.lines) > 1:
            self.size -= len(self.lines.popleft().encode("utf-8", "replace"))
            self.dropped += 1

    def text(self) -> str:
        head = f"({self.dropped} earlier lines were dropped to keep the log small)\n" if self.dropped else ""
        return head + "".join(self.lines)


class _SavedLog:
    """Uploads the run's log next to its outputs at the end, whatever the outcome, so it outlives the pod."""

    def __init__(self):
        self.storage: Storage | None = None
        self.key: str | None = None

    def save(self, transcript: _Transcript) -> None:
        if self.storage is None or self.key is None:
            return  # the configuration was broken: the termination message says why
        try:
            self.storage.upload_bytes(transcript.text().encode("utf-8", "replace"), self.key, "text/plain; charset=utf-8")
        except Exception as error:  # the outputs are safe; only the saved log is missing
            log.warning("Could not save the log to %s: %s", self.storage.url(self.key), error)


def _configure_logging(redact) -> _Transcript:
    redacting = _RedactingFilter(redact)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s", "%H:%M:%S"))
    handler.addFilter(redacting)
    # The saved log has full UTC times: it is read long after, and by `since`.
    transcript = _Transcript()
    formatter = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s", "%Y-%m-%dT%H:%M:%SZ")
    formatter.converter = time.gmtime
    transcript.setFormatter(formatter)
    transcript.addFilter(redacting)
    root = logging.getLogger()
    root.handlers[:] = [handler, transcript]
    root.setLevel(logging.WARNING)
    log.setLevel(logging.INFO)
    return transcript
