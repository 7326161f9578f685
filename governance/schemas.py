"""Marshmallow schemas for the co-op's JSON API (DESIGN.md's API map, governance row)."""

from __future__ import annotations

import marshmallow as ma

from governance.models import (
    CHOICES,
    EMAIL_USES,
    KINDS,
    MEMBER_CLASSES,
    RECORDED_METHODS,
    SEAT_CLASSES,
)

_money = {"description": "Pence"}


class MemberNameSchema(ma.Schema):
    """Another member, as members see them: their name only."""

    id = ma.fields.Integer()
    name = ma.fields.String()


class MemberSchema(ma.Schema):
    """A register entry, for the secretary and the member themselves."""

    id = ma.fields.Integer(dump_only=True)
    user_id = ma.fields.Integer(allow_none=True)
    name = ma.fields.String()
    postal_address = ma.fields.String(
        allow_none=True, metadata={"description": "null means care of the co-op"}
    )
    email = ma.fields.String(allow_none=True)
    email_use = ma.fields.String(validate=ma.validate.OneOf(EMAIL_USES))
    member_class = ma.fields.String(validate=ma.validate.OneOf(MEMBER_CLASSES))
    shares_held = ma.fields.Integer(validate=ma.validate.Range(min=0))
    shares_paid_pence = ma.fields.Integer(validate=ma.validate.Range(min=0), metadata=_money)
    loans_pence = ma.fields.Integer(validate=ma.validate.Range(min=0), metadata=_money)
    status = ma.fields.String(dump_only=True)
    applied_at = ma.fields.AwareDateTime(dump_only=True)
    joined_at = ma.fields.AwareDateTime(dump_only=True, allow_none=True)
    left_at = ma.fields.AwareDateTime(dump_only=True, allow_none=True)


class MemberCreateSchema(ma.Schema):
    """Apply to join (anyone signed in), or, from the secretary, add and admit a member."""

    name = ma.fields.String(required=True)
    member_class = ma.fields.String(required=True, validate=ma.validate.OneOf(MEMBER_CLASSES))
    postal_address = ma.fields.String(allow_none=True, load_default=None)
    email = ma.fields.String(allow_none=True, load_default=None)
    email_use = ma.fields.String(load_default="notices", validate=ma.validate.OneOf(EMAIL_USES))
    user_id = ma.fields.Integer(allow_none=True, load_default=None)
    shares_held = ma.fields.Integer(validate=ma.validate.Range(min=0))
    shares_paid_pence = ma.fields.Integer(validate=ma.validate.Range(min=0))
    loans_pence = ma.fields.Integer(validate=ma.validate.Range(min=0))


class MemberPatchSchema(ma.Schema):
    """Register changes (the secretary); `status` admits an applicant ("member") or records
    that someone left ("left", which a member may also say of themselves)."""

    name = ma.fields.String()
    postal_address = ma.fields.String(allow_none=True)
    email = ma.fields.String(allow_none=True)
    email_use = ma.fields.String(validate=ma.validate.OneOf(EMAIL_USES))
    member_class = ma.fields.String(validate=ma.validate.OneOf(MEMBER_CLASSES))
    shares_held = ma.fields.Integer(validate=ma.validate.Range(min=0))
    shares_paid_pence = ma.fields.Integer(validate=ma.validate.Range(min=0))
    loans_pence = ma.fields.Integer(validate=ma.validate.Range(min=0))
    status = ma.fields.String(validate=ma.validate.OneOf(("member", "left")))


class ProposalSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    title = ma.fields.String(required=True)
    body = ma.fields.String(load_default="")
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf(KINDS))
    secret = ma.fields.Boolean(load_default=True)
    status = ma.fields.String(dump_only=True)
    opens_at = ma.fields.AwareDateTime(required=True)
    closes_at = ma.fields.AwareDateTime(required=True)
    electorate_size = ma.fields.Integer(dump_only=True, allow_none=True)


class ProposalActionSchema(ma.Schema):
    """What the secretary does to a proposal: open the vote, or record its registration."""

    action = ma.fields.String(required=True, validate=ma.validate.OneOf(("open", "registered")))


class BallotSchema(ma.Schema):
    choice = ma.fields.String(required=True, validate=ma.validate.OneOf(CHOICES))


class OthersBallotSchema(BallotSchema):
    """As proxy: just the choice. Recorded by the secretary: how the member gave it too."""

    method = ma.fields.String(validate=ma.validate.OneOf(RECORDED_METHODS))


class ReceiptSchema(ma.Schema):
    """Proof that a ballot is in the log; it never shows the choice."""

    proposal_id = ma.fields.Integer()
    seq = ma.fields.Integer()
    receipt = ma.fields.String()
    hash = ma.fields.String()


class RecordedBallotSchema(ma.Schema):
    """A recorded ballot waiting for a second officer's countersignature."""

    id = ma.fields.Integer()
    proposal_id = ma.fields.Integer()
    member_id = ma.fields.Integer()
    method = ma.fields.String()
    countersigned = ma.fields.Function(lambda r: r.countersigned_at is not None)


