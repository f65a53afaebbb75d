"""Errors the bridge answers itself, in the contract's body: {"message": ..., "reason": null}."""

from __future__ import annotations


class BridgeError(Exception):
    """A request the bridge refuses (4xx) or cannot carry to the service (502, 504)."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def bad_request(field: str, rule: str) -> BridgeError:
    """A 400 naming the field and the rule it broke, like the service's own messages."""
    return BridgeError(400, f"{field}: {rule}")
