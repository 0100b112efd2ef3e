"""The `sourcecheck` command, the composition root: settings, logging, then the chosen command."""

import argparse
import asyncio
import gc
import json
import logging
import os
import signal
import sys
from collections.abc import Coroutine, Iterable, Sequence
from dataclasses import replace
from importlib import metadata
from typing import Any

from tqdm import tqdm

from adapters.console import run_console
from adapters.failures import PlatformUnavailable
from adapters.logs import configure_logging
from analysis import (
    AnalysisError,
    AnalysisOptions,
    LoadedArticle,
    Report,
    Sensitivity,
    failure_json,
    load_target,
    render_text,
    report_articles,
)
from analysis.nlp import ModelMissing, check_model
from bot import Bot, Settings, SettingsError, build_bot, load_settings
from bot.metrics import watch_loop_lag
from bot.queue import QueueMissing, queue_worker, serve_queue
from bot.store import DriverMissing
from bot.workers import ProcessRunner

log = logging.getLogger("sourcecheck")

EXIT_OK = 0
EXIT_USAGE = 2
EXIT_FAILED = 3
EXIT_BROKEN_PIPE = 1
MAX_CONCURRENT_FETCHES = 8
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)
SHUTDOWN_GRACE = 20.0  # seconds to finish replies in progress; what is left is held


EPILOG = f"""\
exit status:
  {EXIT_OK}  every target was analysed (or the bot stopped cleanly)
  {EXIT_BROKEN_PIPE}  the output was closed early (as by `| head`)
  {EXIT_USAGE}  a usage or settings error, or the spaCy model is missing
  {EXIT_FAILED}  a target could not be analysed, or a chat adapter failed

settings come from the environment or a .env file in the working directory:
  SLACK_BOT_TOKEN, SLACK_APP_TOKEN    Slack (Socket Mode; SLACK_SIGNING_SECRET for HTTP)
  DISCORD_TOKEN                       Discord
  SOURCECHECK_DB_URL                  the database (default: SQLite in the user data dir)
  SOURCECHECK_SENSITIVITY             low, medium or high (default: medium)
  SOURCECHECK_WORKERS                 analysis processes (0: in the bot's own process)
  SOURCECHECK_LOG_LEVEL               DEBUG, INFO, WARNING or ERROR
  ...and the rest, each with its default, in .env.example and the README.
"""


