"""Logging set-up for the composition root: logfmt lines on stderr, no secrets, no bodies.

Every event is one line of `key=value` pairs (logfmt): `time`, `level`, `logger`, `event`,
then the record's `extra` fields, then `exc` for a traceback. A value with a space, `=` or
`"` is quoted; line breaks and backslashes are escaped, so no text can forge a line.
"""

import logging
import sys
import time

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
    """One logfmt line from a record and its `extra` fields; times in UTC, ISO 8601."""

    converter = time.gmtime
    default_time_format = "%Y-%m-%dT%H:%M:%S"
    default_msec_format = "%s.%03dZ"

    def format(self, record: logging.LogRecord) -> str:
        """Render one record."""
        fields: dict[str, object] = {
            "time": self.formatTime(record),
            "level": record.levelname,
            "logger": record.name,
            "event": record.getMessage(),
        }
        fields |= {k: v for k, v in vars(record).items() if k not in _STANDARD}
        if record.exc_info:
            fields["exc"] = self.formatException(record.exc_info)
        if record.stack_info:
            fields["stack"] = record.stack_info
        return " ".join(f"{key}={_value(value)}" for key, value in fields.items())


def _value(value: object) -> str:
    text = _one_line(str(value))
    if text and not any(c in text for c in ' ="'):
        return text
    return '"' + text.replace('"', '\\"') + '"'


def _one_line(text: str) -> str:
    """Text that stays on one line: backslashes and line breaks escaped."""
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
