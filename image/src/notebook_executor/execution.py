"""Runs the notebook with its own kernel through nbclient, cell by cell.

Driving the cells ourselves (instead of NotebookClient.execute) tells us which cell failed and
lets one timeout function enforce both limits: every cell gets the smaller of the per-cell
limit and what is left of the whole-run budget.
"""

from __future__ import annotations

import asyncio
import logging
import math
import signal
import time
from dataclasses import dataclass

from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel
from jupyter_core.utils import ensure_async
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError
from nbformat import NotebookNode

from .errors import ConfigError

log = logging.getLogger(__name__)
# What the notebook prints, line by line as it comes: `kubectl logs` and the service's log
# endpoint show it while the job runs (the notebook itself gets it only at the end).
cell_log = logging.getLogger("notebook_executor.cell")

KERNEL_STARTUP_SECONDS = 60

COMPLETED = "completed"
CELL_ERROR = "cell-error"
KERNEL_DIED = "kernel-died"
CELL_TIMEOUT = "cell-timeout"
RUN_TIMEOUT = "run-timeout"
STOPPED = "stopped"

PROGRESS_PREFIX = "Running cell"


@dataclass
class RunResult:
    status: str
    cell_count: int
    duration_seconds: float
    cell_number: int | None = None  # 1-based position in the executed notebook
    error_name: str | None = None
    error_value: str | None = None
    limit_seconds: int | None = None


def kernel_name(nb: NotebookNode) -> str:
    """The notebook's own kernel; there is deliberately no python3 fallback."""
    name = (nb.metadata.get("kernelspec") or {}).get("name")
    if not isinstance(name, str) or not name:
        raise ConfigError("The notebook has no kernel in its metadata (metadata.kernelspec.name); open it in Jupyter, pick a kernel and save it.")
    return name


def check_kernel_installed(name: str) -> None:
    manager = KernelSpecManager()
    try:
        manager.get_kernel_spec(name)
    except NoSuchKernel:
        installed = ", ".join(sorted(manager.find_kernel_specs())) or "none"
        raise ConfigError(
            f"The notebook's kernel '{name}' is not installed in this image (installed: {installed}). "
            "Use an image that has it or change the notebook's kernel."
        ) from None


class Limits:
    """Hands nbclient the timeout for each cell and remembers which limit it came from."""

    def __init__(self, cell_seconds: int, run_seconds: int, run_deadline: float | None):
        self.cell_seconds = cell_seconds
        self.run_seconds = run_seconds
        self.run_deadline = run_deadline
        self.last_binding = CELL_TIMEOUT

    def remaining_run_seconds(self) -> float | None:
        if self.run_deadline is None:
            return None
        return self.run_deadline - time.monotonic()

    def for_cell(self, cell) -> float | None:
        remaining = self.remaining_run_seconds()
        cell_limit = self.cell_seconds or None
        if remaining is not None and (cell_limit is None or remaining < cell_limit):
            self.last_binding = RUN_TIMEOUT
            return max(remaining, 0.1)  # 0 would mean "no limit" to nbclient
        self.last_binding = CELL_TIMEOUT
        return cell_limit


def run(
    nb: NotebookNode,
    working_dir: str,
    kernel_env: dict[str, str],
    cell_timeout_seconds: int,
    run_timeout_seconds: int,
    run_deadline: float | None,
) -> RunResult:
    """Executes nb in place (outputs end up in nb) and says how it ended."""
    name = kernel_name(nb)
    check_kernel_installed(name)
    limits = Limits(cell_timeout_seconds, run_timeout_seconds, run_deadline)
    started = time.monotonic()
    result = asyncio.run(_run(nb, name, working_dir, kernel_env, limits))
    result.duration_seconds = time.monotonic() - started
    return result


class _LoggingClient(NotebookClient):
    """Logs each stream output (print, stderr) of a cell as the kernel sends it."""

    def output(self, outs, msg, display_id, cell_index):
        if msg.get("msg_type") == "stream":
            for line in str(msg.get("content", {}).get("text", "")).splitlines():
                cell_log.info("[cell %d] %s", cell_index + 1, line)
        return super().output(outs, msg, display_id, cell_index)


