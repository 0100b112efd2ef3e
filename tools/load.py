"""`make load`: the real bot (`sourcecheck run`, Slack HTTP mode) under a burst of links.

The local Slack of the tests answers a share of Web API calls with 429 (Retry-After 1) or
500; articles are served on 127.0.0.1. Messages go to the bot as signed Events API
callbacks spread over the run, each from one of many members in one of many channels, each
article linked by several messages in a row (a link going round); an event not acked within
3 s (or refused) is sent again with `X-Slack-Retry-Num`, as Slack does. With `--kill`, the
bot is killed with SIGKILL halfway through the burst and started again on the same database.

Scaled out (`--replicas N`, `--queue`): N bot processes in Slack HTTP mode share one
PostgreSQL database (a fresh schema on the local server unless `--db-url` says otherwise),
and with `--queue` their analyses run on `--workers M` `sourcecheck worker` processes over
the local Redis. Each message goes first to one replica and, when not acked, to the next;
with `--retry-to-other` its retry goes to another replica even when the first acked it, as a
load balancer may send Slack's retries. With `--kill`, one replica and one worker are killed
with SIGKILL halfway and not restarted: the others must answer everything.

A hostile share of the messages (`--hostile`, 10% by default) carries, in turn: a poison
link (an invalid international name, redirects to `javascript:` or to port 99999, a 404, a
PDF, garbage bytes, a gzip bomb), chat and page markup (`<!channel>`, `<@U…>`, disguised
links, in the message and in the article), or a run-on page of 150,000 characters.

Reports: acks (first attempt within 3 s, every message acked in the end), replies per
message (exactly one), duplicates, lost, markup that reached a reply live, whether a process
stopped on its own, throughput, p50/p95 from first send to reply, peak RSS of each process
with its children (sampled), and the last bot's own event-loop lag p99 from `/metrics`.
Exits 1 when a message got no reply or more than one, markup leaked, or a process stopped
on its own.
"""

import argparse
import asyncio
import contextlib
import itertools
import os
import random
import signal
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from html import escape
from pathlib import Path

from aiohttp import ClientError, ClientSession, web
from sqlalchemy import create_engine, text

from tests.fakes.article_server import ArticleServer, gzip_bomb
from tests.fakes.bot_process import bot_process, free_port
from tests.fakes.slack import EventSender, FakeSlack, message_event
from tools.bench import load_articles

SECRET = "load-signing-secret"
POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
REDIS = "redis://127.0.0.1:6379/9"
ACK_WITHIN = 3.0
RETRY_AFTER = 1.0
RETRIES = 30
RUN_ON_PAGES = 3
RUN_ON_CHARACTERS = 150_000
MARKUP = "<!channel> <!here> <@U0ADMIN> <!subteam^S1> <https://evil.example|slack.com/security>"
POISON = (
    "http://xn--zz/",
    "/poison/js",
    "/poison/port",
    "/poison/404",
    "/poison/pdf",
    "/poison/garbage",
    "/poison/bomb",
)
HOSTILE_KINDS = ("poison", "markup", "run-on")


@dataclass
class Message:
    """One link message and what happened to it."""

    index: int
    channel: str
    user: str
    ts: str
    link: str
    kind: str = "article"
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


async def send(senders: list[EventSender], message: Message, retry_to_other: bool) -> None:
    """Deliver one event as Slack does: again and again until it is acked within 3 s, each
    attempt at the next replica; with `retry_to_other`, once more to another replica after
    the ack, as a retry routed elsewhere."""
    message.first_sent = time.monotonic()
    text = f"have a look <{message.link}>"
    if message.kind == "markup":
        text = f"{MARKUP} {text}"
    event = message_event(text, message.ts, channel=message.channel, user=message.user)
    first = message.index % len(senders)
    for attempt in range(RETRIES + 1):
        message.attempts += 1
        started = time.monotonic()
        sender = senders[(first + attempt) % len(senders)]
        status = await _post(sender, event, f"Ev{message.index}", attempt)
        if status == 200:
            message.acked_at = time.monotonic()
            message.ack_seconds.append(message.acked_at - started)
            break
        message.refused += 1
        await asyncio.sleep(RETRY_AFTER)
    if retry_to_other and message.acked_at is not None and len(senders) > 1:
        other = senders[(first + message.attempts) % len(senders)]
        await _post(other, event, f"Ev{message.index}", message.attempts)


