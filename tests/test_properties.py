"""Property-based tests: link parsing on each platform's syntax, the analysis on arbitrary
text, and the renderers against Slack's and Discord's limits for reports of any size."""

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.discord.events import decode_text as discord_text
from adapters.discord.render import ALL_FLAGS as DISCORD_ALL
from adapters.discord.render import reply_embeds
from adapters.slack.events import decode_text as slack_text
from adapters.slack.render import ALL_FLAGS as SLACK_ALL
from adapters.slack.render import reply_blocks
from analysis import AnalysisError, AnalysisOptions, ErrorCode, Report
from analysis.extract import extract_text
from analysis.pipeline import LoadedArticle, report_article
from analysis.report import Kind, Sentence, Source, SourceKind, Stats, Status
from bot import Outcome, Reply, ReplyKind
from bot.links import TRAILING, find_links, normalise_url
from tests.fakes.discord import embed_error
from tests.fakes.slack import block_kit_error
from tests.report_checks import assert_valid_report

MAX_LINKS = 3
SAFE = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_~"
label = st.text(alphabet=st.characters(exclude_characters="<>|[]()`\n"), max_size=30)
prose = st.text(
    alphabet=st.characters(exclude_characters="<>|[]()`:/", exclude_categories=("Cs",)),
    max_size=40,
)


