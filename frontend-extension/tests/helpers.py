"""Workspace contents and request bodies for the tests."""

from __future__ import annotations

import ssl
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import nbformat


def job_model(**fields) -> dict:
    """A CreateJob as the stock UI sends it (plus whatever the test gives)."""
    model = {
        "name": "bridge test",
        "runtime_environment_name": "default",
        "output_formats": ["ipynb"],
        "parameters": {},
        "runtime_environment_parameters": {},
        "package_input_folder": False,
        "tags": ["bridge-test"],
    }
    model.update(fields)
    return model


def write_notebook(path: Path, *sources: str, parameters: str | None = None) -> Path:
    """A notebook of code cells; `parameters` becomes the cell tagged parameters, first."""
    cells = []
    if parameters is not None:
        cell = nbformat.v4.new_code_cell(parameters)
        cell.metadata["tags"] = ["parameters"]
        cells.append(cell)
    cells += [nbformat.v4.new_code_cell(s) for s in sources]
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(path))
    return path


def write(path: Path, text: str = "x") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


REPORT_CODE = """\
import csv, os
with open('data/numbers.csv') as f:
    numbers = [int(row[0]) for row in csv.reader(f)]
total = sum(numbers) * factor
print(f'total={total}')
with open('summary.txt', 'w') as f:
    f.write(f'total={total}\\n')
os.makedirs('out', exist_ok=True)
with open('out/deep.txt', 'w') as f:
    f.write('deep\\n')
"""


def write_report(folder: Path, numbers=(1, 2, 3)) -> Path:
    """report.ipynb and data/numbers.csv: sums the numbers times `factor`, prints total=<n>, and
    writes summary.txt and out/deep.txt into its folder (side-effect files)."""
    write(folder / "data" / "numbers.csv", "".join(f"{n}\n" for n in numbers))
    return write_notebook(folder / "report.ipynb", REPORT_CODE, parameters="factor = 1")


def multipart(job: dict, notebook: tuple[str, bytes], files: dict[str, bytes]) -> tuple[bytes, str]:
    """A create as docs/api.md describes it, for requests made straight to the service."""
    import json
    import uuid
    from urllib.parse import quote

    boundary = uuid.uuid4().hex
    chunks = []

    def part(disposition: str, content_type: str, data: bytes) -> None:
        chunks.append(f"--{boundary}\r\nContent-Disposition: {disposition}\r\nContent-Type: {content_type}\r\n\r\n"
                      .encode() + data + b"\r\n")

    part('form-data; name="job"', "application/json", json.dumps(job).encode())
    part(f"form-data; name=\"input\"; filename*=UTF-8''{quote(notebook[0])}", "application/x-ipynb+json", notebook[1])
    for name, data in files.items():
        part(f"form-data; name=\"files\"; filename*=UTF-8''{quote(name)}", "application/octet-stream", data)
    chunks.append(f"--{boundary}--\r\n".encode())
    return b"".join(chunks), f"multipart/form-data; boundary={boundary}"


class Recorder:
    """Records every request (method, path, headers, body) and answers with `answer`."""

    def __init__(self, tls: ssl.SSLContext | None = None):
        self.requests: list[dict] = []
        self.answer = (200, "application/json", b'{"jobs": [], "total_count": 0}')
        self.delay = 0.0
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def handle_any(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                recorder.requests.append(
                    {"method": self.command, "path": self.path, "headers": dict(self.headers.items()), "body": body}
                )
                time.sleep(recorder.delay)
                status, content_type, payload = recorder.answer
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", content_type)
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the bridge gave up waiting (the timeout test)

            do_GET = do_POST = do_PATCH = do_DELETE = handle_any

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        if tls is not None:
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
        scheme = "https" if tls is not None else "http"
        self.url = f"{scheme}://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()
