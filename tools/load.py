"""`make load`: the real bot (`sourcecheck run`, Slack HTTP mode) under a burst of links.

The local Slack of the tests answers a share of Web API calls with 429 (Retry-After 1) or
500; articles are served on 127.0.0.1. Messages go to the bot as signed Events API
callbacks spread over the run, each in one of many channels, each article linked by
several messages in a row (a link going round); an event not acked within 3 s
(or refused) is sent again with `X-Slack-Retry-Num`, as Slack does. With `--kill`, the bot
is killed with SIGKILL halfway through the burst and started again on the same database.

Reports: acks (first attempt within 3 s, every message acked in the end), replies per
message (exactly one), duplicates, lost, p50/p95 from first send to reply, peak RSS of the
bot's processes (sampled), and the bot's own event-loop lag p99 from `/metrics`. Exits 1
when a message got no reply or more than one.
"""

import argparse
import asyncio
import contextlib
import os
import signal
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from html import escape
from pathlib import Path

from aiohttp import ClientError, ClientSession

from tests.fakes.article_server import ArticleServer
from tests.fakes.bot_process import bot_process, free_port
from tests.fakes.slack import EventSender, FakeSlack, message_event
from tools.bench import load_articles

SECRET = "load-signing-secret"
ACK_WITHIN = 3.0
RETRY_AFTER = 1.0
RETRIES = 30


@dataclass
class Message:
    """One link message and what happened to it."""

    index: int
    channel: str
    ts: str
    link: str
    first_sent: float = 0.0
    attempts: int = 0
    acked_at: float | None = None
    ack_seconds: list[float] = field(default_factory=list)
    refused: int = 0


def article_page(text: str) -> bytes:
    """An article text as a plain HTML page."""
    title, *paragraphs = [p.strip() for p in text.split("\n") if p.strip()]
    body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    return (
        f"<html><head><title>{escape(title)}</title></head><body><article><h1>{escape(title)}"
        f"</h1>{body}</article></body></html>"
    ).encode()


def process_tree_rss(pid: int) -> int:
    """Resident bytes of a process and all its descendants (Linux /proc)."""
    total, stack = 0, [pid]
    while stack:
        current = stack.pop()
        with contextlib.suppress(OSError):
            status = Path(f"/proc/{current}/status").read_text()
            total += next(
                int(line.split()[1]) * 1024
                for line in status.splitlines()
                if line.startswith("VmRSS:")
            )
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
            stack += [int(child) for child in children]
    return total


async def send(sender: EventSender, message: Message) -> None:
    """Deliver one event as Slack does: again and again until it is acked within 3 s."""
    message.first_sent = time.monotonic()
    event = message_event(f"have a look <{message.link}>", message.ts, channel=message.channel)
    for attempt in range(RETRIES + 1):
        message.attempts += 1
        started = time.monotonic()
        try:
            status = await sender.send(
                event, event_id=f"Ev{message.index}", retry=attempt, timeout=ACK_WITHIN
            )
        except (ClientError, TimeoutError, OSError):
            status = 0
        if status == 200:
            message.acked_at = time.monotonic()
            message.ack_seconds.append(message.acked_at - started)
            return
        message.refused += 1
        await asyncio.sleep(RETRY_AFTER)


async def wait_healthy(port: int, timeout: float = 120) -> None:
    """Until the bot's `/healthz` answers 200."""
    deadline = time.monotonic() + timeout
    async with ClientSession() as session:
        while time.monotonic() < deadline:
            with contextlib.suppress(ClientError, OSError):
                async with session.get(f"http://127.0.0.1:{port}/healthz") as response:
                    if response.status == 200:
                        return
            await asyncio.sleep(0.1)
    raise SystemExit("the bot did not become healthy")


async def loop_lag(port: int) -> dict[str, float]:
    """The bot's own loop-lag figures from `/metrics`."""
    async with (
        ClientSession() as session,
        session.get(f"http://127.0.0.1:{port}/metrics") as response,
    ):
        text = await response.text()
    values = {}
    for line in text.splitlines():
        if line.startswith("sourcecheck_loop_lag_") and "{" not in line:
            name, value = line.rsplit(" ", 1)
            values[name] = float(value)
    return values


