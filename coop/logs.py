"""Logs an operator can use: one JSON object per line, each with the request id it belongs to.

Every module logs to its own logger (`logging.getLogger(__name__)`). `configure` puts one handler
on the root logger: JSON lines in production, plain lines in development; tests leave logging
to pytest. A line logged while a request runs carries that request's id, the same id the
response's `X-Request-Id` header, the audit log and the error page show, so a person's "it
said reference 3f2a..." leads straight to the lines.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import IO, Any

from coop.services import audit

HANDLER_NAME = "carecoop"
# What a LogRecord always has: anything else on it came in `extra=` and goes into the line.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "request_id"}


class RequestIdFilter(logging.Filter):
    """Give every record the id of the request it was logged in (None outside requests)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = audit.request_id.get()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "at": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                line[key] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"


def configure(*, level: str = "INFO", fmt: str = "json", stream: IO[str] | None = None) -> None:
    """One handler on the root logger (replacing the one an earlier call put there)."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.set_name(HANDLER_NAME)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(TEXT_FORMAT))
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == HANDLER_NAME]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