@st.composite
def urls(draw) -> str:
    """A web link with a host, maybe a port, a path and a query."""
    labels = draw(
        st.lists(
            st.text("abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=12),
            min_size=1,
            max_size=3,
        )
    )
    host = ".".join([*labels, draw(st.sampled_from(["com", "org", "news", "co.uk"]))])
    port = draw(st.one_of(st.just(""), st.integers(1024, 65535).map(lambda p: f":{p}")))
    path = "/".join(draw(st.lists(st.text(SAFE, min_size=1, max_size=10), max_size=4)))
    pairs = draw(
        st.lists(
            st.tuples(st.text(SAFE, min_size=1, max_size=6), st.text(SAFE, max_size=6)), max_size=3
        )
    )
    query = "&".join(f"{k}={v}" for k, v in pairs)
    scheme = draw(st.sampled_from(["http", "https"]))
    return f"{scheme}://{host}{port}/{path}" + (f"?{query}" if query else "")


def slack_forms(url: str, text: str) -> list[str]:
    escaped = url.replace("&", "&amp;")
    return [f"<{escaped}>", f"<{escaped}|{text.replace('&', '&amp;')}>"]


def discord_forms(url: str, text: str) -> list[str]:
    """Wrapped forms keep the whole link; a bare link ending in punctuation loses it."""
    bare = [] if url.endswith(tuple(TRAILING)) else [url, f"||{url}||"]
    return [*bare, f"<{url}>", f"[{text}]({url})", f"||<{url}>||"]


@given(url=urls(), before=prose, after=prose, text=label)
def test_a_slack_link_is_read_in_every_form(url: str, before: str, after: str, text: str) -> None:
    for form in slack_forms(url, text):
        message = f"{before} {form} {after}"
        assert find_links(slack_text(message), MAX_LINKS)[:1] == [normalise_url(url)], message


@given(url=urls(), before=prose, after=prose, text=label)
def test_a_discord_link_is_read_in_every_form(url: str, before: str, after: str, text: str) -> None:
    for form in discord_forms(url, text):
        message = f"{before} {form} {after}"
        assert find_links(discord_text(message), MAX_LINKS)[:1] == [normalise_url(url)], message


@given(url=urls(), text=prose)
def test_links_in_code_are_left_alone(url: str, text: str) -> None:
    for message in (f"`{url}`", f"```\n{text} {url}\n```"):
        assert find_links(discord_text(message), MAX_LINKS) == []
        assert find_links(slack_text(message), MAX_LINKS) == []


@given(st.text(max_size=400))
def test_any_message_gives_at_most_the_cap_of_stable_links(message: str) -> None:
    for decode in (slack_text, discord_text):
        links = find_links(decode(message), MAX_LINKS)
        assert len(links) <= MAX_LINKS and len(set(links)) == len(links)
        assert all(normalise_url(link) == link for link in links)
        assert all(link.startswith(("http://", "https://")) for link in links)


words = st.sampled_from(
    "the council said on Tuesday that $4 million critics say some officials reportedly "
    "according to Reuters he added . , ! ? “ ” \" ' 2024 100% never all The Post Smith".split()
)
article_text = st.one_of(
    st.text(max_size=600),
    st.lists(words, max_size=200).map(" ".join),
    st.lists(st.lists(words, min_size=1, max_size=40).map(" ".join), max_size=6).map("\n\n".join),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(article_text)
def test_the_analysis_of_any_text_is_a_valid_report(text: str) -> None:
    try:
        article = extract_text(text)
    except AnalysisError as error:
        assert error.code is ErrorCode.NOT_AN_ARTICLE  # nothing left once the headline is set apart
        return
    loaded = LoadedArticle(input="-", article=article, timings_ms={})
    report = report_article(loaded, AnalysisOptions())
    assert_valid_report(json.loads(json.dumps(report.to_json())))
    assert Report.from_json(report.to_json()) == report


big_text = st.text(min_size=0, max_size=5000)


@st.composite
def sentences(draw) -> Sentence:
    flagged = draw(st.booleans())
    return Sentence(
        text=draw(big_text),
        start=0,
        end=1,
        paragraph=0,
        kind=Kind.CLAIM,
        status=draw(st.sampled_from([Status.UNSOURCED, Status.VAGUE, Status.SOURCED])),
        flagged=flagged,
        score=0.9,
        sources=tuple(
            Source(name=n, kind=SourceKind.NAMED) for n in draw(st.lists(big_text, max_size=8))
        ),
        reasons=tuple(draw(st.lists(st.text(max_size=2000), max_size=5))),
    )


@st.composite
def reports(draw) -> Report:
    found = tuple(draw(st.lists(sentences(), max_size=80)))
    flagged = sum(s.flagged for s in found)
    return Report(
        input=draw(big_text),
        url=draw(st.one_of(st.none(), urls(), big_text)),
        title=draw(st.one_of(st.none(), st.just(""), big_text)),
        site=draw(st.one_of(st.none(), st.text(max_size=300))),
        summary=tuple(draw(st.lists(big_text, max_size=4))),
        sentences=found,
        stats=Stats(sentences=len(found), claims=len(found), flagged=flagged),
    )


@st.composite
def replies(draw) -> Reply:
    outcomes = draw(
        st.lists(
            st.one_of(
                reports().map(lambda r: Outcome(r.url or "x", report=r)),
                big_text.map(
                    lambda t: Outcome(t, error=AnalysisError(ErrorCode.TIMEOUT, t[:500] or "late"))
                ),
            ),
            min_size=1,
            max_size=3,
        )
    )
    kind = ReplyKind.ANALYSIS if any(o.report for o in outcomes) else ReplyKind.ERROR
    return Reply(kind=kind, text=draw(st.text(max_size=50_000)), outcomes=tuple(outcomes))


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(replies())
def test_no_report_makes_a_slack_message_beyond_slacks_limits(reply: Reply) -> None:
    for shown in (None, SLACK_ALL):
        text, blocks = (
            reply_blocks(reply) if shown is None else reply_blocks(reply, flags_shown=shown)
        )
        assert block_kit_error({"text": text, "blocks": blocks}) is None


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(replies())
def test_no_report_makes_a_discord_message_beyond_discords_limits(reply: Reply) -> None:
    for shown in (None, DISCORD_ALL):
        content, embeds, _ = (
            reply_embeds(reply) if shown is None else reply_embeds(reply, flags_shown=shown)
        )
        assert len(content) <= 2000
        assert embed_error([embed.to_dict() for embed in embeds]) is None


HOSTILE = (
    "<!channel>",
    "<!everyone>",
    "<!here>",
    "<@U0123>",
    "<#C0123>",
    "<!subteam^S0123>",
    "<https://evil.example|slack.com/security>",
    "@everyone",
    "@here",
    "<@123456789>",
    "<@&987>",
    "[slack.com](https://evil.example)",
    "https://evil.example/x",
    "&lt;!channel&gt;",
)
hostile_text = st.lists(st.one_of(st.sampled_from(HOSTILE), st.text(max_size=40)), max_size=8).map(
    " ".join
)


@st.composite
def hostile_replies(draw) -> Reply:
    found = tuple(
        Sentence(
            text=draw(hostile_text),
            start=0,
            end=1,
            paragraph=0,
            kind=Kind.CLAIM,
            status=Status.UNSOURCED,
            flagged=True,
            score=0.9,
            sources=(Source(name=draw(hostile_text), kind=SourceKind.NAMED),),
            reasons=(draw(hostile_text),),
        )
        for _ in range(draw(st.integers(1, 4)))
    )
    report = Report(
        input="x",
        url="https://news.example.org/a",
        title=draw(hostile_text),
        site=None,
        summary=(draw(hostile_text),),
        sentences=found,
        stats=Stats(sentences=len(found), claims=len(found), flagged=len(found)),
    )
    failed = Outcome(draw(hostile_text), error=AnalysisError(ErrorCode.TIMEOUT, draw(hostile_text)))
    return Reply(
        kind=ReplyKind.ANALYSIS,
        text=draw(hostile_text),
        outcomes=(Outcome(report.url, report=report), failed),
    )


def mrkdwn_texts(node) -> list[dict]:
    if isinstance(node, dict):
        found = [node] if node.get("type") == "mrkdwn" else []
        return found + [t for value in node.values() for t in mrkdwn_texts(value)]
    if isinstance(node, list):
        return [t for item in node for t in mrkdwn_texts(item)]
    return []


@settings(max_examples=150, deadline=None)
@given(hostile_replies())
def test_item_2_no_slack_reply_carries_live_mentions_or_links(reply: Reply) -> None:
    text, blocks = reply_blocks(reply)
    assert "<" not in text and ">" not in text
    for element in mrkdwn_texts(blocks):
        assert element.get("verbatim") is True
        assert "<" not in element["text"] and ">" not in element["text"]


@settings(max_examples=150, deadline=None)
@given(hostile_replies())
def test_item_2_no_discord_reply_carries_live_mentions_or_links(reply: Reply) -> None:
    content, embeds, _ = reply_embeds(reply)
    shown = [content]
    for embed in embeds:
        data = embed.to_dict()
        shown += [data.get("title", ""), data.get("description", "")]
        shown += [data.get("footer", {}).get("text", "")]
        shown += [f["name"] + f["value"] for f in data.get("fields", [])]
    for text in shown:
        assert "@everyone" not in text and "@here" not in text
        assert "<@" not in text and "<#" not in text
        assert "](" not in text.replace("\\](", "")
        assert "://" not in text
