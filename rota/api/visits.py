"""Visits, patterns and swaps in the JSON API. Times are RFC 3339 with an offset (a time without
one is a 422); a warning never blocks a write here, it comes back in the answer's `warnings`.
The views only translate: every rule lives in `rota.policy` and `rota.services`."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import marshmallow as ma
from flask.views import MethodView
from flask_login import login_required
from sqlalchemy import select

from coop.api import problem_responses
from coop.db import current_session
from coop.errors import Invalid
from coop.web import now, signed_in_user
from rota import policy
from rota.api import blp
from rota.models import (
    PATTERN_FREQUENCIES,
    SWAP_STATES,
    VISIT_KINDS,
    VISIT_STATES,
    Pattern,
    Visit,
)
from rota.services import cover, patterns, swaps, visits
from teams.policy import Standing
from teams.services.standing import find_team

DEFAULT_SPAN = timedelta(days=14)
LONGEST_SPAN = timedelta(days=93)


# Schemas ---------------------------------------------------------------------------------------


class VisitSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    team_id = ma.fields.Integer()
    worker_id = ma.fields.Integer(
        allow_none=True, metadata={"description": "The user booked, or null for an open visit"}
    )
    status = ma.fields.String(metadata={"enum": list(VISIT_STATES)})
    kind = ma.fields.String(metadata={"enum": list(VISIT_KINDS)})
    starts_at = ma.fields.AwareDateTime()
    ends_at = ma.fields.AwareDateTime()
    notes = ma.fields.String(
        metadata={"description": "What the visit is for; empty for co-op staff outside the team"}
    )
    includes_medicines = ma.fields.Boolean()
    pattern_id = ma.fields.Integer(allow_none=True)
    pair_id = ma.fields.Integer(allow_none=True)


class PlannedVisitSchema(VisitSchema):
    warnings = ma.fields.List(
        ma.fields.String(), metadata={"description": "Things to know; they never block"}
    )


class VisitCreateSchema(ma.Schema):
    starts_at = ma.fields.AwareDateTime(required=True)
    ends_at = ma.fields.AwareDateTime(required=True)
    worker_id = ma.fields.Integer(
        strict=True,
        allow_none=True,
        load_default=None,
        metadata={"description": "A bookable member's user id, or null for an open visit"},
    )
    notes = ma.fields.String(load_default="", validate=ma.validate.Length(max=2000))
    kind = ma.fields.String(load_default="visit", metadata={"enum": list(VISIT_KINDS)})
    includes_medicines = ma.fields.Boolean(load_default=False)


class VisitPatchSchema(ma.Schema):
    """Only the fields sent change ("just this visit"); `worker_id: null` makes it open."""

    starts_at = ma.fields.AwareDateTime()
    ends_at = ma.fields.AwareDateTime()
    worker_id = ma.fields.Integer(strict=True, allow_none=True)
    notes = ma.fields.String(validate=ma.validate.Length(max=2000))
    includes_medicines = ma.fields.Boolean()


class RangeSchema(ma.Schema):
    start = ma.fields.AwareDateTime(
        data_key="from", metadata={"description": "From this instant (default: now)"}
    )
    end = ma.fields.AwareDateTime(
        data_key="to", metadata={"description": "Up to this instant (default: 14 days on)"}
    )


class PatternSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    team_id = ma.fields.Integer()
    worker_id = ma.fields.Integer(allow_none=True)
    kind = ma.fields.String(metadata={"enum": list(VISIT_KINDS)})
    frequency = ma.fields.String(metadata={"enum": list(PATTERN_FREQUENCIES)})
    weekdays = ma.fields.List(ma.fields.Integer(), metadata={"description": "0 is Monday"})
    local_start = ma.fields.Time(format="%H:%M", metadata={"description": "Local time, HH:MM"})
    minutes = ma.fields.Integer()
    starts_on = ma.fields.Date()
    ends_on = ma.fields.Date(allow_none=True)
    horizon = ma.fields.Date(metadata={"description": "Visits are made up to this day"})
    notes = ma.fields.String()


class PlannedPatternSchema(PatternSchema):
    warnings = ma.fields.List(ma.fields.String())


class PatternCreateSchema(ma.Schema):
    frequency = ma.fields.String(required=True, metadata={"enum": list(PATTERN_FREQUENCIES)})
    weekdays = ma.fields.List(
        ma.fields.Integer(strict=True), required=True, metadata={"description": "0 is Monday"}
    )
    local_start = ma.fields.Time(
        required=True, metadata={"description": "The co-op's local time, e.g. 09:00"}
    )
    minutes = ma.fields.Integer(strict=True, required=True)
    starts_on = ma.fields.Date(required=True)
    ends_on = ma.fields.Date(allow_none=True, load_default=None)
    worker_id = ma.fields.Integer(strict=True, allow_none=True, load_default=None)
    kind = ma.fields.String(load_default="visit", metadata={"enum": list(VISIT_KINDS)})
    notes = ma.fields.String(load_default="", validate=ma.validate.Length(max=2000))
    includes_medicines = ma.fields.Boolean(load_default=False)


class SwapSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    visit_id = ma.fields.Integer()
    from_user_id = ma.fields.Integer()
    to_user_id = ma.fields.Integer()
    status = ma.fields.String(metadata={"enum": list(SWAP_STATES)})
    created_at = ma.fields.AwareDateTime()
    answered_at = ma.fields.AwareDateTime(allow_none=True)
    approved_by_id = ma.fields.Integer(allow_none=True)


class SwapCreateSchema(ma.Schema):
    to_user_id = ma.fields.Integer(
        strict=True, required=True, metadata={"description": "Who you ask to take the visit"}
    )


class SwapApproveSchema(ma.Schema):
    approve = ma.fields.Boolean(
        load_default=True, metadata={"description": "false refuses the swap"}
    )


class CoverSchema(ma.Schema):
    user_id = ma.fields.Integer(attribute="person.id")
    display_name = ma.fields.String(attribute="person.display_name")
    week_minutes = ma.fields.Integer(metadata={"description": "Booked that week, all teams"})
    reasons = ma.fields.List(ma.fields.String())
    warnings = ma.fields.List(ma.fields.String())


# Helpers ---------------------------------------------------------------------------------------


_user = signed_in_user


def _visit(visit_id: int) -> tuple[Visit, Standing]:
    return visits.find_visit(current_session(), _user(), visit_id, now())


def _raw(row: Any, schema: ma.Schema) -> dict[str, Any]:
    """The row's fields as values (not yet serialised), for answers that add to them."""
    return {name: getattr(row, name) for name in schema.fields}


