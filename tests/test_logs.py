"""Logs an operator can use: JSON lines, each with the id of the request it belongs to, the
same id the error page shows the person."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from coop import extension, logs
from tests.conftest import element
from tests.conftest import test_config as app_config

REQUEST = "3f2a9c1e-reference-0001"


@pytest.fixture
def logged() -> Iterator[Any]:
    """Configure logging into a string, as production would to stderr; put back afterwards."""
    root = logging.getLogger()
    level = root.level
    stream = io.StringIO()

    def configure(fmt: str) -> io.StringIO:
        logs.configure(level="INFO", fmt=fmt, stream=stream)
        return stream

    try:
        yield configure
    finally:
        for handler in [h for h in root.handlers if h.get_name() == logs.HANDLER_NAME]:
            root.removeHandler(handler)
        root.setLevel(level)


@pytest.fixture
def log_lines(logged: Any) -> Any:
    stream = logged("json")
    return lambda: [json.loads(line) for line in stream.getvalue().splitlines()]


@pytest.fixture
def failing_app(make_app: Any, db: Any, tmp_path: Path) -> Flask:
    app: Flask = make_app(app_config(db.url, tmp_path))
    extension.of(app).db.test_connection = db.test_connection

    def boom() -> str:
        raise RuntimeError("the care plan's page broke")

    app.add_url_rule("/probe/boom", view_func=boom)
    return app


def test_each_request_logs_one_json_line_with_its_request_id(client, log_lines):
    answer = client.get("/sign-in", headers={"X-Request-Id": REQUEST})
    assert answer.headers["X-Request-Id"] == REQUEST
    [line] = [x for x in log_lines() if x["logger"] == "coop.web"]
    assert line["request_id"] == REQUEST
    assert line["level"] == "INFO"
    assert (line["method"], line["path"], line["status"]) == ("GET", "/sign-in", 200)
    assert line["message"].startswith("GET /sign-in 200 ")
    assert line["at"].endswith("+00:00")


def test_an_error_shows_its_reference_and_the_log_says_what_broke_under_it(failing_app, log_lines):
    answer = failing_app.test_client().get("/probe/boom", headers={"X-Request-Id": REQUEST})
    assert answer.status_code == 500
    assert REQUEST in element(answer, "code").text  # the person can quote it
    [error] = [x for x in log_lines() if x["level"] == "ERROR"]
    assert error["request_id"] == REQUEST
    assert error["message"] == "unhandled error"
    assert "RuntimeError: the care plan's page broke" in error["exception"]


def test_lines_outside_a_request_have_no_request_id(log_lines):
    logging.getLogger("coop.services.tick").info("tick job %s did %d", "send_outbox", 2)
    [line] = log_lines()
    assert line["request_id"] is None
    assert line["message"] == "tick job send_outbox did 2"


def test_plain_text_lines_for_development(logged):
    stream = logged("text")
    logging.getLogger("coop.test").warning("hello")
    assert stream.getvalue().rstrip().endswith("WARNING coop.test [None] hello")


def test_a_production_app_writes_json_lines_to_stderr(make_app, tmp_path, capsys):
    from tests.test_auth import production_config
    from tests.test_production import KEYS

    production = make_app(production_config(tmp_path, **KEYS))
    production.test_client().get("/healthz", headers={"X-Request-Id": REQUEST})
    lines = [json.loads(x) for x in capsys.readouterr().err.splitlines() if x.startswith("{")]
    [line] = [x for x in lines if x.get("path") == "/healthz"]
    assert line["request_id"] == REQUEST and line["status"] == 503  # no migrations there
