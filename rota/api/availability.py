"""Availability, leave and pauses in the JSON API: your own weekly windows and leave under
`/api/v1/me`, and a team's pause (a hospital stay) for those who plan its rota. The views only
translate: every rule lives in `rota.services.availability`."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask.views import MethodView
from flask_login import login_required

from coop.api import problem_responses
from coop.db import current_session
from coop.models import User
from coop.web import now, signed_in_user
from rota.api import blp
from rota.services import availability
from rota.services.availability import PAUSE_REASONS, Window
from teams.services.standing import find_team

# Schemas ---------------------------------------------------------------------------------------


class WindowSchema(ma.Schema):
    weekday = ma.fields.Integer(
        strict=True, required=True, metadata={"description": "0 is Monday, 6 is Sunday"}
    )
    starts = ma.fields.Time(
        required=True, format="%H:%M", metadata={"description": "Local time, HH:MM"}
    )
    ends = ma.fields.Time(
        required=True, format="%H:%M", metadata={"description": "Local time, HH:MM, after starts"}
    )


class AvailabilitySchema(ma.Schema):
    windows = ma.fields.List(ma.fields.Nested(WindowSchema), required=True)


class LeaveSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    first_day = ma.fields.Date(required=True)
    last_day = ma.fields.Date(required=True, metadata={"description": "Included"})


class PauseCreateSchema(ma.Schema):
    first_day = ma.fields.Date(required=True)
    last_day = ma.fields.Date(required=True, metadata={"description": "Included"})
    reason = ma.fields.String(load_default="hospital", metadata={"enum": list(PAUSE_REASONS)})


class PauseSchema(ma.Schema):
    id = ma.fields.Integer()
    team_id = ma.fields.Integer()
    first_day = ma.fields.Date()
    last_day = ma.fields.Date()
    reason = ma.fields.String(metadata={"enum": list(PAUSE_REASONS)})
    created_at = ma.fields.AwareDateTime()
    cancelled_visits = ma.fields.Integer(
        metadata={"description": "How many visits the pause cancelled, without charge"}
    )


_user = signed_in_user


def _windows_out(user: User) -> dict[str, Any]:
    return {"windows": availability.my_availability(current_session(), user)}


# Endpoints -------------------------------------------------------------------------------------


class MyAvailability(MethodView):
    decorators = [login_required]

    @blp.response(200, AvailabilitySchema)
    @problem_responses()
    def get(self) -> Any:
        """When you are usually free: weekly windows in the co-op's local time."""
        return _windows_out(_user())

    @blp.arguments(AvailabilitySchema)
    @blp.response(200, AvailabilitySchema)
    @problem_responses(422)
    def put(self, data: dict[str, Any]) -> Any:
        """Replace all your weekly windows (an empty list clears them). A 422 for a window that
        does not end after it starts, or two that overlap on one day."""
        windows = [Window(w["weekday"], w["starts"], w["ends"]) for w in data["windows"]]
        availability.set_availability(current_session(), _user(), windows, now=now())
        return _windows_out(_user())


class MyLeave(MethodView):
    decorators = [login_required]

    @blp.response(200, LeaveSchema(many=True))
    @problem_responses()
    def get(self) -> Any:
        """Your leave that is not over yet, earliest first."""
        return availability.my_leave(current_session(), _user(), now=now())

    @blp.arguments(LeaveSchema)
    @blp.response(201, LeaveSchema)
    @problem_responses(422)
    def post(self, data: dict[str, Any]) -> Any:
        """Add leave, from `first_day` to `last_day` (local days, both included)."""
        return availability.add_leave(current_session(), _user(), now=now(), **data)


class MyLeaveItem(MethodView):
    decorators = [login_required]

    @blp.response(204)
    @problem_responses(404, 422)
    def delete(self, leave_id: int) -> None:
        """Remove leave of yours that has not started yet."""
        availability.remove_leave(current_session(), _user(), leave_id, now=now())


class TeamPauses(MethodView):
    decorators = [login_required]

    @blp.arguments(PauseCreateSchema)
    @blp.response(201, PauseSchema)
    @problem_responses(403, 404, 422)
    def post(self, data: dict[str, Any], team_id: int) -> Any:
        """Pause the team's visits (a hospital stay, or `other`): its visits on those days are
        cancelled without charge, and the people booked are told. For the leader, their
        representative and the rota holder."""
        session = current_session()
        s = find_team(session, _user(), team_id, now())
        pause, count = availability.pause_team(session, s, now=now(), **data)
        return {
            "id": pause.id,
            "team_id": pause.team_id,
            "first_day": pause.first_day,
            "last_day": pause.last_day,
            "reason": pause.reason,
            "created_at": pause.created_at,
            "cancelled_visits": count,
        }
