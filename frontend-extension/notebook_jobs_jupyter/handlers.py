"""{base_url}scheduler/...: the stock scheduler UI's API, forwarded to the Notebook Jobs service.

Almost everything passes through unchanged: method, path, query string (the UI's valueless
cache-buster included; the service ignores it), body, status and the service's JSON `message`.
What the service cannot do from where it runs is done here, in the user's workspace:

- create a job or definition: upload the notebook (and its folder) that `input_uri` names;
- update a definition with a new notebook: upload it (when its name differs from the current one);
- download_files: fetch the outputs into <root>/jobs/<input base>-<job id>/;
- describe and list jobs: job_files[].file_path and `downloaded` from what exists locally.
"""

from __future__ import annotations

import json
import os
import posixpath
from typing import Any
from urllib.parse import quote

from jupyter_server.base.handlers import APIHandler
from jupyter_server.utils import url_path_join
from tornado import web
from tornado.ioloop import IOLoop

from . import workspace
from .client import MultipartBody, ServiceClient, ServiceFailure, ServiceResponse
from .config import parse_bool
from .errors import BridgeError, bad_request

# Headers of a successful answer worth passing on (a file download passed through, a redirect).
RELAYED_HEADERS = ("Content-Disposition", "Location")


class SchedulerBridgeHandler(APIHandler):
    """One handler for every route under scheduler/; `route` picks what to do."""

    def initialize(self, service: ServiceClient, root_dir: str) -> None:
        self.service = service
        self.bridge = service.bridge
        self.root = os.path.realpath(root_dir)

    @web.authenticated
    async def get(self, path: str) -> None:
        await self.handle(path)

    @web.authenticated
    async def post(self, path: str) -> None:
        await self.handle(path)

    @web.authenticated
    async def patch(self, path: str) -> None:
        await self.handle(path)

    @web.authenticated
    async def delete(self, path: str) -> None:
        await self.handle(path)

    async def handle(self, path: str) -> None:
        try:
            await self.route(self.request.method, path.split("/"))
        except ServiceFailure as failure:
            self.relay(failure.response)
        except BridgeError as error:
            if error.status >= 500:
                self.log.warning("Notebook Jobs bridge: %s %s: %s", self.request.method, path, error.message)
            self.answer_error(error.status, error.message)

    async def route(self, method: str, parts: list[str]) -> None:
        match method, parts:
            case "GET", ["jobs"]:
                await self.list_jobs()
            case "GET", ["jobs", job_id] if job_id != "count":
                await self.describe_job()
            case "GET", ["jobs", job_id, "download_files"]:
                await self.download_files(job_id)
            case "POST", ["jobs"] | ["job_definitions"]:
                await self.create(parts[0])
            case "PATCH", ["job_definitions", definition_id]:
                await self.update_definition(definition_id)
            case _:
                await self.pass_through()

    # ---- pass-through

    def service_path(self) -> str:
        """The request's path after scheduler/, still URL-encoded as the UI sent it."""
        prefix = url_path_join(self.base_url, "scheduler/")
        raw = self.request.path
        if raw.startswith(prefix):
            return raw[len(prefix):]
        return quote(self.path_args[0] if self.path_args else "", safe="/")

    async def pass_through(self) -> None:
        method = self.request.method
        has_body = method in ("POST", "PATCH", "PUT") or bool(self.request.body)
        response = await self.service.request(
            method,
            self.service_path(),
            query=self.request.query,
            body=self.request.body if has_body else None,
            content_type=self.request.headers.get("Content-Type", "application/json") if has_body else None,
            # A job's log is text/plain: the browser's Accept, not the bridge's JSON default.
            accept=self.request.headers.get("Accept") or "*/*",
        )
        self.relay(response)

    def relay(self, response: ServiceResponse) -> None:
        """The service's answer to the UI: same status, same body (errors keep their message)."""
        self.set_status(response.code, reason=response.reason or None)
        if not response.ok:
            self.finish(error_body(response))
            return
        for name in RELAYED_HEADERS:
            if name in response.headers:
                self.set_header(name, response.headers[name])
        content_type = response.headers.get("Content-Type", "application/json")
        if response.code in (204, 304) or not response.body:
            self.finish(set_content_type=content_type)
        else:
            # APIHandler.finish sets the Content-Type; a passed-through file keeps its own.
            self.finish(response.body, set_content_type=content_type)

    def answer_error(self, status: int, message: str) -> None:
        self.set_status(status)
        self.finish(json.dumps({"message": message, "reason": None}))

    def answer_json(self, value: Any) -> None:
        self.set_status(200)
        self.finish(json.dumps(value))  # APIHandler.finish sets application/json

    async def service_json(self, path: str, query: str = "") -> Any:
        """GET from the service; a failure goes to the UI as it is."""
        response = await self.service.request("GET", path, query=query)
        if not response.ok:
            raise ServiceFailure(response)
        return response.json()

    # ---- create and update: the notebook (and its folder) from the workspace

    def json_body(self) -> dict:
        try:
            body = json.loads(self.request.body or b"null")
        except ValueError as e:
            raise bad_request("body", f"malformed JSON ({e})") from None
        if not isinstance(body, dict):
            raise bad_request("body", "a JSON object is required")
        return body

    async def create(self, collection: str) -> None:
        """POST jobs / job_definitions: the request's fields as the `job` part, without input_uri."""
        model = self.json_body()
        source = workspace.resolve_input(self.root, model.get("input_uri"))
        model.pop("input_uri", None)
        packaged = model.get("package_input_folder") is True
        multipart = await self.prepare_upload(model, source, packaged)
        try:
            response = await self.service.upload("POST", collection, multipart, query=self.request.query)
        finally:
            multipart.close()
        self.log.info(
            "Notebook Jobs bridge: %s %s%s -> %d",
            collection,
            source.filename,
            " with its folder" if packaged else "",
            response.code,
        )
        self.relay(response)

    async def update_definition(self, definition_id: str) -> None:
        """PATCH job_definitions/{id}: a new notebook is uploaded when its name differs from the
        definition's input_filename (the UI's edit form sends the bare current name otherwise)."""
        update = self.json_body()
        input_uri = update.pop("input_uri", None)
        path = self.service_path()
        if input_uri not in (None, ""):
            if not isinstance(input_uri, str):
                raise bad_request("input_uri", "must be the notebook's path relative to the server's root directory")
            current = await self.service_json(f"job_definitions/{quote(definition_id, safe='')}")
            if posixpath.basename(input_uri) != current.get("input_filename"):
                source = workspace.resolve_input(self.root, input_uri)
                packaged = update.get("package_input_folder", current.get("package_input_folder")) is True
                multipart = await self.prepare_upload(update, source, packaged)
                try:
                    response = await self.service.upload("PATCH", path, multipart, query=self.request.query)
                finally:
                    multipart.close()
                self.log.info("Notebook Jobs bridge: definition %s gets %s -> %d", definition_id, source.filename,
                              response.code)
                self.relay(response)
                return
        response = await self.service.request(
            "PATCH", path, query=self.request.query, body=json.dumps(update).encode(), content_type="application/json"
        )
        self.relay(response)

    async def prepare_upload(self, model: dict, source: workspace.Input, packaged: bool) -> MultipartBody:
        """The multipart body, built off the event loop: walking and reading a folder takes time."""
        bridge = self.bridge

        def build() -> MultipartBody:
            files = (
                workspace.packaged_folder(
                    self.root, source, bridge.max_packaged_files, bridge.max_packaged_bytes, self.log
                )
                if packaged
                else []
            )
            body = MultipartBody()
            try:
                body.add_json("job", model)
                body.add_file("input", source.filename, source.notebook, "application/x-ipynb+json")
                for f in files:
                    body.add_file("files", f.path, f.file)
                body.finish()
            except BaseException:
                body.close()
                raise
            return body

        return await IOLoop.current().run_in_executor(None, build)

    # ---- outputs in the workspace

    async def download_files(self, job_id: str) -> None:
        """GET jobs/{id}/download_files: every output and side-effect file the service lists, into
        <root>/jobs/<input base>-<job id>/ under the names it gives. Files already there are kept
        unless redownload is true. 204 when all are there."""
        redownload = self.redownload()
        quoted = quote(job_id, safe="")
        job = await self.service_json(f"jobs/{quoted}")
        listing = await self.service_json(f"jobs/{quoted}/files")
        folder = os.path.join(self.root, workspace.job_folder(job.get("input_filename"), job.get("job_id")))
        fetched = kept = 0
        for entry in listing.get("files", []):
            if entry.get("kind") not in ("output", "side_effect"):
                continue
            name = workspace.local_name(entry.get("name"))
            if name is None:
                self.log.warning("Notebook Jobs bridge: job %s: not downloading %r (not a relative path)", job_id,
                                 entry.get("name"))
                continue
            target = os.path.join(folder, *name.split("/"))
            if not redownload and os.path.lexists(target):
                kept += 1
                continue
            response = await self.service.download(f"jobs/{quoted}/files/{quote(entry['name'], safe='/')}", target)
            if not response.ok:
                raise ServiceFailure(response)
            fetched += 1
        self.log.info("Notebook Jobs bridge: job %s: %d files downloaded, %d kept", job_id, fetched, kept)
        self.set_status(204)
        self.finish()

    def redownload(self) -> bool:
        values = self.get_query_arguments("redownload")
        text = values[-1] if values else ""
        if not text.strip():
            return False
        try:
            return parse_bool("redownload", text)
        except ValueError as e:
            raise bad_request("redownload", f"must be true or false, not {text!r}") from e

    async def describe_job(self) -> None:
        job = await self.service_json(self.service_path(), self.request.query)
        self.answer_json(self.with_local_files(job))

    async def list_jobs(self) -> None:
        page = await self.service_json(self.service_path(), self.request.query)
        for job in page.get("jobs", []):
            self.with_local_files(job)
        self.answer_json(page)

    def with_local_files(self, job: dict) -> dict:
        """job_files[].file_path: the workspace path of the downloaded file, or absent when it is not
        there; the "files" entry: the download folder. downloaded: every file is there."""
        files = job.get("job_files")
        if not isinstance(files, list):
            return job
        try:
            folder = workspace.job_folder(job.get("input_filename"), job.get("job_id"))
        except BridgeError:
            folder = None
        present = 0
        expected = 0
        for entry in files:
            service_name = entry.pop("file_path", None)
            if folder is None:
                continue
            if entry.get("file_format") == "files":
                if os.path.isdir(os.path.join(self.root, folder)):
                    entry["file_path"] = folder
                continue
            expected += 1
            name = workspace.local_name(service_name)
            if name is not None and os.path.isfile(os.path.join(self.root, folder, *name.split("/"))):
                entry["file_path"] = f"{folder}/{name}"
                present += 1
        job["downloaded"] = expected > 0 and present == expected
        return job


def error_body(response: ServiceResponse) -> bytes:
    """The service's error body when it is the contract's JSON; else a JSON message that says what came."""
    try:
        body = json.loads(response.body)
        if isinstance(body, dict) and isinstance(body.get("message"), str):
            return response.body
    except ValueError:
        pass
    text = response.body[:300].decode("utf-8", "replace").strip()
    message = f"The Notebook Jobs service answered {response.code} {response.reason}".rstrip()
    return json.dumps({"message": f"{message}: {text}" if text else message, "reason": None}).encode()


def setup_handlers(web_app, service: ServiceClient, root_dir: str) -> None:
    route = url_path_join(web_app.settings["base_url"], "scheduler", "(.*)")
    web_app.add_handlers(".*$", [(route, SchedulerBridgeHandler, {"service": service, "root_dir": root_dir})])
