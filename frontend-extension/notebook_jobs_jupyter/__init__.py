"""notebook-jobs-jupyter: the JupyterLab side of Notebook Jobs.

A Jupyter server extension that answers the stock scheduler UI's `{base_url}scheduler/...` API by
forwarding it to the Notebook Jobs service (see handlers.py), and the labextension built from
`src/` (the create form's resource fields), shipped prebuilt in the wheel.
"""

from __future__ import annotations

from .client import ServiceClient
from .config import NotebookJobsBridge
from .handlers import setup_handlers

__version__ = "0.1.0"
__all__ = ["NotebookJobsBridge", "__version__"]

# The labextension's folder name under share/jupyter/labextensions (pyproject.toml's shared-data).
LABEXTENSION_NAME = "notebook-jobs-jupyter"


def _jupyter_labextension_paths():
    return [{"src": "labextension", "dest": LABEXTENSION_NAME}]


def _jupyter_server_extension_points():
    return [{"module": "notebook_jobs_jupyter"}]


def _load_jupyter_server_extension(serverapp):
    bridge = NotebookJobsBridge(parent=serverapp)
    setup_handlers(serverapp.web_app, ServiceClient(bridge), serverapp.root_dir)
    serverapp.log.info(
        "Notebook Jobs bridge: %sscheduler/ -> %s/scheduler/ (identity: %s)",
        serverapp.web_app.settings["base_url"],
        bridge.service_url,
        bridge.identity(),
    )
