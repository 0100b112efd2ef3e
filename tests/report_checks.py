"""What every report must satisfy (`../shared/report-schema.md`), checked on its JSON."""

from typing import Any

TOP_LEVEL = {"input", "url", "title", "site", "language", "summary", "sentences", "stats"}
KINDS = {"claim", "opinion", "question", "other"}
STATUSES = {"sourced", "unsourced", "vague", "none"}


def assert_valid_report(data: dict[str, Any]) -> None:
    """Fail with the first way `data` departs from the report schema."""
    assert data["schema"] == "sourcecheck.report/1"
    assert set(data) >= TOP_LEVEL | {"timings_ms"}
    assert isinstance(data["summary"], list) and len(data["summary"]) <= 3
    for sentence in data["sentences"]:
        assert sentence["kind"] in KINDS
        assert sentence["status"] in STATUSES
        if sentence["kind"] != "claim":
            assert sentence["status"] == "none" and not sentence["flagged"]
        assert 0 <= sentence["score"] <= 1
        assert 0 <= sentence["start"] <= sentence["end"]
    stats = data["stats"]
    assert stats["sentences"] == len(data["sentences"])
    assert stats["flagged"] == sum(s["flagged"] for s in data["sentences"])
