"""A local chat channel on standard input and output.

Every line is a message from the operator, who is a moderator; lines starting with
`/sourcecheck` are commands. Each run numbers its lines afresh, under an id of its own, so a
second run is answered as the first was. Each reply is printed indented under the message it answers
(or, with `--jsonl`, as one JSON object). Lines are handled in order; at the end of input
every reply has been printed.
"""

import asyncio
import json
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


async def run_console(bot: Bot, source: TextIO, out: TextIO, *, jsonl: bool) -> int:
    """Read messages from `source` until it ends, answer each; the exit status."""
    interactive = source.isatty()
    if interactive and not jsonl:
        print(WELCOME, file=out, flush=True)
    loop = asyncio.get_running_loop()
    number = 0
    while line := await loop.run_in_executor(None, source.readline):
        number += 1
        text = line.strip()
        if not text:
            continue
        if not interactive and not jsonl:
            print(f"[{number}] {text}", file=out)
        reply = await _handle(bot, _message(bot.run_id, number, text))
        if reply is not None:
            _print(reply, number, out, jsonl)
    return 0


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


async def _handle(bot: Bot, message: Incoming) -> Reply | None:
    if message.text.lower().startswith("/sourcecheck"):
        words = message.text.split()
        if len(words) >= 2 and words[1].lower() == "dismiss":
            return await _dismiss(bot, message, words[2:])
        return await bot.on_command(message, message.text)
    return await bot.answer(message, CONSOLE)


async def _dismiss(bot: Bot, message: Incoming, args: list[str]) -> Reply:
    """`/sourcecheck dismiss [line]`: remove the reply to that line of this run (default:
    the line before)."""
    run, _, number = message.message_id.rpartition(":")
    line = args[0] if args else str(int(number) - 1)
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
