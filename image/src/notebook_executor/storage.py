"""S3 transfers through boto3.

Credentials come from boto3's standard chain (environment, web identity / IRSA, container and
instance roles); the endpoint, region and addressing style from the contract. Every failure
becomes a StorageError with a message that names the bucket and key but never a credential.
"""

from __future__ import annotations

import logging
import os
import posixpath
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import boto3
import botocore.credentials
import botocore.exceptions
from boto3.s3.transfer import TransferConfig
from botocore.config import Config as BotoConfig

from .errors import StorageError

log = logging.getLogger(__name__)

# Files transferred at once for folders, and the pool size that goes with it.
CONCURRENT_FILES = 8
# Parallel parts of one large object.
TRANSFER_CONFIG = TransferConfig(
    multipart_threshold=16 * 1024 * 1024,
    multipart_chunksize=16 * 1024 * 1024,
    max_concurrency=4,
)
# Bounded so that an unreachable endpoint fails within seconds, not minutes.
CONNECT_TIMEOUT_SECONDS = 5
READ_TIMEOUT_SECONDS = 60
DEFAULT_MAX_ATTEMPTS = 4


@dataclass(frozen=True)
class S3Settings:
    bucket: str
    endpoint_url: str | None
    region: str | None
    path_style: bool


class Storage:
    def __init__(self, settings: S3Settings):
        self.bucket = settings.bucket
        self.endpoint = _display_endpoint(settings.endpoint_url)
        session = boto3.session.Session()
        region = settings.region or session.region_name or "us-east-1"
        # The same object the client signs with: the session resolves credentials once.
        self._credentials = session.get_credentials()
        self.client = session.client(
            "s3",
            endpoint_url=settings.endpoint_url,
            region_name=region,
            config=BotoConfig(
                retries=_retries(),
                connect_timeout=CONNECT_TIMEOUT_SECONDS,
                read_timeout=READ_TIMEOUT_SECONDS,
                max_pool_connections=CONCURRENT_FILES * TRANSFER_CONFIG.max_concurrency,
                s3={"addressing_style": "path" if settings.path_style else "virtual"},
            ),
        )

    def holds_static_keys(self) -> bool:
        """True when the client took fixed keys from the environment and never reads it again."""
        credentials = self._credentials
        return (
            credentials is not None
            and credentials.method == "env"
            # With AWS_CREDENTIAL_EXPIRATION botocore refreshes from the environment.
            and not isinstance(credentials, botocore.credentials.RefreshableCredentials)
        )

    def url(self, key: str) -> str:
        return f"s3://{self.bucket}/{key}"

    def download_file(self, key: str, destination: str) -> None:
        os.makedirs(os.path.dirname(destination) or ".", exist_ok=True)
        with self._errors(f"download {self.url(key)}", missing_is_input=True):
            self.client.download_file(self.bucket, key, destination, Config=TRANSFER_CONFIG)

    def list_keys(self, prefix: str) -> list[str]:
        keys = []
        with self._errors(f"list {self.url(prefix)}"):
            for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix):
                keys.extend(item["Key"] for item in page.get("Contents", ()))
        return keys

    def download_folder(self, prefix: str, destination: str) -> list[str]:
        """Restores every object under prefix below destination; returns the relative paths."""
        relative_paths = []
        for key in self.list_keys(prefix):
            relative = key[len(prefix):]
            if not relative or relative.endswith("/"):
                continue  # folder placeholder objects some tools create
            if not _is_safe_relative_path(relative):
                raise StorageError(f"Refusing to restore {self.url(key)}: its path leaves the input folder.")
            relative_paths.append(relative)
        self._run_concurrently(
            self.download_file,
            [(prefix + relative, os.path.join(destination, *relative.split("/"))) for relative in relative_paths],
        )
        return relative_paths

    def upload_file(self, source: str, key: str) -> None:
        with self._errors(f"upload to {self.url(key)}"):
            self.client.upload_file(source, self.bucket, key, Config=TRANSFER_CONFIG)

    def upload_bytes(self, data: bytes, key: str, content_type: str) -> None:
        with self._errors(f"upload to {self.url(key)}"):
            self.client.put_object(Bucket=self.bucket, Key=key, Body=data, ContentType=content_type)

    def upload_files(self, pairs: list[tuple[str, str]]) -> None:
        """Uploads (local path, key) pairs, several at a time."""
        self._run_concurrently(self.upload_file, pairs)

    def _run_concurrently(self, transfer, pairs: list[tuple[str, str]]) -> None:
        if len(pairs) <= 1:
            for pair in pairs:
                transfer(*pair)
            return
        with ThreadPoolExecutor(max_workers=CONCURRENT_FILES, thread_name_prefix="s3") as pool:
            # list() re-raises the first failure after the pool has drained.
            list(pool.map(lambda pair: transfer(*pair), pairs))

    def _errors(self, action: str, missing_is_input: bool = False):
        return _StorageErrors(self, action, missing_is_input)


