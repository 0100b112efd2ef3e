"""Issue 16: many workspaces through Bolt's OAuth flow, against the local Slack: installs,
a reply in each workspace with its own token, an uninstall that forgets one workspace while
the other keeps working, a rotated token refreshed before use, and refusals (a forged state,
a code used twice) on a clear page."""

import asyncio
import re
from pathlib import Path

import pytest
from aiohttp import ClientSession

from bot import Store
from tests.conftest import SEEDS
from tests.fakes.article_server import ArticleServer
from tests.fakes.bot_process import free_port, log_tail, start_bot
from tests.fakes.slack import EventSender, FakeSlack, message_event

SECRET = "oauth-signing-secret"
COOKIE = "slack-app-oauth-state"


@pytest.fixture
async def world(tmp_path: Path):
    """The bot process with SLACK_CLIENT_ID and SLACK_CLIENT_SECRET (no bot token) in HTTP
    mode."""
    async with FakeSlack() as slack, ArticleServer() as articles:
        articles.add_page("/a", (SEEDS / "001_city_budget.html").read_bytes(), "text/html")
        port = free_port()
        settings = {
            "SLACK_CLIENT_ID": "111.222",
            "SLACK_CLIENT_SECRET": "client-secret",
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": slack.base + "/api/",
            "SOURCECHECK_PORT": str(port),
            "SOURCECHECK_WORKERS": "0",  # the real `sourcecheck run` process, as deployed
        }
        async with start_bot(tmp_path, settings), ClientSession() as browser:
            base = f"http://127.0.0.1:{port}"
            for _ in range(300):
                try:
                    async with browser.get(base + "/healthz"):
                        break
                except OSError:
                    await asyncio.sleep(0.1)
            else:
                raise AssertionError(log_tail(tmp_path))
            yield slack, articles, browser, base, EventSender(base + "/slack/events", SECRET)


async def install(browser: ClientSession, base: str, code: str) -> tuple[int, str]:
    """A workspace admin's browser: open the install page, approve, come back with `code`."""
    async with browser.get(base + "/slack/install") as page:
        assert page.status == 200
        state = re.search(r"state=([\w-]+)", await page.text()).group(1)
    return await come_back(browser, base, code, state)


async def come_back(browser: ClientSession, base: str, code: str, state: str) -> tuple[int, str]:
    """Slack sends the browser to the redirect URL with a code and the state."""
    url = f"{base}/slack/oauth_redirect?code={code}&state={state}"
    async with browser.get(url, headers={"Cookie": f"{COOKIE}={state}"}) as page:
        return page.status, await page.text()


def posts_by_token(slack: FakeSlack) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for call in slack.called("chat.postMessage"):
        token = call.headers.get("Authorization", "").removeprefix("Bearer ")
        found.setdefault(token, []).append(call.body.get("thread_ts"))
    return found


async def test_two_workspaces_each_answered_with_its_own_token(world, tmp_path: Path) -> None:
    slack, articles, browser, base, sender = world
    for team in ("TA", "TB"):
        status, page = await install(browser, base, slack.install_code(team))
        assert status == 200 and "sourcecheck is installed" in page
    link = articles.url("/a")
    for team, ts in (("TA", "1.1"), ("TB", "2.1")):
        assert await sender.send(message_event(f"<{link}>", ts), team=team) == 200
    await slack.wait_for("chat.postMessage", 2)
    tokens = {slack.tokens[token]: threads for token, threads in posts_by_token(slack).items()}
    assert tokens == {"TA": ["1.1"], "TB": ["2.1"]}

    assert await sender.send({"type": "app_uninstalled"}, team="TA") == 200
    await asyncio.sleep(1.0)
    assert await sender.send(message_event(f"<{link}>", "1.2"), team="TA") == 200
    assert await sender.send(message_event(f"<{link}>", "2.2"), team="TB") == 200
    await slack.wait_for("chat.postMessage", 3)
    await asyncio.sleep(1.0)
    tokens = {slack.tokens[token]: threads for token, threads in posts_by_token(slack).items()}
    assert tokens == {"TA": ["1.1"], "TB": ["2.1", "2.2"]}  # TA forgotten, TB answered
    store = Store.open(f"sqlite:///{tmp_path / 'bot.db'}")
    assert store.reply_to("slack", "TA", "C1", "1.1") is None  # its data went with it
    assert store.reply_to("slack", "TB", "C1", "2.1") is not None


async def test_a_rotating_token_is_refreshed_before_use(world) -> None:
    slack, articles, browser, base, sender = world
    status, _ = await install(browser, base, slack.install_code("TR", rotating=True))
    assert status == 200
    (first,) = [t for t, team in slack.tokens.items() if team == "TR"]
    assert await sender.send(message_event(f"<{articles.url('/a')}>", "3.1"), team="TR") == 200
    (post,) = await slack.wait_for("chat.postMessage")
    used = post.headers["Authorization"].removeprefix("Bearer ")
    assert used != first and slack.tokens[used] == "TR"  # expired within the hour: refreshed
    refreshes = [c for c in slack.called("oauth.v2.access") if "refresh_token" in c.body]
    assert refreshes and refreshes[0].at < post.at


async def test_a_forged_state_and_a_replayed_code_get_a_clear_page(world) -> None:
    slack, _, browser, base, _ = world
    status, page = await come_back(browser, base, slack.install_code("TX"), "forged-state")
    assert status >= 400 and "did not complete" in page and "Add to Slack" in page
    code = slack.install_code("TY")
    assert (await install(browser, base, code))[0] == 200
    status, page = await install(browser, base, code)  # the same code again
    assert status >= 400 and "did not complete" in page


async def test_an_org_wide_install_is_refused_with_a_clear_page(world) -> None:
    slack, _, browser, base, _ = world
    status, page = await install(browser, base, slack.install_code("TO", org_wide=True))
    assert status == 400 and "org-wide (Enterprise Grid) installs are not supported" in page
