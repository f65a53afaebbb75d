"""Secrets and environment values never reach the logs or the termination message."""

from __future__ import annotations

from conftest import SECRET_KEY, notebook
from notebook_executor.termination import Redactor, truncate_utf8

TOKEN = "tok-9f8e7d6c5b4a-very-secret"


def test_secret_in_an_exception_is_masked_everywhere(job):
    job.stage_notebook(
        notebook(
            "import os\nprint('using', os.environ['API_TOKEN'][:3])",
            "raise PermissionError('token ' + os.environ['API_TOKEN'] + ' was refused')",
        )
    )
    result = job.run(API_TOKEN=TOKEN, NBJ_OUTPUT_FORMATS="ipynb,html")

    assert result.returncode == 1, result.describe()
    assert result.message == "Cell 2 raised PermissionError: token *** was refused. Outputs up to that cell were uploaded."
    for secret in (TOKEN, SECRET_KEY):
        assert secret not in result.stdout
        assert secret not in result.stderr
        assert secret not in result.message
    # The notebook itself still sees its variable.
    assert "using tok" in job.read(job.output_name("html")).decode()


def test_successful_run_logs_no_environment_values(job):
    job.stage_notebook(notebook("print('ok')"))
    result = job.run(API_TOKEN=TOKEN)

    assert result.returncode == 0, result.describe()
    for secret in (TOKEN, SECRET_KEY, job.server.access_key):
        assert secret not in result.stdout + result.stderr + result.message


def test_redactor_masks_user_and_credential_values_but_not_configuration():
    redact = Redactor(
        {
            "NBJ_INPUT_FILE": "report.ipynb",
            "AWS_SECRET_ACCESS_KEY": "aws-secret-value",
            "DB_PASSWORD": "hunter22",
            "SHORT": "abc",
            "PATH": "/usr/bin",
        }
    )
    text = "report.ipynb aws-secret-value hunter22 abc /usr/bin"
    assert redact(text) == "report.ipynb *** *** abc /usr/bin"


def test_redactor_masks_the_longest_value_first():
    redact = Redactor({"A": "secret", "B": "secret-and-more"})
    assert redact("x secret-and-more y secret") == "x *** y ***"


def test_message_is_cut_at_4096_bytes_on_a_character_boundary():
    text = "é" * 3000  # 6000 bytes
    cut = truncate_utf8(text)
    assert len(cut.encode("utf-8")) <= 4096
    assert cut.endswith("...")