async def _post(sender: EventSender, event: dict, event_id: str, retry: int) -> int:
    """One attempt; its HTTP status, 0 when it failed or took longer than 3 s."""
    try:
        return await sender.send(event, event_id=event_id, retry=retry, timeout=ACK_WITHIN)
    except (ClientError, TimeoutError, OSError):
        return 0


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


class UnderLoad:
    """One process (`sourcecheck run` or `sourcecheck worker`) on the shared database:
    started, killed, started again; its peak RSS (with its children) sampled while it runs."""

    def __init__(
        self,
        folder: Path,
        settings: dict[str, str],
        stack: contextlib.AsyncExitStack,
        command: str = "run",
    ) -> None:
        self.folder = folder
        self.settings = settings
        self.stack = stack
        self.command = command
        self.process: asyncio.subprocess.Process | None = None
        self.runs = 0
        self.killed = False
        self.peak_rss = 0
        self._sampler = asyncio.create_task(self._sample())

    async def start(self) -> None:
        """Start a new run (its log in its own folder)."""
        self.runs += 1
        run_folder = self.folder / f"{self.command}{self.runs}"
        run_folder.mkdir(parents=True)
        process = bot_process(run_folder, self.settings, self.command)
        self.process = await self.stack.enter_async_context(process)
        self.killed = False

    async def kill(self) -> None:
        """SIGKILL, as an out-of-memory killer or a power cut would."""
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGKILL)
        await self.process.wait()
        self.killed = True

    @property
    def stopped_on_its_own(self) -> bool:
        """Whether the process ended without being killed."""
        return self.process is not None and self.process.returncode is not None and not self.killed

    def stop(self) -> None:
        """Stop sampling."""
        self._sampler.cancel()

    async def _sample(self) -> None:
        while True:
            if self.process is not None and self.process.returncode is None:
                with contextlib.suppress(OSError):
                    self.peak_rss = max(self.peak_rss, process_tree_rss(self.process.pid))
            await asyncio.sleep(0.2)


@dataclass
class Cluster:
    """The bot replicas (each with its port) and the queue workers of one load run."""

    replicas: list[tuple[UnderLoad, int]]
    workers: list[UnderLoad]

    @property
    def processes(self) -> list[tuple[str, UnderLoad]]:
        """Every process, named."""
        named = [(f"bot {i + 1}", bot) for i, (bot, _) in enumerate(self.replicas)]
        return named + [(f"worker {i + 1}", w) for i, w in enumerate(self.workers)]

    async def kill(self) -> None:
        """One replica alone: kill -9 and start it again on the same database. Scaled out:
        kill -9 the first replica and the first worker, for good."""
        first, _ = self.replicas[0]
        await first.kill()
        if len(self.replicas) == 1:
            await first.start()
            return
        if self.workers:
            await self.workers[0].kill()


def plan(args: argparse.Namespace, server: ArticleServer, articles: int) -> list[Message]:
    """The messages: spread over the channels and members, each article linked by several
    in a row; every n-th message hostile, its kind in turn."""
    every = round(1 / args.hostile) if args.hostile > 0 else 0
    kinds = itertools.cycle(HOSTILE_KINDS)
    poisons = itertools.cycle(POISON)
    run_ons = itertools.cycle(range(RUN_ON_PAGES))
    messages = []
    for i in range(args.messages):
        kind = next(kinds) if every and i % every == every // 2 else "article"
        path = f"/article/{i * articles // args.messages}"
        if kind == "poison":
            path = next(poisons)
        elif kind == "markup":
            path = f"/markup/{i % RUN_ON_PAGES}"
        elif kind == "run-on":
            path = f"/run-on/{next(run_ons)}"
        messages.append(
            Message(
                index=i,
                channel=f"C{i % args.channels:03d}",
                user=f"U{i % args.members:04d}",
                ts=f"{1_700_000_000 + i}.{i:06d}",
                link=path if path.startswith("http") else server.url(path),
                kind=kind,
            )
        )
    return messages


