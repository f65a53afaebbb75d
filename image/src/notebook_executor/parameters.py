"""Parameter injection with jupyter-scheduler's semantics.

One code cell tagged injected-parameters with `name = value` lines; it replaces the first cell
already tagged injected-parameters, else goes right after the first cell tagged parameters,
else at the top of the notebook.
"""

from __future__ import annotations

from nbformat import NotebookNode
from nbformat.v4 import new_code_cell

INJECTED_TAG = "injected-parameters"
PARAMETERS_TAG = "parameters"


def python_literal(value) -> str:
    """Strings are Python expressions written as is; JSON scalars become Python literals."""
    if isinstance(value, str):
        return value
    if value is None:
        return "None"
    if isinstance(value, bool):  # before int: bool is an int
        return "True" if value else "False"
    return repr(value)


def parameters_source(parameters: dict) -> str:
    return "\n".join(f"{name} = {python_literal(value)}" for name, value in parameters.items())


def first_tagged(nb: NotebookNode, tag: str) -> int:
    for index, cell in enumerate(nb.cells):
        if tag in (cell.get("metadata", {}).get("tags") or ()):
            return index
    return -1


def inject(nb: NotebookNode, parameters: dict) -> str:
    """Injects in place; returns where the cell went (for the log)."""
    if not parameters:
        return "nowhere (no parameters)"
    cell = new_code_cell(source=parameters_source(parameters))
    cell.metadata["tags"] = [INJECTED_TAG]
    if nb.get("nbformat_minor", 0) < 5:
        del cell["id"]  # cell ids only exist from nbformat 4.5 on

    injected = first_tagged(nb, INJECTED_TAG)
    if injected >= 0:
        nb.cells[injected] = cell
        return f"in place of the existing {INJECTED_TAG} cell {injected + 1}"
    parameters_cell = first_tagged(nb, PARAMETERS_TAG)
    if parameters_cell >= 0:
        nb.cells.insert(parameters_cell + 1, cell)
        return f"after the {PARAMETERS_TAG} cell {parameters_cell + 1}"
    nb.cells.insert(0, cell)
    return "at the top"
