"""Marshmallow schemas for the teams JSON API: teams, members, hats, the support plan, notes
and the access log. Times are RFC 3339 with an offset; private text appears only in the plan
and note schemas, which only those who may read it are answered with."""

from __future__ import annotations

from typing import Any

import marshmallow as ma

from coop.schemas import ProblemSchema
from teams.models import EMPLOYMENTS, HATS, LEGAL_BASES, MEMBER_KINDS, PLAN_SECTIONS

INVITED_KINDS = tuple(k for k in MEMBER_KINDS if k != "supported")


# Teams and members -----------------------------------------------------------------------------


class TeamMemberSchema(ma.Schema):
    """A team member (or someone invited): never the invitation's token or e-mail address."""

    id = ma.fields.Integer(required=True, metadata={"description": "The membership's id"})
    team_id = ma.fields.Integer()
    user_id = ma.fields.Integer(
        allow_none=True, metadata={"description": "Empty until someone invited accepts"}
    )
    name = ma.fields.String()
    kind = ma.fields.String(metadata={"enum": list(MEMBER_KINDS)})
    employment = ma.fields.String(allow_none=True, metadata={"enum": list(EMPLOYMENTS)})
    status = ma.fields.String(metadata={"enum": ["invited", "active", "left", "declined"]})
    hats = ma.fields.Method(
        "_worn",
        metadata={"type": "array", "items": {"type": "string"}, "description": "Hats worn"},
    )
    offered_hats = ma.fields.Method(
        "_offered",
        metadata={
            "type": "array",
            "items": {"type": "string"},
            "description": "Hats offered and not yet answered",
        },
    )
    is_contact = ma.fields.Boolean()
    sees_records = ma.fields.Boolean()
    joined_at = ma.fields.AwareDateTime(allow_none=True)
    leaves_at = ma.fields.AwareDateTime(allow_none=True)
    invitation_expires_at = ma.fields.AwareDateTime(attribute="invite_expires_at", allow_none=True)

    def _worn(self, membership: Any) -> list[str]:
        return sorted(h.hat for h in membership.hats if h.status == "active")

    def _offered(self, membership: Any) -> list[str]:
        return sorted(h.hat for h in membership.hats if h.status == "offered")


class TeamSummarySchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    name = ma.fields.String()
    leader_id = ma.fields.Integer(metadata={"description": "The user id of the person it supports"})
    status = ma.fields.String(metadata={"enum": ["active", "closed"]})


class TeamSchema(TeamSummarySchema):
    members = ma.fields.List(
        ma.fields.Nested(TeamMemberSchema), metadata={"description": "Members and people invited"}
    )


class TeamCreateSchema(ma.Schema):
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=120))
    leader_id = ma.fields.Integer(
        required=True,
        strict=True,
        metadata={"description": "The user id of the person the team supports"},
    )


class TeamProposalCreateSchema(ma.Schema):
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=120))
    email = ma.fields.String(required=True, validate=ma.validate.Length(max=254))
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf(INVITED_KINDS))
    reason = ma.fields.String(
        required=True,
        validate=ma.validate.Length(min=1, max=500),
        metadata={"description": "Why they would be good for the team, in a few words"},
    )


class TeamProposalSchema(ma.Schema):
    id = ma.fields.Integer()
    team_id = ma.fields.Integer()
    proposed_by_id = ma.fields.Integer()
    name = ma.fields.String()
    kind = ma.fields.String()
    status = ma.fields.String()
    created_at = ma.fields.AwareDateTime()


class TeamInviteSchema(ma.Schema):
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=120))
    email = ma.fields.String(required=True, validate=ma.validate.Length(max=254))
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf(INVITED_KINDS))
    employment = ma.fields.String(
        load_default=None,
        allow_none=True,
        validate=ma.validate.OneOf(EMPLOYMENTS),
        metadata={"description": "For workers: independent or employed"},
    )
    sees_records = ma.fields.Boolean(
        load_default=False,
        metadata={"description": "May see the support plan and other private records"},
    )


class TeamMemberPatchSchema(ma.Schema):
    sees_records = ma.fields.Boolean()
    is_contact = ma.fields.Boolean(
        metadata={"description": "Told first when something goes wrong (one or two per team)"}
    )


# Hats ------------------------------------------------------------------------------------------


class HatSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    membership_id = ma.fields.Integer()
    hat = ma.fields.String(metadata={"enum": list(HATS)})
    status = ma.fields.String(
        metadata={"enum": ["offered", "active", "declined", "taken_back", "put_down"]}
    )
    scope = ma.fields.String()
    review_on = ma.fields.Date()
    offered_at = ma.fields.AwareDateTime()
    answered_at = ma.fields.AwareDateTime(allow_none=True)
    ended_at = ma.fields.AwareDateTime(allow_none=True)
    legal_basis = ma.fields.String(allow_none=True, metadata={"enum": list(LEGAL_BASES)})
    legal_reference = ma.fields.String(allow_none=True)
    checked_at = ma.fields.AwareDateTime(
        allow_none=True, metadata={"description": "When a facilitator checked a representative"}
    )


class HatOfferSchema(ma.Schema):
    hat = ma.fields.String(required=True, validate=ma.validate.OneOf(HATS))
    scope = ma.fields.String(
        required=True,
        validate=ma.validate.Length(max=300),
        metadata={"description": "What the hat covers, e.g. “weekday visits only”"},
    )
    review_on = ma.fields.Date(required=True, metadata={"description": "A date after today"})
    legal_basis = ma.fields.String(
        load_default=None,
        allow_none=True,
        validate=ma.validate.OneOf(LEGAL_BASES),
        metadata={"description": "For the representative hat"},
    )
    legal_reference = ma.fields.String(
        load_default=None,
        allow_none=True,
        validate=ma.validate.Length(max=80),
        metadata={"description": "For the representative hat, unless it is their own choice"},
    )


# The support plan ------------------------------------------------------------------------------


class PlanSectionsSchema(ma.Schema):
    """The support plan's sections, as plain text."""

    about_me = ma.fields.String(allow_none=True)
    what_matters = ma.fields.String(allow_none=True)
    how_to_support = ma.fields.String(allow_none=True)
    health = ma.fields.String(allow_none=True)
    people_to_contact = ma.fields.String(allow_none=True)


if tuple(PlanSectionsSchema().fields) != PLAN_SECTIONS:
    raise RuntimeError("PlanSectionsSchema's fields must be the plan's sections, in order.")


class PlanSchema(ma.Schema):
    version = ma.fields.Integer(
        required=True, metadata={"description": "0 before the plan's first save; also the ETag"}
    )
    sections = ma.fields.Nested(PlanSectionsSchema)
    updated_at = ma.fields.AwareDateTime(allow_none=True)
    updated_by_id = ma.fields.Integer(allow_none=True)


class PlanPutSchema(ma.Schema):
    sections = ma.fields.Nested(
        PlanSectionsSchema,
        required=True,
        metadata={"description": "Every section; one left out is saved empty"},
    )


class PlanVersionSchema(ma.Schema):
    version = ma.fields.Integer(required=True)
    sections = ma.fields.Nested(PlanSectionsSchema)
    created_at = ma.fields.AwareDateTime()
    author_id = ma.fields.Integer()


class PlanConflictSchema(ProblemSchema):
    """The plan was saved by someone else since the edit began: nothing was saved."""

    current = ma.fields.Nested(PlanSchema, metadata={"description": "The version saved now"})
    attempted = ma.fields.Nested(
        PlanSectionsSchema, metadata={"description": "What was sent, so that nothing typed is lost"}
    )


# Notes and the access log ----------------------------------------------------------------------


class NoteSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    author_id = ma.fields.Integer()
    body = ma.fields.String()
    created_at = ma.fields.AwareDateTime()
    reader_ids = ma.fields.Method(
        "_readers",
        metadata={
            "type": "array",
            "items": {"type": "integer"},
            "description": "Membership ids of the members named as readers",
        },
    )

    def _readers(self, note: Any) -> list[int]:
        return sorted(r.membership_id for r in note.readers)


class NoteCreateSchema(ma.Schema):
    body = ma.fields.String(required=True)
    reader_ids = ma.fields.List(
        ma.fields.Integer(strict=True),
        load_default=list,
        metadata={"description": "Membership ids of the members who may read it"},
    )


class TeamAccessEventSchema(ma.Schema):
    """A read of the team's private records by someone outside it."""

    id = ma.fields.Integer(required=True)
    at = ma.fields.AwareDateTime()
    reader_id = ma.fields.Integer()
    reader_name = ma.fields.Function(lambda event: event.reader.display_name)
    what = ma.fields.String()
    basis = ma.fields.String(metadata={"enum": ["granted", "emergency", "regulatory"]})
    reason = ma.fields.String(allow_none=True)
