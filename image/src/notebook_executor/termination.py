"""The termination message: one paragraph the service shows as the job's status message.

It must never carry credentials or environment values. Exception values come from user code,
which can put anything in them (`raise ValueError(os.environ["TOKEN"])`), so the values of
sensitive variables are masked in whatever we write or log.
"""

from __future__ import annotations

import logging
import os
from typing import Mapping

log = logging.getLogger(__name__)

MAX_BYTES = 4096  # Kubernetes' limit for terminationMessagePath
MASK = "***"
# Shorter values would mask ordinary words and digits all over the message.
MIN_MASKED_LENGTH = 4

# Variables of the executor, the image and the platform: their values are configuration, not
# secrets, and are not masked. Everything else (user variables from the per-job Secret, AWS
# credentials, anything unexpected) is.
# The prefixes are the ones the service refuses for user variables.
PUBLIC_PREFIXES = ("NBJ_", "JUPYTER_", "KUBERNETES_")
PUBLIC_NAMES = {
    "HOME", "PATH", "IPYTHONDIR", "HOSTNAME", "LANG", "LANGUAGE", "LC_ALL", "LC_CTYPE", "TERM",
    "PWD", "OLDPWD", "SHLVL", "_", "TZ", "USER", "LOGNAME", "SHELL", "VIRTUAL_ENV",
    "PYTHONPATH", "PYTHONHOME", "PYTHONUNBUFFERED", "PYTHONDONTWRITEBYTECODE",
    "PYTHON_VERSION", "PYTHON_SHA256", "GPG_KEY", "MPLCONFIGDIR",
    "XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME",
    "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_STS_REGIONAL_ENDPOINTS", "AWS_RETRY_MODE", "AWS_MAX_ATTEMPTS",
}


class Redactor:
    def __init__(self, environ: Mapping[str, str]):
        values = {
            value
            for name, value in environ.items()
            if not _is_public(name) and len(value) >= MIN_MASKED_LENGTH
        }
        # Longest first, so a secret that contains another is masked whole.
        self.values = sorted(values, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for value in self.values:
            if value in text:
                text = text.replace(value, MASK)
        return text


def _is_public(name: str) -> bool:
    return name in PUBLIC_NAMES or name.startswith(PUBLIC_PREFIXES)


def one_paragraph(text: str) -> str:
    return " ".join(text.split())


def truncate_utf8(text: str, limit: int = MAX_BYTES) -> str:
    encoded = text.encode("utf-8")
    if len(encoded) <= limit:
        return text
    ellipsis = "..."
    return encoded[: limit - len(ellipsis)].decode("utf-8", errors="ignore") + ellipsis


def write(path: str, message: str) -> None:
    """Best effort: failing to report must not change the exit code."""
    try:
        directory = os.path.dirname(path)
        if directory and not os.path.isdir(directory):
            os.makedirs(directory, exist_ok=True)
        with open(path, "w", encoding="utf-8") as out:
            out.write(message)
    except OSError as error:
        log.warning("Could not write the termination message to %s (%s)", path, error.strerror)
