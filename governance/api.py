"""The co-op's JSON API under /api/v1: members, proposals, ballots, results, logs, proxies."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask.views import MethodView
from flask_login import current_user, login_required

from coop.api import api_blueprint, problem_responses
from coop.db import current_session
from coop.errors import Invalid, NotFound
from coop.web import now
from governance import policy
from governance.schemas import (
    BallotSchema,
    ElectionBallotInSchema,
    ElectionBallotOutSchema,
    ElectionOutSchema,
    ElectionResultOutSchema,
    LogEntrySchema,
    MeetingOutSchema,
    MemberCreateSchema,
    MemberNameSchema,
    MemberPatchSchema,
    MemberSchema,
    OthersBallotSchema,
    ProposalSchema,
    ProxyCreateSchema,
    ProxySchema,
    ReceiptSchema,
    RecordedBallotSchema,
    ResultSchema,
)
from governance.services import (
    ballots,
    elections,
    meetings,
    proposals,
    proxies,
    recorded,
    register,
    results,
)

blp = api_blueprint(
    "governance_api", __name__, "The co-op: the register, proposals, ballots and results."
)


def _key() -> str:
    key: str = current_app.config["CARECOOP_BALLOT_HMAC_KEY"]
    return key


def _user() -> Any:
    return current_user._get_current_object()


class Members(MethodView):
    decorators = [login_required]

    @blp.response(200, MemberNameSchema(many=True))
    @problem_responses(404)
    def get(self) -> Any:
        """Current members' names (for members and the secretary)."""
        return register.member_names(current_session(), _user(), now=now())

    @blp.arguments(MemberCreateSchema)
    @blp.response(201, MemberSchema)
    @problem_responses(404, 409, 422)
    def post(self, data: dict[str, Any]) -> Any:
        """Apply to join; from the secretary, add and admit a member."""
        session, actor, moment = current_session(), _user(), now()
        st = register.standing(session, actor, moment)
        if policy.can_manage_register(st):
            return register.add_member(session, actor, now=moment, **data)
        extra = {
            k for k in ("user_id", "shares_held", "shares_paid_pence", "loans_pence") if data.get(k)
        }
        if extra:
            raise Invalid(
                "Only the secretary sets these.", errors={k: ["Not yours to set."] for k in extra}
            )
        return register.apply(
            session,
            actor,
            name=data["name"],
            member_class=data["member_class"],
            postal_address=data.get("postal_address"),
            email=data.get("email"),
            email_use=data.get("email_use", "notices"),
            now=moment,
        )


class MemberResource(MethodView):
    decorators = [login_required]

    @blp.response(200, MemberSchema)
    @problem_responses(404)
    def get(self, member_id: int) -> Any:
        """A register entry: all of it for the secretary and the member; a name for others."""
        session, actor, moment = current_session(), _user(), now()
        st = register.standing(session, actor, moment)
        if policy.can_manage_register(st) or (st.member is not None and st.member.id == member_id):
            return register.get_member(session, actor, member_id, now=moment)
        names = register.member_names(session, actor, now=moment)
        for member in names:
            if member.id == member_id:
                return MemberNameSchema().dump(member)
        raise NotFound("There is no such member.")

    @blp.arguments(MemberPatchSchema)
    @blp.response(200, MemberSchema)
    @problem_responses(404, 409, 422)
    def patch(self, data: dict[str, Any], member_id: int) -> Any:
        """Change register details (the secretary); admit (`status: member`); leave
        (`status: left`, the secretary or the member themselves)."""
        session, actor, moment = current_session(), _user(), now()
        status = data.pop("status", None)
        member = None
        if data:
            member = register.update_member(session, actor, member_id, now=moment, **data)
        if status == "member":
            member = register.admit(session, actor, member_id, now=moment)
        elif status == "left":
            member = register.leave(session, actor, member_id, now=moment)
        return member or register.get_member(session, actor, member_id, now=moment)


