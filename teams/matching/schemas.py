"""Marshmallow schemas for the matching JSON API: workers' profiles, openings (as the team and as
a worker sees them), suggestions both ways, and the consent state machine.

What never appears here: a private note for the co-op, a lawful stated requirement, a reason
for a no, a check's details, a facilitator's pause note or an equality answer. An interest
answers only where it stands. Times are RFC 3339 with an offset; a time without one is a 422."""

from __future__ import annotations

from typing import Any

import marshmallow as ma

from coop.web import MAX_ID
from teams.matching.conversations import NOTE_LIMIT
from teams.matching.vocabulary import LAWFUL_REQUIREMENTS, MATCH_STATES, OPENING_STATES, TASKS
from teams.models import EMPLOYMENTS

WINDOWS_DESCRIPTION = (
    "Weekly times in local time, each `[weekday, start minute, end minute]`: weekday 0 is "
    "Monday, minutes after midnight, e.g. `[1, 540, 720]` for Tuesday 09:00 to 12:00"
)


def _id(description: str, **kwargs: Any) -> ma.fields.Integer:
    return ma.fields.Integer(
        strict=True,
        validate=ma.validate.Range(min=1, max=MAX_ID),
        metadata={"description": description},
        **kwargs,
    )


def _windows(**kwargs: Any) -> ma.fields.List[Any]:
    return ma.fields.List(
        ma.fields.List(ma.fields.Integer(strict=True), validate=ma.validate.Length(equal=3)),
        metadata={"description": WINDOWS_DESCRIPTION},
        **kwargs,
    )


def _words(description: str, **kwargs: Any) -> ma.fields.List[Any]:
    return ma.fields.List(ma.fields.String(), metadata={"description": description}, **kwargs)


# Workers' profiles -------------------------------------------------------------------------------


class WorkerProfileFieldsSchema(ma.Schema):
    """What a worker tells teams about themselves, and what matching needs to suggest them."""

    about = ma.fields.String(allow_none=True)
    employment = ma.fields.String(validate=ma.validate.OneOf(EMPLOYMENTS))
    rate_pence = ma.fields.Integer(
        strict=True,
        allow_none=True,
        metadata={"description": "An independent worker's hourly rate, in pence"},
    )
    neighbourhood_id = ma.fields.Integer(
        strict=True, allow_none=True, metadata={"description": "Where they live, or near"}
    )
    travel_miles = ma.fields.Integer(
        strict=True, metadata={"description": "How far they will travel (0 to 100 miles)"}
    )
    skills = ma.fields.List(
        ma.fields.Integer(strict=True),
        metadata={"description": "Ids of skills from the co-op's list"},
    )
    other_skills = ma.fields.String(allow_none=True)
    languages = _words("Languages spoken, in lower case")
    interests = _words("Interests, in lower case")
    windows = _windows()
    open_to_new_teams = ma.fields.Boolean()


class WorkerProfilePutSchema(WorkerProfileFieldsSchema):
    """The whole profile: a field left out is saved empty (or refused where it is needed)."""


class WorkerProfileSchema(WorkerProfileFieldsSchema):
    id = ma.fields.Integer(
        required=True, attribute="user_id", metadata={"description": "The worker's user id"}
    )
    name = ma.fields.Function(lambda profile: profile.user.display_name)
    updated_at = ma.fields.AwareDateTime()


# Openings ----------------------------------------------------------------------------------------


class OpeningFieldsSchema(ma.Schema):
    title = ma.fields.String(metadata={"description": "A short title (up to 120 letters)"})
    support = ma.fields.String(metadata={"description": "What support the team is looking for"})
    what_matters = ma.fields.String(
        allow_none=True, metadata={"description": "What matters to the person who leads"}
    )
    tasks = ma.fields.List(
        ma.fields.String(validate=ma.validate.OneOf(TASKS)),
        metadata={"description": "What help is needed: it decides the checks a worker needs"},
    )
    windows = _windows()
    neighbourhood_id = ma.fields.Integer(strict=True, allow_none=True)
    required_skills = ma.fields.List(ma.fields.Integer(strict=True))
    preferred_skills = ma.fields.List(ma.fields.Integer(strict=True))
    required_languages = _words("Languages a worker must speak")
    preferred_languages = _words("Languages the team would like")
    interests = _words("Interests the person would like to share")
    max_rate_pence = ma.fields.Integer(
        strict=True,
        allow_none=True,
        metadata={"description": "The most the team can pay an hour, in pence; empty: no limit"},
    )


class OpeningWriteSchema(OpeningFieldsSchema):
    """A new opening, or an open one changed: every field (one left out is saved empty)."""


