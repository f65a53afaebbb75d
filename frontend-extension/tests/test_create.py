"""Create: the notebook input_uri names (and its folder) uploaded from the workspace."""

from __future__ import annotations

import os

import pytest
from helpers import job_model, write, write_notebook


def workspace_with_clutter(root):
    """A root folder like a real one: the notebook next to data, checkpoints, hidden files,
    earlier downloads in jobs/, and links."""
    write_notebook(root / "nb.ipynb", "print('hi')")
    write(root / "data" / "a.csv", "a,b\n1,2\n")
    write(root / "data" / "deeper" / "b.txt", "b")
    write(root / "données é.txt", "utf-8 name")
    write(root / "sub" / "jobs" / "kept.txt", "only the root's jobs/ is left out")
    write(root / "data" / ".hidden.csv", "hidden")
    write(root / ".ipynb_checkpoints" / "nb-checkpoint.ipynb", "{}")
    write(root / "data" / ".ipynb_checkpoints" / "a-checkpoint.csv", "old")
    write(root / ".git" / "config", "[core]")
    write(root / ".env", "SECRET=1")
    write(root / "jobs" / "nb-1234" / "nb-2026-01-01-10-00-00-AM.ipynb", "{}")
    os.symlink(root / "data" / "a.csv", root / "link-to-a.csv")  # a link inside the root: its file
    outside = root.parent / "outside-of-root.txt"
    write(outside, "not the user's workspace")
    os.symlink(outside, root / "link-outside.txt")  # a link out of the root: left out
    os.symlink(root / "data", root / "linked-folder")  # links to folders are not followed
    return {
        "data/a.csv",
        "data/deeper/b.txt",
        "données é.txt",
        "sub/jobs/kept.txt",
        "link-to-a.csv",
    }


async def test_create_uploads_the_notebook_alone_without_package_input_folder(scheduler, root, service):
    workspace_with_clutter(root)
    # As the UI posts it: with a valueless cache-buster.
    answer = await scheduler.post("jobs?1733412345678", job_model(input_uri="nb.ipynb", name="alone"))
    assert answer.code == 200, answer.body
    job_id = answer.json()["job_id"]
    job = service.json(f"jobs/{job_id}")
    assert job["input_filename"] == "nb.ipynb"
    assert job["packaged_files"] == [] and job["package_input_folder"] is False
    assert [n for n in service.file_names(job_id) if n.startswith("input/")] == ["input/nb.ipynb"]
    assert service.file(job_id, "input/nb.ipynb") == (root / "nb.ipynb").read_bytes()
    # Every other field the UI sent is kept; input_uri is not sent (the service takes uploads).
    assert job["name"] == "alone" and job["tags"] == ["bridge-test"]
    assert "input_uri" not in job


async def test_packaging_the_root_folder_leaves_out_checkpoints_hidden_files_and_jobs(scheduler, root, service):
    expected = workspace_with_clutter(root)
    job_id = await scheduler.create_job(input_uri="nb.ipynb", package_input_folder=True, name="root folder")
    job = service.json(f"jobs/{job_id}")
    assert set(job["packaged_files"]) == expected
    inputs = {n.removeprefix("input/") for n in service.file_names(job_id) if n.startswith("input/")}
    assert inputs == expected | {"nb.ipynb"}
    assert service.file(job_id, "input/données é.txt") == "utf-8 name".encode()
    assert service.file(job_id, "input/link-to-a.csv") == (root / "data" / "a.csv").read_bytes()


async def test_packaging_a_subfolder_uploads_that_folder_only(scheduler, root, service):
    workspace_with_clutter(root)
    write_notebook(root / "project" / "report.ipynb", "print(1)")
    write(root / "project" / "input.csv", "x\n1\n")
    write(root / "project" / "lib" / "helpers.py", "X = 1\n")
    write(root / "project" / ".ipynb_checkpoints" / "report-checkpoint.ipynb", "{}")
    job_id = await scheduler.create_job(input_uri="project/report.ipynb", package_input_folder=True)
    job = service.json(f"jobs/{job_id}")
    assert job["input_filename"] == "report.ipynb"
    assert sorted(job["packaged_files"]) == ["input.csv", "lib/helpers.py"]


