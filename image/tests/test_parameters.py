"""Parameter injection: jupyter-scheduler's three placement rules and value semantics, checked
in the executed notebook the executor uploads (and, for the values, by the kernel itself)."""

from __future__ import annotations

import json

import pytest

from conftest import cell_text, notebook
from notebook_executor import parameters

PROBE = "print(repr(region), repr(limit), repr(ratio), repr(verbose), repr(missing), repr(items))"
PARAMS = {"region": "'eu'", "limit": 5, "ratio": 0.25, "verbose": True, "missing": None, "items": "[1, 2] * 2"}
INJECTED_SOURCE = "region = 'eu'\nlimit = 5\nratio = 0.25\nverbose = True\nmissing = None\nitems = [1, 2] * 2"


def _tags(cell) -> list:
    return list(cell.metadata.get("tags", []))


def test_values_are_python_expressions_and_json_scalars(job):
    job.stage_notebook(
        notebook(
            {"source": "region = 'us'\nlimit = 1\nratio = 1.0\nverbose = False\nmissing = 0\nitems = []", "tags": ["parameters"]},
            PROBE,
        )
    )
    result = job.run(NBJ_PARAMETERS=json.dumps(PARAMS))

    assert result.returncode == 0, result.describe()
    executed = job.executed_notebook()
    assert len(executed.cells) == 3
    assert executed.cells[1].source == INJECTED_SOURCE
    assert _tags(executed.cells[1]) == ["injected-parameters"]
    assert cell_text(executed.cells[2]) == "'eu' 5 0.25 True None [1, 2, 1, 2]\n"


def test_existing_injected_parameters_cell_is_replaced(job):
    job.stage_notebook(
        notebook(
            "print('first')",
            {"source": "region = 'us'", "tags": ["parameters"]},
            "print('between')",
            {"source": "region = 'stale'\nlimit = -1", "tags": ["injected-parameters"]},
            "print(region, limit)",
        )
    )
    result = job.run(NBJ_PARAMETERS=json.dumps({"region": "'eu'", "limit": 7}))

    assert result.returncode == 0, result.describe()
    executed = job.executed_notebook()
    assert [cell.source for cell in executed.cells] == [
        "print('first')",
        "region = 'us'",
        "print('between')",
        "region = 'eu'\nlimit = 7",
        "print(region, limit)",
    ]
    assert _tags(executed.cells[3]) == ["injected-parameters"]
    assert cell_text(executed.cells[4]) == "eu 7\n"


def test_injected_cell_goes_right_after_the_parameters_cell(job):
    job.stage_notebook(
        notebook(
            ("md", "# Title"),
            "import math",
            {"source": "region = 'us'", "tags": ["parameters"]},
            "print(region)",
        )
    )
    result = job.run(NBJ_PARAMETERS=json.dumps({"region": "'eu'"}))

    assert result.returncode == 0, result.describe()
    executed = job.executed_notebook()
    assert [_tags(cell) for cell in executed.cells] == [[], [], ["parameters"], ["injected-parameters"], []]
    assert executed.cells[3].source == "region = 'eu'"
    assert cell_text(executed.cells[4]) == "eu\n"


def test_without_a_parameters_cell_the_injected_cell_goes_on_top(job):
    job.stage_notebook(notebook(("md", "# Title"), "print(region * 2)"))
    result = job.run(NBJ_PARAMETERS=json.dumps({"region": "'eu'"}))

    assert result.returncode == 0, result.describe()
    executed = job.executed_notebook()
    assert _tags(executed.cells[0]) == ["injected-parameters"]
    assert executed.cells[0].source == "region = 'eu'"
    assert executed.cells[1].cell_type == "markdown"
    assert cell_text(executed.cells[2]) == "eueu\n"


def test_invalid_parameter_name_is_a_configuration_error(job):
    job.stage_notebook(notebook("print(1)"))
    result = job.run(NBJ_PARAMETERS=json.dumps({"not valid": 1}))

    assert result.returncode == 2, result.describe()
    assert "is not a Python identifier" in result.message


# Placement rules without a kernel, for the corner cases.


def _nb(*cells):
    return notebook(*cells)


def test_no_parameters_injects_nothing_even_with_a_stale_injected_cell():
    nb = _nb({"source": "a = 1", "tags": ["injected-parameters"]}, "print(a)")
    assert parameters.inject(nb, {}) == "nowhere (no parameters)"
    assert [cell.source for cell in nb.cells] == ["a = 1", "print(a)"]


def test_only_the_first_tagged_cell_counts():
    nb = _nb(
        {"source": "a = 1", "tags": ["parameters"]},
        {"source": "a = 2", "tags": ["parameters"]},
    )
    parameters.inject(nb, {"a": 3})
    assert [cell.source for cell in nb.cells] == ["a = 1", "a = 3", "a = 2"]


@pytest.mark.parametrize(
    "value, literal",
    [("'text'", "'text'"), ("x + 1", "x + 1"), (True, "True"), (False, "False"), (None, "None"), (3, "3"), (2.5, "2.5"), (10**20, "100000000000000000000")],
)
def test_python_literal(value, literal):
    assert parameters.python_literal(value) == literal


def test_old_notebooks_get_no_cell_id():
    nb = _nb("print(1)")
    nb.nbformat_minor = 4
    for cell in nb.cells:
        del cell["id"]
    parameters.inject(nb, {"a": 1})
    assert "id" not in nb.cells[0]
