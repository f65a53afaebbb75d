"""End-to-end runs of the real executor with a real kernel against the real S3 test server:
success, cell errors, missing kernel, time limits, stop, the work volume."""

from __future__ import annotations

import json
import signal
import socket
import time

import nbformat

from conftest import cell_text, notebook, start_executor

ENV_PROBE = """\
import json, os
from IPython import get_ipython
print(json.dumps({
    "home": os.environ["HOME"],
    "ipythondir": os.environ["IPYTHONDIR"],
    "runtime": os.environ["JUPYTER_RUNTIME_DIR"],
    "cwd": os.getcwd(),
    "history": get_ipython().history_manager.enabled,
    "aws_secret_visible": "AWS_SECRET_ACCESS_KEY" in os.environ,
}))
"""


def test_success_uploads_outputs_and_reports(job):
    job.stage_notebook(notebook("x = 6 * 7\nprint('answer', x)", ENV_PROBE))
    result = job.run(NBJ_OUTPUT_FORMATS="ipynb,html")

    assert result.returncode == 0, result.describe()
    assert result.message.startswith("Notebook report.ipynb ran in ")
    assert "wrote ipynb, html." in result.message
    assert "\n" not in result.message
    assert job.keys(job.output_prefix) == sorted(
        [job.output_prefix + "report.ipynb", job.output_name("ipynb"), job.output_name("html")]
    )
    executed = job.executed_notebook()
    assert cell_text(executed.cells[0]) == "answer 42\n"
    assert executed.cells[0].execution_count == 1
    # The input copy is the notebook as submitted, without outputs.
    submitted = nbformat.reads(job.read(job.output_prefix + "report.ipynb").decode(), as_version=4)
    assert submitted.cells[0].outputs == []
    assert "answer 42" in job.read(job.output_name("html")).decode()


def test_home_ipython_and_runtime_dirs_live_on_the_work_volume_without_history(job):
    job.stage_notebook(notebook(ENV_PROBE))
    result = job.run()

    assert result.returncode == 0, result.describe()
    probe = json.loads(cell_text(job.executed_notebook().cells[0]))
    work = str(job.work_dir)
    assert probe["home"].startswith(work + "/")
    assert probe["ipythondir"].startswith(work + "/")
    assert probe["runtime"].startswith(work + "/")
    assert probe["cwd"] == str(job.work_dir / "input")
    assert probe["history"] is False
    # The executor's storage credentials are not handed to the notebook.
    assert probe["aws_secret_visible"] is False
    assert not list(job.tmp.rglob("*.sqlite")), "IPython created a history database"
    assert not (job.tmp / "original-home").exists(), "something wrote to the original HOME"


def test_cell_error_exits_1_uploads_partial_outputs_and_names_the_cell(job):
    job.stage_notebook(
        notebook(
            ("md", "# Report"),
            "print('first cell ran')",
            "region = 'mars'\nif region not in ('eu', 'us'):\n    raise ValueError(\"region must be 'eu' or 'us'\")",
            "print('never printed')",
        )
    )
    result = job.run(NBJ_OUTPUT_FORMATS="ipynb,html,markdown")

    assert result.returncode == 1, result.describe()
    assert result.message == (
        "Cell 3 raised ValueError: region must be 'eu' or 'us'. Outputs up to that cell were uploaded."
    )
    assert job.keys(job.output_prefix) == sorted(
        [job.output_prefix + "report.ipynb"] + [job.output_name(ext) for ext in ("ipynb", "html", "md")]
    )
    executed = job.executed_notebook()
    assert cell_text(executed.cells[1]) == "first cell ran\n"
    assert "ValueError: region must be 'eu' or 'us'" in cell_text(executed.cells[2])
    assert executed.cells[3].outputs == [] and executed.cells[3].execution_count is None
    assert "ValueError" in job.read(job.output_name("html")).decode()


def test_kernel_death_exits_1_with_partial_outputs(job):
    job.stage_notebook(notebook("print('alive')", "import os\nos._exit(9)", "print('never')"))
    result = job.run()

    assert result.returncode == 1, result.describe()
    assert result.message == (
        "The kernel died while running cell 2 (out of memory?). Outputs up to that cell were uploaded."
    )
    assert cell_text(job.executed_notebook().cells[0]) == "alive\n"


def test_missing_kernel_is_a_clear_configuration_error(job):
    job.stage_notebook(notebook("print(1)", kernel="no-such-kernel"))
    result = job.run()

    assert result.returncode == 2, result.describe()
    assert "kernel 'no-such-kernel' is not installed" in result.message
    assert "python3" in result.message  # what is installed
    assert job.keys(job.output_prefix) == []


def test_notebook_without_kernelspec_is_rejected_not_run_as_python3(job):
    job.stage_notebook(notebook("print(1)", kernel=None))
    result = job.run()

    assert result.returncode == 2, result.describe()
    assert "no kernel in its metadata" in result.message


