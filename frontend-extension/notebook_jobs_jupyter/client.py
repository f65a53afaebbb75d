"""HTTP to the Notebook Jobs service: one request, one multipart upload, one file download.

The service's answers come back as they are (status, reason, body); only a service that cannot be
reached, or does not answer in time, becomes a BridgeError (502 / 504) with a message that says so.
"""

from __future__ import annotations

import json
import os
import ssl
import tempfile
import uuid
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable
from urllib.parse import quote, urljoin

from tornado.httpclient import AsyncHTTPClient, HTTPClientError, HTTPRequest
from tornado.httputil import HTTPHeaders

from .config import NotebookJobsBridge
from .errors import BridgeError

# Outputs (an HTML export with images) can be large; they are streamed to disk, never held.
MAX_DOWNLOAD_BYTES = 64 * 1024**3
# Answers that are read into memory (JSON; passed-through files the UI never asks for).
MAX_BUFFERED_BYTES = 256 * 1024**2
CHUNK = 256 * 1024


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# Downloads are written to a private temporary file first; the final file gets the usual mode.
FILE_MODE = 0o666 & ~_current_umask()


@dataclass
class ServiceResponse:
    code: int
    reason: str
    headers: HTTPHeaders = field(default_factory=HTTPHeaders)
    body: bytes = b""

    @property
    def ok(self) -> bool:
        return 200 <= self.code < 300

    def json(self) -> Any:
        try:
            return json.loads(self.body)
        except ValueError:
            raise BridgeError(
                502, f"The Notebook Jobs service answered {self.code} with a body that is not JSON"
            ) from None


class ServiceFailure(Exception):
    """A service answer that is not a success, to be passed to the UI as it is."""

    def __init__(self, response: ServiceResponse):
        super().__init__(f"{response.code} {response.reason}")
        self.response = response


class MultipartBody:
    """A multipart/form-data body written to a spooled temporary file, so that a large folder is
    streamed to the service with an exact Content-Length instead of being held in memory.

    File names are sent as RFC 5987 `filename*=UTF-8''...`, which keeps UTF-8, quotes and
    percent signs in names intact (the service reads it so).
    """

    def __init__(self) -> None:
        self.boundary = "notebook-jobs-" + uuid.uuid4().hex
        self._file = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
        self.size = 0

    @property
    def content_type(self) -> str:
        return f"multipart/form-data; boundary={self.boundary}"

    def add_json(self, name: str, value: Any) -> None:
        self._part(f'form-data; name="{name}"', "application/json")
        self._file.write(json.dumps(value).encode())
        self._file.write(b"\r\n")

    def add_file(self, name: str, filename: str, path: str, content_type: str = "application/octet-stream") -> None:
        self._part(f"form-data; name=\"{name}\"; filename*=UTF-8''{quote(filename, safe='')}", content_type)
        with open(path, "rb") as source:
            while chunk := source.read(CHUNK):
                self._file.write(chunk)
        self._file.write(b"\r\n")

    def finish(self) -> None:
        self._file.write(f"--{self.boundary}--\r\n".encode())
        self.size = self._file.tell()
        self._file.seek(0)

    async def produce(self, write: Callable[[bytes], Awaitable[None]]) -> None:
        while chunk := self._file.read(CHUNK):
            await write(chunk)

    def close(self) -> None:
        self._file.close()

    def _part(self, disposition: str, content_type: str) -> None:
        header = f"--{self.boundary}\r\nContent-Disposition: {disposition}\r\nContent-Type: {content_type}\r\n\r\n"
        self._file.write(header.encode())


