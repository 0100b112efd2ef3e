"""Logging set-up for the composition root: key=value lines on stderr, no secrets, no bodies."""

import logging
import sys

QUIET_LOGGERS = (
    "httpx",
    "httpcore",
    "trafilatura",
    "htmldate",
    "courlan",
    "charset_normalizer",
    "slack_bolt",
    "slack_sdk",
    "aiohttp.access",
    "discord",
)
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None)))


class KeyValueFormatter(logging.Formatter):
    """`time level logger event key=value ...` from a record and its `extra` fields."""

    def format(self, record: logging.LogRecord) -> str:
        """Render one record."""
        fields = {k: v for k, v in vars(record).items() if k not in _STANDARD}
        pairs = " ".join(f"{k}={v!r}" if " " in str(v) else f"{k}={v}" for k, v in fields.items())
        line = f"{self.formatTime(record)} {record.levelname} {record.name} {record.getMessage()}"
        if pairs:
            line += f" {pairs}"
        line = one_line(line)
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


def one_line(text: str) -> str:
    """A log line that stays one line: line breaks escaped, so no text can forge a line."""
    return text.replace("\\", "\\\\").replace("\r", "\\r").replace("\n", "\\n")


def configure_logging(level: str) -> None:
    """Configure the root logger once; keep chatty libraries at WARNING."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(KeyValueFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    logging.getLogger("discord.client").setLevel(logging.ERROR)  # "voice not supported" notes