class Proposals(MethodView):
    decorators = [login_required]

    @blp.response(200, ProposalSchema(many=True))
    @problem_responses(404)
    def get(self) -> Any:
        """The proposals you may see."""
        return proposals.visible_proposals(current_session(), _user(), now=now())

    @blp.arguments(ProposalSchema)
    @blp.response(201, ProposalSchema)
    @problem_responses(404, 422)
    def post(self, data: dict[str, Any]) -> Any:
        """Draft a proposal (the secretary)."""
        return proposals.create_proposal(current_session(), _user(), now=now(), **data)


class ProposalResource(MethodView):
    decorators = [login_required]

    @blp.response(200, ProposalSchema)
    @problem_responses(404)
    def get(self, proposal_id: int) -> Any:
        return proposals.get_proposal(current_session(), _user(), proposal_id, now=now())


class ProposalOpen(MethodView):
    decorators = [login_required]

    @blp.response(200, ProposalSchema)
    @problem_responses(404, 409, 422)
    def post(self, proposal_id: int) -> Any:
        """Open voting (the secretary): the electorate is fixed now."""
        return proposals.open_proposal(current_session(), _user(), proposal_id, now=now())


class ProposalRegistration(MethodView):
    decorators = [login_required]

    @blp.response(200, ProposalSchema)
    @problem_responses(404, 409)
    def post(self, proposal_id: int) -> Any:
        """Record that the FCA registered this special resolution (the secretary)."""
        return proposals.mark_registered(current_session(), _user(), proposal_id, now=now())


class MyBallot(MethodView):
    decorators = [login_required]

    @blp.response(200, ReceiptSchema)
    @problem_responses(404)
    def get(self, proposal_id: int) -> Any:
        """Your receipt for your current ballot (never your choice)."""
        found = ballots.my_receipt(current_session(), _user(), proposal_id, key=_key(), now=now())
        if found is None:
            raise NotFound("You have not voted on this proposal.")
        return found

    @blp.arguments(BallotSchema)
    @blp.response(200, ReceiptSchema)
    @problem_responses(403, 404, 409, 422)
    def put(self, data: dict[str, Any], proposal_id: int) -> Any:
        """Cast or change your ballot. Idempotent; refused (409) once voting closes."""
        return ballots.cast_ballot(
            current_session(), _user(), proposal_id, choice=data["choice"], key=_key(), now=now()
        )


class OthersBallot(MethodView):
    decorators = [login_required]

    @blp.arguments(OthersBallotSchema)
    @blp.response(200, ReceiptSchema)
    @blp.alt_response(
        202, schema=RecordedBallotSchema, description="Recorded; awaits countersigning"
    )
    @problem_responses(403, 404, 409, 422)
    def put(self, data: dict[str, Any], proposal_id: int, member_id: int) -> Any:
        """As a member's proxy, cast or change their ballot. The secretary, with `method`
        (phone, paper, meeting), records a ballot the member gave; it counts once a second
        officer countersigns it."""
        session, actor, moment = current_session(), _user(), now()
        if data.get("method"):
            written = recorded.record_ballot(
                session,
                actor,
                proposal_id,
                member_id=member_id,
                choice=data["choice"],
                method=data["method"],
                now=moment,
            )
            # A Response passes flask-smorest's 200 schema by, as an alternative answer should.
            return current_app.response_class(
                current_app.json.dumps(RecordedBallotSchema().dump(written)),
                status=202,
                mimetype="application/json",
            )
        return ballots.cast_ballot(
            session,
            actor,
            proposal_id,
            choice=data["choice"],
            key=_key(),
            now=moment,
            for_member_id=member_id,
        )


class Countersign(MethodView):
    decorators = [login_required]

    @blp.response(200, ReceiptSchema)
    @problem_responses(403, 404, 409)
    def post(self, recorded_id: int) -> Any:
        """Countersign a ballot the secretary recorded (a second officer): it is cast now."""
        return recorded.countersign(
            current_session(),
            _user(),
            recorded_id,
            key=_key(),
            base_url=current_app.config["CARECOOP_BASE_URL"],
            now=now(),
        )


class ResultResource(MethodView):
    decorators = [login_required]

    @blp.response(200, ResultSchema)
    @problem_responses(404)
    def get(self, proposal_id: int) -> Any:
        """A closed proposal's result, as the secret-ballot rules allow."""
        return results.result_view(current_session(), _user(), proposal_id, key=_key(), now=now())