def test_input_that_is_not_a_notebook_exits_2(job):
    job.stage({job.input_file: b"this is not json"})
    result = job.run()

    assert result.returncode == 2, result.describe()
    assert "report.ipynb is not a readable Jupyter notebook" in result.message


def test_cell_timeout_exits_4_with_partial_outputs(job):
    job.stage_notebook(
        notebook("print('before')", "import time\nprint('sleeping', flush=True)\ntime.sleep(120)", "print('after')")
    )
    result = job.run(NBJ_CELL_TIMEOUT_SECONDS="3", NBJ_RUN_TIMEOUT_SECONDS="0")

    assert result.returncode == 4, result.describe()
    assert result.message == (
        "Cell 2 did not finish within the per-cell limit of 3 s. Outputs up to that cell were uploaded."
    )
    assert result.seconds < 60
    executed = job.executed_notebook()
    assert cell_text(executed.cells[0]) == "before\n"
    assert executed.cells[2].outputs == []


def test_run_timeout_exits_4_with_partial_outputs(job):
    job.stage_notebook(
        notebook("print('quick')", "import time\ntime.sleep(1)", "import time\ntime.sleep(120)", "print('after')")
    )
    # Generous enough for a slow kernel start on a busy machine to still end in cell 3.
    result = job.run(NBJ_RUN_TIMEOUT_SECONDS="12", NBJ_CELL_TIMEOUT_SECONDS="60", NBJ_OUTPUT_FORMATS="ipynb,html")

    assert result.returncode == 4, result.describe()
    assert result.message == (
        "The notebook did not finish within the run limit of 12 s (stopped in cell 3). "
        "Outputs up to that cell were uploaded."
    )
    assert result.seconds < 60
    assert job.output_name("html") in job.keys(job.output_prefix)
    assert cell_text(job.executed_notebook().cells[0]) == "quick\n"


def test_sigterm_stops_the_run_and_still_uploads(job):
    job.stage_notebook(
        notebook("import time\nprint('running', flush=True)\nopen('started', 'w').close()\ntime.sleep(120)", "print('never')")
    )
    process = start_executor(job.env())
    marker = job.work_dir / "input" / "started"
    deadline = time.monotonic() + 60
    while not marker.exists() and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.2)
    assert marker.exists(), "the notebook never started"
    time.sleep(1)  # let the executor take in the cell's output
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=60)

    assert process.returncode == 143, stderr
    message = job.termination_log.read_text()
    assert message == "The run was stopped (SIGTERM) in cell 1. Outputs up to that cell were uploaded."
    executed = job.executed_notebook()
    assert cell_text(executed.cells[0]) == "running\n"
    assert executed.cells[1].outputs == []


def test_missing_variable_exits_2_and_still_writes_the_message(job):
    result = job.run(NBJ_S3_BUCKET=None)

    assert result.returncode == 2, result.describe()
    assert result.message == "The executor's environment is incomplete: NBJ_S3_BUCKET is not set."


def test_missing_input_is_a_storage_error(job):
    result = job.run()  # nothing staged

    assert result.returncode == 3, result.describe()
    assert f"s3://notebook-jobs-test/{job.input_prefix}report.ipynb" in result.message
    assert "does not exist" in result.message


def test_unreachable_s3_exits_3_quickly_with_a_clear_message(job):
    closed_port = _closed_port()
    result = job.run(NBJ_S3_ENDPOINT_URL=f"http://127.0.0.1:{closed_port}", NBJ_PACKAGE_INPUT_FOLDER="true")

    assert result.returncode == 3, result.describe()
    assert f"the S3 endpoint http://127.0.0.1:{closed_port} is unreachable" in result.message
    assert result.seconds < 45, "retries must be bounded"


def test_wrong_credentials_are_reported_as_access_denied(job):
    job.stage_notebook(notebook("print(1)"))
    result = job.run(AWS_SECRET_ACCESS_KEY="definitely-not-the-secret")

    assert result.returncode == 3, result.describe()
    assert "access denied" in result.message
    assert "definitely-not-the-secret" not in result.message + result.stderr + result.stdout


def test_sigterm_while_s3_hangs_exits_promptly_with_a_message(job):
    # A server that completes the TCP handshake but never answers: the download blocks.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)
        port = silent.getsockname()[1]
        process = start_executor(job.env(NBJ_S3_ENDPOINT_URL=f"http://127.0.0.1:{port}"))
        time.sleep(3)
        assert process.poll() is None, "the executor should still be waiting for S3"
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=30)

    assert process.returncode == 143, stderr
    assert job.termination_log.read_text() == "The job was stopped (SIGTERM) before the notebook ran."


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # closed again when the with block ends