async def test_a_definition_is_created_with_its_notebook_uploaded(scheduler, root, service):
    write_notebook(root / "reports" / "weekly.ipynb", "print('weekly')")
    write(root / "reports" / "data.csv", "d")
    answer = await scheduler.post(
        "job_definitions",
        job_model(input_uri="reports/weekly.ipynb", schedule="0 6 * * MON-FRI", timezone="Europe/Vienna",
                  package_input_folder=True, name="weekly"),
    )
    assert answer.code == 200, answer.body
    definition_id = answer.json()["job_definition_id"]
    definition = service.json(f"job_definitions/{definition_id}")
    assert definition["input_filename"] == "weekly.ipynb"
    assert definition["packaged_files"] == ["data.csv"]
    assert definition["schedule"] == "0 6 * * MON-FRI" and definition["timezone"] == "Europe/Vienna"
    assert (await scheduler.delete(f"job_definitions/{definition_id}")).code == 204


async def test_a_notebook_name_with_spaces_and_accents_is_kept(scheduler, root, service):
    write_notebook(root / "rapports 2026" / "été à Wien.ipynb", "print(1)")
    job_id = await scheduler.create_job(input_uri="rapports 2026/été à Wien.ipynb")
    assert service.json(f"jobs/{job_id}")["input_filename"] == "été à Wien.ipynb"
    assert service.file(job_id, "input/été à Wien.ipynb") == (root / "rapports 2026" / "été à Wien.ipynb").read_bytes()


@pytest.mark.parametrize(
    "input_uri",
    ["../outside.ipynb", "sub/../../outside.ipynb", "{outside}", "link-out.ipynb", "linked-dir/inner.ipynb"],
)
async def test_paths_that_leave_the_root_are_refused(scheduler, root, input_uri):
    outside = write_notebook(root.parent / "outside.ipynb", "print('not yours')")
    write_notebook(root.parent / "elsewhere" / "inner.ipynb", "print('not yours')")
    os.symlink(outside, root / "link-out.ipynb")
    os.symlink(root.parent / "elsewhere", root / "linked-dir")
    (root / "sub").mkdir()
    for collection, extra in (("jobs", {}), ("job_definitions", {"schedule": "0 6 * * *"})):
        answer = await scheduler.post(collection, job_model(input_uri=input_uri.format(outside=outside), **extra))
        assert answer.code == 400, answer.body
        assert answer.message.startswith("input_uri:") and "outside the server's root directory" in answer.message
        assert answer.json()["reason"] is None


@pytest.mark.parametrize(
    "input_uri, rule",
    [(None, "is required"), ("", "is required"), ("missing.ipynb", "there is no file 'missing.ipynb'"),
     ("folder", "there is no file 'folder'"), (42, "is required")],
)
async def test_a_missing_input_is_a_400_naming_input_uri(scheduler, root, input_uri, rule):
    (root / "folder").mkdir()
    model = job_model(input_uri=input_uri)
    if input_uri is None:
        del model["input_uri"]
    answer = await scheduler.post("jobs", model)
    assert answer.code == 400
    assert answer.message.startswith(f"input_uri: {rule}"), answer.message


class TestLimits:
    @pytest.fixture
    def bridge_config(self):
        return {"max_packaged_files": 3, "max_packaged_bytes": 1000}

    async def test_a_folder_with_too_many_files_is_refused(self, scheduler, root, service):
        write_notebook(root / "p" / "nb.ipynb", "print(1)")
        for i in range(3):
            write(root / "p" / f"f{i}.txt")
        write(root / "p" / ".ipynb_checkpoints" / "x.txt")  # not counted
        assert (await scheduler.post("jobs", job_model(input_uri="p/nb.ipynb", package_input_folder=True))).code == 200
        write(root / "p" / "f3.txt")
        answer = await scheduler.post("jobs", job_model(input_uri="p/nb.ipynb", package_input_folder=True))
        assert answer.code == 400
        assert answer.message.startswith("package_input_folder: the notebook's folder 'p' has more than 3 files")
        assert "NotebookJobsBridge.max_packaged_files" in answer.message
        # Without the folder the same notebook is fine.
        assert (await scheduler.post("jobs", job_model(input_uri="p/nb.ipynb"))).code == 200

    async def test_a_folder_too_large_is_refused(self, scheduler, root):
        write_notebook(root / "nb.ipynb", "print(1)")
        write(root / "big.bin", "x" * 1001)
        answer = await scheduler.post("jobs", job_model(input_uri="nb.ipynb", package_input_folder=True))
        assert answer.code == 400
        assert answer.message.startswith(
            "package_input_folder: the files in the notebook's folder (the server's root directory) add up to more "
            "than 1000 bytes"
        ), answer.message
        # The root's jobs/ does not count: earlier downloads never make a folder too large.
        (root / "big.bin").unlink()
        write(root / "jobs" / "nb-1" / "big.html", "x" * 5000)
        assert (await scheduler.post("jobs", job_model(input_uri="nb.ipynb", package_input_folder=True))).code == 200
