"""What the bridge forwards unchanged: routes, query strings, statuses and the service's messages."""

from __future__ import annotations

import json

from helpers import job_model, write_notebook


async def test_the_service_answers_the_ui_start_up_requests(scheduler, service):
    # What the stock UI asks first; the answers are the service's own (stock jupyter_scheduler
    # would list its local environments and claim email notifications are unsupported too, but
    # never a `metadata.image`).
    environments = await scheduler.get("runtime_environments")
    assert environments.code == 200
    assert environments.json() == service.json("runtime_environments")
    assert environments.json()[0]["name"] == environments.json()[0]["label"] == "default"
    config = await scheduler.get("config")
    assert config.code == 200
    assert config.json() == service.json("config")


async def test_valueless_cache_buster_parameters_pass_harmlessly(scheduler):
    # The UI's start-up probe; a 404 here would make it report "server extension not found".
    probe = await scheduler.get("jobs?max_items=0&1733412345678")
    assert probe.code == 200, probe.body
    assert probe.json()["jobs"] == []
    count = await scheduler.get("jobs/count?status=IN_PROGRESS&1733412345679")
    assert count.code == 200 and "count" in count.json()
    definitions = await scheduler.get("job_definitions?max_items=5&1733412345680")
    assert definitions.code == 200 and definitions.json()["job_definitions"] == []


async def test_a_404_reaches_the_ui_with_the_services_message(scheduler, service):
    status, body = service.call("GET", "jobs/0b7d8d6e-0000-4000-8000-000000000000")
    assert status == 404
    for path in ("jobs/0b7d8d6e-0000-4000-8000-000000000000", "jobs/0b7d8d6e-0000-4000-8000-000000000000?1733"):
        answer = await scheduler.get(path)
        assert answer.code == 404
        assert answer.json() == json.loads(body)  # {"message": "No job with id ...", "reason": null}
    # The same for a route the bridge handles itself (download_files asks the service first).
    download = await scheduler.get("jobs/0b7d8d6e-0000-4000-8000-000000000000/download_files?redownload=false")
    assert download.code == 404 and download.json() == json.loads(body)
    missing_definition = await scheduler.patch("job_definitions/0b7d8d6e-0000-4000-8000-000000000000",
                                               {"input_uri": "other.ipynb"})
    assert missing_definition.code == 404
    assert missing_definition.message.startswith("No job definition with id")


async def test_a_400_reaches_the_ui_with_the_services_message(scheduler, root):
    write_notebook(root / "nb.ipynb", "print(1)")
    bad_name = await scheduler.post("jobs", job_model(name="-starts with a dash", input_uri="nb.ipynb"))
    assert bad_name.code == 400
    assert bad_name.message.startswith("name:"), bad_name.message
    bad_memory = await scheduler.post(
        "jobs", job_model(input_uri="nb.ipynb", runtime_environment_parameters={"memory": "4"})
    )
    assert bad_memory.code == 400
    assert bad_memory.message.startswith("runtime_environment_parameters.memory:"), bad_memory.message
    bad_stop = await scheduler.patch("jobs/0b7d8d6e-0000-4000-8000-000000000000", {"status": "RUNNING"})
    assert bad_stop.code in (400, 404)
    not_json = await scheduler.call("POST", "jobs", body=b"{not json")
    assert not_json.code == 400 and not_json.message.startswith("body: malformed JSON")


async def test_a_409_reaches_the_ui_with_the_services_message(scheduler, root, service):
    write_notebook(root / "nb.ipynb", "print(1)")
    token = "bridge-409-token"
    first = await scheduler.create_job(input_uri="nb.ipynb", idempotency_token=token)
    again = await scheduler.post("jobs", job_model(input_uri="nb.ipynb", idempotency_token=token))
    assert again.code == 409
    assert again.message.startswith("idempotency_token:") and first in again.message, again.message
    assert again.json()["reason"] is None
    assert (await scheduler.delete(f"jobs/{first}")).code == 204
    assert service.call("GET", f"jobs/{first}")[0] == 404


async def test_unknown_routes_are_the_services_404_not_the_bridges(scheduler, service):
    answer = await scheduler.get("no/such/route")
    status, body = service.call("GET", "no/such/route")
    assert answer.code == status == 404
    assert answer.json() == json.loads(body)
