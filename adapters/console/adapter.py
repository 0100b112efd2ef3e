"""A local chat channel on standard input and output.

The operator, who is a moderator, types messages. A line with a link, or a `/sourcecheck`
command, is a message of its own; other lines run together into one message (a pasted
article, blank lines and all) until a line with a link or a command, the end of input, or a
pause in the typing: a chat client sends a paste as one message too. A message is numbered by
its first line. Each run numbers its lines afresh, under an id of its own, so a second run is
answered as the first was. Each reply is printed indented under the message it answers (or,
with `--jsonl`, as one JSON object). Messages are handled in order; at the end of input every
reply has been printed.
"""

import asyncio
import contextlib
import json
import re
import threading
import time
from collections.abc import AsyncIterator
from typing import TextIO

from bot import Bot, Incoming, Reply, ReplyKind, ReplyRecord

PLATFORM = "console"
WORKSPACE = "local"
CHANNEL = "console"
OPERATOR = "operator"
INDENT = "    "
WELCOME = (
    "sourcecheck console: paste a link or an article's text and press Enter.\n"
    "`/sourcecheck help` lists the commands; Ctrl-D quits."
)
# Lines that arrive less than this many seconds apart, none with a link or a command, are
# one message: a paste arrives at once, a typist pauses.
PASTE_PAUSE = 0.3
STANDS_ALONE = re.compile(r"^\s*/sourcecheck\b|https?://", re.IGNORECASE)
HEADLINE = 72

type Arrival = tuple[str | None, float]  # a line (None: end of input) and when it came


async def run_console(bot: Bot, source: TextIO, out: TextIO, *, jsonl: bool) -> int:
    """Read messages from `source` until it ends, answer each; the exit status."""
    interactive = source.isatty()
    if interactive and not jsonl:
        print(WELCOME, file=out, flush=True)
    previous = 0
    async for number, text in read_messages(source):
        if not interactive and not jsonl:
            print(f"[{number}] {_headline(text)}", file=out)
        reply = await _handle(bot, _message(bot.run_id, number, text), previous)
        if reply is not None:
            _print(reply, number, out, jsonl)
        previous = number
    return 0


async def read_messages(source: TextIO) -> AsyncIterator[tuple[int, str]]:
    """The messages in `source`, each with the number of its first line."""
    arrivals = _arrivals(source)
    block: list[str] = []
    first = number = 0
    last = 0.0
    while True:
        try:
            wait = max(0.0, last + PASTE_PAUSE - time.monotonic()) if block else None
            line, when = await asyncio.wait_for(arrivals.get(), wait)
        except TimeoutError:
            yield first, _joined(block)
            block = []
            continue
        if block and (line is None or when - last > PASTE_PAUSE or STANDS_ALONE.search(line)):
            yield first, _joined(block)
            block = []
        if line is None:
            return
        number += 1
        last = when
        if STANDS_ALONE.search(line):
            yield number, line.strip()
        elif block or line.strip():
            first = first if block else number
            block.append(line.rstrip())


def _arrivals(source: TextIO) -> asyncio.Queue[Arrival]:
    """Lines of `source` as they come, read on a thread of their own so the bot answers
    while the operator types (or a pipe fills)."""
    loop = asyncio.get_running_loop()
    arrivals: asyncio.Queue[Arrival] = asyncio.Queue()

    def arrive(line: str | None) -> None:
        with contextlib.suppress(RuntimeError):  # the loop closed first: nobody is reading
            loop.call_soon_threadsafe(arrivals.put_nowait, (line, time.monotonic()))

    def read() -> None:
        for line in iter(source.readline, ""):
            arrive(line)
        arrive(None)

    threading.Thread(target=read, name="console input", daemon=True).start()
    return arrivals


def _joined(block: list[str]) -> str:
    return "\n".join(block).strip()


def _headline(text: str) -> str:
    """A message's first line, shortened, with how many lines follow it."""
    first, *rest = text.splitlines()
    shown = first if len(first) <= HEADLINE else first[: HEADLINE - 1] + "…"
    return f"{shown} (+{len(rest)} lines)" if rest else shown


def _message(run: str, number: int, text: str) -> Incoming:
    return Incoming(
        platform=PLATFORM,
        workspace=WORKSPACE,
        channel=CHANNEL,
        message_id=f"{run}:{number}",
        author=OPERATOR,
        text=text,
        is_moderator=True,
        mentioned="@sourcecheck" in text.lower(),
    )


class _ConsolePoster:
    """The posting protocol on a terminal: the caller prints the reply; its id is the line
    it answers, so `/sourcecheck dismiss <line>` finds it."""

    async def post(self, message: Incoming, reply: Reply) -> str | None:
        """Nothing to send; the reply's id."""
        return f"reply-{message.message_id}"

    async def delete(self, record: ReplyRecord) -> None:
        """Printed lines stay printed; the record is gone."""


CONSOLE = _ConsolePoster()


async def _handle(bot: Bot, message: Incoming, previous: int) -> Reply | None:
    if message.text.lower().startswith("/sourcecheck"):
        words = message.text.split()
        if len(words) >= 2 and words[1].lower() == "dismiss":
            return await _dismiss(bot, message, words[2:] or [str(previous)])
        return await bot.on_command(message, message.text)
    return await bot.answer(message, CONSOLE)


async def _dismiss(bot: Bot, message: Incoming, args: list[str]) -> Reply:
    """`/sourcecheck dismiss [line]`: remove the reply to the message at that line of this
    run (default: the message before)."""
    run = message.message_id.rpartition(":")[0]
    line = args[0]
    record = await bot.reply_record(PLATFORM, WORKSPACE, [CHANNEL], f"reply-{run}:{line}")
    _, text = await bot.dismiss(message, record, CONSOLE)
    return Reply(kind=ReplyKind.COMMAND, text=text, ephemeral=True)


def _print(reply: Reply, number: int, out: TextIO, jsonl: bool) -> None:
    if jsonl:
        reports = [r.to_json() for r in reply.reports]
        line = {
            "in_reply_to": number,
            "kind": str(reply.kind),
            "text": reply.text,
            "report": reports[0] if reports else None,
            "reports": reports,
        }
        print(json.dumps(line, ensure_ascii=False), file=out, flush=True)
        return
    body = "\n".join(INDENT + row if row else "" for row in reply.text.splitlines())
    print(body + "\n", file=out, flush=True)
