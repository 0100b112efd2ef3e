"""The console adapter as a user runs it: `sourcecheck console`, a subprocess, a local page."""

import asyncio
import json
import os
import sys
import time
from pathlib import Path

from adapters.console.adapter import read_messages
from tests.conftest import SEEDS
from tests.fakes.article_server import ArticleServer

SOURCECHECK = Path(sys.executable).with_name("sourcecheck")


async def console(lines: list[str], db: Path, *args: str) -> tuple[int, str, str]:
    env = os.environ | {
        "SOURCECHECK_FETCH_ALLOW": "127.0.0.1",
        "SOURCECHECK_DB_URL": f"sqlite:///{db}",
        "SOURCECHECK_LOG_LEVEL": "WARNING",
        "SOURCECHECK_WORKERS": "0",
    }
    process = await asyncio.create_subprocess_exec(
        str(SOURCECHECK),
        "console",
        *args,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=env,
        cwd=db.parent,
    )
    out, err = await asyncio.wait_for(
        process.communicate("\n".join(lines).encode() + b"\n"), timeout=180
    )
    return process.returncode, out.decode(), err.decode()


async def test_a_piped_link_gets_one_analysis_object(tmp_path: Path) -> None:
    async with ArticleServer() as server:
        server.add_page("/a", (SEEDS / "001_city_budget.html").read_bytes(), "text/html")
        code, out, err = await console(
            [f"read this {server.url('/a')}"], tmp_path / "bot.db", "--jsonl"
        )
    assert code == 0, err
    (line,) = [json.loads(row) for row in out.splitlines()]
    assert line["in_reply_to"] == 1 and line["kind"] == "analysis"
    flagged = [s for s in line["report"]["sentences"] if s["flagged"]]
    assert any(s["status"] == "unsourced" for s in flagged)
    assert any(s["status"] == "vague" for s in flagged)


async def test_commands_and_replies_in_order_and_settings_survive_a_restart(
    tmp_path: Path,
) -> None:
    db = tmp_path / "bot.db"
    async with ArticleServer() as server:
        server.add_page("/a", (SEEDS / "001_city_budget.html").read_bytes(), "text/html")
        lines = [
            "/sourcecheck sensitivity low",
            f"first {server.url('/a')}",
            "just chatting",
            f"again {server.url('/a')}",
        ]
        code, out, err = await console(lines, db, "--jsonl")
        assert code == 0, err
        replies = [json.loads(row) for row in out.splitlines()]
        assert [(r["in_reply_to"], r["kind"]) for r in replies] == [
            (1, "command"),
            (2, "analysis"),
            (4, "analysis"),
        ]
        assert replies[1]["report"]["sensitivity"] == "low"
        assert server.hits["/a"] == 1
        code, out, err = await console(["/sourcecheck log"], db)
    assert code == 0, err
    assert "sensitivity low" in out and out.startswith("[1] /sourcecheck log\n    ")


async def test_dismiss_removes_the_reply_to_the_line_before(tmp_path: Path) -> None:
    async with ArticleServer() as server:
        server.add_page("/a", (SEEDS / "001_city_budget.html").read_bytes(), "text/html")
        lines = [f"read this {server.url('/a')}", "/sourcecheck dismiss", "/sourcecheck dismiss"]
        code, out, err = await console(lines, tmp_path / "bot.db", "--jsonl")
    assert code == 0, err
    first, dismissed, again = [json.loads(row) for row in out.splitlines()]
    assert first["kind"] == "analysis"
    assert dismissed["text"] == "Dismissed."
    assert again["text"] == "There is no reply of mine to dismiss here."


async def test_a_second_run_answers_the_same_lines_again(tmp_path: Path) -> None:
    """Issue 14: message ids were line numbers, so a second run on the same database
    answered nothing ("already answered"); commands are case-insensitive too."""
    db = tmp_path / "bot.db"
    async with ArticleServer() as server:
        server.add_page("/a", (SEEDS / "001_city_budget.html").read_bytes(), "text/html")
        lines = [f"read {server.url('/a')}", "/SourceCheck help"]
        for _ in range(2):
            code, out, err = await console(lines, db, "--jsonl")
            assert code == 0, err
            replies = [json.loads(row) for row in out.splitlines()]
            assert [(r["in_reply_to"], r["kind"]) for r in replies] == [
                (1, "analysis"),
                (2, "command"),
            ]
            assert "/sourcecheck check" in replies[1]["text"]


async def test_a_pasted_article_is_one_message(tmp_path: Path) -> None:
    """Issue 14: seed 000 piped in became one message per line (only line 15 was analysed).
    A paste runs until a line with a link or a command; those stand alone."""
    article = (SEEDS / "000_942a618684aacc33.txt").read_text().splitlines()
    async with ArticleServer() as server:
        server.add_page("/a", (SEEDS / "001_city_budget.html").read_bytes(), "text/html")
        lines = [*article, f"and this {server.url('/a')}", "/sourcecheck stats"]
        code, out, err = await console(lines, tmp_path / "bot.db", "--jsonl")
    assert code == 0, err
    pasted, linked, stats = [json.loads(row) for row in out.splitlines()]
    assert (pasted["in_reply_to"], pasted["kind"]) == (1, "analysis")
    assert pasted["report"]["input"] == "pasted text"
    assert pasted["report"]["stats"]["sentences"] > 20
    assert (linked["in_reply_to"], linked["kind"]) == (len(article) + 1, "analysis")
    assert (stats["in_reply_to"], stats["kind"]) == (len(article) + 2, "command")


class _Typist:
    """Standard input as a person types it: each line after a pause of its own."""

    def __init__(self, lines: list[tuple[float, str]]) -> None:
        self.lines = lines

    def readline(self) -> str:
        if not self.lines:
            return ""
        pause, line = self.lines.pop(0)
        time.sleep(pause)
        return line + "\n"


async def test_a_pause_in_the_typing_ends_a_message() -> None:
    typist = _Typist(
        [
            (0, "Officials said the bridge will close."),
            (0, ""),
            (0, "Some say it never should have opened."),
            (1.0, "A second thought, typed later."),
            (0, "/sourcecheck stats"),
            (0, "still pasting"),
        ]
    )
    messages = [m async for m in read_messages(typist)]  # type: ignore[arg-type]
    assert messages == [
        (1, "Officials said the bridge will close.\n\nSome say it never should have opened."),
        (4, "A second thought, typed later."),
        (5, "/sourcecheck stats"),
        (6, "still pasting"),
    ]