def build_parser() -> argparse.ArgumentParser:
    """The command-line grammar."""
    parser = argparse.ArgumentParser(
        prog="sourcecheck",
        description="Summarise articles and flag their unsourced assertions.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    commands = parser.add_subparsers(dest="command", required=True)
    analyze = commands.add_parser(
        "analyze",
        help="analyse links, files or stdin ('-')",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    analyze.add_argument(
        "targets",
        nargs="+",
        metavar="TARGET",
        help="a link (https://example.com/story, or example.com/story), a .txt or .html "
        "file, or - for standard input",
    )
    analyze.add_argument(
        "--format",
        choices=("text", "json", "jsonl"),
        default="text",
        help="text for people (default); json, one report (../shared/report-schema.md); "
        "jsonl, one report per line for any number of targets",
    )
    analyze.add_argument(
        "--sensitivity",
        choices=[s.value for s in Sensitivity],
        default=None,
        help="how readily a sentence is flagged: low flags the clearest cases, high the "
        "most (default: SOURCECHECK_SENSITIVITY, else medium)",
    )
    analyze.add_argument(
        "--explain", action="store_true", help="show every sentence's verdict and cues"
    )
    commands.add_parser(
        "run", help="start the bot: every chat adapter with credentials, else the console"
    )
    commands.add_parser(
        "worker",
        help="run analyses from the job queue (SOURCECHECK_QUEUE_URL), on any host",
    )
    console = commands.add_parser("console", help="chat with the bot on this terminal")
    console.add_argument("--jsonl", action="store_true", help="one JSON object per reply")
    return parser


def _version() -> str:
    """The installed package's version."""
    try:
        return metadata.version("sourcecheck")
    except metadata.PackageNotFoundError:
        return "unknown (not installed)"


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `sourcecheck` console script."""
    try:
        return _main(argv)
    except ModelMissing as error:
        print(f"sourcecheck: {error}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:  # the reader went away (`| head`): stop quietly, as the docs do
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_BROKEN_PIPE


def _main(argv: Sequence[str] | None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as error:
        print(f"sourcecheck: {error}", file=sys.stderr)
        return EXIT_USAGE
    configure_logging(settings.log_level)
    if args.command in ("console", "run", "worker"):
        try:
            if args.command == "worker":
                return asyncio.run(_until_signalled_worker(settings))
            if args.command == "console":
                console_only = replace(
                    settings, slack_bot_token="", slack_client_secret="", discord_token=""
                )
                return asyncio.run(_until_signalled(console_only, jsonl=args.jsonl))
            settings.check_for_run()
            return asyncio.run(_until_signalled(settings))
        except SettingsError as error:
            print(f"sourcecheck: {error}", file=sys.stderr)
            return EXIT_USAGE
        except DriverMissing as error:
            print(f"sourcecheck: SOURCECHECK_DB_URL: {error}", file=sys.stderr)
            return EXIT_USAGE
        except QueueMissing as error:
            print(f"sourcecheck: {error}", file=sys.stderr)
            return EXIT_USAGE
    sensitivity = Sensitivity(args.sensitivity) if args.sensitivity else None
    options = settings.analysis_options(sensitivity)
    return asyncio.run(run_analyze(args.targets, args.format, options, explain=args.explain))


async def _until_signalled(settings: Settings, *, jsonl: bool = False) -> int:
    """Run the bot until it stops, or until SIGTERM or SIGINT (Ctrl-C) asks it to."""
    return await run_bot(settings, jsonl=jsonl, stop=_stop_signal())


async def _until_signalled_worker(settings: Settings) -> int:
    """Run a queue worker until SIGTERM or SIGINT: the spaCy model loaded once, in its
    analysis processes (SOURCECHECK_WORKERS of them, at least one)."""
    if not settings.queue_url:
        raise SettingsError("sourcecheck worker needs SOURCECHECK_QUEUE_URL (a Redis URL)")
    check_model(settings.spacy_model)
    limit = settings.analysis_time_limit
    runner = ProcessRunner(max(1, settings.workers), settings.spacy_model, limit)
    try:
        worker = queue_worker(settings.queue_url, settings.queue_name, runner, limit)
        log.info("worker.started", extra={"queue": settings.queue_name, "lanes": runner.lanes})
        await serve_queue(worker, _stop_signal(), SHUTDOWN_GRACE)
    finally:
        runner.close()
    return EXIT_OK


def _stop_signal() -> asyncio.Event:
    """An event that SIGTERM or SIGINT (Ctrl-C) sets."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in STOP_SIGNALS:
        loop.add_signal_handler(signum, _stop_on, signum, stop)
    return stop


def _stop_on(signum: signal.Signals, stop: asyncio.Event) -> None:
    log.info("shutdown.asked", extra={"signal": signum.name})
    stop.set()


async def run_bot(
    settings: Settings, *, jsonl: bool = False, stop: asyncio.Event | None = None
) -> int:
    """Run the bot with the adapters that have credentials (with none, the console) until
    one fails or `stop` is set; then shut down cleanly. The exit status."""
    # The chat SDKs load only here: `sourcecheck analyze` never pays for them.
    from adapters.discord import DiscordAdapter
    from adapters.http import serve_http
    from adapters.slack import SlackAdapter

    bot = build_bot(settings)
    _freeze_start_up_objects()
    try:
        adapters: dict[str, SlackAdapter | DiscordAdapter] = {}
        if settings.slack:
            adapters["slack"] = SlackAdapter(bot, settings)
        if settings.discord_token:
            adapters["discord"] = DiscordAdapter(bot, settings)
        services: dict[str, Coroutine[Any, Any, int | None]]
        if adapters:
            routes = [route for adapter in adapters.values() for route in adapter.web_routes()]
            services = {name: adapter.serve() for name, adapter in adapters.items()}
            services["http"] = serve_http(settings, bot.health, routes)
            services["loop lag"] = watch_loop_lag()
            services["heartbeat"] = bot.keep_alive()
        else:
            services = {"console": run_console(bot, sys.stdin, sys.stdout, jsonl=jsonl)}
        return await _watch(services, bot, stop or asyncio.Event())
    finally:
        bot.close()


def _freeze_start_up_objects() -> None:
    """Move what start-up made (modules, the model in-process, about 160,000 objects) out
    of the garbage collector's sight: a full collection then no longer walks them all, which
    stalled the event loop for up to 80 ms at a time under load."""
    gc.collect()
    gc.freeze()


async def _watch(
    services: dict[str, Coroutine[Any, Any, int | None]], bot: Bot, stop: asyncio.Event
) -> int:
    """Run the services together until one ends or `stop` is set. Asked to stop: let what
    is being answered finish (for SHUTDOWN_GRACE seconds at most), then stop, exit 0. The
    console ending its input exits with its status; an adapter that stops or fails stops
    all, with an error, rather than idle with a dead connection."""
    tasks = {asyncio.create_task(coro, name=name): name for name, coro in services.items()}
    stopping = asyncio.create_task(stop.wait())
    try:
        done, _ = await asyncio.wait([*tasks, stopping], return_when=asyncio.FIRST_COMPLETED)
        if stopping in done:
            log.info("shutdown.started", extra={"grace_seconds": SHUTDOWN_GRACE})
            left = await bot.drain(SHUTDOWN_GRACE)
            await _cancel(tasks)
            log.info("shutdown.done", extra={"unanswered": left})
            return EXIT_OK
    finally:  # also when this task is cancelled: the services never outlive it
        await _cancel([stopping, *tasks])
    status = EXIT_OK
    for task in done:
        error = task.exception()
        if error is None and isinstance(task.result(), int):  # the console's input ended
            status = max(status, task.result())
        elif isinstance(error, PlatformUnavailable):  # known and said in one line
            log.error("adapter.failed", extra={"adapter": tasks[task], "reason": str(error)})
            print(f"sourcecheck: the {tasks[task]} adapter stopped: {error}", file=sys.stderr)
            status = EXIT_FAILED
        else:
            reason = f"{type(error).__name__}: {error}" if error else "it stopped"
            log.error("adapter.failed", extra={"adapter": tasks[task]}, exc_info=error)
            print(f"sourcecheck: the {tasks[task]} adapter failed ({reason})", file=sys.stderr)
            status = EXIT_FAILED
    return status


async def _cancel(tasks: Iterable[asyncio.Task[Any]]) -> None:
    """Cancel the tasks still running and wait until they have wound up."""
    running = [task for task in tasks if not task.done()]
    for task in running:
        task.cancel()
    await asyncio.gather(*running, return_exceptions=True)


async def run_analyze(
    targets: list[str], output: str, options: AnalysisOptions, *, explain: bool = False
) -> int:
    """Analyse every target and print the results in input order; the exit status."""
    if output == "json" and len(targets) > 1:
        print("sourcecheck: --format json takes one target; use jsonl for several", file=sys.stderr)
        return EXIT_USAGE
    loaded = await _load_all(targets, options)
    ready = [item for item in loaded if isinstance(item, LoadedArticle)]
    reports = report_articles(ready, options)
    progress = tqdm(
        total=len(targets), unit="article", disable=not sys.stderr.isatty(), file=sys.stderr
    )
    failed = False
    for target, item in zip(targets, loaded, strict=True):
        result: Report | AnalysisError = item if isinstance(item, AnalysisError) else next(reports)
        failed |= isinstance(result, AnalysisError)
        _print(result, target, output, explain)
        progress.update()
    progress.close()
    return EXIT_FAILED if failed else EXIT_OK


async def _load_all(
    targets: list[str], options: AnalysisOptions
) -> list[LoadedArticle | AnalysisError]:
    gate = asyncio.Semaphore(MAX_CONCURRENT_FETCHES)

    async def load(target: str) -> LoadedArticle | AnalysisError:
        async with gate:
            try:
                return await load_target(target, options)
            except AnalysisError as error:
                return error

    return list(await asyncio.gather(*(load(t) for t in targets)))


def _print(result: Report | AnalysisError, target: str, output: str, explain: bool) -> None:
    if output == "text":
        if isinstance(result, AnalysisError):
            print(f"{target}: {result.message}", file=sys.stderr)
        else:
            print(render_text(result, explain=explain))
        print()
        return
    data = failure_json(target, result) if isinstance(result, AnalysisError) else result.to_json()
    indent = 2 if output == "json" else None
    print(json.dumps(data, ensure_ascii=False, indent=indent), flush=True)


if __name__ == "__main__":
    sys.exit(main())
