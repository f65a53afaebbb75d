"""Failures the executor reports, each tied to an exit code of the contract."""

EXIT_OK = 0
EXIT_CELL_ERROR = 1
EXIT_BAD_INPUT = 2
EXIT_STORAGE = 3
EXIT_TIME_LIMIT = 4
EXIT_FORMAT = 5
# Not in the contract's table: the conventional code for "terminated by SIGTERM".
EXIT_STOPPED = 143


class ExecutorError(Exception):
    """A failure with a message meant for the notebook author and the exit code to use."""

    exit_code = EXIT_CELL_ERROR


class ConfigError(ExecutorError):
    """Missing or malformed environment, or an input that is not a runnable notebook."""

    exit_code = EXIT_BAD_INPUT


class StorageError(ExecutorError):
    """S3 unreachable, access denied, missing input."""

    exit_code = EXIT_STORAGE