def _out(visit: Visit, s: Standing, warnings: list[str] | None = None) -> dict[str, Any]:
    shown = _raw(visit, VisitSchema())
    if not policy.can_read_visit_notes(s, visit):
        shown["notes"] = ""
    if warnings is not None:
        shown["warnings"] = [str(w) for w in warnings]
    return shown


def _span(args: dict[str, Any]) -> tuple[datetime, datetime]:
    start: datetime = args.get("start") or now()
    end: datetime = args.get("end") or start + DEFAULT_SPAN
    if end <= start:
        raise Invalid("The range was not valid.", errors={"to": ["Please give a later `to`."]})
    if end - start > LONGEST_SPAN:
        raise Invalid(
            "The range was too long.", errors={"to": ["Please ask for at most 93 days at once."]}
        )
    return start, end


# Visits ----------------------------------------------------------------------------------------


class TeamVisits(MethodView):
    decorators = [login_required]

    @blp.arguments(RangeSchema, location="query", as_kwargs=True)
    @blp.response(200, VisitSchema(many=True))
    @problem_responses(404, 422)
    def get(self, team_id: int, **args: Any) -> Any:
        """The team's visits starting between `from` and `to` (default: the next 14 days, at
        most 93), cancelled and declined ones left out."""
        session = current_session()
        s = find_team(session, _user(), team_id, now())
        start, end = _span(args)
        return [_out(v, s) for v in visits.team_visits(session, s, start, end)]

    @blp.arguments(VisitCreateSchema)
    @blp.response(201, PlannedVisitSchema)
    @problem_responses(403, 404, 409, 422)
    def post(self, data: dict[str, Any], team_id: int) -> Any:
        """Plan a visit (the leader, their representative or the rota holder): offered to a
        bookable member, or open (`worker_id: null`). A 409 when the person is already booked
        then, in any team; its `detail` gives the clash's times only."""
        session = current_session()
        s = find_team(session, _user(), team_id, now())
        planned = visits.plan_visit(session, s, now=now(), **data)
        return _out(planned.visit, s, planned.warnings)


class VisitResource(MethodView):
    decorators = [login_required]

    @blp.response(200, VisitSchema)
    @problem_responses(404)
    def get(self, visit_id: int) -> Any:
        """One visit."""
        visit, s = _visit(visit_id)
        return _out(visit, s)

    @blp.arguments(VisitPatchSchema)
    @blp.response(200, PlannedVisitSchema)
    @problem_responses(403, 404, 409, 422)
    def patch(self, data: dict[str, Any], visit_id: int) -> Any:
        """Change just this visit: its times, person (offered afresh; null makes it open) or
        notes."""
        visit, s = _visit(visit_id)
        changes: dict[str, Any] = dict(data)
        if "worker_id" not in changes:
            changes["worker_id"] = ...
        planned = visits.change_visit(current_session(), s, visit, now=now(), **changes)
        return _out(planned.visit, s, planned.warnings)

    @blp.response(204)
    @problem_responses(403, 404, 409)
    def delete(self, visit_id: int) -> None:
        """Cancel the visit; the person booked is told."""
        visit, s = _visit(visit_id)
        visits.cancel_visit(current_session(), s, visit, now=now())


def _answer(visit_id: int, *, yes: bool) -> Any:
    visit, s = _visit(visit_id)
    return _out(visits.answer_visit(current_session(), s, visit, yes=yes, now=now()), s)


