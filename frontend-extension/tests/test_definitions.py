"""Job definitions: the edit form's input_uri replaces the notebook only when its name differs."""

from __future__ import annotations

from helpers import job_model, write, write_notebook


async def create_definition(scheduler, **fields) -> str:
    answer = await scheduler.post("job_definitions", job_model(schedule="0 6 * * *", timezone="UTC", **fields))
    assert answer.code == 200, answer.body
    return answer.json()["job_definition_id"]


async def staged_input(scheduler, service, definition_id: str, filename: str) -> bytes:
    """The notebook the definition's runs get: a run started now, its input as the service holds it."""
    run = await scheduler.post(f"job_definitions/{definition_id}/jobs", {"parameters": {}})
    assert run.code == 200, run.body
    return service.file(run.json()["job_id"], f"input/{filename}")


async def test_editing_with_the_current_name_changes_the_schedule_but_not_the_notebook(scheduler, root, service):
    weekly = write_notebook(root / "reports" / "weekly.ipynb", "print('first version')")
    original = weekly.read_bytes()
    definition_id = await create_definition(scheduler, input_uri="reports/weekly.ipynb", name="weekly")
    # The user edits the notebook locally; the edit form sends the bare current input_filename.
    write_notebook(weekly, "print('edited locally, not re-staged')")
    answer = await scheduler.patch(
        f"job_definitions/{definition_id}?1733412345678",
        {"schedule": "30 7 * * 1-5", "timezone": "Europe/Vienna", "input_uri": "weekly.ipynb"},
    )
    assert answer.code == 204, answer.body
    definition = service.json(f"job_definitions/{definition_id}")
    assert definition["schedule"] == "30 7 * * 1-5" and definition["timezone"] == "Europe/Vienna"
    assert definition["input_filename"] == "weekly.ipynb"
    assert await staged_input(scheduler, service, definition_id, "weekly.ipynb") == original
    assert (await scheduler.delete(f"job_definitions/{definition_id}")).code == 204
    assert service.call("GET", f"job_definitions/{definition_id}")[0] == 404


async def test_editing_with_another_notebook_uploads_it_with_its_folder(scheduler, root, service):
    write_notebook(root / "reports" / "weekly.ipynb", "print('weekly')")
    write(root / "reports" / "old.csv", "old")
    definition_id = await create_definition(
        scheduler, input_uri="reports/weekly.ipynb", package_input_folder=True, name="replaced"
    )
    assert service.json(f"job_definitions/{definition_id}")["packaged_files"] == ["old.csv"]

    daily = write_notebook(root / "reports" / "v2" / "daily.ipynb", "print('daily')")
    write(root / "reports" / "v2" / "lookup.csv", "new")
    write(root / "reports" / "v2" / ".ipynb_checkpoints" / "daily-checkpoint.ipynb", "{}")
    answer = await scheduler.patch(
        f"job_definitions/{definition_id}", {"schedule": "0 8 * * *", "input_uri": "reports/v2/daily.ipynb"}
    )
    assert answer.code == 204, answer.body
    definition = service.json(f"job_definitions/{definition_id}")
    assert definition["input_filename"] == "daily.ipynb"
    assert definition["packaged_files"] == ["lookup.csv"]
    assert definition["schedule"] == "0 8 * * *"
    assert definition["name"] == "replaced"  # fields not sent stay as they were
    assert await staged_input(scheduler, service, definition_id, "daily.ipynb") == daily.read_bytes()
    assert (await scheduler.delete(f"job_definitions/{definition_id}")).code == 204


async def test_editing_refuses_a_new_notebook_outside_the_root(scheduler, root, service):
    write_notebook(root / "weekly.ipynb", "print('weekly')")
    write_notebook(root.parent / "elsewhere.ipynb", "print('not yours')")
    definition_id = await create_definition(scheduler, input_uri="weekly.ipynb")
    answer = await scheduler.patch(f"job_definitions/{definition_id}", {"input_uri": "../elsewhere.ipynb"})
    assert answer.code == 400
    assert answer.message.startswith("input_uri:") and "outside the server's root directory" in answer.message
    missing = await scheduler.patch(f"job_definitions/{definition_id}", {"input_uri": "gone.ipynb"})
    assert missing.code == 400 and missing.message.startswith("input_uri: there is no file 'gone.ipynb'")
    assert service.json(f"job_definitions/{definition_id}")["input_filename"] == "weekly.ipynb"
    # Pause and resume are plain JSON updates, passed through.
    assert (await scheduler.patch(f"job_definitions/{definition_id}", {"active": False})).code == 204
    assert service.json(f"job_definitions/{definition_id}")["active"] is False
    bad = await scheduler.patch(f"job_definitions/{definition_id}", {"schedule": "0 6 * * 7"})
    assert bad.code == 400 and bad.message.startswith("schedule:")
    assert (await scheduler.delete(f"job_definitions/{definition_id}")).code == 204
