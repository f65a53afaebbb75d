"""The stock jupyter-scheduler 2.11 UI with our create form and bridge, in a real Chromium, against
the service in auth mode jupyterhub with the group policy (fixtures in browser/fixtures.py).

bob (cpsHPCAccess) uses the session's JupyterLab; alice gets her own for the profile test. The last
test stops and restarts bob's JupyterLab, so it stays last in this file.
"""

from __future__ import annotations

import asyncio
import time
import uuid

import pytest
from helpers import write_notebook
from playwright.sync_api import expect

from browser import ui

GREETING = "hello-from-the-form"
# A notebook parameter, as typed in the form: the executor injects `factor = 21` (a Python
# expression) after the cell tagged parameters, which says `factor = 1`.
FACTOR = "21"
NOTEBOOKS = {
    "hello.ipynb": ("import os\nprint('greeting=' + os.environ.get('GREETING', ''))",
                    "print(f'factor={factor} doubled={factor * 2}')"),
    "fails.ipynb": ("x = 1", "raise ValueError('boom from the second cell')"),
    "nightly.ipynb": ("print('nightly')",),
    "slow.ipynb": ("import time\ntime.sleep(25)\nprint('slept')",),
}


HELLO_PARAMETERS = "factor = 1"


@pytest.fixture
def jp_asyncio_loop():
    # pytest-jupyter's version closes the current event loop after each test; in these tests that
    # is Playwright's, still running for the session. These tests need no loop of their own.
    loop = asyncio.new_event_loop()
    yield loop
    loop.close()


@pytest.fixture(scope="module")
def bob_lab(lab):
    for name, cells in NOTEBOOKS.items():
        write_notebook(lab.root / name, *cells, parameters=HELLO_PARAMETERS if name == "hello.ipynb" else None)
    return lab


def unique(prefix: str) -> str:
    return f"{prefix} {uuid.uuid4().hex[:8]}"


def job_by_name(api, name: str) -> dict:
    jobs = [j for j in api.json("jobs?max_items=100")["jobs"] if j["name"] == name]
    assert len(jobs) == 1, f"jobs named {name!r} in the service: {jobs}"
    return jobs[0]


def test_create_job_with_our_options_completes_and_its_html_output_opens(page, shot, bob_lab, hub_user_service):
    name = unique("hello")
    ui.open_lab(page, bob_lab)
    ui.open_create_form(page, "hello.ipynb")
    ui.choose_output_formats(page, {"Notebook", "HTML"})
    ui.fill_job_name(page, name)
    ui.open_additional_options(page)
    page.locator("#nbj-profile").select_option("custom")
    page.locator("#nbj-cpu").fill("2")
    page.locator("#nbj-memory").fill("4Gi")
    page.locator("#nbj-gpu").fill("0")
    page.locator("[data-testid=nbj-env-add]").click()
    page.locator("#nbj-env-name-0").fill("GREETING")
    page.locator("#nbj-env-value-0").fill(GREETING)
    ui.add_parameter(page, "factor", FACTOR)
    shot("form filled")
    ui.submit(page)
    expect(ui.job_row(page, name)).to_be_visible()
    shot("submitted")

    row = ui.wait_for_status(page, name, "Completed")
    shot("completed in the list")
    job = job_by_name(hub_user_service("bob"), name)
    params = job["runtime_environment_parameters"]
    # What the form sent, as the service echoes it back (the profile and our resources).
    assert (params.get("profile"), str(params.get("cpu")), params.get("memory")) == ("custom", "2", "4Gi"), params
    # The notebook parameter from the stock form's Parameters section.
    assert {k: str(v) for k, v in (job.get("parameters") or {}).items()} == {"factor": FACTOR}, job.get("parameters")

    # Download from the list, then open the HTML output from its link.
    ui.download_button(row).click()
    html_link = ui.output_link(row, ".html")
    ui.reload_until(page, html_link, 60, "the HTML output's link after the download")
    shot("downloaded")
    job_dir = bob_lab.root / "jobs" / f"hello-{job['job_id']}"
    html_files = sorted(job_dir.glob("hello-*.html"))
    assert html_files, f"no HTML output under {job_dir}: {sorted(p.name for p in job_dir.glob('*'))}"
    html_link.first.click()
    tab = page.locator(".lm-TabBar-tab", has_text=html_files[0].name)
    expect(tab).to_be_visible()
    frame = page.frame_locator(".jp-HTMLViewer iframe").first
    expect(frame.get_by_text(f"greeting={GREETING}")).to_be_visible()
    # The injected parameter replaced the notebook's default (factor = 1).
    expect(frame.get_by_text(f"factor={FACTOR} doubled={int(FACTOR) * 2}")).to_be_visible()
    shot("html output opened")


