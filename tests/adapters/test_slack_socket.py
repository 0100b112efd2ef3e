"""The real bot process in Slack Socket Mode against the local Slack's WebSocket."""

import asyncio
import signal
from pathlib import Path

from tests.conftest import SEEDS
from tests.fakes.article_server import ArticleServer
from tests.fakes.bot_process import free_port, log_tail, start_bot
from tests.fakes.slack import TEAM, FakeSlack, block_kit_error, message_event


def envelope(envelope_id: str, event: dict, event_id: str, retry: int = 0) -> dict:
    return {
        "envelope_id": envelope_id,
        "type": "events_api",
        "accepts_response_payload": False,
        "retry_attempt": retry,
        "retry_reason": "timeout" if retry else "",
        "payload": {
            "team_id": TEAM,
            "api_app_id": "A1",
            "type": "event_callback",
            "event_id": event_id,
            "event_time": 1,
            "event": event,
        },
    }


async def test_socket_mode_answers_once_and_acks_every_envelope(tmp_path: Path) -> None:
    async with FakeSlack() as slack, ArticleServer() as articles:
        articles.add_page("/a", (SEEDS / "001_city_budget.html").read_bytes(), "text/html")
        settings = {
            "SLACK_BOT_TOKEN": "xoxb-test",
            "SLACK_APP_TOKEN": "xapp-test",
            "SLACK_API_URL": slack.base + "/api/",
            "SOURCECHECK_WORKERS": "0",  # a process of its own: SIGTERM ends the socket at once
        }
        articles.add_page(
            "/slow", (SEEDS / "002_health_claims.html").read_bytes(), "text/html", delay=2.0
        )
        async with start_bot(tmp_path, settings) as process:
            try:
                await asyncio.wait_for(slack.connected.wait(), timeout=60)
            except TimeoutError:
                raise AssertionError(log_tail(tmp_path)) from None
            (opened,) = slack.called("apps.connections.open")
            assert opened.headers["Authorization"] == "Bearer xapp-test"
            event = message_event(f"see <{articles.url('/a')}>", "700.1")
            await slack.envelopes.put(envelope("e1", event, "EvS1"))
            await slack.envelopes.put(envelope("e2", event, "EvS1", retry=1))
            (post,) = await slack.wait_for("chat.postMessage")
            assert post.body["thread_ts"] == "700.1" and block_kit_error(post.body) is None
            await asyncio.sleep(1.5)
            assert len(slack.called("chat.postMessage")) == 1
            acked = {a.get("envelope_id") for a in slack.acks}
            assert {"e1", "e2"} <= acked
            # Issue 14: SIGTERM exited 143 with leaked semaphores and no shutdown line. Asked
            # to stop mid-analysis, the bot finishes the reply, then exits 0.
            slow = message_event(f"and <{articles.url('/slow')}>", "700.2")
            await slack.envelopes.put(envelope("e3", slow, "EvS2"))
            while not articles.hits["/slow"]:
                await asyncio.sleep(0.05)
            process.send_signal(signal.SIGTERM)
            assert await asyncio.wait_for(process.wait(), timeout=60) == 0, log_tail(tmp_path)
        posts = slack.called("chat.postMessage")
        assert [p.body["thread_ts"] for p in posts] == ["700.1", "700.2"]
        log = (tmp_path / "bot.log").read_text()
        assert "shutdown.started" in log and "shutdown.done unanswered=0" in log.replace('"', "")
        for noise in ("leaked semaphore", "Traceback", "token will be unused"):
            assert noise not in log, log_tail(tmp_path)


async def test_an_unreachable_slack_api_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    """Issue 14: an unreachable Slack API printed a 60-line traceback before the reason."""
    settings = {
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_APP_TOKEN": "xapp-test",
        "SLACK_API_URL": f"http://127.0.0.1:{free_port()}/api/",
    }
    async with start_bot(tmp_path, settings) as bot:
        await asyncio.wait_for(bot.task, timeout=60)
    assert bot.returncode == 3
    log = (tmp_path / "bot.log").read_text()
    assert 'adapter=slack reason="cannot reach the Slack API at http://127.0.0.1:' in log
    assert "Traceback" not in log
