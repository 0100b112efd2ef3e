"""Slack payload decoding and Block Kit limits, without a server."""

import json
import logging
import shlex
import sys

from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.logs import KeyValueFormatter
from adapters.slack import SlackAdapter
from adapters.slack.events import decode_text, incoming, rich_text_links
from adapters.slack.render import home_view, reply_blocks
from analysis import AnalysisOptions, Sensitivity, load_text, report_article
from bot import ChannelSettings, Home, Outcome, Reply, ReplyKind, Settings
from bot.store import AuditEntry
from tests.fakes.slack import block_kit_error


def test_slack_link_syntax_and_entities_are_decoded() -> None:
    text = "read <https://a.example/x?a=1&amp;b=2|this story> and <@U1> &lt;3"
    assert decode_text(text) == "read <https://a.example/x?a=1&b=2> and <@U1> <3"


def test_rich_text_link_elements_are_read() -> None:
    blocks = [
        {
            "type": "rich_text",
            "elements": [
                {
                    "type": "rich_text_section",
                    "elements": [
                        {"type": "text", "text": "see "},
                        {"type": "link", "url": "https://b.example/y", "text": "here"},
                    ],
                },
            ],
        },
    ]
    assert rich_text_links(blocks) == ("https://b.example/y",)


def test_only_plain_messages_broadcasts_and_file_shares_count() -> None:
    base = {"type": "message", "user": "U1", "text": "x", "ts": "1.1", "channel": "C1"}
    keep = [base, base | {"subtype": "thread_broadcast"}, base | {"subtype": "file_share"}]
    drop = [
        base | {"subtype": "message_changed"},
        base | {"subtype": "bot_message"},
        base | {"bot_id": "B1"},
        base | {"user": "UBOT"},
    ]
    for event in keep:
        assert incoming(event, team="T", bot_user="UBOT", event_id="E") is not None
    for event in drop:
        assert incoming(event, team="T", bot_user="UBOT", event_id="E") is None


def test_a_huge_report_stays_within_slack_limits() -> None:
    sentences = " ".join(
        f"The agency paid ${n},000 to contractor {n} for work that every expert doubted."
        for n in range(1, 120)
    )
    report = report_article(load_text(f"Headline {'x' * 300}\n\n{sentences}"), AnalysisOptions())
    reply = Reply(
        kind=ReplyKind.ANALYSIS, text="t" * 50_000, outcomes=(Outcome("u", report=report),) * 6
    )
    text, blocks = reply_blocks(reply)
    assert block_kit_error({"text": text, "blocks": blocks}) is None
    assert blocks[-1]["type"] == "actions"


def test_item_6_bolt_never_logs_below_warning() -> None:
    """Issue 12, item 6: Bolt logged every badly signed request's body at INFO."""
    adapter = SlackAdapter(None, Settings(slack_bot_token="xoxb-t", slack_signing_secret="s"))
    loggers = [adapter.app.logger]
    loggers += [m.logger for m in adapter.app._async_middleware_list if hasattr(m, "logger")]
    assert len(loggers) > 1
    assert all(logger.getEffectiveLevel() >= logging.WARNING for logger in loggers)


def test_item_6_a_log_line_stays_one_line() -> None:
    try:
        raise ValueError("multi\nline")
    except ValueError:
        failure = sys.exc_info()
    record = logging.LogRecord("x", logging.WARNING, "", 0, "bad\nINFO forged line", None, failure)
    record.body = 'a\r\nb "quoted" c=d'
    line = KeyValueFormatter().format(record)
    assert "\n" not in line and "\r" not in line
    fields = dict(pair.split("=", 1) for pair in shlex.split(line))
    assert list(fields)[:4] == ["time", "level", "logger", "event"]
    assert fields["level"] == "WARNING" and fields["time"].endswith("Z")
    assert fields["event"] == "bad\\nINFO forged line"
    assert fields["body"] == 'a\\r\\nb "quoted" c=d'
    assert fields["exc"].startswith("Traceback") and "ValueError: multi" in fields["exc"]


def test_item_14_links_in_code_blocks_are_not_taken_from_rich_text() -> None:
    """Issue 12, item 14: the README says links in code are left alone; so they are."""
    blocks = [
        {
            "type": "rich_text",
            "elements": [
                {
                    "type": "rich_text_preformatted",
                    "elements": [{"type": "link", "url": "https://code.example/block"}],
                },
                {
                    "type": "rich_text_section",
                    "elements": [
                        {
                            "type": "link",
                            "url": "https://code.example/inline",
                            "style": {"code": True},
                        },
                        {"type": "link", "url": "https://news.example/story"},
                    ],
                },
            ],
        }
    ]
    assert rich_text_links(blocks) == ("https://news.example/story",)


CHANNEL_IDS = st.text(alphabet="CGD0123456789<>&@!", min_size=1, max_size=12)
SETTINGS = st.builds(
    ChannelSettings,
    enabled=st.booleans(),
    mode=st.sampled_from(["auto", "mention", "quiet"]),
    sensitivity=st.sampled_from([None, *Sensitivity]),
    muted_until=st.sampled_from([None, 0.0, 2e9]),
)
RULES = st.sampled_from(["deny", "always"])
COUNT = st.integers(0, 10**6)
ENTRIES = st.builds(
    AuditEntry,
    at=st.floats(0, 2e9),
    channel=CHANNEL_IDS,
    actor=st.text(max_size=40),
    action=st.sampled_from(["mode", "domains", "dismiss"]),
    detail=st.text(max_size=300),
)


@settings(max_examples=60, deadline=None)
@given(
    moderator=st.booleans(),
    channels=st.dictionaries(CHANNEL_IDS, SETTINGS, max_size=400),
    rules=st.dictionaries(
        st.text(min_size=1, max_size=250), st.sampled_from(["deny", "always"]), max_size=300
    ),
    audit=st.lists(ENTRIES, max_size=20),
    days=st.lists(
        st.tuples(st.integers(0, 10**6), st.integers(0, 10**6)), min_size=30, max_size=30
    ),
)
def test_the_home_tab_is_within_block_kit_limits_for_any_workspace(
    moderator, channels, rules, audit, days
) -> None:
    """Issue 16: any number of channels, rules and audit rows: at most 100 blocks, each one
    as Slack accepts it, nothing live from the data (no `<` or `>` but our channel links)."""
    days = [(max(a, b), min(a, b)) for a, b in days]
    home = Home(moderator, channels, 1.7e9, rules, audit, days)
    view = home_view(home)
    assert view["type"] == "home" and len(view["blocks"]) <= 100
    assert block_kit_error({"blocks": view["blocks"]}) is None
    text = json.dumps(view, ensure_ascii=False)
    assert ("Audit log" in text) == moderator
    for block in view["blocks"]:
        body = (block.get("text") or {}).get("text", "")
        assert "<!" not in body and "<@" not in body
