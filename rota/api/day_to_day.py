"""Arrivals, "I need help" and visit logs in the JSON API: check-in, check-out, help, and the
log (read, write, confirm, query, resolve). Every rule lives in `rota.services.day_to_day`."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import current_app
from flask.views import MethodView
from flask_login import login_required

from coop.api import problem_responses
from coop.db import current_session
from coop.errors import NotFound
from coop.web import now, writes
from rota import policy
from rota.api import blp
from rota.api.visits import VisitSchema, _visit
from rota.models import LOG_STATES, Visit
from rota.services import day_to_day as work
from teams.policy import Standing


class VisitArrivalSchema(VisitSchema):
    arrived_at = ma.fields.AwareDateTime(allow_none=True)
    left_at = ma.fields.AwareDateTime(allow_none=True)


class HelpSchema(ma.Schema):
    visit_id = ma.fields.Integer()
    told = ma.fields.Boolean(
        metadata={"description": "false when this repeats a call made in the last two minutes"}
    )


class VisitLogSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    visit_id = ma.fields.Integer()
    author_id = ma.fields.Integer()
    what_was_done = ma.fields.String()
    notes = ma.fields.String()
    flags = ma.fields.List(ma.fields.String(), metadata={"enum": list(work.LOG_FLAGS)})
    status = ma.fields.String(metadata={"enum": list(LOG_STATES)})
    written_at = ma.fields.AwareDateTime()
    reviewed_by_id = ma.fields.Integer(allow_none=True)
    reviewed_at = ma.fields.AwareDateTime(allow_none=True)
    query_comment = ma.fields.String(
        allow_none=True, metadata={"description": "The reviewer's question, kept once resolved"}
    )
    query_resolved_at = ma.fields.AwareDateTime(allow_none=True)


class VisitLogWriteSchema(ma.Schema):
    what_was_done = ma.fields.String(required=True)
    notes = ma.fields.String(load_default="")
    flags = ma.fields.List(
        ma.fields.String(), load_default=list, metadata={"enum": list(work.LOG_FLAGS)}
    )


class QuerySchema(ma.Schema):
    comment = ma.fields.String(required=True)


def _arrival(visit: Visit, s: Standing) -> dict[str, Any]:
    """The visit as `VisitArrivalSchema` dumps it (notes only for those who may read them)."""
    shown = {name: getattr(visit, name) for name in VisitArrivalSchema().fields}
    if not policy.can_read_visit_notes(s, visit):
        shown["notes"] = ""
    return shown


class VisitCheckIn(MethodView):
    decorators = [login_required]

    @blp.response(200, VisitArrivalSchema)
    @problem_responses(403, 404, 409)
    def post(self, visit_id: int) -> Any:
        """ "I've arrived": the person booked, from 30 minutes before the start until the end;
        once (a second call is a 409)."""
        visit, s = _visit(visit_id)
        work.arrive(current_session(), s, visit, now=now())
        return _arrival(visit, s)


class VisitCheckOut(MethodView):
    decorators = [login_required]

    @blp.response(200, VisitArrivalSchema)
    @problem_responses(403, 404, 409)
    def post(self, visit_id: int) -> Any:
        """ "I'm leaving": the person booked, after checking in; the visit is then `done`."""
        visit, s = _visit(visit_id)
        work.leave(current_session(), s, visit, now=now())
        return _arrival(visit, s)


class VisitHelp(MethodView):
    decorators = [login_required]

    @blp.response(200, HelpSchema)
    @problem_responses(403, 404, 409)
    def post(self, visit_id: int) -> Any:
        """ "I need help": tells the facilitator on call at once, and nobody else."""
        visit, s = _visit(visit_id)
        told = work.call_for_help(
            current_session(),
            s,
            visit,
            now=now(),
            base_url=current_app.config["CARECOOP_BASE_URL"],
        )
        return {"visit_id": visit.id, "told": told}


class VisitLogResource(MethodView):
    # A read from outside the team writes an AccessEvent: begin as a write transaction.
    decorators = [login_required, writes]

    @blp.response(200, VisitLogSchema)
    @problem_responses(404)
    def get(self, visit_id: int) -> Any:
        """The visit's log (a 404 while none is written, or for someone who may not read it)."""
        visit, s = _visit(visit_id)
        log = work.read_log(current_session(), s, visit, now())
        if log is None:
            raise NotFound("No log has been written for this visit yet.")
        return log

    @blp.arguments(VisitLogWriteSchema)
    @blp.response(200, VisitLogSchema)
    @problem_responses(403, 404, 409, 422)
    def put(self, data: dict[str, Any], visit_id: int) -> Any:
        """Write the log, or replace it while it is not confirmed (the person booked, once
        they have checked in or the visit is over). Rewriting a queried log answers the query."""
        visit, s = _visit(visit_id)
        return work.write_log(current_session(), s, visit, now=now(), **data)


class VisitLogConfirm(MethodView):
    decorators = [login_required]

    @blp.response(200, VisitLogSchema)
    @problem_responses(403, 404, 409)
    def post(self, visit_id: int) -> Any:
        """Confirm the log (the leader or a hat holder, never its author)."""
        visit, s = _visit(visit_id)
        return work.confirm_log(current_session(), s, visit, now=now())


class VisitLogQuery(MethodView):
    decorators = [login_required]

    @blp.arguments(QuerySchema)
    @blp.response(200, VisitLogSchema)
    @problem_responses(403, 404, 409, 422)
    def post(self, data: dict[str, Any], visit_id: int) -> Any:
        """Raise a query with a comment (the leader or a hat holder); it stays open until the
        author rewrites the log or a reviewer resolves it."""
        visit, s = _visit(visit_id)
        return work.query_log(current_session(), s, visit, comment=data["comment"], now=now())


class VisitLogResolve(MethodView):
    decorators = [login_required]

    @blp.response(200, VisitLogSchema)
    @problem_responses(403, 404, 409)
    def post(self, visit_id: int) -> Any:
        """Mark the open query resolved (the leader or a hat holder)."""
        visit, s = _visit(visit_id)
        return work.resolve_query(current_session(), s, visit, now=now())
