"""The store: migrations, persistence, claims, cache lifetime and retention."""

import multiprocessing
import os
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.exc import OperationalError

from bot.schema import MIGRATIONS, schema_version
from bot.store import DAY, RUN_TIMEOUT, DriverMissing, Policy, ReplyRecord, Store

POSTGRES = os.environ.get(
    "SOURCECHECK_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def test_a_new_database_is_migrated_to_the_latest_version(tmp_path: Path) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'sub' / 'bot.db'}")
    assert store.version == len(MIGRATIONS)
    with store.engine.connect() as connection:
        assert connection.execute(select(schema_version.c.version)).scalar() == len(MIGRATIONS)
    again = Store.open(f"sqlite:///{tmp_path / 'sub' / 'bot.db'}")
    assert again.version == len(MIGRATIONS)


def test_claims_answer_once_and_survive_a_crash(any_store: Store) -> None:
    store = any_store
    assert store.claim("p", ["msg:1", "event:1"], "run-a")
    assert not store.claim("p", ["event:1"], "run-a")
    assert store.claim("p", ["msg:1"], "run-b")  # run-a died before answering
    store.finish("p", ["msg:1"])
    assert not store.claim("p", ["msg:1"], "run-c")
    assert store.claim("p", ["msg:2"], "run-c")
    store.release("p", ["msg:2"])
    assert store.claim("p", ["msg:2"], "run-c")


def test_cached_reports_expire_and_old_records_are_purged(tmp_path: Path) -> None:
    clock = Clock()
    store = Store.open(f"sqlite:///{tmp_path / 'bot.db'}", clock)
    store.cache_report("https://a.example/", "{}")
    store.claim("p", ["msg:1"], "run")
    clock.now += 3600
    assert store.cached_report("https://a.example/", ttl=7200) == "{}"
    assert store.cached_report("https://a.example/", ttl=1800) is None
    clock.now += 31 * DAY
    store.purge(retention_days=30, cache_ttl=DAY)
    assert store.cached_report("https://a.example/", ttl=365 * DAY) is None
    assert store.claim("p", ["msg:1"], "run")


def test_usage_ranks_domains_by_share_of_flagged_claims(tmp_path: Path) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'bot.db'}")
    store.count_analysis("p", "w", "a.example", claims=10, flagged=1, cached=False)
    store.count_analysis("p", "w", "b.example", claims=10, flagged=6, cached=False)
    store.count_analysis("p", "w", "b.example", claims=10, flagged=0, cached=True)
    usage = store.usage("p", "w", days=7)
    assert (usage.analysed, usage.with_flags) == (3, 2)
    assert [d for d, _, _ in usage.top_domains] == ["b.example", "a.example"]


@pytest.fixture(params=["sqlite", "postgresql"])
def any_store(request, tmp_path: Path):
    """A fresh store on SQLite, and on the local PostgreSQL in a schema of its own."""
    if request.param == "sqlite":
        yield Store.open(f"sqlite:///{tmp_path / 'bot.db'}")
        return
    schema = f"sc_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES)
    try:
        with admin.begin() as connection:
            connection.execute(text(f"CREATE SCHEMA {schema}"))
    except OperationalError:
        pytest.skip(f"no PostgreSQL answers at {POSTGRES}")
    store = Store.open(f"{POSTGRES}?options=-csearch_path%3D{schema}")
    yield store
    store.engine.dispose()
    with admin.begin() as connection:
        connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


def test_item_3_long_links_and_hosts_fit_their_columns(any_store: Store) -> None:
    """Issue 12, item 3: PostgreSQL refused a long query string or host name; SQLite did not."""
    first = "https://example.com/a?q=" + "x" * 5000
    second = first + "y"
    any_store.cache_report(first, '{"first": 1}')
    any_store.cache_report(second, '{"second": 2}')
    assert any_store.cached_report(first, 60) == '{"first": 1}'
    assert any_store.cached_report(second, 60) == '{"second": 2}'
    host = ".".join(["a" * 60] * 4) + ".example"
    any_store.count_analysis("p", "W1", host, 3, 1, False)
    assert any_store.usage("p", "W1", 1).analysed == 1


def test_item_1_a_poison_message_is_given_up_after_three_runs(any_store: Store) -> None:
    """Issue 12, item 1: a held message that every run fails on is not retried forever."""
    key = "msg:W1:C1:M1"
    assert any_store.claim("p", [key, "event:E1"], "run-0", '{"held": 1}')
    for run in ("run-1", "run-2", "run-3"):  # each takes it over, and dies
        assert any_store.unfinished("p", run) == ['{"held": 1}']
    assert any_store.unfinished("p", "run-4") == []
    assert not any_store.claim("p", [key], "run-5")


def database_at(tmp_path: Path, version: int, row: str) -> str:
    """The URL of a SQLite database left at schema `version`, holding `row` (an INSERT)."""
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = create_engine(url)
    with engine.begin() as connection:
        schema_version.create(connection)
        connection.execute(schema_version.insert().values(version=version))
        for migration in MIGRATIONS[:version]:
            migration(connection)
        connection.execute(text(row))
    engine.dispose()
    return url


def test_a_version_2_database_is_migrated_keeping_its_held_messages(tmp_path: Path) -> None:
    held = (
        "INSERT INTO pending (platform, key, run, message, at) "
        "VALUES ('p', 'msg:1', 'old-run', '{}', 1.0)"
    )
    store = Store.open(database_at(tmp_path, 2, held))
    assert store.version == len(MIGRATIONS) == 6
    assert store.unfinished("p", "new-run") == ["{}"]


