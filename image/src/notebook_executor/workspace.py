"""The work volume: where everything the run writes lives.

The root file system is read-only and the UID may be arbitrary (no passwd entry, no usable
home directory), so HOME, IPython's and Jupyter's directories all move under NBJ_WORK_DIR.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import MutableMapping

from .errors import ConfigError

# IPython keeps its history in SQLite, which breaks or corrupts on read-only and network file
# systems; a batch run has no use for it. Kernels read this from IPYTHONDIR's default profile.
IPYTHON_CONFIG = """\
# Written by notebook-executor: no history database for batch runs.
c.HistoryManager.enabled = False
c.HistoryAccessor.enabled = False
# The kernel only talks to the executor over loopback inside the pod; its start-up warning
# about unencrypted TCP would otherwise open every job log.
c.IPKernelApp.log_level = "ERROR"
"""

# The executor's storage access stays with the executor: every AWS_ variable (static keys, and
# the pointers to other credentials: IRSA's AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE, EKS
# Pod Identity's AWS_CONTAINER_*, profiles and config files) and the S3 settings. They give
# access to every job's files in the bucket. User variables can never use these prefixes (the
# service rejects them), so nothing the user asked for is lost.
EXECUTOR_ONLY_PREFIXES = ("AWS_", "NBJ_S3_")


@dataclass(frozen=True)
class Workspace:
    root: str
    home: str
    input_dir: str
    output_dir: str
    ipython_dir: str

    @classmethod
    def under(cls, work_dir: str) -> "Workspace":
        return cls(
            root=work_dir,
            home=os.path.join(work_dir, "home"),
            input_dir=os.path.join(work_dir, "input"),
            output_dir=os.path.join(work_dir, "output"),
            ipython_dir=os.path.join(work_dir, "home", ".ipython"),
        )

    def create(self) -> None:
        try:
            for path in (self.home, self.input_dir, self.output_dir):
                os.makedirs(path, exist_ok=True)
            profile = os.path.join(self.ipython_dir, "profile_default")
            os.makedirs(profile, exist_ok=True)
            for name in ("ipython_config.py", "ipython_kernel_config.py"):
                with open(os.path.join(profile, name), "w", encoding="utf-8") as config_file:
                    config_file.write(IPYTHON_CONFIG)
        except OSError as error:
            raise ConfigError(f"The work directory is not writable ({error.strerror}).") from None

    def apply_to(self, environ: MutableMapping[str, str]) -> None:
        """Point every per-user directory of Python, IPython and Jupyter into the work volume."""
        environ["HOME"] = self.home
        environ["IPYTHONDIR"] = self.ipython_dir
        environ["JUPYTER_CONFIG_DIR"] = os.path.join(self.home, ".jupyter")
        environ["JUPYTER_DATA_DIR"] = os.path.join(self.home, ".local", "share", "jupyter")
        environ["JUPYTER_RUNTIME_DIR"] = os.path.join(self.home, ".local", "share", "jupyter", "runtime")
        environ["JUPYTER_PLATFORM_DIRS"] = "1"
        environ["XDG_CACHE_HOME"] = os.path.join(self.home, ".cache")
        environ["XDG_CONFIG_HOME"] = os.path.join(self.home, ".config")
        environ["XDG_DATA_HOME"] = os.path.join(self.home, ".local", "share")
        # Importing modules from the input folder must not leave __pycache__ side-effect files.
        environ["PYTHONDONTWRITEBYTECODE"] = "1"
        environ["MPLCONFIGDIR"] = os.path.join(self.home, ".config", "matplotlib")


def kernel_environment(environ: MutableMapping[str, str]) -> dict[str, str]:
    """The environment the notebook's kernel starts with: ours minus the storage access."""
    return {name: value for name, value in environ.items() if not _executor_only(name)}


def _executor_only(name: str) -> bool:
    # Upper-cased: botocore reads only upper-case names, but a variant must not slip through.
    return name.upper().startswith(EXECUTOR_ONLY_PREFIXES)
