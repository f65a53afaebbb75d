"""The environment contract as the executor reads it, and the S3 client it builds from it."""

from __future__ import annotations

import json

import pytest

from notebook_executor import config
from notebook_executor.errors import ConfigError
from notebook_executor.storage import S3Settings, Storage

BASE = {
    "NBJ_JOB_NAME": "nb-job-1",
    "NBJ_JOB_ID": "1",
    "NBJ_S3_BUCKET": "bucket",
    "NBJ_S3_PATH_STYLE": "true",
    "NBJ_INPUT_PREFIX": "jobs/1/input/",
    "NBJ_INPUT_FILE": "report.ipynb",
    "NBJ_PACKAGE_INPUT_FOLDER": "false",
    "NBJ_OUTPUT_PREFIX": "jobs/1/output/",
    "NBJ_SIDE_EFFECTS_PREFIX": "jobs/1/files/",
    "NBJ_OUTPUT_FORMATS": "ipynb,html",
    "NBJ_CREATE_TIME": "1795437423000",
    "NBJ_PARAMETERS": "{}",
    "NBJ_RUN_TIMEOUT_SECONDS": "3600",
    "NBJ_CELL_TIMEOUT_SECONDS": "0",
    "NBJ_WORK_DIR": "/work",
    "NBJ_TERMINATION_LOG": "/dev/termination-log",
}


def load(**overrides):
    env = dict(BASE)
    for name, value in overrides.items():
        if value is None:
            env.pop(name)
        else:
            env[name] = value
    return config.load(env)


def test_valid_environment():
    cfg = load(NBJ_OUTPUT_FORMATS="ipynb, HTML,ipynb,,pdf", NBJ_PARAMETERS='{"a": 1}')
    assert cfg.output_formats == ("ipynb", "html", "pdf")
    assert cfg.parameters == {"a": 1}
    assert cfg.input_key == "jobs/1/input/report.ipynb"
    assert cfg.endpoint_url is None and cfg.region is None and cfg.path_style is True


@pytest.mark.parametrize("name", sorted(set(BASE) - {"NBJ_CREATE_TIME"}))
def test_every_always_set_variable_is_required(name):
    with pytest.raises(ConfigError, match=name):
        load(**{name: None})


@pytest.mark.parametrize(
    "name, value, fragment",
    [
        ("NBJ_S3_PATH_STYLE", "yes", "'true' or 'false'"),
        ("NBJ_INPUT_PREFIX", "jobs/1/input", "ending in '/'"),
        ("NBJ_INPUT_FILE", "sub/report.ipynb", "without '/'"),
        ("NBJ_OUTPUT_FORMATS", "ipynb,docx", "unknown output format 'docx'"),
        ("NBJ_PARAMETERS", "[1]", "JSON object"),
        ("NBJ_PARAMETERS", "{bad json", "not valid JSON"),
        ("NBJ_PARAMETERS", '{"class": 1}', "not a Python identifier"),
        ("NBJ_PARAMETERS", '{"a": [1, 2]}', "Python expression (string), a number"),
        ("NBJ_PARAMETERS", '{"a": NaN}', "finite number"),
        ("NBJ_RUN_TIMEOUT_SECONDS", "-5", "whole number of seconds"),
        ("NBJ_CELL_TIMEOUT_SECONDS", "1.5", "whole number of seconds"),
        ("NBJ_CREATE_TIME", "yesterday", "milliseconds since the epoch"),
        ("NBJ_WORK_DIR", "work", "absolute path"),
    ],
)
def test_malformed_values_are_rejected_without_echoing_them(name, value, fragment):
    with pytest.raises(ConfigError, match=None) as raised:
        load(**{name: value})
    assert fragment in str(raised.value)
    if name in ("NBJ_PARAMETERS", "NBJ_CREATE_TIME", "NBJ_RUN_TIMEOUT_SECONDS"):
        assert value not in str(raised.value)


def test_create_time_of_a_scheduled_run_comes_from_the_job_name():
    cfg = load(NBJ_CREATE_TIME=None, NBJ_JOB_NAME="nb-jobdef-7-29923957")
    assert cfg.create_time_ms == 29923957 * 60_000


def test_explicit_create_time_wins_over_the_job_name():
    assert load(NBJ_JOB_NAME="nb-jobdef-7-29923957").create_time_ms == 1795437423000


def test_empty_parameters_and_formats_are_allowed():
    cfg = load(NBJ_PARAMETERS="", NBJ_OUTPUT_FORMATS="")
    assert cfg.parameters == {} and cfg.output_formats == ()


def test_parameters_keep_their_order():
    params = {"z": 1, "a": 2, "m": "'x'"}
    assert list(load(NBJ_PARAMETERS=json.dumps(params)).parameters) == ["z", "a", "m"]


@pytest.fixture
def no_aws_config(monkeypatch, tmp_path):
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE", "AWS_RETRY_MODE", "AWS_MAX_ATTEMPTS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))


def test_s3_client_honours_endpoint_region_and_path_style(no_aws_config):
    storage = Storage(S3Settings("bucket", "http://minio.local:9000", "eu-west-3", True))
    assert storage.client.meta.endpoint_url == "http://minio.local:9000"
    assert storage.client.meta.region_name == "eu-west-3"
    assert storage.client.meta.config.s3["addressing_style"] == "path"
    assert storage.client.meta.config.retries["mode"] == "standard"


def test_s3_client_virtual_host_style_and_region_chain(no_aws_config, monkeypatch):
    assert Storage(S3Settings("b", None, None, False)).client.meta.region_name == "us-east-1"
    monkeypatch.setenv("AWS_DEFAULT_REGION", "ap-south-1")
    storage = Storage(S3Settings("b", None, None, False))
    assert storage.client.meta.region_name == "ap-south-1"
    assert storage.client.meta.config.s3["addressing_style"] == "virtual"


def test_retries_are_standard_and_bounded_by_default(no_aws_config):
    storage = Storage(S3Settings("b", None, None, False))
    assert storage.client.meta.config.retries == {"mode": "standard", "total_max_attempts": 4}


def test_sdk_retry_settings_from_the_environment_win(no_aws_config, monkeypatch):
    monkeypatch.setenv("AWS_RETRY_MODE", "adaptive")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "7")
    storage = Storage(S3Settings("b", None, None, False))
    assert storage.client.meta.config.retries == {"mode": "adaptive", "total_max_attempts": 7}


def test_endpoint_shown_in_messages_drops_user_info():
    storage = Storage(S3Settings("b", "http://user:pw@host:9000/", "us-east-1", True))
    assert storage.endpoint == "http://host:9000/"
