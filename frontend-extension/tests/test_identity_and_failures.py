"""What the bridge sends as identity, and what the UI sees when the service fails or is away.

The service in its default `none` mode ignores the Authorization header, so these tests point the
bridge at a small real HTTP server that records what arrives and answers as told. The end-to-end
check against a real JupyterHub (the service verifying the hub token) comes with the identity work.
"""

from __future__ import annotations

import json

import pytest
from helpers import Recorder, job_model, write_notebook


@pytest.fixture
def recorder():
    r = Recorder()
    yield r
    r.close()


@pytest.fixture
def service_url(recorder) -> str:
    return recorder.url


@pytest.fixture
def hub_env(monkeypatch):
    monkeypatch.setenv("JUPYTERHUB_API_TOKEN", "hub-token-0123456789abcdef")
    monkeypatch.setenv("JUPYTERHUB_USER", "alice-the-user")
    monkeypatch.setenv("JUPYTERHUB_API_URL", "http://127.0.0.1:1/hub/api")


class TestUnderJupyterHub:
    @pytest.fixture
    def bridge_config(self):
        return {"token": "configured-token-not-used-under-the-hub"}

    async def test_the_servers_hub_token_is_sent_and_no_user_name(self, hub_env, scheduler, root, recorder, caplog):
        caplog.set_level("DEBUG")
        assert (await scheduler.get("jobs?max_items=0&1733412345678")).code == 200
        write_notebook(root / "nb.ipynb", "print(1)")
        recorder.answer = (200, "application/json", b'{"job_id": "0b7d8d6e-0000-4000-8000-000000000001"}')
        created = await scheduler.post("jobs", job_model(input_uri="nb.ipynb"))
        assert created.code == 200 and created.json()["job_id"] == "0b7d8d6e-0000-4000-8000-000000000001"

        listed, create = recorder.requests
        assert listed["method"] == "GET" and listed["path"] == "/scheduler/jobs?max_items=0&1733412345678"
        assert create["method"] == "POST" and create["path"] == "/scheduler/jobs"
        assert create["headers"]["Content-Type"].startswith("multipart/form-data; boundary=")
        assert b'name="job"' in create["body"] and b'name="input"' in create["body"]
        for request in (listed, create):
            assert request["headers"]["Authorization"] == "token hub-token-0123456789abcdef"
            # Identity is the verifiable token only: no header carries the user's name.
            assert not any("alice-the-user" in v for v in request["headers"].values()), request["headers"]
            assert not {"x-forwarded-user", "x-remote-user", "remote-user", "x-user"} & {
                k.lower() for k in request["headers"]
            }, request["headers"]
        assert "hub-token-0123456789abcdef" not in caplog.text


class TestConfiguredToken:
    @pytest.fixture
    def bridge_config(self):
        return {"token": "service-token-fedcba9876543210"}

    async def test_it_is_sent_as_bearer_outside_jupyterhub(self, monkeypatch, scheduler, recorder, caplog):
        monkeypatch.delenv("JUPYTERHUB_API_TOKEN", raising=False)
        caplog.set_level("DEBUG")
        assert (await scheduler.get("runtime_environments")).code == 200
        assert recorder.requests[0]["headers"]["Authorization"] == "Bearer service-token-fedcba9876543210"
        assert "service-token-fedcba9876543210" not in caplog.text


async def test_without_any_token_no_authorization_is_sent(monkeypatch, scheduler, recorder):
    monkeypatch.delenv("JUPYTERHUB_API_TOKEN", raising=False)
    assert (await scheduler.get("config")).code == 200
    assert "Authorization" not in recorder.requests[0]["headers"]


async def test_requests_without_the_jupyter_servers_token_are_refused_and_not_forwarded(scheduler, recorder):
    for method in ("GET", "POST", "PATCH", "DELETE"):
        answer = await scheduler.call(method, "jobs", body={} if method in ("POST", "PATCH") else None,
                                      headers={"Authorization": ""})
        assert answer.code == 403, (method, answer.code)
    assert recorder.requests == []


# ---- failures


async def test_service_errors_that_are_not_json_become_a_json_message(scheduler, recorder):
    recorder.answer = (502, "text/html", b"<html><body>Bad Gateway (ingress)</body></html>")
    answer = await scheduler.get("jobs")
    assert answer.code == 502
    html = "<html><body>Bad Gateway (ingress)</body></html>"
    assert answer.json() == {"message": f"The Notebook Jobs service answered 502 Bad Gateway: {html}", "reason": None}
    unavailable = {"message": "The service has not finished reading the cluster's jobs yet; try again shortly.",
                   "reason": None}
    recorder.answer = (503, "application/json", json.dumps(unavailable).encode())
    answer = await scheduler.get("jobs/count")
    assert answer.code == 503 and answer.json() == unavailable


class TestServiceAway:
    @pytest.fixture
    def service_url(self):
        # A port nothing listens on.
        import socket

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        return f"http://127.0.0.1:{port}"

    async def test_an_unreachable_service_is_a_502_that_says_so(self, scheduler, root, service_url):
        write_notebook(root / "nb.ipynb", "print(1)")
        for method, path, body in (
            ("GET", "jobs?max_items=0", None),
            ("POST", "jobs", job_model(input_uri="nb.ipynb")),
            ("GET", "jobs/0b7d8d6e-0000-4000-8000-000000000000/download_files", None),
            ("DELETE", "jobs/0b7d8d6e-0000-4000-8000-000000000000", None),
        ):
            answer = await scheduler.call(method, path, body)
            assert answer.code == 502, (method, path, answer.body)
            assert answer.message.startswith(f"The Notebook Jobs service at {service_url} could not be reached")
            assert "NOTEBOOK_JOBS_URL" in answer.message


class TestSlowService:
    @pytest.fixture
    def bridge_config(self):
        return {"request_timeout": 0.5}

    async def test_a_service_that_does_not_answer_in_time_is_a_504(self, scheduler, recorder):
        recorder.delay = 2
        answer = await scheduler.get("jobs")
        assert answer.code == 504
        assert "did not answer in time" in answer.message and "request_timeout" in answer.message
