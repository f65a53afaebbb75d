"""NotebookJobsBridge: traitlets whose defaults come from environment variables."""

from __future__ import annotations

import pytest
from traitlets import TraitError

from notebook_jobs_jupyter.config import NotebookJobsBridge

VARIABLES = (
    "NOTEBOOK_JOBS_URL", "NOTEBOOK_JOBS_TOKEN", "NOTEBOOK_JOBS_CONNECT_TIMEOUT", "NOTEBOOK_JOBS_REQUEST_TIMEOUT",
    "NOTEBOOK_JOBS_TRANSFER_TIMEOUT", "NOTEBOOK_JOBS_MAX_PACKAGED_FILES", "NOTEBOOK_JOBS_MAX_PACKAGED_BYTES",
    "NOTEBOOK_JOBS_VERIFY_TLS", "NOTEBOOK_JOBS_CA_BUNDLE", "JUPYTERHUB_API_TOKEN",
)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)


def test_defaults():
    bridge = NotebookJobsBridge()
    assert bridge.service_url == "http://localhost:8080"
    assert (bridge.connect_timeout, bridge.request_timeout, bridge.transfer_timeout) == (10, 60, 600)
    assert (bridge.max_packaged_files, bridge.max_packaged_bytes) == (2000, 256 * 1024 * 1024)
    assert bridge.verify_tls is True and bridge.ca_bundle == ""
    assert bridge.authorization() is None and bridge.identity() == "none"


def test_environment_variables(monkeypatch, tmp_path):
    ca = tmp_path / "ca.pem"
    ca.write_text("-----BEGIN CERTIFICATE-----\n")
    for name, value in {
        "NOTEBOOK_JOBS_URL": "https://jobs.example.org/notebook-jobs/",
        "NOTEBOOK_JOBS_TOKEN": "t0k3n",
        "NOTEBOOK_JOBS_CONNECT_TIMEOUT": "2.5",
        "NOTEBOOK_JOBS_REQUEST_TIMEOUT": "30",
        "NOTEBOOK_JOBS_TRANSFER_TIMEOUT": "900",
        "NOTEBOOK_JOBS_MAX_PACKAGED_FILES": "50",
        "NOTEBOOK_JOBS_MAX_PACKAGED_BYTES": "1048576",
        "NOTEBOOK_JOBS_VERIFY_TLS": "false",
        "NOTEBOOK_JOBS_CA_BUNDLE": str(ca),
    }.items():
        monkeypatch.setenv(name, value)
    bridge = NotebookJobsBridge()
    assert bridge.service_url == "https://jobs.example.org/notebook-jobs"  # no trailing slash
    assert (bridge.connect_timeout, bridge.request_timeout, bridge.transfer_timeout) == (2.5, 30, 900)
    assert (bridge.max_packaged_files, bridge.max_packaged_bytes) == (50, 1048576)
    assert bridge.verify_tls is False and bridge.ca_bundle == str(ca)
    assert bridge.authorization() == "Bearer t0k3n" and bridge.identity() == "a configured bearer token"


def test_config_wins_over_the_environment(monkeypatch):
    monkeypatch.setenv("NOTEBOOK_JOBS_URL", "http://from-env:8080")
    assert NotebookJobsBridge(service_url="http://from-config:8080").service_url == "http://from-config:8080"


def test_the_hub_token_wins_over_a_configured_one(monkeypatch):
    monkeypatch.setenv("JUPYTERHUB_API_TOKEN", "hub-token")
    bridge = NotebookJobsBridge(token="configured")
    assert bridge.authorization() == "token hub-token"
    assert bridge.identity() == "the JupyterHub API token"  # what the start-up log says: never the token


@pytest.mark.parametrize(
    "name, value, message",
    [
        ("NOTEBOOK_JOBS_VERIFY_TLS", "maybe", "NOTEBOOK_JOBS_VERIFY_TLS: 'maybe' is not a boolean"),
        ("NOTEBOOK_JOBS_REQUEST_TIMEOUT", "soon", "NOTEBOOK_JOBS_REQUEST_TIMEOUT: 'soon' is not a number"),
        ("NOTEBOOK_JOBS_MAX_PACKAGED_FILES", "1.5", "NOTEBOOK_JOBS_MAX_PACKAGED_FILES: '1.5' is not a whole number"),
        ("NOTEBOOK_JOBS_MAX_PACKAGED_BYTES", "0", "NOTEBOOK_JOBS_MAX_PACKAGED_BYTES: must be greater than 0"),
    ],
)
def test_bad_environment_values_name_the_variable(monkeypatch, name, value, message):
    monkeypatch.setenv(name, value)
    with pytest.raises(ValueError, match=message):
        attribute = {
            "NOTEBOOK_JOBS_VERIFY_TLS": "verify_tls",
            "NOTEBOOK_JOBS_REQUEST_TIMEOUT": "request_timeout",
            "NOTEBOOK_JOBS_MAX_PACKAGED_FILES": "max_packaged_files",
            "NOTEBOOK_JOBS_MAX_PACKAGED_BYTES": "max_packaged_bytes",
        }[name]
        getattr(NotebookJobsBridge(), attribute)


@pytest.mark.parametrize(
    "settings, message",
    [
        ({"service_url": "jobs.example.org"}, "must start with http:// or https://"),
        ({"ca_bundle": "/no/such/ca.pem"}, "NotebookJobsBridge.ca_bundle: no file"),
        ({"max_packaged_files": 0}, "max_packaged_files"),
    ],
)
def test_bad_settings_are_refused(settings, message):
    with pytest.raises(TraitError, match=message):
        NotebookJobsBridge(**settings)
