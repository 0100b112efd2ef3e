"""Rate limits: how many messages one member, or one channel, may have analysed per window.

A sliding window per key (a member, a channel). Past the limit a key is told once per
window to slow down, then ignored quietly until the window has room again, so a flood is
never echoed. Memory stays bounded: keys with nothing in the window are dropped.
"""

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum

PRUNE_EVERY = 1024


class Verdict(Enum):
    """What a rate limit says of one more event."""

    ALLOW = "allow"
    WARN = "warn"  # over the limit: say so, this once
    QUIET = "quiet"  # over the limit and already told


@dataclass
class SlidingWindow:
    """At most `limit` events per `window` seconds per key; `limit` 0 turns it off."""

    limit: int
    window: float
    clock: Callable[[], float]
    _events: dict[str, deque[float]] = field(default_factory=dict)
    _warned: dict[str, float] = field(default_factory=dict)
    _seen: int = 0

    def check(self, key: str) -> Verdict:
        """Count one event for `key` if there is room for it."""
        if self.limit <= 0:
            return Verdict.ALLOW
        now = self.clock()
        self._prune(now)
        events = self._events.setdefault(key, deque())
        while events and events[0] <= now - self.window:
            events.popleft()
        if len(events) < self.limit:
            events.append(now)
            return Verdict.ALLOW
        if self._warned.get(key, float("-inf")) > now - self.window:
            return Verdict.QUIET
        self._warned[key] = now
        return Verdict.WARN

    def _prune(self, now: float) -> None:
        self._seen += 1
        if self._seen % PRUNE_EVERY:
            return
        horizon = now - self.window
        self._events = {k: e for k, e in self._events.items() if e and e[-1] > horizon}
        self._warned = {k: t for k, t in self._warned.items() if t > horizon}


@dataclass
class RateLimits:
    """The per-member and per-channel limits, checked together."""

    member: SlidingWindow
    channel: SlidingWindow

    @classmethod
    def per_minute(cls, member: int, channel: int, clock: Callable[[], float]) -> "RateLimits":
        """Limits of `member` and `channel` messages a minute."""
        return cls(SlidingWindow(member, 60.0, clock), SlidingWindow(channel, 60.0, clock))

    def check(self, platform: str, workspace: str, channel: str, member: str) -> Verdict:
        """The verdict on one more message by `member` in `channel`: the member's limit
        first, so one member's flood never uses up the channel's room."""
        by_member = self.member.check(f"{platform}:{workspace}:{member}")
        if by_member is not Verdict.ALLOW:
            return by_member
        return self.channel.check(f"{platform}:{workspace}:{channel}")
