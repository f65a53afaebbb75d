"""Keeping the executor's own secrets away from the notebook it runs.

The kernel runs under the executor's UID (the pod is non-root with every capability dropped, so
the executor cannot switch users). Under the same UID, Linux lets one process read another's
/proc/<pid>/environ and /proc/<pid>/mem, which would hand the notebook the S3 credentials the
executor started with: cleaning os.environ changes nothing in /proc/<pid>/environ, which shows
the environment as it was at exec. A process that is not "dumpable" is exempt: reading those
files (and ptrace, process_vm_readv) then needs CAP_SYS_PTRACE, which the pod does not have.
The flag is per address space: the kernel, started by fork and exec, gets a fresh one and is
dumpable again, which is what it needs (nothing secret in it) and what lets it run normally.
"""

from __future__ import annotations

import ctypes
import logging
import sys

log = logging.getLogger(__name__)

# From <linux/prctl.h>.
PR_GET_DUMPABLE = 3
PR_SET_DUMPABLE = 4


def _prctl(option: int, argument: int = 0) -> int:
    # prctl is variadic: the unused arguments are passed as unsigned longs explicitly, since
    # ctypes would pass ints, whose upper bits the kernel then reads as garbage (EINVAL).
    libc = ctypes.CDLL(None, use_errno=True)
    unused = ctypes.c_ulong(0)
    return libc.prctl(ctypes.c_int(option), ctypes.c_ulong(argument), unused, unused, unused)


def make_undumpable() -> bool:
    """Turns the dumpable flag off for this process; True when Linux confirms it is off."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        if _prctl(PR_SET_DUMPABLE, 0) != 0:
            return False
        return _prctl(PR_GET_DUMPABLE) == 0
    except (OSError, AttributeError):  # no libc to load, or one without prctl
        return False


# What the static-keys Secret puts into the executor's environment.
STATIC_KEYS = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")


def forget_static_keys(environ) -> None:
    """Removes the static keys from our environment once the S3 client holds them.

    Every program the executor starts inherits its environment, and those programs (pandoc and
    xelatex during the export) are dumpable: a process the notebook left running could read
    them in /proc/<pid>/environ. (Our own /proc/<pid>/environ still shows them, as it shows the
    environment at exec; being non-dumpable protects that one.)
    """
    for name in STATIC_KEYS:
        environ.pop(name, None)
