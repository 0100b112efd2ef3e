"""Whether each chat adapter is connected, for `/healthz`."""

from collections.abc import Callable
from enum import StrEnum


class Status(StrEnum):
    """An adapter's connection state."""

    CONNECTING = "connecting"
    CONNECTED = "connected"
    DISCONNECTED = "disconnected"


class Health:
    """Adapters report their state here, as a value or as a probe read on each request."""

    def __init__(self) -> None:
        self._adapters: dict[str, Status | Callable[[], Status]] = {}

    def set(self, adapter: str, status: Status | Callable[[], Status]) -> None:
        """Record `adapter`'s state, or a function that tells it."""
        self._adapters[adapter] = status

    def states(self) -> dict[str, Status]:
        """Each adapter's state now."""
        return {k: v() if callable(v) else v for k, v in self._adapters.items()}

    def to_json(self) -> dict[str, object]:
        """`{"ok": every adapter connected, "adapters": {name: state}}`."""
        states = self.states()
        ok = bool(states) and all(s is Status.CONNECTED for s in states.values())
        return {"ok": ok, "adapters": {k: str(v) for k, v in states.items()}}