class ResultSchema(ma.Schema):
    """The tally's fields plus counts by class, as much as the secret-ballot rules allow."""

    proposal_id = ma.fields.Integer()
    outcome = ma.fields.String()
    reason = ma.fields.String(allow_none=True)
    full = ma.fields.Boolean(
        metadata={"description": "false: too few voted in a class, so only the outcome shows"}
    )
    investor_weight = ma.fields.String(allow_none=True)
    weighted_for = ma.fields.String(allow_none=True)
    weighted_total = ma.fields.String(allow_none=True)
    for_share = ma.fields.String(allow_none=True)
    for_share_percent = ma.fields.String(allow_none=True)
    turnout = ma.fields.String(allow_none=True)
    counts = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer()),
        allow_none=True,
    )
    threshold = ma.fields.String()
    electorate = ma.fields.Integer(allow_none=True)
    entry_count = ma.fields.Integer()
    head_hash = ma.fields.String(allow_none=True)
    verified = ma.fields.Boolean()
    closed_at = ma.fields.AwareDateTime()


class LogEntrySchema(ma.Schema):
    """One ballot log entry. For a secret vote members get seq, receipt and hash only."""

    seq = ma.fields.Integer()
    receipt = ma.fields.String()
    hash = ma.fields.String()
    replaces = ma.fields.Integer(allow_none=True)
    member_class = ma.fields.String()
    choice = ma.fields.String()
    cast_by = ma.fields.String()
    at = ma.fields.AwareDateTime()
    name = ma.fields.String(allow_none=True)


class ProxyCreateSchema(ma.Schema):
    proposal_id = ma.fields.Integer(required=True)
    holder_id = ma.fields.Integer(required=True, metadata={"description": "A user id"})


class ProxySchema(ma.Schema):
    id = ma.fields.Integer()
    proposal_id = ma.fields.Integer()
    holder_id = ma.fields.Integer()
    giver_id = ma.fields.Integer()


# Meetings and elections ---------------------------------------------------------------------------


class AgendaItemOutSchema(ma.Schema):
    position = ma.fields.Integer()
    text = ma.fields.String()
    proposal_id = ma.fields.Integer(allow_none=True)


class MeetingOutSchema(ma.Schema):
    """A meeting as members see it: the minutes only once published."""

    id = ma.fields.Integer()
    kind = ma.fields.String()
    title = ma.fields.String()
    starts_at = ma.fields.AwareDateTime()
    place = ma.fields.String()
    notice_sent_on = ma.fields.Date()
    agenda = ma.fields.List(ma.fields.Nested(AgendaItemOutSchema))
    present = ma.fields.Integer()
    quorum = ma.fields.Integer()
    quorate = ma.fields.Boolean()
    minutes = ma.fields.String(allow_none=True)
    minutes_published_at = ma.fields.AwareDateTime(allow_none=True)
    warnings = ma.fields.List(
        ma.fields.String(), metadata={"description": "For the secretary only; empty for others"}
    )
    confirms_proposal_id = ma.fields.Integer(
        allow_none=True, metadata={"description": "The special resolution this meeting confirms"}
    )
    confirmation_for = ma.fields.Integer(allow_none=True)
    confirmation_against = ma.fields.Integer(allow_none=True)
    confirmed = ma.fields.Boolean(allow_none=True)


class CandidateOutSchema(ma.Schema):
    id = ma.fields.Integer()
    member_id = ma.fields.Integer()
    name = ma.fields.Function(lambda c: c.member.name)
    seat_class = ma.fields.String()


class ElectionOutSchema(ma.Schema):
    id = ma.fields.Integer()
    title = ma.fields.String()
    status = ma.fields.String()
    seats = ma.fields.Function(
        lambda e: {c: e.seats(c) for c in SEAT_CLASSES},
        metadata={"description": "Seats to fill per class of seat"},
    )
    closes_at = ma.fields.AwareDateTime()
    closed_at = ma.fields.AwareDateTime(allow_none=True)
    candidates = ma.fields.List(ma.fields.Nested(CandidateOutSchema))


class ElectionBallotInSchema(ma.Schema):
    candidate_ids = ma.fields.List(ma.fields.Integer(), required=True)


class ElectionBallotOutSchema(ma.Schema):
    """That your ballot is in; never what it says."""

    election_id = ma.fields.Integer()
    cast_at = ma.fields.AwareDateTime()
    changed = ma.fields.Boolean()


class ElectionResultRowSchema(ma.Schema):
    candidate_id = ma.fields.Integer()
    name = ma.fields.String()
    seat_class = ma.fields.String()
    weighted_votes = ma.fields.String(
        allow_none=True,
        metadata={"description": "An exact fraction; null when one or two investors voted"},
    )
    elected = ma.fields.Boolean()


class ElectionDrawSchema(ma.Schema):
    seat_class = ma.fields.String()
    tied = ma.fields.List(ma.fields.Integer())
    order = ma.fields.List(ma.fields.Integer(), metadata={"description": "As drawn by lot"})
    seats = ma.fields.Integer()


class ElectionResultOutSchema(ma.Schema):
    election_id = ma.fields.Integer()
    outcome = ma.fields.String()
    voters = ma.fields.Integer()
    investor_weight = ma.fields.String(allow_none=True)
    candidates = ma.fields.List(ma.fields.Nested(ElectionResultRowSchema))
    draws = ma.fields.List(ma.fields.Nested(ElectionDrawSchema))
    closed_at = ma.fields.AwareDateTime()
