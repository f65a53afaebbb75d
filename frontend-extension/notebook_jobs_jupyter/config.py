"""The bridge's settings: traitlets on NotebookJobsBridge, each defaulting to an environment variable.

Set them in a Jupyter config file (``c.NotebookJobsBridge.service_url = "https://..."``), on the
command line (``--NotebookJobsBridge.service_url=...``) or through the environment variables below,
which are read when the server starts.
"""

from __future__ import annotations

import os

from traitlets import Bool, Float, Int, TraitError, Unicode, default, validate
from traitlets.config import LoggingConfigurable

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off"}


def parse_bool(name: str, text: str) -> bool:
    """A boolean from text: true/false, 1/0, yes/no, on/off (any case); anything else is an error."""
    word = text.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValueError(f"{name}: {text!r} is not a boolean (use true or false)")


def _env(name: str, fallback: str) -> str:
    value = os.environ.get(name, "")
    return value if value.strip() else fallback


def _env_number(name: str, fallback: float, kind: type) -> float:
    text = _env(name, "")
    if not text:
        return fallback
    try:
        value = kind(text)
    except ValueError:
        raise ValueError(f"{name}: {text!r} is not a {'whole ' if kind is int else ''}number") from None
    if value <= 0:
        raise ValueError(f"{name}: must be greater than 0, not {text}")
    return value


def _service_url(name: str, value: str) -> str:
    # Defaults are not validated by traitlets: both paths come here.
    url = value.strip().rstrip("/")
    if not url.startswith(("http://", "https://")):
        raise TraitError(f"{name}: {url!r} must start with http:// or https://")
    return url


def _ca_bundle(name: str, value: str) -> str:
    path = value.strip()
    if path and not os.path.isfile(path):
        raise TraitError(f"{name}: no file {path!r}")
    return path


class NotebookJobsBridge(LoggingConfigurable):
    """How the Jupyter server reaches the Notebook Jobs service and what it uploads."""

    service_url = Unicode(
        config=True,
        help="Base URL of the Notebook Jobs service; requests go to <service_url>/scheduler/... "
        "(env NOTEBOOK_JOBS_URL).",
    )

    @default("service_url")
    def _default_service_url(self) -> str:
        return _service_url("NOTEBOOK_JOBS_URL", _env("NOTEBOOK_JOBS_URL", "http://localhost:8080"))

    @validate("service_url")
    def _check_service_url(self, proposal) -> str:
        return _service_url("NotebookJobsBridge.service_url", proposal["value"])

    token = Unicode(
        config=True,
        help="Token sent as 'Authorization: Bearer <token>' when the server does not run under "
        "JupyterHub (env NOTEBOOK_JOBS_TOKEN). Under JupyterHub the server's own "
        "JUPYTERHUB_API_TOKEN is sent instead, as 'Authorization: token <token>'.",
    )

    @default("token")
    def _default_token(self) -> str:
        return _env("NOTEBOOK_JOBS_TOKEN", "")

    connect_timeout = Float(
        min=0.1,
        config=True, help="Seconds to wait for a connection to the service (env NOTEBOOK_JOBS_CONNECT_TIMEOUT)."
    )

    @default("connect_timeout")
    def _default_connect_timeout(self) -> float:
        return _env_number("NOTEBOOK_JOBS_CONNECT_TIMEOUT", 10.0, float)

    request_timeout = Float(
        min=0.1,
        config=True,
        help="Seconds a request without files may take in all (env NOTEBOOK_JOBS_REQUEST_TIMEOUT).",
    )

    @default("request_timeout")
    def _default_request_timeout(self) -> float:
        return _env_number("NOTEBOOK_JOBS_REQUEST_TIMEOUT", 60.0, float)

    transfer_timeout = Float(
        min=0.1,
        config=True,
        help="Seconds a request carrying files may take: a create or update that uploads the "
        "notebook and its folder, and each output file downloaded (env NOTEBOOK_JOBS_TRANSFER_TIMEOUT).",
    )

    @default("transfer_timeout")
    def _default_transfer_timeout(self) -> float:
        return _env_number("NOTEBOOK_JOBS_TRANSFER_TIMEOUT", 600.0, float)

    max_packaged_files = Int(
        min=1,
        config=True,
        help="Most files a packaged input folder may have, the notebook not counted; more is a 400 "
        "before anything is uploaded (env NOTEBOOK_JOBS_MAX_PACKAGED_FILES). The service has its own "
        "limit (NOTEBOOK_JOBS_LIMITS_MAX_PACKAGED_FILES, 2000 by default).",
    )

    @default("max_packaged_files")
    def _default_max_packaged_files(self) -> int:
        return int(_env_number("NOTEBOOK_JOBS_MAX_PACKAGED_FILES", 2000, int))

    max_packaged_bytes = Int(
        min=1,
        config=True,
        help="Largest total size in bytes of a packaged input folder's files, the notebook not "
        "counted; more is a 400 before anything is uploaded (env NOTEBOOK_JOBS_MAX_PACKAGED_BYTES). "
        "The service refuses uploads over NOTEBOOK_JOBS_LIMITS_MAX_UPLOAD_SIZE (512M by default).",
    )

    @default("max_packaged_bytes")
    def _default_max_packaged_bytes(self) -> int:
        return int(_env_number("NOTEBOOK_JOBS_MAX_PACKAGED_BYTES", 256 * 1024 * 1024, int))

    verify_tls = Bool(
        config=True,
        help="Verify the service's TLS certificate (env NOTEBOOK_JOBS_VERIFY_TLS, true or false). "
        "Turn it off only for a throw-away test setup.",
    )

    @default("verify_tls")
    def _default_verify_tls(self) -> bool:
        text = _env("NOTEBOOK_JOBS_VERIFY_TLS", "true")
        return parse_bool("NOTEBOOK_JOBS_VERIFY_TLS", text)

    ca_bundle = Unicode(
        config=True,
        help="PEM file of the certificate authorities that signed the service's certificate, "
        "when it is not a public one (env NOTEBOOK_JOBS_CA_BUNDLE). Empty: the system's.",
    )

    @default("ca_bundle")
    def _default_ca_bundle(self) -> str:
        return _ca_bundle("NOTEBOOK_JOBS_CA_BUNDLE", _env("NOTEBOOK_JOBS_CA_BUNDLE", ""))

    @validate("ca_bundle")
    def _check_ca_bundle(self, proposal) -> str:
        return _ca_bundle("NotebookJobsBridge.ca_bundle", proposal["value"])

    def authorization(self) -> str | None:
        """The Authorization header value for the service, or None.

        Under JupyterHub the single-user server's API token is the user's identity (the service
        verifies it with the hub); elsewhere an optional configured token. Never a user name.
        The environment is read on every call, so a token the hub rotates is picked up.
        """
        hub_token = os.environ.get("JUPYTERHUB_API_TOKEN", "").strip()
        if hub_token:
            return f"token {hub_token}"
        if self.token:
            return f"Bearer {self.token}"
        return None

    def identity(self) -> str:
        """Which identity is sent, for the log (never the token itself)."""
        if os.environ.get("JUPYTERHUB_API_TOKEN", "").strip():
            return "the JupyterHub API token"
        return "a configured bearer token" if self.token else "none"
