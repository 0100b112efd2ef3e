"""A killed bot loses nothing: what it acked and never answered is answered after a restart,
once, and a reply it posted just before dying is not posted again."""

import asyncio
import os
import signal
from pathlib import Path

from adapters.slack import SlackAdapter
from bot import AnalysisPool, Bot, Incoming, InlineRunner, Settings, Store
from tests.conftest import SEEDS
from tests.fakes.article_server import ArticleServer
from tests.fakes.bot_process import bot_process, free_port, log_tail
from tests.fakes.slack import BOT_USER, TEAM, EventSender, FakeSlack, message_event

SECRET = "restart-secret"
PAGE = (SEEDS / "001_city_budget.html").read_bytes()
MESSAGES = 12


async def healthy(process, port: int, folder: Path) -> None:
    for _ in range(600):
        assert process.returncode is None, log_tail(folder)
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.close()
            return
        except OSError:
            await asyncio.sleep(0.1)
    raise AssertionError(log_tail(folder))


async def test_kill_9_after_the_acks_and_every_message_still_gets_one_reply(
    tmp_path: Path,
) -> None:
    async with FakeSlack() as slack, ArticleServer() as articles:
        for number in range(MESSAGES):
            articles.add_page(f"/slow/{number}", PAGE, "text/html", delay=3.0)
        port = free_port()
        database = {"SOURCECHECK_DB_URL": f"sqlite:///{tmp_path / 'bot.db'}"}
        workers = {"SOURCECHECK_WORKERS": "1"}  # end to end, with the worker processes
        settings = slack.http_mode(port, SECRET) | database | workers
        sender = EventSender(f"http://127.0.0.1:{port}/slack/events", SECRET)
        first, second = tmp_path / "first", tmp_path / "second"
        first.mkdir()
        second.mkdir()
        async with bot_process(first, settings) as process:
            await healthy(process, port, first)
            for number in range(MESSAGES):
                link = articles.url(f"/slow/{number}")
                event = message_event(link, f"{500 + number}.1", user=f"U{number}")
                assert await sender.send(event, event_id=f"EvR{number}") == 200
            for _ in range(600):  # until all are claimed and their pages loading
                if len(articles.hits) == MESSAGES:
                    break
                await asyncio.sleep(0.05)
            assert len(articles.hits) == MESSAGES, log_tail(first)
            os.kill(process.pid, signal.SIGKILL)
            await process.wait()
        assert slack.called("chat.postMessage") == []  # the pages were still loading
        async with bot_process(second, settings) as process:
            posts = await slack.wait_for("chat.postMessage", MESSAGES)
            await asyncio.sleep(2.0)
            assert process.returncode is None, log_tail(second)
        threads = sorted(p.body["thread_ts"] for p in slack.called("chat.postMessage"))
        assert threads == sorted(f"{500 + n}.1" for n in range(MESSAGES)), posts


async def test_a_reply_posted_just_before_the_crash_is_recorded_not_posted_again(
    tmp_path: Path,
) -> None:
    async with FakeSlack() as slack, ArticleServer() as articles:
        articles.add_page("/a", PAGE, "text/html")
        settings = Settings(
            fetch_allow=("127.0.0.1",),
            db_url=f"sqlite:///{tmp_path / 'bot.db'}",
            slack_bot_token="xoxb-test",
            slack_signing_secret=SECRET,
            slack_api_url=slack.base + "/api/",
        )
        pool = AnalysisPool(InlineRunner(None), 3, settings.fetch_policy())
        try:
            crashed = Bot(settings, Store.open(settings.db_url), pool)
            posted, unposted = (
                Incoming(
                    platform="slack",
                    workspace=TEAM,
                    channel="C1",
                    message_id=ts,
                    author="U1",
                    text=articles.url("/a"),
                )
                for ts in ("600.1", "600.2")
            )
            for message in (posted, unposted):
                assert await crashed.on_message(message) is not None
            slack.threads[("C1", "600.1")].append(
                {
                    "ts": "601.1",
                    "user": BOT_USER,
                    "metadata": {
                        "event_type": "sourcecheck_reply",
                        "event_payload": {"source": "600.1"},
                    },
                }
            )

            restarted = Bot(settings, Store.open(settings.db_url), pool)
            adapter = SlackAdapter(restarted, settings)
            serving = asyncio.create_task(adapter.serve())
            try:
                (post,) = await slack.wait_for("chat.postMessage")
                await asyncio.sleep(1.0)
            finally:
                serving.cancel()
        finally:
            pool.close()
        assert post.body["thread_ts"] == "600.2" and len(slack.called("chat.postMessage")) == 1
        assert await restarted.unfinished("slack") == []
        assert restarted.store.reply_to("slack", TEAM, "C1", "600.1").reply_id == "601.1"
