"""The `sourcecheck analyze` command: formats and exit statuses, in a subprocess."""

import json
import subprocess
import sys

from tests.conftest import SEED, SEEDS


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
