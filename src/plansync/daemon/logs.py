"""The daemon's log lines on stderr: `text` for people (Rich's on a terminal, plain lines under
a service manager), `json` (one object a line) for a log collector. Fields given with `extra=`
(project, delivery_id, action, ...) become JSON keys."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Literal

from rich.logging import RichHandler

LogFormat = Literal["text", "json"]
TEXT_FORMAT = "%(asctime)s %(levelname)s %(message)s"

# Every LogRecord has these (and uvicorn adds a coloured copy of the message); anything else
# on a record came from `extra=`.
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "taskName",
    "color_message",
}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                line[key] = value
        if record.exc_info and record.levelno >= logging.DEBUG:
            line["error"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


def configure_logging(log_format: LogFormat) -> None:
    """Log INFO and above to stderr in `log_format`, replacing any handler set before."""
    handler: logging.Handler
    if log_format == "json":
        handler = logging.StreamHandler()
        handler.setFormatter(JsonFormatter())
    elif sys.stderr.isatty():
        # A person watching: Rich's columns and colours, as the other commands print.
        handler = RichHandler(show_path=False, markup=False, rich_tracebacks=False)
    else:
        handler = logging.StreamHandler()  # a service manager or a pipe: plain lines
        handler.setFormatter(logging.Formatter(TEXT_FORMAT))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    # The scheduler's own per-job lines would repeat, and contradict, the one line per run.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    logging.getLogger("apscheduler.scheduler").addFilter(_covered_trigger)


def _covered_trigger(record: logging.LogRecord) -> bool:
    """Drop APScheduler's warning about a trigger that lands as the job is starting: the
    run starting covers it (daemon.scheduler.Daemon._run_now)."""
    return "maximum number of running instances reached" not in record.getMessage()