class _StorageErrors:
    """Context manager translating boto errors into StorageError."""

    def __init__(self, storage: Storage, action: str, missing_is_input: bool):
        self.storage = storage
        self.action = action
        self.missing_is_input = missing_is_input

    def __enter__(self):
        return self

    def __exit__(self, kind, error, traceback):
        if error is None or isinstance(error, StorageError):
            return False
        message = _describe(error, self.storage, self.missing_is_input)
        if message is None:
            return False
        raise StorageError(f"Could not {self.action}: {message}") from None


def _describe(error: BaseException, storage: Storage, missing_is_input: bool) -> str | None:
    if isinstance(error, (botocore.exceptions.EndpointConnectionError, botocore.exceptions.ConnectTimeoutError)):
        return f"the S3 endpoint {storage.endpoint} is unreachable."
    if isinstance(error, (botocore.exceptions.ReadTimeoutError, botocore.exceptions.ConnectionClosedError)):
        return f"the S3 endpoint {storage.endpoint} stopped answering."
    if isinstance(error, botocore.exceptions.NoCredentialsError):
        return "no S3 credentials were found (environment, web identity or instance role)."
    if isinstance(error, botocore.exceptions.ClientError):
        code = str(error.response.get("Error", {}).get("Code", "Unknown"))
        if code in ("404", "NoSuchKey", "NotFound"):
            return "the object does not exist." if missing_is_input else "not found."
        if code == "NoSuchBucket":
            return f"bucket {storage.bucket} does not exist."
        if code in ("403", "AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "ExpiredToken"):
            return f"access denied ({code})."
        return f"S3 answered {code}."
    if isinstance(error, botocore.exceptions.BotoCoreError):
        return f"{type(error).__name__}."
    if isinstance(error, OSError):
        return f"local file error ({error.strerror or type(error).__name__})."
    return None


def _retries() -> dict:
    # Standard mode retries throttling and transient errors with backoff. AWS_RETRY_MODE and
    # AWS_MAX_ATTEMPTS from the environment win when set, as everywhere else in the SDK.
    retries = {}
    if not os.environ.get("AWS_RETRY_MODE"):
        retries["mode"] = "standard"
    if not os.environ.get("AWS_MAX_ATTEMPTS"):
        retries["total_max_attempts"] = DEFAULT_MAX_ATTEMPTS
    return retries


def _display_endpoint(endpoint_url: str | None) -> str:
    if not endpoint_url:
        return "(AWS S3)"
    parts = urlsplit(endpoint_url)
    # Never show user:password@ should anyone put credentials into the URL.
    netloc = parts.hostname or ""
    if parts.port:
        netloc += f":{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def _is_safe_relative_path(relative: str) -> bool:
    if relative.startswith("/") or "\\" in relative:
        return False
    parts = relative.split("/")
    return all(part not in ("", ".", "..") for part in parts) and posixpath.normpath(relative) == relative