class OpeningSchema(OpeningFieldsSchema):
    """An opening as its team sees it."""

    id = ma.fields.Integer(required=True)
    team_id = ma.fields.Integer()
    status = ma.fields.String(metadata={"enum": list(OPENING_STATES)})
    created_at = ma.fields.AwareDateTime()
    closed_at = ma.fields.AwareDateTime(allow_none=True)


class OpeningCloseSchema(ma.Schema):
    filled = ma.fields.Boolean(
        load_default=False,
        metadata={"description": "True when someone was found; false when it is no longer wanted"},
    )


class OpeningTeamSchema(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()
    leader_name = ma.fields.String()


class WorkerOpeningSchema(OpeningFieldsSchema):
    """An opening as a worker sees it: never the person's name or address until both sides
    have said yes (`team` is null until then)."""

    id = ma.fields.Integer(required=True)
    status = ma.fields.String(metadata={"enum": list(OPENING_STATES)})
    neighbourhood = ma.fields.String(metadata={"description": "The neighbourhood's name"})
    team = ma.fields.Nested(
        OpeningTeamSchema,
        allow_none=True,
        metadata={"description": "Who the team is: null until both sides have said yes"},
    )


# Suggestions -------------------------------------------------------------------------------------


class SuggestionQuerySchema(ma.Schema):
    include_declined = ma.fields.Boolean(
        load_default=False,
        metadata={"description": "Also suggest those said no to lately (the quiet period)"},
    )


class _SuggestionSchema(ma.Schema):
    score = ma.fields.Integer()
    miles = ma.fields.Float(metadata={"description": "Straight-line miles, to one decimal"})
    reasons = ma.fields.List(ma.fields.String(), metadata={"description": "In plain words"})


class WorkerSuggestionSchema(_SuggestionSchema):
    """A worker suggested for a team's opening."""

    worker_id = ma.fields.Integer(required=True)
    name = ma.fields.String(metadata={"description": "The worker's name"})


class OpeningSuggestionSchema(_SuggestionSchema):
    """An opening suggested to a worker: its title and neighbourhood only."""

    opening_id = ma.fields.Integer(required=True)
    name = ma.fields.String(metadata={"description": "The opening's title"})
    neighbourhood = ma.fields.String()


# The consent state machine -----------------------------------------------------------------------


class TrialSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    starts_at = ma.fields.AwareDateTime()
    ends_at = ma.fields.AwareDateTime()
    status = ma.fields.String(metadata={"enum": ["proposed", "agreed", "ended"]})


class InterestSchema(ma.Schema):
    """Where one opening and one worker stand: never a note, a reason or a lawful requirement."""

    id = ma.fields.Integer(required=True)
    opening_id = ma.fields.Integer()
    worker_id = ma.fields.Integer()
    state = ma.fields.String(metadata={"enum": list(MATCH_STATES)})
    started_by = ma.fields.String(metadata={"enum": ["team", "worker"]})
    trial = ma.fields.Nested(TrialSchema, allow_none=True)


class InterestQuerySchema(ma.Schema):
    opening_id = ma.fields.Integer(
        load_default=None,
        validate=ma.validate.Range(min=1),
        metadata={
            "description": "Your team's opening: who is in touch about it. Without it: yours"
        },
    )


class InterestCreateSchema(ma.Schema):
    opening_id = _id("The opening", required=True)
    worker_id = _id(
        "For the team: the worker it would like to meet. Leave out to speak for yourself",
        load_default=None,
        allow_none=True,
    )


def _note() -> ma.fields.String:
    return ma.fields.String(
        load_default=None,
        allow_none=True,
        validate=ma.validate.Length(max=NOTE_LIMIT),
        metadata={"description": "A private note for the co-op, never shown to the other side"},
    )


def _lawful() -> ma.fields.String:
    return ma.fields.String(
        load_default=None,
        allow_none=True,
        validate=ma.validate.OneOf(LAWFUL_REQUIREMENTS),
        metadata={
            "description": "With a no: a lawful stated requirement behind it, counted apart by "
            "the equality monitor and never shown to anyone"
        },
    )


class StopSchema(ma.Schema):
    note = _note()
    lawful_requirement = _lawful()


class AnswerSchema(StopSchema):
    answer = ma.fields.String(required=True, validate=ma.validate.OneOf(("yes", "no")))


class DecisionSchema(StopSchema):
    decision = ma.fields.String(required=True, validate=ma.validate.OneOf(("carry_on", "stop")))


class TrialProposeSchema(ma.Schema):
    starts_at = ma.fields.AwareDateTime(required=True)
    ends_at = ma.fields.AwareDateTime(required=True)
