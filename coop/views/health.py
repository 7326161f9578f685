"""`/healthz`: for the load balancer and the operator's monitor. 200 when the database answers
and its schema is at the newest migration; 503, saying which, when not. It reads nothing
private and needs no sign-in."""

from __future__ import annotations

import logging

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue
from sqlalchemy.exc import SQLAlchemyError

from coop import schema
from coop.db import Database
from coop.extension import current

log = logging.getLogger(__name__)
bp = Blueprint("health", __name__)


def healthz() -> ResponseReturnValue:
    db: Database = current().db
    try:
        with db.engine.connect() as connection:
            migrations = "at head" if schema.at_head(connection) else "behind: run migrate"
    except SQLAlchemyError as exc:
        log.warning("healthz: the database does not answer: %s", type(exc).__name__)
        body, status = {"status": "down", "database": "unreachable"}, 503
    else:
        ok = migrations == "at head"
        body = {"status": "ok" if ok else "down", "database": "ok", "migrations": migrations}
        status = 200 if ok else 503
    answer = jsonify(body)
    answer.status_code = status
    answer.headers["Cache-Control"] = "no-store"
    return answer
