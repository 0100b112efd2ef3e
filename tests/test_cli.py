"""The `sourcecheck analyze` command: formats and exit statuses, in a subprocess."""

import asyncio
import json
import os
import subprocess
import sys

import pytest

from analysis import AnalysisError, AnalysisOptions, ErrorCode, as_link, load_target, pipeline
from tests.conftest import SEED, SEEDS
from tests.fakes.article_server import ArticleServer


def _run(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "adapters.cli", *args],
        capture_output=True,
        text=True,
        input=stdin,
        timeout=120,
    )


def test_text_output_and_success() -> None:
    done = _run("analyze", str(SEED))
    assert done.returncode == 0, done.stderr
    assert "Business Insider" in done.stdout


def test_jsonl_keeps_input_order_and_marks_failures() -> None:
    targets = [str(SEEDS / "001_city_budget.txt"), "missing.txt", "-", "http://10.0.0.1/"]
    done = _run("analyze", *targets, "--format", "jsonl", stdin=SEED.read_text())
    assert done.returncode == 3
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert [line["input"] for line in lines] == targets
    assert lines[1]["error"]["code"] == "not_found"
    assert lines[3]["error"]["code"] == "blocked_address"
    assert lines[2]["title"].startswith("ALERT")


def test_usage_errors_exit_2() -> None:
    assert _run("analyze").returncode == 2
    assert _run("analyze", str(SEED), str(SEED), "--format", "json").returncode == 2
    assert _run("analyze", str(SEED), "--sensitivity", "extreme").returncode == 2


async def test_page_on_loopback_with_fetch_allow_setting() -> None:
    """SOURCECHECK_FETCH_ALLOW opens 127.0.0.1 to the fetcher; without it the link is refused."""
    async with ArticleServer() as server:
        url = server.url("/001_city_budget")
        allowed = await _run_async(
            "analyze", url, "--format", "json", env={"SOURCECHECK_FETCH_ALLOW": "127.0.0.1"}
        )
        refused = await _run_async(
            "analyze", url, "--format", "json", env={"SOURCECHECK_FETCH_ALLOW": ""}
        )
    assert allowed[0] == 0
    report = json.loads(allowed[1])
    assert report["url"] == url and report["title"].startswith("City Council Approves")
    assert refused[0] == 3
    assert json.loads(refused[1])["error"]["code"] == "blocked_address"
    assert server.hits["/001_city_budget"] == 1


async def _run_async(*args: str, env: dict[str, str]) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "adapters.cli",
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ, **env},
    )
    stdout, _ = await asyncio.wait_for(process.communicate(), 120)
    return process.returncode or 0, stdout.decode()


def test_item_18_http_mode_without_a_signing_secret_refuses_to_start(tmp_path) -> None:
    """Issue 12, item 18: no secret means no request can be verified, so say so and stop."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_"))}
    env |= {"SLACK_BOT_TOKEN": "xoxb-test", "SOURCECHECK_DB_URL": f"sqlite:///{tmp_path}/b.db"}
    done = subprocess.run(
        [sys.executable, "-m", "adapters.cli", "run"],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        cwd=tmp_path,
    )
    assert done.returncode == 2
    assert "SLACK_SIGNING_SECRET is required" in done.stderr
    assert "xoxb-test" not in done.stderr


def test_without_a_spacy_model_it_refuses_to_start_and_says_how_to_install_it() -> None:
    """Issue 14: a missing model fell back to a blank pipeline that changed every verdict
    (and crashed on one seed)."""
    env = os.environ | {"SOURCECHECK_SPACY_MODEL": "/nonexistent/en_core_web_md"}
    for args in (["analyze", str(SEED)], ["console"]):
        done = subprocess.run(
            [sys.executable, "-m", "adapters.cli", *args],
            capture_output=True,
            text=True,
            input="",
            timeout=120,
            env=env,
        )
        assert done.returncode == 2, done.stderr
        assert "no spaCy English model could be loaded" in done.stderr
        assert "/nonexistent/en_core_web_md" in done.stderr and "make setup" in done.stderr


def test_version() -> None:
    done = _run("--version")
    assert done.returncode == 0 and done.stdout.startswith("sourcecheck 0.")


def test_a_reader_that_goes_away_gets_no_traceback() -> None:
    """Issue 14: `sourcecheck analyze ... | head -1` ended in a BrokenPipeError traceback."""
    seeds = [str(p) for p in sorted(SEEDS.glob("*.txt"))]
    command = [sys.executable, "-m", "adapters.cli", "analyze", *seeds]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as process:
        assert process.stdout is not None and process.stdout.readline()
        process.stdout.close()
        _, err = process.communicate(timeout=120)
    assert b"Traceback" not in err and process.returncode == 1


def test_analyze_does_not_load_the_chat_sdks() -> None:
    """Issue 14: `analyze` imported the Slack and Discord SDKs (1.3 s of a 4 s run)."""
    probe = "import sys, adapters.cli; print('slack_bolt' in sys.modules, 'discord' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert done.stdout.split() == ["False", "False"], done.stderr


def test_in_text_mode_failures_go_to_stderr() -> None:
    done = _run("analyze", "missing.txt")
    assert done.returncode == 3
    assert "missing.txt" in done.stderr and "missing.txt" not in done.stdout


def test_help_explains_formats_sensitivity_exit_codes_and_settings() -> None:
    """Issue 14: --format and --sensitivity had no help; --help named no exit codes or settings."""
    top = _run("--help").stdout
    assert "exit status:" in top and "3  a target could not be analysed" in top
    assert "SOURCECHECK_DB_URL" in top and ".env" in top
    analyze = " ".join(_run("analyze", "--help").stdout.split())
    assert "--format {text,json,jsonl} text for people (default)" in analyze
    assert "--sensitivity {low,medium,high} how readily a sentence is flagged" in analyze


def test_a_link_without_a_scheme_is_fetched_not_read_as_a_file(monkeypatch, tmp_path) -> None:
    """Issue 14: `example.com/story` was read as a file name. The fetch is stubbed: no
    connection leaves this process."""
    fetched: list[str] = []

    async def fetch_page(url: str, policy: object) -> None:
        fetched.append(url)
        raise AnalysisError(ErrorCode.DNS_FAILURE, "stubbed")

    monkeypatch.setattr(pipeline, "fetch_page", fetch_page)
    monkeypatch.chdir(tmp_path)
    options = AnalysisOptions()
    with pytest.raises(AnalysisError):
        asyncio.run(load_target("example.com/story", options))
    assert fetched == ["https://example.com/story"]
    (tmp_path / "example.com").write_text("a file of that name is read, not fetched")
    assert as_link("example.com") is None
    assert as_link("www.bbc.co.uk") == "https://www.bbc.co.uk"
    assert as_link("notes.txt") is None and as_link("seeds/000.txt") is None
    missing = _run("analyze", "notes.txt")
    assert "Cannot read notes.txt" in missing.stderr