class BotUnderLoad:
    """`sourcecheck run` on one database: started, killed, started again; its peak RSS
    (the process and its workers) sampled while it runs."""

    def __init__(
        self, folder: Path, settings: dict[str, str], stack: contextlib.AsyncExitStack
    ) -> None:
        self.folder = folder
        self.settings = settings
        self.stack = stack
        self.process: asyncio.subprocess.Process | None = None
        self.runs = 0
        self.peak_rss = 0
        self._sampler = asyncio.create_task(self._sample())

    async def start(self) -> None:
        """Start a new run (its log in its own folder)."""
        self.runs += 1
        run_folder = self.folder / f"run{self.runs}"
        run_folder.mkdir()
        self.process = await self.stack.enter_async_context(bot_process(run_folder, self.settings))

    async def kill(self) -> None:
        """SIGKILL, as an out-of-memory killer or a power cut would."""
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGKILL)
        await self.process.wait()

    def stop(self) -> None:
        """Stop sampling."""
        self._sampler.cancel()

    async def _sample(self) -> None:
        while True:
            if self.process is not None:
                self.peak_rss = max(self.peak_rss, process_tree_rss(self.process.pid))
            await asyncio.sleep(0.2)


def plan(args: argparse.Namespace, server: ArticleServer, articles: int) -> list[Message]:
    """The messages: spread over the channels, each article linked by several in a row."""
    return [
        Message(
            index=i,
            channel=f"C{i % args.channels:03d}",
            ts=f"{1_700_000_000 + i}.{i:06d}",
            link=server.url(f"/article/{i * articles // args.messages}"),
        )
        for i in range(args.messages)
    ]


async def burst(
    sender: EventSender,
    messages: list[Message],
    seconds: float,
    bot: BotUnderLoad,
    slack: FakeSlack,
    kill_after: int | None,
) -> tuple[float, int] | None:
    """Send every message on schedule (each until acked); kill -9 and restart the bot after
    message `kill_after`. When it was killed, and how many acked messages were unanswered."""
    started = time.monotonic()
    gap = seconds / len(messages)
    sends, kill = [], None
    for message in messages:
        await asyncio.sleep(max(0.0, started + message.index * gap - time.monotonic()))
        sends.append(asyncio.create_task(send(sender, message)))
        if message.index == kill_after:
            await bot.kill()
            answered = _replies(slack)
            unanswered = sum(m.acked_at is not None and m.ts not in answered for m in messages)
            kill = (time.monotonic() - started, unanswered)
            await bot.start()
    await asyncio.gather(*sends)
    return kill


async def run(args: argparse.Namespace) -> int:
    """The whole load run; the exit status."""
    texts = load_articles(args.shared, args.articles)
    folder = Path(tempfile.mkdtemp(prefix="sourcecheck-load-"))
    async with (
        FakeSlack(fault_rate=args.fault_rate, seed=args.seed) as slack,
        ArticleServer() as server,
        contextlib.AsyncExitStack() as stack,
    ):
        for number, text in enumerate(texts):
            page = article_page(text)
            server.add_page(f"/article/{number}", page, "text/html", delay=args.page_delay)
        port = free_port()
        settings = slack.http_mode(port, SECRET) | {
            "SOURCECHECK_DB_URL": f"sqlite:///{folder / 'bot.db'}",
            "SOURCECHECK_WORKERS": str(args.workers),
            "SOURCECHECK_LOG_LEVEL": "WARNING",
        }
        bot = BotUnderLoad(folder, settings, stack)
        await bot.start()
        await wait_healthy(port)
        messages = plan(args, server, len(texts))
        sender = EventSender(f"http://127.0.0.1:{port}/slack/events", SECRET)
        kill_after = args.messages // 2 if args.kill else None
        kill = await burst(sender, messages, args.seconds, bot, slack, kill_after)
        replies = await _wait_for_replies(slack, messages, args.drain)
        lag = await loop_lag(port)
        bot.stop()
        return report(args, messages, replies, bot.peak_rss, lag, kill, slack)


async def _wait_for_replies(
    slack: FakeSlack, messages: list[Message], drain: float
) -> dict[str, list[float]]:
    """Successful posts per message ts (their times), once every message has one or the
    drain time has passed; then a little longer, to catch late duplicates."""
    deadline = time.monotonic() + drain
    while time.monotonic() < deadline:
        replies = _replies(slack)
        if all(m.ts in replies for m in messages):
            break
        await asyncio.sleep(0.5)
    await asyncio.sleep(3.0)
    return _replies(slack)