def serve_hostile_pages(server: ArticleServer, texts: list[str], seed: int) -> None:
    """The poison, markup and run-on pages of the hostile mix."""
    server.add_handler("/poison/js", _redirect("javascript:x"))
    server.add_handler("/poison/port", _redirect("http://127.0.0.1:99999/"))
    server.add_page("/poison/pdf", b"%PDF-1.7\n" + bytes(4096), "application/pdf")
    garbage = random.Random(seed).randbytes(200_000)
    server.add_page("/poison/garbage", garbage, "text/html")
    server.add_page("/poison/bomb", gzip_bomb(1 << 28), "text/html", **{"Content-Encoding": "gzip"})
    for number in range(RUN_ON_PAGES):
        marked = [f"{MARKUP} {paragraph}" for paragraph in texts[number].split("\n\n")]
        server.add_page(f"/markup/{number}", article_page("\n\n".join(marked)), "text/html")
        run_on = "\n\n".join(texts[number:]) * (RUN_ON_CHARACTERS // 1000)
        server.add_page(
            f"/run-on/{number}", run_on[:RUN_ON_CHARACTERS].encode(), "text/plain; charset=utf-8"
        )


def _redirect(location: str):
    async def handler(request) -> web.Response:
        return web.Response(status=302, headers={"Location": location})

    return handler


async def burst(
    senders: list[EventSender],
    messages: list[Message],
    args: argparse.Namespace,
    cluster: Cluster,
    slack: FakeSlack,
) -> tuple[float, int] | None:
    """Send every message on schedule (each until acked); with `--kill`, kill after half of
    them. When the kill came, and how many acked messages were unanswered then."""
    started = time.monotonic()
    gap = args.seconds / len(messages)
    kill_after = args.messages // 2 if args.kill else None
    sends, kill = [], None
    for message in messages:
        await asyncio.sleep(max(0.0, started + message.index * gap - time.monotonic()))
        sends.append(asyncio.create_task(send(senders, message, args.retry_to_other)))
        if message.index == kill_after:
            await cluster.kill()
            answered = _replies(slack)
            unanswered = sum(m.acked_at is not None and m.ts not in answered for m in messages)
            kill = (time.monotonic() - started, unanswered)
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
        serve_hostile_pages(server, texts, args.seed)
        common = {
            "SOURCECHECK_DB_URL": _database(args, folder, stack),
            "SOURCECHECK_WORKERS": str(args.workers),
            "SOURCECHECK_LOG_LEVEL": "WARNING",
            "SOURCECHECK_RUN_TIMEOUT": str(args.run_timeout),
            "SOURCECHECK_ANALYSIS_TIME_LIMIT": str(args.time_limit),
        }
        workers: list[UnderLoad] = []
        if args.queue:
            common |= {
                "SOURCECHECK_QUEUE_URL": args.queue_url,
                "SOURCECHECK_QUEUE_NAME": f"sourcecheck-load-{uuid.uuid4().hex[:8]}",
            }
            settings = common | {"SOURCECHECK_WORKERS": "1"}
            for number in range(args.workers):
                worker = UnderLoad(folder / f"w{number}", settings, stack, "worker")
                workers.append(worker)
        replicas = []
        for number in range(args.replicas):
            port = free_port()
            settings = slack.http_mode(port, SECRET) | common
            replicas.append((UnderLoad(folder / f"r{number}", settings, stack), port))
        cluster = Cluster(replicas, workers)
        for _, process in cluster.processes:
            await process.start()
        for _, port in replicas:
            await wait_healthy(port)
        messages = plan(args, server, len(texts))
        senders = [
            EventSender(f"http://127.0.0.1:{port}/slack/events", SECRET) for _, port in replicas
        ]
        kill = await burst(senders, messages, args, cluster, slack)
        replies = await _wait_for_replies(slack, messages, args.drain)
        lag = await loop_lag(replicas[-1][1])
        for _, process in cluster.processes:
            process.stop()
        stopped = [name for name, process in cluster.processes if process.stopped_on_its_own]
        return report(args, messages, replies, cluster, lag, kill, slack, stopped)


def _database(args: argparse.Namespace, folder: Path, stack: contextlib.AsyncExitStack) -> str:
    """The run's database: `--db-url`; one replica alone, a SQLite file; scaled out, a fresh
    schema on the local PostgreSQL, dropped at the end."""
    if args.db_url:
        return args.db_url
    if args.replicas == 1:
        return f"sqlite:///{folder / 'bot.db'}"
    schema = f"sc_load_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES)
    with admin.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))

    def drop() -> None:
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()

    stack.callback(drop)
    return f"{POSTGRES}?options=-csearch_path%3D{schema}"


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


def _live_markup(slack: FakeSlack) -> int:
    """Replies whose text or mrkdwn could ping, mention or link (any `<` or `>` at all)."""
    leaks = 0
    for call in slack.called("chat.postMessage") + slack.called("chat.postEphemeral"):
        texts = [call.body.get("text") or "", *_mrkdwn(call.body.get("blocks"))]
        leaks += any("<" in text or ">" in text for text in texts)
    return leaks