class LogResource(MethodView):
    decorators = [login_required]

    @blp.response(200, LogEntrySchema(many=True))
    @problem_responses(404)
    def get(self, proposal_id: int) -> Any:
        """The ballot log: for a secret vote, members get seq, receipt and hash only."""
        return results.log_view(current_session(), _user(), proposal_id, now=now())["entries"]


class Proxies(MethodView):
    decorators = [login_required]

    @blp.arguments(ProxyCreateSchema)
    @blp.response(201, ProxySchema)
    @problem_responses(403, 404, 409, 422)
    def post(self, data: dict[str, Any]) -> Any:
        """Appoint any person (by user id) as your proxy for one vote; nobody holds more than 5."""
        return proxies.appoint_proxy(
            current_session(), _user(), data["proposal_id"], holder_id=data["holder_id"], now=now()
        )


def _meeting_out(meeting: Any) -> dict[str, Any]:
    session, moment = current_session(), now()
    st = register.standing(session, _user(), moment)
    quorum = meetings.quorum_of(session, meeting)
    warnings = (
        meetings.warnings_for(session, meeting, zone=current_app.config["CARECOOP_TIMEZONE"])
        if policy.can_manage_meetings(st)
        else []
    )
    return {
        "id": meeting.id,
        "kind": meeting.kind,
        "title": meeting.title,
        "starts_at": meeting.starts_at,
        "place": meeting.place,
        "notice_sent_on": meeting.notice_sent_on,
        "agenda": meeting.agenda,
        "present": quorum.present,
        "quorum": quorum.needed,
        "quorate": quorum.quorate,
        "minutes": meetings.published_minutes(meeting),
        "minutes_published_at": meeting.minutes_published_at,
        "warnings": warnings,
        "confirms_proposal_id": meeting.confirms_proposal_id,
        "confirmation_for": meeting.confirmation_for,
        "confirmation_against": meeting.confirmation_against,
        "confirmed": meeting.confirmed,
    }


class Meetings(MethodView):
    decorators = [login_required]

    @blp.response(200, MeetingOutSchema(many=True))
    @problem_responses(404)
    def get(self) -> Any:
        """Meetings, with their agendas and published minutes (members and the secretary)."""
        found = meetings.visible_meetings(current_session(), _user(), now=now())
        return [_meeting_out(m) for m in found]


class MeetingResource(MethodView):
    decorators = [login_required]

    @blp.response(200, MeetingOutSchema)
    @problem_responses(404)
    def get(self, meeting_id: int) -> Any:
        """One meeting; the secretary also gets its warnings."""
        return _meeting_out(meetings.get_meeting(current_session(), _user(), meeting_id, now=now()))


class Elections(MethodView):
    decorators = [login_required]

    @blp.response(200, ElectionOutSchema(many=True))
    @problem_responses(404)
    def get(self) -> Any:
        """Elections of directors (members see all but drafts)."""
        return elections.visible_elections(current_session(), _user(), now=now())


class ElectionResource(MethodView):
    decorators = [login_required]

    @blp.response(200, ElectionOutSchema)
    @problem_responses(404)
    def get(self, election_id: int) -> Any:
        return elections.get_election(current_session(), _user(), election_id, now=now())


class ElectionBallotResource(MethodView):
    decorators = [login_required]

    @blp.arguments(ElectionBallotInSchema)
    @blp.response(200, ElectionBallotOutSchema)
    @problem_responses(403, 404, 409, 422)
    def put(self, data: dict[str, Any], election_id: int) -> Any:
        """Cast or change your ballot: up to as many candidates as seats in each class.
        Refused (409) once voting closes."""
        return elections.cast_election_ballot(
            current_session(), _user(), election_id, candidate_ids=data["candidate_ids"], now=now()
        )


class ElectionResultResource(MethodView):
    decorators = [login_required]

    @blp.response(200, ElectionResultOutSchema)
    @problem_responses(404)
    def get(self, election_id: int) -> Any:
        """A closed election's weighted totals, the elected and any draw by lot."""
        return elections.result_view(current_session(), _user(), election_id, now=now())