def _replies(slack: FakeSlack) -> dict[str, list[float]]:
    found: dict[str, list[float]] = {}
    for call in slack.called("chat.postMessage"):
        if call.response.get("ok"):
            found.setdefault(call.body.get("thread_ts"), []).append(call.at)
    return found


def _ack_delay(message: Message) -> float:
    """Seconds from the first send to the ack (infinite if never acked)."""
    return message.acked_at - message.first_sent if message.acked_at else float("inf")


def report(
    args: argparse.Namespace,
    messages: list[Message],
    replies: dict[str, list[float]],
    peak_rss: int,
    lag: dict[str, float],
    kill: tuple[float, int] | None,
    slack: FakeSlack,
) -> int:
    """Print the figures; 0 when every message got exactly one reply."""
    first_try = sum(1 for m in messages if m.attempts == 1 and m.ack_seconds[0] <= ACK_WITHIN)
    acked = sum(1 for m in messages if m.acked_at is not None)
    acks_in_time = sum(1 for m in messages if m.ack_seconds and m.ack_seconds[-1] <= ACK_WITHIN)
    one = sum(1 for m in messages if len(replies.get(m.ts, [])) == 1)
    duplicates = sum(max(0, len(replies.get(m.ts, [])) - 1) for m in messages)
    lost = sum(1 for m in messages if m.ts not in replies)
    latencies = sorted(replies[m.ts][0] - m.first_sent for m in messages if m.ts in replies)
    faults = sum(
        1 for c in slack.calls if c.response.get("error") in ("ratelimited", "internal_error")
    )
    print(
        f"messages {len(messages)} over {args.seconds:g} s, {args.articles} articles, "
        f"{args.channels} channels, fault rate {args.fault_rate:.0%}, workers {args.workers}"
        + (f", kill -9 at {kill[0]:.1f} s with {kill[1]} acked messages unanswered" if kill else "")
    )
    print(f"Web API calls {len(slack.calls)}, answered with 429/500: {faults}")
    print(f"acked on the first attempt within {ACK_WITHIN:g} s: {first_try}/{len(messages)}")
    print(
        f"acked within {ACK_WITHIN:g} s of the first send (re-sends included): "
        f"{sum(1 for m in messages if _ack_delay(m) <= ACK_WITHIN)}/{len(messages)}; "
        f"slowest {max(_ack_delay(m) for m in messages):.2f} s"
    )
    print(
        f"acked in the end: {acked}/{len(messages)}; the acking attempt within {ACK_WITHIN:g} s: "
        f"{acks_in_time}/{len(messages)}; re-sent after a refusal or timeout: "
        f"{sum(m.refused for m in messages)}"
    )
    print(f"replies: exactly one for {one}/{len(messages)}; duplicates {duplicates}; lost {lost}")
    if latencies:
        p95 = latencies[min(len(latencies) - 1, int(0.95 * len(latencies)))]
        print(
            f"event to reply: p50 {statistics.median(latencies):.2f} s, p95 {p95:.2f} s, "
            f"max {latencies[-1]:.2f} s"
        )
    print(f"peak RSS (bot and its workers, sampled): {peak_rss / 2**20:.0f} MB")
    print(
        "loop lag (last minute): p99 "
        f"{lag.get('sourcecheck_loop_lag_p99_seconds', float('nan')) * 1000:.1f} ms, max "
        f"{lag.get('sourcecheck_loop_lag_max_seconds', float('nan')) * 1000:.1f} ms"
    )
    ok = one == len(messages) and duplicates == 0 and lost == 0 and acked == len(messages)
    print("OK" if ok else "FAILED")
    return 0 if ok else 1


def main() -> None:
    """Parse arguments and run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=Path("../shared"))
    parser.add_argument("--messages", type=int, default=500)
    parser.add_argument("--articles", type=int, default=50)
    parser.add_argument("--channels", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--fault-rate", type=float, default=0.10)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--page-delay", type=float, default=0.5, help="seconds a page takes")
    parser.add_argument("--drain", type=float, default=240.0, help="seconds to wait for replies")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--kill", action="store_true", help="kill -9 the bot halfway")
    sys.exit(asyncio.run(run(parser.parse_args())))


if __name__ == "__main__":
    main()
