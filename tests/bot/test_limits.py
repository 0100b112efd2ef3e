"""The rate limits on their own: a sliding window per key, told once, memory bounded."""

from bot.limits import PRUNE_EVERY, RateLimits, SlidingWindow, Verdict


def test_a_key_over_its_limit_is_warned_once_per_window() -> None:
    now = [0.0]
    window = SlidingWindow(limit=2, window=60.0, clock=lambda: now[0])
    verdicts = [window.check("a") for _ in range(4)]
    assert verdicts == [Verdict.ALLOW, Verdict.ALLOW, Verdict.WARN, Verdict.QUIET]
    assert window.check("b") is Verdict.ALLOW
    now[0] = 60.5
    assert [window.check("a") for _ in range(3)] == [Verdict.ALLOW, Verdict.ALLOW, Verdict.WARN]


def test_a_limit_of_zero_is_no_limit() -> None:
    window = SlidingWindow(limit=0, window=60.0, clock=lambda: 0.0)
    assert {window.check("a") for _ in range(100)} == {Verdict.ALLOW}


def test_keys_with_nothing_in_the_window_are_forgotten() -> None:
    now = [0.0]
    window = SlidingWindow(limit=1, window=60.0, clock=lambda: now[0])
    for number in range(PRUNE_EVERY - 1):
        window.check(f"member{number}")
    now[0] = 61.0
    window.check("late")
    assert len(window._events) <= 1


def test_one_members_flood_leaves_the_channel_room() -> None:
    limits = RateLimits.per_minute(member=1, channel=2, clock=lambda: 0.0)
    assert limits.check("slack", "T", "C", "flood") is Verdict.ALLOW
    assert limits.check("slack", "T", "C", "flood") is Verdict.WARN
    assert limits.check("slack", "T", "C", "flood") is Verdict.QUIET
    assert limits.check("slack", "T", "C", "calm") is Verdict.ALLOW
    assert limits.check("slack", "T", "C", "third") is Verdict.WARN