class VisitAccept(MethodView):
    decorators = [login_required]

    @blp.response(200, VisitSchema)
    @problem_responses(403, 404, 409)
    def post(self, visit_id: int) -> Any:
        """Say yes to a visit offered to you."""
        return _answer(visit_id, yes=True)


class VisitDecline(MethodView):
    decorators = [login_required]

    @blp.response(200, VisitSchema)
    @problem_responses(403, 404, 409)
    def post(self, visit_id: int) -> Any:
        """Say no to a visit offered to you."""
        return _answer(visit_id, yes=False)


class VisitJoin(MethodView):
    decorators = [login_required]

    @blp.response(200, VisitSchema)
    @problem_responses(403, 404, 409)
    def post(self, visit_id: int) -> Any:
        """Take an open visit of a team you can be booked in. The first to join gets it; the
        others get a 409."""
        visit, s = _visit(visit_id)
        return _out(visits.join_visit(current_session(), s, visit, now=now()), s)


class VisitCover(MethodView):
    decorators = [login_required]

    @blp.response(200, CoverSchema(many=True))
    @problem_responses(403, 404, 409)
    def get(self, visit_id: int) -> Any:
        """Who could take this open visit, best first (for those who plan the rota)."""
        visit, s = _visit(visit_id)
        return cover.suggest_cover(current_session(), s, visit, now=now())


class MyVisits(MethodView):
    decorators = [login_required]

    @blp.arguments(RangeSchema, location="query", as_kwargs=True)
    @blp.response(200, VisitSchema(many=True))
    @problem_responses(422)
    def get(self, **args: Any) -> Any:
        """Your visits in every team between `from` and `to` (default: the next 14 days), and
        the open visits you could join."""
        start, end = _span(args)
        return visits.my_visits(current_session(), _user(), start, end)


# Patterns --------------------------------------------------------------------------------------


class TeamPatterns(MethodView):
    decorators = [login_required]

    @blp.response(200, PatternSchema(many=True))
    @problem_responses(404)
    def get(self, team_id: int) -> Any:
        """The team's repeating patterns, the newest first."""
        session = current_session()
        s = find_team(session, _user(), team_id, now())
        found = list(
            session.scalars(
                select(Pattern).where(Pattern.team_id == s.team.id).order_by(Pattern.id.desc())
            )
        )
        if not s.is_member:
            return [{**_raw(p, PatternSchema()), "notes": ""} for p in found]
        return found

    @blp.arguments(PatternCreateSchema)
    @blp.response(201, PlannedPatternSchema)
    @problem_responses(403, 404, 422)
    def post(self, data: dict[str, Any], team_id: int) -> Any:
        """Make a repeating pattern (weekly or fortnightly, on chosen weekdays, at a local time)
        and its visits eight weeks ahead. Days the person is already booked elsewhere are made
        open, and listed in `warnings`."""
        session = current_session()
        s = find_team(session, _user(), team_id, now())
        pattern, notes = patterns.create_pattern(session, s, now=now(), **data)
        return {**_raw(pattern, PatternSchema()), "warnings": notes}


# Swaps -----------------------------------------------------------------------------------------


class VisitSwaps(MethodView):
    decorators = [login_required]

    @blp.arguments(SwapCreateSchema)
    @blp.response(201, SwapSchema)
    @problem_responses(403, 404, 409, 422)
    def post(self, data: dict[str, Any], visit_id: int) -> Any:
        """Ask another bookable member of the team to take your visit."""
        visit, s = _visit(visit_id)
        return swaps.ask_swap(current_session(), s, visit, to_user_id=data["to_user_id"], now=now())


def _swap(swap_id: int) -> tuple[Any, Standing]:
    return swaps.find_swap(current_session(), _user(), swap_id, now())


class SwapAccept(MethodView):
    decorators = [login_required]

    @blp.response(200, SwapSchema)
    @problem_responses(403, 404, 409, 422)
    def post(self, swap_id: int) -> Any:
        """Say yes to taking a visit you were asked to swap."""
        swap, s = _swap(swap_id)
        return swaps.answer_swap(current_session(), s, swap, yes=True, now=now())


class SwapDecline(MethodView):
    decorators = [login_required]

    @blp.response(200, SwapSchema)
    @problem_responses(403, 404, 409)
    def post(self, swap_id: int) -> Any:
        """Say no to taking a visit you were asked to swap."""
        swap, s = _swap(swap_id)
        return swaps.answer_swap(current_session(), s, swap, yes=False, now=now())


class SwapApprove(MethodView):
    decorators = [login_required]

    @blp.arguments(SwapApproveSchema)
    @blp.response(200, SwapSchema)
    @problem_responses(403, 404, 409, 422)
    def post(self, data: dict[str, Any], swap_id: int) -> Any:
        """Approve an accepted swap (the visit moves to the new person, under the booking
        guard; a 409 if they are booked then), or refuse it with `{"approve": false}`."""
        swap, s = _swap(swap_id)
        return swaps.approve_swap(current_session(), s, swap, yes=data["approve"], now=now())
