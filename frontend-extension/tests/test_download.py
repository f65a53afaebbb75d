"""Jobs that really run on the cluster, and their files downloaded into the workspace."""

from __future__ import annotations

import json
import time
from pathlib import Path

import nbformat
import pytest
from helpers import multipart, write_report


def local_names(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


def downloadable(service, job_id: str) -> dict[str, str]:
    """Service file name -> its path in the download folder (the name without its area)."""
    return {
        name: name.split("/", 1)[1]
        for name in service.file_names(job_id)
        if name.startswith(("output/", "files/"))
    }


async def test_a_job_runs_to_completed_and_its_files_download_into_root_dir(scheduler, root, service):
    write_report(root / "project")
    job_id = await scheduler.create_job(
        input_uri="project/report.ipynb",
        package_input_folder=True,
        output_formats=["ipynb", "html"],
        parameters={"factor": "3"},
        name="run and download",
    )
    job = await scheduler.wait_for(job_id)
    assert job["status"] == "COMPLETED", job.get("status_message")
    # Nothing is local yet.
    assert job["downloaded"] is False
    assert all("file_path" not in f for f in job["job_files"]), job["job_files"]

    answer = await scheduler.get(f"jobs/{job_id}/download_files?redownload=false&1733412345678")
    assert answer.code == 204, answer.body
    folder = root / "jobs" / f"report-{job_id}"
    expected = downloadable(service, job_id)
    # Outputs (named by the service: report-<UTC time>.ipynb/.html, the input's copy report.ipynb)
    # and the side-effect files, nothing else (no partial downloads left over).
    assert local_names(folder) == set(expected.values())
    assert {"report.ipynb", "summary.txt", "out/deep.txt"} <= set(expected.values())
    for name, local in expected.items():
        assert (folder / local).read_bytes() == service.file(job_id, name), name
    assert (folder / "summary.txt").read_text() == "total=18\n"

    # The notebook really ran, with the parameter injected.
    ipynb = next(v for k, v in expected.items() if k.startswith("output/report-") and k.endswith(".ipynb"))
    executed = nbformat.reads((folder / ipynb).read_text(), as_version=4)
    injected = [c for c in executed.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert injected and "factor = 3" in injected[0].source
    printed = "".join(o.get("text", "") for c in executed.cells if c.cell_type == "code" for o in c.outputs)
    assert "total=18" in printed

    # Describe and list now point at the local files, by the names the service gives.
    described = (await scheduler.get(f"jobs/{job_id}")).json()
    from_service = {f["display_name"]: f["file_path"] for f in service.json(f"jobs/{job_id}")["job_files"]}
    paths = {f["display_name"]: f.get("file_path") for f in described["job_files"]}
    prefix = f"jobs/report-{job_id}"
    assert paths == {
        "Notebook": f"{prefix}/{from_service['Notebook'].removeprefix('output/')}",
        "HTML": f"{prefix}/{from_service['HTML'].removeprefix('output/')}",
        "Input": f"{prefix}/report.ipynb",
        "Files": prefix,
    }
    assert all((root / p).exists() for p in paths.values())
    assert described["downloaded"] is True
    listed = (await scheduler.get("jobs?max_items=25&sort_by=desc(create_time)&1733412345679")).json()
    mine = next(j for j in listed["jobs"] if j["job_id"] == job_id)
    assert mine["job_files"] == described["job_files"] and mine["downloaded"] is True

    # A finished job cannot be stopped: the service's 409 and message reach the UI.
    stop = await scheduler.patch(f"jobs/{job_id}", {"status": "STOPPED"})
    assert stop.code == 409
    assert "already COMPLETED" in stop.message


@pytest.fixture(scope="module")
def finished_job(service, tmp_path_factory) -> str:
    """A job that ran to COMPLETED, created straight at the service (as docs/api.md shows), shared
    by the tests below; each downloads it into its own workspace through the bridge."""
    folder = tmp_path_factory.mktemp("finished-job")
    write_report(folder, numbers=(5, 5))
    job = {"name": "finished for downloads", "runtime_environment_name": "default", "package_input_folder": True,
           "output_formats": ["ipynb", "html"], "parameters": {"factor": "2"}, "tags": ["bridge-test"]}
    body, content_type = multipart(job, ("report.ipynb", (folder / "report.ipynb").read_bytes()),
                                   {"data/numbers.csv": (folder / "data" / "numbers.csv").read_bytes()})
    status, answer = service.call("POST", "jobs", body, content_type)
    assert status == 200, answer
    job_id = json.loads(answer)["job_id"]
    deadline = time.monotonic() + 180
    while (described := service.json(f"jobs/{job_id}"))["status"] not in ("COMPLETED", "FAILED", "STOPPED"):
        assert time.monotonic() < deadline, f"{job_id} still {described['status']}"
        time.sleep(0.5)
    assert described["status"] == "COMPLETED", described.get("status_message")
    return job_id


async def test_redownload_false_keeps_local_files_and_true_replaces_them(scheduler, root, service, finished_job):
    folder = root / "jobs" / f"report-{finished_job}"
    assert (await scheduler.get(f"jobs/{finished_job}/download_files")).code == 204
    summary = folder / "summary.txt"
    assert summary.read_text() == "total=20\n"
    html = next(folder.glob("report-*.html"))

    summary.write_text("edited locally")
    html.unlink()
    described = (await scheduler.get(f"jobs/{finished_job}")).json()
    assert described["downloaded"] is False
    assert "file_path" not in next(f for f in described["job_files"] if f["file_format"] == "html")

    for keep in ("false", "0", "False", "no"):
        answer = await scheduler.get(f"jobs/{finished_job}/download_files?redownload={keep}")
        assert answer.code == 204, (keep, answer.body)
        assert summary.read_text() == "edited locally", keep  # kept
        assert html.is_file()  # what was missing is fetched again
    assert (await scheduler.get(f"jobs/{finished_job}")).json()["downloaded"] is True

    answer = await scheduler.get(f"jobs/{finished_job}/download_files?redownload=true&1733412345678")
    assert answer.code == 204
    assert summary.read_text() == "total=20\n"  # replaced by the service's copy
    assert local_names(folder) == set(downloadable(service, finished_job).values())


async def test_redownload_must_be_a_boolean(scheduler, finished_job):
    answer = await scheduler.get(f"jobs/{finished_job}/download_files?redownload=maybe")
    assert answer.code == 400
    assert answer.message == "redownload: must be true or false, not 'maybe'"


async def test_job_files_without_a_download_have_no_file_path(scheduler, root, finished_job):
    # Another workspace (a fresh root) has not downloaded anything: no links, not downloaded.
    described = (await scheduler.get(f"jobs/{finished_job}")).json()
    assert described["downloaded"] is False
    assert [f.get("file_path") for f in described["job_files"]] == [None] * len(described["job_files"])


async def test_a_jobs_log_passes_through_as_text_whatever_the_browser_accepts(scheduler, finished_job):
    # The log view's fetch sends Accept: */*; a bridge that asked the service for JSON only got a 406.
    for accept in (None, "*/*", "text/plain"):
        answer = await scheduler.call("GET", f"jobs/{finished_job}/logs?tail=50&1733412345678",
                                      headers={"Accept": accept} if accept else None)
        assert answer.code == 200, answer.body
        assert answer.headers["Content-Type"].startswith("text/plain"), answer.headers
        text = answer.body.decode()
        assert "Exit 0: Notebook report.ipynb ran in" in text, text
    missing = await scheduler.get("jobs/0b7d8d6e-0000-4000-8000-000000000000/logs")
    assert missing.code == 404 and missing.message.startswith("No job with id"), missing.body
