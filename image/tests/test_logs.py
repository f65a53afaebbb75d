"""The executor's log: what a notebook prints shows up line by line while it runs, with the cell
it came from and a progress line per code cell, and the whole log is saved next to the outputs
at the end, whatever the outcome, with secrets masked."""

from __future__ import annotations

import re
import signal
import time

from conftest import notebook, start_executor

TOKEN = "tok-9f8e7d6c5b4a"


def saved_log(job) -> str:
    return job.read(job.log_key).decode("utf-8")


def test_a_completed_run_saves_its_log_with_progress_and_what_the_cells_printed(job):
    job.stage_notebook(notebook(("md", "# Title"), "print('answer', 6 * 7)", "import sys\nprint('warned', file=sys.stderr)"))
    result = job.run()

    assert result.returncode == 0, result.describe()
    # While it runs: on the container's stderr, which is what `kubectl logs` shows.
    assert "Running cell 2 of 3" in result.stderr
    assert "[cell 2] answer 42" in result.stderr
    assert "[cell 3] warned" in result.stderr
    log = saved_log(job)
    assert "Running cell 2 of 3" in log and "Running cell 3 of 3" in log
    assert "Running cell 1 of 3" not in log, "a markdown cell is not run"
    assert "[cell 2] answer 42" in log
    assert "Exit 0: Notebook report.ipynb ran in" in log
    # Full UTC times: the saved log is read long after the run.
    assert re.search(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ INFO notebook_executor", log, re.MULTILINE), log[:300]
    assert job.read(job.log_key) and job.s3.head_object(Bucket="notebook-jobs-test", Key=job.log_key)[
        "ContentType"
    ].startswith("text/plain")


def test_a_failed_run_saves_its_log_with_the_error(job):
    job.stage_notebook(notebook("print('before')", "raise ValueError('bad region')"))
    result = job.run()

    assert result.returncode == 1, result.describe()
    log = saved_log(job)
    assert "[cell 1] before" in log
    assert "Exit 1: Cell 2 raised ValueError: bad region." in log


def test_a_stopped_run_saves_its_log(job):
    job.stage_notebook(notebook("print('started', flush=True)\nimport time\ntime.sleep(60)"))
    process = start_executor(job.env())
    deadline = time.monotonic() + 60
    seen = ""
    while "[cell 1] started" not in seen and time.monotonic() < deadline:
        seen += process.stderr.readline()
    assert "[cell 1] started" in seen, seen
    process.send_signal(signal.SIGTERM)
    process.communicate(timeout=60)

    assert process.returncode == 143
    log = saved_log(job)
    assert "[cell 1] started" in log
    assert "Exit 143: The run was stopped (SIGTERM)" in log


def test_secrets_the_notebook_prints_are_masked_in_both_logs(job):
    job.stage_notebook(notebook("import os\nprint('token is', os.environ['API_TOKEN'])"))
    result = job.run(API_TOKEN=TOKEN)

    assert result.returncode == 0, result.describe()
    assert TOKEN not in result.stderr
    assert "[cell 1] token is ***" in result.stderr
    log = saved_log(job)
    assert TOKEN not in log and job.server.secret_key not in log
    assert "[cell 1] token is ***" in log


def test_without_a_log_key_nothing_is_saved(job):
    job.stage_notebook(notebook("print('x')"))
    result = job.run(NBJ_LOG_KEY=None)

    assert result.returncode == 0, result.describe()
    assert job.keys(job.prefix + "logs/") == []
