"""What a user does in JupyterLab's scheduler UI, as Playwright steps. Every wait is for a concrete
UI state, bounded; the stock list views never poll, so waiting for a status clicks their Reload."""

from __future__ import annotations

import re
import time

from playwright.sync_api import Locator, Page
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect


def open_lab(page: Page, lab) -> None:
    # ?reset: a fresh workspace each time (no tabs restored from the last test).
    page.goto(lab.lab_url("lab") + "&reset")
    # The file browser has listed the workspace.
    expect(page.locator(".jp-DirListing-content")).to_be_visible(timeout=60_000)


def file_item(page: Page, name: str) -> Locator:
    return page.locator(".jp-DirListing-item").filter(
        has=page.locator(".jp-DirListing-itemText", has_text=re.compile(f"^{re.escape(name)}$")))


def menu_item(page: Page, label: str) -> Locator:
    return page.locator(".lm-Menu-item:visible").filter(
        has=page.locator(".lm-Menu-itemLabel", has_text=re.compile(f"^{re.escape(label)}$")))


def open_create_form(page: Page, notebook: str) -> Locator:
    """The file browser's context menu "Create Notebook Job" on `notebook`; returns the form."""
    item = file_item(page, notebook)
    expect(item).to_be_visible()
    item.click(button="right")
    menu_item(page, "Create Notebook Job").click()
    form = page.locator("form.jp-create-job-form")
    expect(form).to_be_visible()
    return form


def open_additional_options(page: Page) -> Locator:
    page.get_by_text("Additional options", exact=True).click()
    options = page.locator("[data-testid=nbj-advanced-options][data-view=create]")
    expect(options).to_be_visible()
    return options


def fill_job_name(page: Page, name: str) -> None:
    # Once the environments are there (the output formats shown): their arrival resets the model.
    expect(page.locator("form.jp-create-job-form").get_by_role("checkbox", name="Notebook", exact=True)).to_be_visible()
    field = page.locator("#jp-create-job-jobName")
    field.fill(name)
    expect(field).to_have_value(name)


def check_output_format(page: Page, label: str) -> None:
    # The checkboxes appear once the environments (from the service) are loaded.
    box = page.locator("form.jp-create-job-form").get_by_role("checkbox", name=label, exact=True)
    box.check()
    expect(box).to_be_checked()


def submit(page: Page) -> None:
    button = page.get_by_role("button", name="Create", exact=True)
    expect(button).to_be_enabled()
    button.click()


def reload_until(page: Page, target: Locator, within: float, what: str) -> None:
    """Clicks the list's Reload button until `target` is visible; fails after `within` seconds."""
    deadline = time.monotonic() + within
    while True:
        try:
            target.first.wait_for(state="visible", timeout=2_000)
            return
        except PlaywrightTimeout:
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"not seen within {within:.0f} s: {what}")
        page.get_by_role("button", name="Reload", exact=True).click()


def job_row(page: Page, job_name: str) -> Locator:
    return page.locator("tr").filter(has=page.get_by_text(job_name, exact=True))


FINAL = ("Completed", "Failed", "Stopped")


def wait_for_status(page: Page, job_name: str, status: str, within: float = 180) -> Locator:
    """Reloads until the job shows `status` or a final one, then checks it is `status` (a job that
    failed is reported at once, not after the timeout)."""
    row = job_row(page, job_name)
    shown = re.compile("^(" + "|".join(map(re.escape, {status, *FINAL})) + ")$")
    reload_until(page, row.filter(has=page.get_by_text(shown)), within,
                 f"job {job_name!r} {status} in the Notebook Jobs list")
    expect(row.get_by_text(shown)).to_have_text(status)
    return row


# The service's output formats, as the form labels them (GET /scheduler/runtime_environments).
FORMATS = ("Notebook", "HTML", "Markdown", "Script", "LaTeX", "PDF")


def choose_output_formats(page: Page, wanted: set[str]) -> None:
    """Checks exactly the output formats labelled `wanted` (the stock form starts with all of them;
    PDF needs a LaTeX engine the test executor does not have)."""
    form = page.locator("form.jp-create-job-form")
    expect(form.get_by_role("checkbox", name="Notebook", exact=True)).to_be_visible()
    for label in FORMATS:
        box = form.get_by_role("checkbox", name=label, exact=True)
        if label in wanted:
            box.check()
        else:
            box.uncheck()
        expect(box).to_be_checked(checked=label in wanted)


def download_button(row: Locator) -> Locator:
    """The list's icon button 'Download output files for "<name>"'."""
    return row.locator('button[aria-label="download"]')


def output_link(row: Locator, extension: str) -> Locator:
    """The link the stock list shows for a downloaded output file ("Open output file \"<name>\"")."""
    return row.locator(f'a[title^="Open output file"][title$="{extension}\\""]')


def choose_schedule(page: Page, cron: str) -> None:
    page.get_by_label("Run on a schedule").check()
    page.locator("#jp-create-job-createType-definition-interval").click()
    page.get_by_role("option", name="Custom schedule").click()
    field = page.get_by_label("cron expression")
    field.fill(cron)
    expect(field).to_have_value(cron)


def definition_row(page: Page, name: str) -> Locator:
    return page.locator("tr").filter(has=page.get_by_text(name, exact=True))


def pause_definition(page: Page, row: Locator, name: str) -> None:
    row.locator(f'button[title="Pause \\"{name}\\""]').click()
    reload_until(page, row.filter(has=page.get_by_text("Paused", exact=True)), 30,
                 f"definition {name!r} Paused in the list")


def profile_labels(page: Page) -> list[str]:
    select = page.locator("#nbj-profile")
    expect(select).to_be_visible()
    return [t.strip() for t in select.locator("option").all_inner_texts()]


def open_jobs_list(page: Page) -> None:
    """The "Notebook Jobs" panel, from the launcher."""
    page.locator(".jp-LauncherCard", has_text="Notebook Jobs").first.click()
    expect(page.get_by_role("button", name="Reload", exact=True)).to_be_visible()


def add_parameter(page: Page, name: str, value: str) -> None:
    """The stock form's Parameters section: its add button, then the new row's name and value."""
    form = page.locator("form.jp-create-job-form")
    index = form.locator("input[name$='-name'][name^='parameter-']").count()
    form.get_by_role("button", name="Add new parameter").click()
    name_field = form.locator(f"input[name='parameter-{index}-name']")
    value_field = form.locator(f"input[name='parameter-{index}-value']")
    name_field.fill(name)
    value_field.fill(value)
    # The stock form validates a parameter on blur (its add button flags the new row as empty, and
    # Create stays disabled until the flag is cleared).
    value_field.blur()
    expect(name_field).to_have_value(name)
    expect(value_field).to_have_value(value)
    expect(form.get_by_text(re.compile("^No (name|value) specified for this parameter"))).to_have_count(0)


def open_log(page: Page) -> Locator:
    """From a job's detail view: the "Open log" button of our options, the panel it opens."""
    page.locator("[data-testid=nbj-open-log]").click()
    panel = page.locator("[data-testid=nbj-log-panel]")
    expect(panel).to_be_visible()
    return panel