def test_a_version_3_database_keeps_its_replies_which_know_no_report(tmp_path: Path) -> None:
    reply = (
        "INSERT INTO replies (platform, workspace, channel, message_id, reply_id, "
        "thread, author, at) VALUES ('p', 'W', 'C', 'M', 'R', NULL, 'U', 1.0)"
    )
    store = Store.open(database_at(tmp_path, 3, reply))
    assert store.version == 6
    record = store.reply_by_id("p", "W", "C", "R")
    assert record == ReplyRecord("C", "M", "R", None, "U", None, None)
    assert store.reply_to("p", "W", "C", "M") == record
    assert not store.claim("p", ["msg:W:C:M"], "new-run")  # answered before the upgrade


def test_a_delivery_finishes_its_message_and_records_its_reply(any_store: Store) -> None:
    keys = ["msg:W:C:M", "event:E"]
    assert any_store.claim("p", keys, "run", '{"held": 1}')
    record = ReplyRecord("C", "M", "R", "M", "U", "https://a.example/", "high")
    any_store.finish("p", keys, "W", record)
    assert any_store.reply_to("p", "W", "C", "M") == record
    assert any_store.reply_by_id("p", "W", "C", "R") == record
    assert any_store.unfinished("p", "next-run") == []
    assert not any_store.claim("p", ["event:E"], "next-run")
    any_store.forget_reply("p", "W", "C", "M")
    assert any_store.reply_to("p", "W", "C", "M") is None
    assert not any_store.claim("p", keys, "next-run")


def test_the_policy_is_read_in_one_go(any_store: Store) -> None:
    assert any_store.policy("p", "W", "C", "U") == Policy()
    any_store.update_channel("p", "W", "C", mode="mention")
    any_store.set_domain("p", "W", "a.example", "deny")
    any_store.set_domain("p", "W", "b.example", "always")
    any_store.set_domain("p", "OTHER", "c.example", "deny")
    any_store.set_opted_out("p", "W", "U", True)
    policy = any_store.policy("p", "W", "C", "U")
    assert policy.channel.mode == "mention" and policy.opted_out
    assert policy.rules == {"a.example": "deny", "b.example": "always"}
    assert not any_store.policy("p", "W", "C", "V").opted_out


def test_a_database_driver_that_is_not_installed_is_named() -> None:
    """Issue 14: a PostgreSQL URL without psycopg failed with "No module named 'psycopg'"."""
    with pytest.raises(DriverMissing) as missing:
        Store.open("mysql+pymysql://user@127.0.0.1/sourcecheck")
    assert "pymysql driver, which is not installed" in str(missing.value)
    assert "postgres" in str(DriverMissing("postgresql", "psycopg"))


def test_a_live_runs_claims_are_never_taken_over_a_dead_runs_are_once(any_store: Store) -> None:
    """Issue 15: replicas share the database. A claim of a run that beats is left alone (a
    retry at another replica is not answered twice); a dead run's held message is taken by
    exactly one of the replicas that sweep for it."""
    store, clock = any_store, Clock()
    store.clock = clock
    store.beat("run-a")
    store.beat("run-b")
    assert store.claim("p", ["msg:1", "event:1"], "run-a", '{"held": 1}')
    assert not store.claim("p", ["msg:1", "event:2"], "run-b")  # run-a is answering it
    assert store.unfinished("p", "run-b") == []
    clock.now += RUN_TIMEOUT + 1  # run-a stops beating; run-b and run-c beat on
    store.beat("run-b")
    store.beat("run-c")
    assert store.unfinished("p", "run-b") == ['{"held": 1}']
    assert store.unfinished("p", "run-c") == []  # taken once
    assert not store.claim("p", ["msg:1"], "run-c")  # run-b, alive, holds it now
    store.end("run-b")  # a clean stop: what it holds is free at once
    assert store.unfinished("p", "run-c") == ['{"held": 1}']


def test_a_restart_on_the_same_host_takes_over_its_dead_predecessor_at_once(
    any_store: Store,
) -> None:
    store = any_store
    store.beat("old")
    assert store.claim("p", ["msg:1"], "old", '{"held": 1}')
    store.beat("new")
    assert store.unfinished("p", "new") == []  # "old" beat a moment ago
    store.reap("new", alive=lambda pid: False)  # its process is gone
    assert store.unfinished("p", "new") == ['{"held": 1}']


def _race(url: str, run: str, start_at: float) -> tuple[bool, list[str]]:
    """In a process of its own: at `start_at`, claim one message, cache one link and sweep
    for a dead run's held message, as a replica would."""
    store = Store.open(url)
    store.beat(run)
    time.sleep(max(0.0, start_at - time.time()))
    claimed = store.claim("p", ["msg:race", "event:race"], run, '{"race": 1}')
    store.cache_report("https://a.example/race", f'{{"by": "{run}"}}')
    taken = store.unfinished("p", run)
    store.engine.dispose()
    return claimed, taken


@pytest.mark.parametrize("processes", [8])
def test_replicas_racing_in_real_processes_answer_once(any_store: Store, processes) -> None:
    """Issue 15: processes racing on the same message, the same link and the same dead
    run's held message: one claim wins, the cache keeps one report, one sweep takes it."""
    url = any_store.engine.url.render_as_string(hide_password=False)
    any_store.claim("p", ["msg:dead"], "dead-run", '{"dead": 1}')  # a run that never beats
    start_at = time.time() + 3.0
    context = multiprocessing.get_context("spawn")
    with context.Pool(processes) as pool:
        results = pool.starmap(_race, [(url, f"run-{n}", start_at) for n in range(processes)])
    assert sum(claimed for claimed, _ in results) == 1
    assert sorted(t for _, taken in results for t in taken) == ['{"dead": 1}']
    assert any_store.cached_report("https://a.example/race", 60) is not None
