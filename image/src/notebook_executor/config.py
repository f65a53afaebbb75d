"""Reads and validates the environment contract (docs/executor-contract.md, "Environment").

Error messages name the variable but never echo its value: values may be anything the
service put there, and the termination message must not carry environment values.
"""

from __future__ import annotations

import json
import keyword
import math
import os
from dataclasses import dataclass
from typing import Mapping

from .errors import ConfigError

OUTPUT_FORMATS = ("ipynb", "html", "markdown", "script", "latex", "pdf")
DEFAULT_TERMINATION_LOG = "/dev/termination-log"
MINUTE_MS = 60_000


@dataclass(frozen=True)
class Config:
    job_name: str
    job_id: str
    bucket: str
    endpoint_url: str | None
    region: str | None
    path_style: bool
    input_prefix: str
    input_file: str
    package_input_folder: bool
    output_prefix: str
    side_effects_prefix: str
    output_formats: tuple[str, ...]
    create_time_ms: int
    parameters: dict
    run_timeout_seconds: int
    cell_timeout_seconds: int
    work_dir: str
    log_key: str | None = None  # where the executor's log goes at the end; None: nowhere

    @property
    def input_key(self) -> str:
        return self.input_prefix + self.input_file


def termination_log_path(env: Mapping[str, str]) -> str:
    """Known even when the rest of the environment is broken, so that failure can be reported."""
    return env.get("NBJ_TERMINATION_LOG") or DEFAULT_TERMINATION_LOG


def load(env: Mapping[str, str]) -> Config:
    job_name = _required(env, "NBJ_JOB_NAME")
    config = Config(
        job_name=job_name,
        job_id=_required(env, "NBJ_JOB_ID"),
        bucket=_required(env, "NBJ_S3_BUCKET"),
        endpoint_url=env.get("NBJ_S3_ENDPOINT_URL") or None,
        region=env.get("NBJ_S3_REGION") or None,
        path_style=_boolean(env, "NBJ_S3_PATH_STYLE"),
        input_prefix=_prefix(env, "NBJ_INPUT_PREFIX"),
        input_file=_file_name(env, "NBJ_INPUT_FILE"),
        package_input_folder=_boolean(env, "NBJ_PACKAGE_INPUT_FOLDER"),
        output_prefix=_prefix(env, "NBJ_OUTPUT_PREFIX"),
        side_effects_prefix=_prefix(env, "NBJ_SIDE_EFFECTS_PREFIX"),
        output_formats=_formats(env, "NBJ_OUTPUT_FORMATS"),
        create_time_ms=_create_time(env, job_name),
        parameters=_parameters(env, "NBJ_PARAMETERS"),
        run_timeout_seconds=_seconds(env, "NBJ_RUN_TIMEOUT_SECONDS"),
        cell_timeout_seconds=_seconds(env, "NBJ_CELL_TIMEOUT_SECONDS"),
        work_dir=_absolute_dir(env, "NBJ_WORK_DIR"),
        log_key=_optional_key(env, "NBJ_LOG_KEY"),
    )
    # Part of the contract, so checked like the rest (checked last, as before); the path itself is
    # read by termination_log_path, which must work even when this check fails.
    _required(env, "NBJ_TERMINATION_LOG")
    return config


def _required(env: Mapping[str, str], name: str, allow_empty: bool = False) -> str:
    value = env.get(name)
    if value is None or (not allow_empty and not value.strip()):
        raise ConfigError(f"The executor's environment is incomplete: {name} is not set.")
    return value


def _boolean(env: Mapping[str, str], name: str) -> bool:
    value = _required(env, name).strip().lower()
    if value not in ("true", "false"):
        raise ConfigError(f"{name} must be 'true' or 'false'.")
    return value == "true"


def _prefix(env: Mapping[str, str], name: str) -> str:
    value = _required(env, name)
    if not value.endswith("/") or value.startswith("/"):
        raise ConfigError(f"{name} must be an S3 key prefix ending in '/' (and not starting with one).")
    return value


def _optional_key(env: Mapping[str, str], name: str) -> str | None:
    value = env.get(name, "").strip()
    if not value:
        return None
    if value.endswith("/") or value.startswith("/"):
        raise ConfigError(f"{name} must be an S3 key (not ending or starting with '/').")
    return value


def _file_name(env: Mapping[str, str], name: str) -> str:
    value = _required(env, name)
    if "/" in value or value in (".", ".."):
        raise ConfigError(f"{name} must be a plain file name without '/'.")
    return value


def _formats(env: Mapping[str, str], name: str) -> tuple[str, ...]:
    raw = _required(env, name, allow_empty=True)
    formats = []
    for item in raw.split(","):
        item = item.strip().lower()
        if not item:
            continue
        if item not in OUTPUT_FORMATS:
            raise ConfigError(f"{name} lists an unknown output format '{item[:20]}' (known: {', '.join(OUTPUT_FORMATS)}).")
        if item not in formats:
            formats.append(item)
    return tuple(formats)


def _create_time(env: Mapping[str, str], job_name: str) -> int:
    raw = env.get("NBJ_CREATE_TIME", "").strip()
    if raw:
        if not raw.isdigit():
            raise ConfigError("NBJ_CREATE_TIME must be milliseconds since the epoch.")
        return int(raw)
    # A CronJob names its Jobs <cronjob>-<scheduled minute since the epoch>.
    suffix = job_name.rsplit("-", 1)[-1]
    if "-" not in job_name or not suffix.isdigit():
        raise ConfigError(
            "NBJ_CREATE_TIME is not set and the job name does not end in a scheduled time "
            "(<cronjob name>-<minutes since the epoch>), so output files cannot be named."
        )
    return int(suffix) * MINUTE_MS


def _parameters(env: Mapping[str, str], name: str) -> dict:
    raw = _required(env, name, allow_empty=True).strip() or "{}"
    try:
        parameters = json.loads(raw)
    except json.JSONDecodeError as error:
        raise ConfigError(f"{name} is not valid JSON ({error.msg} at position {error.pos}).") from None
    if not isinstance(parameters, dict):
        raise ConfigError(f"{name} must be a JSON object of parameter names to values.")
    for key, value in parameters.items():
        if not key.isidentifier() or keyword.iskeyword(key):
            raise ConfigError(f"Parameter name '{key[:40]}' is not a Python identifier.")
        if not (value is None or isinstance(value, (str, bool, int, float))):
            raise ConfigError(
                f"Parameter '{key}' must be a Python expression (string), a number, a boolean or null."
            )
        if isinstance(value, float) and not math.isfinite(value):
            raise ConfigError(f"Parameter '{key}' must be a finite number.")
    return parameters


def _seconds(env: Mapping[str, str], name: str) -> int:
    raw = _required(env, name).strip()
    if not raw.isdigit():
        raise ConfigError(f"{name} must be a whole number of seconds (0 for no limit).")
    return int(raw)


def _absolute_dir(env: Mapping[str, str], name: str) -> str:
    value = _required(env, name)
    if not os.path.isabs(value):
        raise ConfigError(f"{name} must be an absolute path.")
    return value
