"""The real bot process (`sourcecheck run`) in Slack HTTP mode against the local Slack."""

import asyncio
import os
import socket
import sys
from pathlib import Path

import pytest
from aiohttp import ClientSession

from tests.conftest import SEEDS
from tests.fakes.article_server import ArticleServer
from tests.fakes.slack import BOT_USER, EventSender, FakeSlack, block_kit_error, message_event

SOURCECHECK = Path(sys.executable).with_name("sourcecheck")
SECRET = "test-signing-secret"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
async def world(tmp_path: Path):
    async with FakeSlack() as slack, ArticleServer() as articles:
        articles.add_page("/a", (SEEDS / "001_city_budget.html").read_bytes(), "text/html")
        port = free_port()
        env = os.environ | {
            "SLACK_BOT_TOKEN": "xoxb-test",
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": slack.base + "/api/",
            "SOURCECHECK_PORT": str(port),
            "SOURCECHECK_HOST": "127.0.0.1",
            "SOURCECHECK_FETCH_ALLOW": "127.0.0.1",
            "SOURCECHECK_DB_URL": f"sqlite:///{tmp_path / 'bot.db'}",
            "SOURCECHECK_LOG_LEVEL": "INFO",
        }
        env.pop("SLACK_APP_TOKEN", None)
        log = (tmp_path / "bot.log").open("wb")
        process = await asyncio.create_subprocess_exec(
            str(SOURCECHECK), "run", env=env, cwd=tmp_path, stdout=log, stderr=log
        )
        base = f"http://127.0.0.1:{port}"
        await _wait_healthy(base, process, tmp_path / "bot.log")
        try:
            yield slack, articles, EventSender(base + "/slack/events", SECRET)
        finally:
            process.terminate()
            await asyncio.wait_for(process.wait(), timeout=30)
            log.close()


async def _wait_healthy(base: str, process, log: Path) -> None:
    async with ClientSession() as session:
        for _ in range(300):
            if process.returncode is not None:
                raise AssertionError(log.read_text()[-2000:])
            try:
                async with session.get(base + "/healthz") as response:
                    if response.status == 200:
                        return
            except OSError:
                pass
            await asyncio.sleep(0.1)
    raise AssertionError("the bot did not start")


async def test_a_link_gets_exactly_one_threaded_reply(world) -> None:
    slack, articles, sender = world
    link = articles.url("/a")
    assert await sender.send(message_event(f"look <{link}|this>", "100.1")) == 200
    (post,) = await slack.wait_for("chat.postMessage")
    body = post.body
    assert body["channel"] == "C1" and body["thread_ts"] == "100.1"
    assert body["unfurl_links"] is False and body["unfurl_media"] is False
    assert block_kit_error(body) is None
    blocks = str(body["blocks"])
    assert "Summary" in blocks and "Critics say" in blocks
    await asyncio.sleep(1.0)
    assert len(slack.called("chat.postMessage")) == 1


async def test_retries_mention_pairs_and_unfurl_edits_give_one_reply(world) -> None:
    slack, articles, sender = world
    text = f"<@{BOT_USER}> check <{articles.url('/a')}>"
    await sender.send(message_event(text, "200.1"), event_id="EvA")
    await sender.send(message_event(text, "200.1"), event_id="EvA", retry=1)
    await sender.send({**message_event(text, "200.1"), "type": "app_mention"}, event_id="EvB")
    changed = {
        "type": "message",
        "subtype": "message_changed",
        "channel": "C1",
        "ts": "200.2",
        "message": message_event(text, "200.1"),
    }
    await sender.send(changed, event_id="EvC")
    await slack.wait_for("chat.postMessage")
    await asyncio.sleep(2.0)
    assert len(slack.called("chat.postMessage")) == 1


async def test_bad_signatures_and_stale_timestamps_are_refused(world) -> None:
    slack, articles, sender = world
    event = message_event(f"<{articles.url('/a')}>", "300.1")
    assert await sender.send(event, secret="wrong") == 401
    stale = int(sender.clock()) - 6 * 60
    assert await sender.send(event, timestamp=stale) == 401
    await asyncio.sleep(1.5)
    assert slack.called("chat.postMessage") == []


async def test_a_rate_limited_post_arrives_after_the_wait(world) -> None:
    slack, articles, sender = world
    slack.faults["chat.postMessage"].append(
        (429, {"Retry-After": "1"}, {"ok": False, "error": "ratelimited"})
    )
    await sender.send(message_event(f"<{articles.url('/a')}>", "400.1"))
    first, second = await slack.wait_for("chat.postMessage", 2)
    assert second.at - first.at >= 0.9
    assert second.body["thread_ts"] == "400.1"