def test_failing_cell_shows_failed_with_the_services_message(page, shot, bob_lab, hub_user_service):
    name = unique("fails")
    ui.open_lab(page, bob_lab)
    ui.open_create_form(page, "fails.ipynb")
    ui.choose_output_formats(page, {"Notebook"})
    ui.fill_job_name(page, name)
    ui.open_additional_options(page)
    # Only what the service can send: mail, and its one webhook.
    expect(page.locator("[data-testid=nbj-notify]")).to_contain_text("Names, comma-separated: team")
    page.locator("[data-testid=nbj-notify-email-on_failure]").fill("oncall@example.org")
    page.locator("[data-testid=nbj-notify-webhook-on_failure]").fill("team")
    shot("form filled")
    ui.submit(page)

    row = ui.wait_for_status(page, name, "Failed")
    shot("failed in the list")
    job = job_by_name(hub_user_service("bob"), name)
    message = job.get("status_message", "")
    assert "boom from the second cell" in message, message
    assert job["email_notifications"]["on_failure"] == ["oncall@example.org"], job
    assert job["webhook_notifications"]["on_failure"] == ["team"], job
    row.get_by_text(name, exact=True).click()
    alert = page.locator(".MuiAlert-standardError, .MuiAlert-root").filter(has_text="boom from the second cell")
    expect(alert).to_be_visible()
    expect(page.locator("[data-testid=nbj-advanced-options][data-view=job]")).to_contain_text("Email when it fails")
    shot("failure detail view")

    # Its log, from the detail view: the copy the executor saved, with the error.
    panel = ui.open_log(page)
    expect(panel.locator("[data-testid=nbj-log-state]")).to_have_text("The job is FAILED: this is its saved log")
    expect(panel.locator("[data-testid=nbj-log-text]")).to_contain_text("boom from the second cell")
    expect(panel.locator("[data-testid=nbj-log-text]")).to_contain_text("Exit 1:")
    shot("saved log")


def test_create_a_schedule_and_pause_it(page, shot, bob_lab, hub_user_service):
    name = unique("nightly")
    ui.open_lab(page, bob_lab)
    ui.open_create_form(page, "nightly.ipynb")
    ui.choose_output_formats(page, {"Notebook"})
    ui.fill_job_name(page, name)
    ui.choose_schedule(page, "0 3 * * *")
    shot("schedule form filled")
    ui.submit(page)

    row = ui.definition_row(page, name)
    expect(row).to_be_visible()
    shot("schedule created")
    api = hub_user_service("bob")
    definition = next(d for d in api.json("job_definitions?max_items=100")["job_definitions"] if d["name"] == name)
    assert definition["schedule"] == "0 3 * * *" and definition["active"] is True, definition

    ui.pause_definition(page, row, name)
    shot("schedule paused")
    deadline = time.monotonic() + 30
    while api.json(f"job_definitions/{definition['job_definition_id']}")["active"]:
        assert time.monotonic() < deadline, "the service still has the definition active 30 s after Pause"
        time.sleep(0.5)


def test_profiles_follow_the_users_groups(page, shot, bob_lab, hub, hub_service, hub_user_service, tmp_path_factory):
    from browser.fixtures import SECOND_LAB_PORT, start_lab

    # bob (cpsHPCAccess) sees the GPU and custom profiles (and everyone's standard one).
    ui.open_lab(page, bob_lab)
    ui.open_create_form(page, "hello.ipynb")
    ui.open_additional_options(page)
    bob_sees = ui.profile_labels(page)
    shot("bob's profiles")
    assert {"Custom Configuration", "Single A100 GPU", "Dual A100 GPUs"} <= set(bob_sees), bob_sees

    # alice (no group) only the standard profile, in her own JupyterLab with her own hub token.
    alice = start_lab(hub, hub_service, "alice", SECOND_LAB_PORT, tmp_path_factory.mktemp("lab-alice"))
    try:
        write_notebook(alice.root / "hello.ipynb", *NOTEBOOKS["hello.ipynb"], parameters=HELLO_PARAMETERS)
        ui.open_lab(page, alice)
        ui.open_create_form(page, "hello.ipynb")
        ui.open_additional_options(page)
        alice_sees = ui.profile_labels(page)
        shot("alice's profiles")
        assert alice_sees == ["Standard Notebook Environment"], alice_sees
    finally:
        alice.stop()
    service_says = [p["name"] for p in hub_user_service("alice").json("profiles")["profiles"]]
    assert service_says == ["standard"], service_says


def test_job_keeps_running_while_jupyterlab_is_stopped(page, shot, bob_lab, hub_user_service):
    name = unique("slow")
    ui.open_lab(page, bob_lab)
    ui.open_create_form(page, "slow.ipynb")
    ui.choose_output_formats(page, {"Notebook"})
    ui.fill_job_name(page, name)
    ui.submit(page)
    ui.wait_for_status(page, name, "In progress", within=120)
    shot("in progress before jupyterlab stops")

    bob_lab.stop()
    try:
        api = hub_user_service("bob")
        job_id = job_by_name(api, name)["job_id"]
        deadline = time.monotonic() + 180
        while (job := api.json(f"jobs/{job_id}"))["status"] not in ("COMPLETED", "FAILED", "STOPPED"):
            assert time.monotonic() < deadline, f"job still {job['status']} after 180 s without JupyterLab"
            time.sleep(1)
        assert job["status"] == "COMPLETED", job.get("status_message")
    finally:
        bob_lab.start()
    ui.open_lab(page, bob_lab)
    ui.open_jobs_list(page)
    ui.wait_for_status(page, name, "Completed", within=30)
    shot("completed after jupyterlab restarted")