class ServiceClient:
    def __init__(self, bridge: NotebookJobsBridge):
        self.bridge = bridge

    def url(self, path: str, query: str = "") -> str:
        """<service_url>/scheduler/<path>[?query]; path is already URL-encoded."""
        url = f"{self.bridge.service_url}/scheduler/{path}" if path else f"{self.bridge.service_url}/scheduler"
        return f"{url}?{query}" if query else url

    def _headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        headers = {"Accept": "application/json"}
        authorization = self.bridge.authorization()
        if authorization:
            headers["Authorization"] = authorization
        headers.update(extra or {})
        return headers

    async def request(
        self,
        method: str,
        path: str,
        *,
        query: str = "",
        body: bytes | None = None,
        content_type: str | None = None,
        timeout: float | None = None,
        accept: str | None = None,
    ) -> ServiceResponse:
        """One request; the answer whatever its status. `accept` replaces the default JSON-only
        Accept header (a passed-through request asks for what the browser asked for)."""
        extra = {"Content-Type": content_type} if content_type else {}
        if accept:
            extra["Accept"] = accept
        if body is None and method in ("POST", "PATCH", "PUT"):
            body = b""
        request = self._request(method, self.url(path, query), self._headers(extra), timeout, body=body)
        return await self._fetch(request, MAX_BUFFERED_BYTES)

    async def upload(self, method: str, path: str, multipart: MultipartBody, *, query: str = "") -> ServiceResponse:
        """A multipart create or update, streamed from the spooled body."""
        headers = self._headers({"Content-Type": multipart.content_type, "Content-Length": str(multipart.size)})
        request = self._request(
            method, self.url(path, query), headers, self.bridge.transfer_timeout, body_producer=multipart.produce
        )
        return await self._fetch(request, MAX_BUFFERED_BYTES)

    async def download(self, path: str, destination: str) -> ServiceResponse:
        """GET a file into destination (written next to it first, then moved into place).

        A redirect (the service's presigned S3 URLs) is followed once, without the Authorization
        header: the presigned URL carries its own signature, and the token must not leave for S3.
        """
        os.makedirs(os.path.dirname(destination), exist_ok=True)
        url = self.url(path)
        headers = self._headers({"Accept": "*/*"})
        response, partial = await self._download_once(url, headers, destination)
        location = response.headers.get("Location")
        if response.code in (301, 302, 303, 307, 308) and location:
            os.unlink(partial)
            response, partial = await self._download_once(urljoin(url, location), {"Accept": "*/*"}, destination)
        if response.ok:
            os.chmod(partial, FILE_MODE)
            os.replace(partial, destination)
        else:
            with open(partial, "rb") as f:
                response.body = f.read(64 * 1024)
            os.unlink(partial)
        return response

    async def _download_once(self, url: str, headers: dict[str, str], destination: str):
        folder, name = os.path.split(destination)
        fd, partial = tempfile.mkstemp(prefix=f".{name}.", suffix=".part", dir=folder)
        try:
            with os.fdopen(fd, "wb") as out:

                def write(chunk: bytes) -> None:
                    # tornado awaits whatever the callback returns; file.write returns a count.
                    out.write(chunk)

                request = self._request("GET", url, headers, self.bridge.transfer_timeout, streaming_callback=write)
                response = await self._fetch(request, MAX_DOWNLOAD_BYTES)
        except BaseException:
            os.unlink(partial)
            raise
        return response, partial

    def _request(self, method: str, url: str, headers: dict[str, str], timeout: float | None, **kwargs) -> HTTPRequest:
        return HTTPRequest(
            url,
            method=method,
            headers=headers,
            connect_timeout=self.bridge.connect_timeout,
            request_timeout=timeout or self.bridge.request_timeout,
            validate_cert=self.bridge.verify_tls,
            ca_certs=self.bridge.ca_bundle or None,
            follow_redirects=False,
            allow_nonstandard_methods=True,
            decompress_response=True,
            **kwargs,
        )

    async def _fetch(self, request: HTTPRequest, max_body: int) -> ServiceResponse:
        # A client of our own: the shared one has a 100 MB body limit and is shared with the
        # whole server; simple_httpclient keeps no connections alive, so nothing is lost.
        client = AsyncHTTPClient(force_instance=True, max_body_size=max_body, max_buffer_size=MAX_BUFFERED_BYTES)
        where = self.bridge.service_url
        try:
            response = await client.fetch(request, raise_error=False)
        except HTTPClientError as e:
            if e.code == 599 and "Timeout" in str(e):
                raise BridgeError(
                    504,
                    f"The Notebook Jobs service at {where} did not answer in time ({e.message}); "
                    "try again, or raise NotebookJobsBridge.request_timeout / transfer_timeout",
                ) from None
            raise BridgeError(502, f"The Notebook Jobs service at {where} could not be reached ({e.message})") from None
        except ssl.SSLError as e:
            raise BridgeError(
                502,
                f"The Notebook Jobs service at {where} could not be reached: TLS failed ({e.reason or e}); "
                "check NotebookJobsBridge.ca_bundle (NOTEBOOK_JOBS_CA_BUNDLE)",
            ) from None
        except OSError as e:
            raise BridgeError(
                502,
                f"The Notebook Jobs service at {where} could not be reached ({e.strerror or e}); "
                "is it running, and is NotebookJobsBridge.service_url (NOTEBOOK_JOBS_URL) right?",
            ) from None
        finally:
            client.close()
        return ServiceResponse(response.code, response.reason or "", response.headers, response.body or b"")