def _mrkdwn(node: object) -> list[str]:
    if isinstance(node, dict):
        own = [node.get("text", "")] if node.get("type") == "mrkdwn" else []
        return own + [text for value in node.values() for text in _mrkdwn(value)]
    if isinstance(node, list):
        return [text for item in node for text in _mrkdwn(item)]
    return []


def _ack_delay(message: Message) -> float:
    """Seconds from the first send to the ack (infinite if never acked)."""
    return message.acked_at - message.first_sent if message.acked_at else float("inf")


def report(
    args: argparse.Namespace,
    messages: list[Message],
    replies: dict[str, list[float]],
    cluster: Cluster,
    lag: dict[str, float],
    kill: tuple[float, int] | None,
    slack: FakeSlack,
    stopped: list[str],
) -> int:
    """Print the figures; 0 when every message got exactly one reply, no markup leaked and
    no process stopped on its own."""
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
    shape = (
        f"{args.replicas} bot(s), {args.workers} queue worker(s)"
        if args.queue
        else f"{args.replicas} bot(s), {args.workers} worker process(es) each"
    )
    print(
        f"messages {len(messages)} over {args.seconds:g} s, {args.articles} articles, "
        f"{args.channels} channels, fault rate {args.fault_rate:.0%}, {shape}"
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
    notices = [c.body.get("text", "") for c in slack.called("chat.postEphemeral")]
    busy = sum("busy" in text for text in notices)
    print(f"ephemeral notices: busy {busy}, slow down {len(notices) - busy}")
    hostile = [m for m in messages if m.kind != "article"]
    answered = sum(1 for m in hostile if len(replies.get(m.ts, [])) == 1)
    by_kind = ", ".join(f"{k} {sum(m.kind == k for m in hostile)}" for k in HOSTILE_KINDS)
    leaks = _live_markup(slack)
    print(
        f"hostile messages: {len(hostile)} ({by_kind}), answered once: {answered}; "
        f"replies with live markup: {leaks}; stopped on their own: {', '.join(stopped) or 'none'}"
    )
    if latencies:
        p95 = latencies[min(len(latencies) - 1, int(0.95 * len(latencies)))]
        span = max(r[0] for r in replies.values()) - min(m.first_sent for m in messages)
        print(
            f"event to reply: p50 {statistics.median(latencies):.2f} s, p95 {p95:.2f} s, "
            f"max {latencies[-1]:.2f} s; throughput {len(latencies) / span:.1f} replies/s"
        )
    rss = ", ".join(f"{name} {p.peak_rss / 2**20:.0f} MB" for name, p in cluster.processes)
    print(f"peak RSS per process, with its children (sampled): {rss}")
    print(
        "loop lag (last minute): p99 "
        f"{lag.get('sourcecheck_loop_lag_p99_seconds', float('nan')) * 1000:.1f} ms, max "
        f"{lag.get('sourcecheck_loop_lag_max_seconds', float('nan')) * 1000:.1f} ms"
    )
    ok = one == len(messages) and duplicates == 0 and lost == 0 and acked == len(messages)
    ok = ok and leaks == 0 and not stopped
    print("OK" if ok else "FAILED")
    return 0 if ok else 1


def build_parser() -> argparse.ArgumentParser:
    """The options of `make load`."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=Path("../shared"))
    parser.add_argument("--messages", type=int, default=500)
    parser.add_argument("--articles", type=int, default=50)
    parser.add_argument("--channels", type=int, default=50)
    parser.add_argument("--members", type=int, default=100)
    parser.add_argument("--hostile", type=float, default=0.10, help="share of hostile messages")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--fault-rate", type=float, default=0.10)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--page-delay", type=float, default=0.5, help="seconds a page takes")
    parser.add_argument("--drain", type=float, default=240.0, help="seconds to wait for replies")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--kill", action="store_true", help="kill -9 a bot (and a worker) halfway")
    parser.add_argument("--replicas", type=int, default=1, help="bot processes, one database")
    parser.add_argument(
        "--queue", action="store_true", help="analyses on the queue: --workers M queue workers"
    )
    parser.add_argument("--retry-to-other", action="store_true", help="every retry elsewhere")
    parser.add_argument("--db-url", default="", help="default: SQLite, or PostgreSQL scaled out")
    parser.add_argument("--queue-url", default=REDIS)
    parser.add_argument("--run-timeout", type=float, default=10.0, help="SOURCECHECK_RUN_TIMEOUT")
    parser.add_argument("--time-limit", type=float, default=30.0)
    return parser


def main() -> None:
    """Parse arguments and run."""
    sys.exit(asyncio.run(run(build_parser().parse_args())))


if __name__ == "__main__":
    main()