async def _run(nb, name, working_dir, kernel_env, limits: Limits) -> RunResult:
    client = _LoggingClient(
        nb,
        kernel_name=name,
        timeout_func=limits.for_cell,
        startup_timeout=_startup_timeout(limits.remaining_run_seconds()),
        # A timed-out or stopped kernel cannot answer a polite shutdown request.
        shutdown_kernel="immediate",
        resources={"metadata": {"path": working_dir}},
        allow_errors=False,
    )
    stop = _StopSignal(asyncio.current_task())
    kernel_started = False
    current = None
    try:
        async with client.async_setup_kernel(env=kernel_env, cwd=working_dir):
            kernel_started = True
            stop.install()  # replaces nbclient's own SIGTERM handler, which only kills the kernel
            log.info("Kernel %s started", name)
            await _record_language_info(client, nb)
            for index, cell in enumerate(nb.cells):
                current = index
                if cell.cell_type == "code" and _out_of_time(limits):
                    return _result(nb, RUN_TIMEOUT, index, limit_seconds=limits.run_seconds)
                if cell.cell_type == "code":
                    # The service reads the last of these lines as the job's progress.
                    log.info("%s %d of %d", PROGRESS_PREFIX, index + 1, len(nb.cells))
                await client.async_execute_cell(cell, index, execution_count=client.code_cells_executed + 1)
        return _result(nb, COMPLETED, None)
    except CellExecutionError as error:
        return _result(nb, CELL_ERROR, current, error.ename, error.evalue)
    except CellTimeoutError:
        if stop.requested:
            return _result(nb, STOPPED, current)
        seconds = limits.run_seconds if limits.last_binding == RUN_TIMEOUT else limits.cell_seconds
        return _result(nb, limits.last_binding, current, limit_seconds=seconds)
    except DeadKernelError:
        return _result(nb, STOPPED if stop.requested else KERNEL_DIED, current)
    except asyncio.CancelledError:
        if stop.requested:
            return _result(nb, STOPPED, current)
        raise
    except (RuntimeError, OSError) as error:
        if kernel_started:
            raise
        if _out_of_time(limits):
            return _result(nb, RUN_TIMEOUT, None, limit_seconds=limits.run_seconds)
        raise ConfigError(f"The kernel '{name}' could not be started: {error}") from None
    finally:
        stop.uninstall()


def _out_of_time(limits: Limits) -> bool:
    remaining = limits.remaining_run_seconds()
    return remaining is not None and remaining <= 0


async def _record_language_info(client: NotebookClient, nb: NotebookNode) -> None:
    # As NotebookClient.execute does: exporters use it (code language, script extension).
    msg_id = await ensure_async(client.kc.kernel_info())
    reply = await client.async_wait_for_reply(msg_id)
    if reply and "language_info" in reply.get("content", {}):
        nb.metadata["language_info"] = reply["content"]["language_info"]


def _startup_timeout(remaining: float | None) -> int:
    if remaining is None:
        return KERNEL_STARTUP_SECONDS
    return max(1, min(KERNEL_STARTUP_SECONDS, math.ceil(remaining)))


def _result(nb, status, index, error_name=None, error_value=None, limit_seconds=None) -> RunResult:
    return RunResult(
        status=status,
        cell_count=len(nb.cells),
        duration_seconds=0.0,
        cell_number=None if index is None else index + 1,
        error_name=error_name,
        error_value=error_value,
        limit_seconds=limit_seconds,
    )


class _StopSignal:
    """SIGTERM (Kubernetes stopping the pod) cancels the run so partial outputs still get uploaded.

    The executor is PID 1 in its container, where SIGTERM without a handler is ignored and the
    pod would only die by SIGKILL after the grace period, with nothing uploaded.
    """

    def __init__(self, task: asyncio.Task | None):
        self.task = task
        self.requested = False
        self.loop = asyncio.get_running_loop()

    def install(self) -> None:
        try:
            self.loop.add_signal_handler(signal.SIGTERM, self._on_sigterm)
        except (RuntimeError, NotImplementedError, ValueError):
            pass

    def uninstall(self) -> None:
        try:
            self.loop.remove_signal_handler(signal.SIGTERM)
        except (RuntimeError, NotImplementedError, ValueError):
            pass

    def _on_sigterm(self) -> None:
        log.warning("SIGTERM received: stopping the notebook")
        self.requested = True
        if self.task is not None:
            self.task.cancel()
