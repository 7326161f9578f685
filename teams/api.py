"""The teams JSON API under /api/v1: teams, members, hats, invitations, the support plan (with
ETag and If-Match), private notes and the access log. The views only translate: every rule
lives in `teams.policy` and `teams.services`."""

from __future__ import annotations

from typing import Any

from flask import current_app, request
from flask.views import MethodView
from flask_login import login_required
from werkzeug.wrappers import Response

from coop.api import api_blueprint, problem_responses
from coop.db import current_session
from coop.errors import DomainError, Invalid
from coop.models import User
from coop.schemas import ProblemSchema
from coop.web import PROBLEM_JSON, now, signed_in_user, writes
from teams import policy
from teams.models import PLAN_SECTIONS, Membership, SupportPlan, Team
from teams.policy import Standing
from teams.schemas import (
    HatOfferSchema,
    HatSchema,
    NoteCreateSchema,
    NoteSchema,
    PlanConflictSchema,
    PlanPutSchema,
    PlanSchema,
    PlanVersionSchema,
    TeamAccessEventSchema,
    TeamCreateSchema,
    TeamInviteSchema,
    TeamMemberPatchSchema,
    TeamMemberSchema,
    TeamProposalCreateSchema,
    TeamProposalSchema,
    TeamSchema,
    TeamSummarySchema,
)
from teams.services import hats, members, records
from teams.services.standing import find_team, require

blp = api_blueprint(
    "teams_api", __name__, "Care teams: members, hats, the support plan, notes and the access log."
)

ETAG_HEADER = {
    "ETag": {
        "description": 'The plan\'s version, quoted: `"3"`. Send it back as `If-Match`.',
        "schema": {"type": "string"},
    }
}


class PreconditionRequired(DomainError):
    """A write that must say which version it was made from, and did not."""

    status = 428
    title = "Precondition required"


_user = signed_in_user


def _team(team_id: int) -> Standing:
    """The team as the signed-in person sees it; a 404 if they may not see it."""
    return find_team(current_session(), _user(), team_id, now())


def _team_out(team: Team) -> dict[str, Any]:
    return {
        "id": team.id,
        "name": team.name,
        "leader_id": team.leader_id,
        "status": team.status,
        "members": members.members(current_session(), team),
    }


# Teams -----------------------------------------------------------------------------------------


class Teams(MethodView):
    decorators = [login_required]

    @blp.response(200, TeamSummarySchema(many=True))
    @problem_responses()
    def get(self) -> Any:
        """The teams you are in now, the ones you lead first."""
        return members.teams_of(current_session(), _user(), now())

    @blp.arguments(TeamCreateSchema)
    @blp.response(201, TeamSchema)
    @problem_responses(403, 422)
    def post(self, data: dict[str, Any]) -> Any:
        """Set up a team with the person it supports as its leader (facilitators only)."""
        session, actor = current_session(), _user()
        require(policy.can_create_team(actor), detail="Only a facilitator can set up a team.")
        leader = session.get(User, data["leader_id"])
        if leader is None or not leader.active:
            raise Invalid(
                "The team was not set up.",
                errors={"leader_id": ["Please choose the person the team supports."]},
            )
        team = members.create_team(session, actor, name=data["name"], leader=leader, now=now())
        return _team_out(team)


class TeamResource(MethodView):
    decorators = [login_required]

    @blp.response(200, TeamSchema)
    @problem_responses(404)
    def get(self, team_id: int) -> Any:
        """A team: its leader, status, members and the hats they wear."""
        return _team_out(_team(team_id).team)


# Members ---------------------------------------------------------------------------------------


class Members(MethodView):
    decorators = [login_required]

    @blp.response(200, TeamMemberSchema(many=True))
    @problem_responses(404)
    def get(self, team_id: int) -> Any:
        """The team's members and the people invited, the leader first."""
        return members.members(current_session(), _team(team_id).team)

    @blp.arguments(TeamInviteSchema)
    @blp.response(201, TeamMemberSchema)
    @problem_responses(403, 404, 409, 422)
    def post(self, data: dict[str, Any], team_id: int) -> Any:
        """Invite someone by e-mail (the leader or their representative). They get a link to
        say yes or no within 14 days; the link is never part of this answer."""
        membership, _token = members.invite(
            current_session(),
            _team(team_id),
            name=data["name"],
            email=data["email"],
            kind=data["kind"],
            employment=data["employment"],
            sees_records=data["sees_records"],
            base_url=current_app.config["CARECOOP_BASE_URL"],
            now=now(),
        )
        return membership


class Proposals(MethodView):
    decorators = [login_required]

    @blp.response(200, TeamProposalSchema(many=True))
    @problem_responses(403, 404)
    def get(self, team_id: int) -> Any:
        """Suggestions waiting for the leader's answer (the leader and their representative)."""
        s = _team(team_id)
        require(policy.can_decide_proposals(s))
        return members.proposals(current_session(), s.team)

    @blp.arguments(TeamProposalCreateSchema)
    @blp.response(201, TeamProposalSchema)
    @problem_responses(403, 404, 422)
    def post(self, data: dict[str, Any], team_id: int) -> Any:
        """The team's introducer suggests someone; the leader says the final yes."""
        return members.propose(
            current_session(),
            _team(team_id),
            name=data["name"],
            email=data["email"],
            kind=data["kind"],
            reason=data["reason"],
            now=now(),
        )


class MemberResource(MethodView):
    decorators = [login_required]

    @blp.arguments(TeamMemberPatchSchema)
    @blp.response(200, TeamMemberSchema)
    @problem_responses(403, 404, 422)
    def patch(self, data: dict[str, Any], team_id: int, membership_id: int) -> Any:
        """Say whether a member may see private records, and name the team's contacts."""
        return members.update_member(
            current_session(),
            _team(team_id),
            membership_id,
            now=now(),
            sees_records=data.get("sees_records"),
            is_contact=data.get("is_contact"),
        )

    @blp.response(204)
    @problem_responses(403, 404)
    def delete(self, team_id: int, membership_id: int) -> None:
        """Take someone off the team, or withdraw their invitation, at once. Nobody can remove
        the person who leads the team."""
        members.remove_member(current_session(), _team(team_id), membership_id, now=now())


# Hats ------------------------------------------------------------------------------------------


class Hats(MethodView):
    decorators = [login_required]

    @blp.arguments(HatOfferSchema)
    @blp.response(201, HatSchema)
    @problem_responses(403, 404, 409, 422)
    def post(self, data: dict[str, Any], team_id: int, membership_id: int) -> Any:
        """Offer a member a hat, with its scope and review date. Only the leader gives the
        representative hat, with its legal basis."""
        return hats.offer_hat(
            current_session(),
            _team(team_id),
            membership_id,
            hat=data["hat"],
            scope_text=data["scope"],
            review_on=data["review_on"],
            legal_basis=data["legal_basis"],
            legal_reference=data["legal_reference"],
            now=now(),
        )


class HatResource(MethodView):
    decorators = [login_required]

    @blp.response(200, HatSchema)
    @problem_responses(403, 404, 409)
    def delete(self, team_id: int, membership_id: int, hat: str) -> Any:
        """End a hat: put it down if it is yours and you wear it; otherwise take it back (the
        leader, or their representative for any hat but the representative's). Answers the
        hat, whose `status` says which."""
        session, s, moment = current_session(), _team(team_id), now()
        row = hats.find_hat(session, s, membership_id, hat)
        if policy.can_put_down_hat(s, row):
            return hats.put_down_hat(session, s, membership_id, hat, now=moment)
        return hats.take_back_hat(session, s, membership_id, hat, now=moment)


def _answer_hat(team_id: int, membership_id: int, hat: str, *, yes: bool) -> Any:
    return hats.answer_hat(
        current_session(), _team(team_id), membership_id, hat, yes=yes, now=now()
    )


class HatAccept(MethodView):
    decorators = [login_required]

    @blp.response(200, HatSchema)
    @problem_responses(403, 404, 409)
    def post(self, team_id: int, membership_id: int, hat: str) -> Any:
        """Accept a hat offered to you."""
        return _answer_hat(team_id, membership_id, hat, yes=True)


class HatDecline(MethodView):
    decorators = [login_required]

    @blp.response(200, HatSchema)
    @problem_responses(403, 404, 409)
    def post(self, team_id: int, membership_id: int, hat: str) -> Any:
        """Decline a hat offered to you."""
        return _answer_hat(team_id, membership_id, hat, yes=False)


# Invitations -----------------------------------------------------------------------------------


class InvitationAccept(MethodView):
    decorators = [login_required]

    @blp.response(200, TeamMemberSchema)
    @problem_responses(403, 404, 409)
    def post(self, token: str) -> Membership:
        """Say yes to an invitation (the token from its link): you join the team. The link
        works only for the account with the address it was sent to."""
        return members.accept_invitation(current_session(), _user(), token, now=now())


class InvitationDecline(MethodView):
    decorators = [login_required]

    @blp.response(204)
    @problem_responses(404)
    def post(self, token: str) -> None:
        """Say no to an invitation, without a reason."""
        members.decline_invitation(current_session(), token, now=now(), user=_user())


# The support plan ------------------------------------------------------------------------------


def _plan_out(plan: SupportPlan | None) -> dict[str, Any]:
    if plan is None:
        sections = dict.fromkeys(PLAN_SECTIONS, "")
        return {"version": 0, "sections": sections, "updated_at": None, "updated_by_id": None}
    return {
        "version": plan.version,
        "sections": {name: plan.sections.get(name, "") for name in PLAN_SECTIONS},
        "updated_at": plan.updated_at,
        "updated_by_id": plan.updated_by_id,
    }


def _etag(version: int) -> dict[str, str]:
    return {"ETag": f'"{version}"'}


def _if_match_version() -> int:
    """The version named by `If-Match` (one strong ETag, as GET gave it)."""
    if "If-Match" not in request.headers:
        raise PreconditionRequired(
            'Send the version you edited as If-Match (the ETag the plan was read with, e.g. "3"), '
            "so that nobody's changes are lost."
        )
    tags = request.if_match
    strong = tags.as_set()
    if tags.star_tag or len(strong) != 1 or not next(iter(strong)).isdigit():
        raise Invalid(
            "If-Match must be the one ETag the plan was read with.",
            errors={"If-Match": ['Send one version as the plan\'s ETag gave it, e.g. "3".']},
        )
    return int(next(iter(strong)))


def _plan_conflict(exc: records.PlanConflict) -> Response:
    """A 409 problem that also carries the version saved now and what was sent."""
    body = PlanConflictSchema().dump(
        {
            "type": "about:blank",
            "title": exc.title,
            "status": exc.status,
            "detail": exc.detail,
            "current": _plan_out(exc.current),
            "attempted": exc.attempted,
        }
    )
    return current_app.response_class(
        current_app.json.dumps(body), status=exc.status, mimetype=PROBLEM_JSON
    )


class Plan(MethodView):
    # A read from outside the team writes an AccessEvent: begin as a write transaction.
    decorators = [login_required, writes]

    @blp.response(200, PlanSchema, headers=ETAG_HEADER)
    @problem_responses(404)
    def get(self, team_id: int) -> Any:
        """The support plan now, with its version as the ETag (version 0 before its first
        save). A read from outside the team appears on the leader's access log."""
        plan = records.read_plan(current_session(), _team(team_id), now())
        out = _plan_out(plan)
        return out, 200, _etag(out["version"])

    @blp.arguments(PlanPutSchema)
    @blp.response(200, PlanSchema, headers=ETAG_HEADER)
    @blp.alt_response(
        409,
        schema=PlanConflictSchema,
        content_type=PROBLEM_JSON,
        description="Someone saved a newer version since yours was read: nothing was saved. "
        "The answer carries the version saved now (`current`) and what you sent (`attempted`).",
    )
    @blp.alt_response(
        428,
        schema=ProblemSchema,
        content_type=PROBLEM_JSON,
        description="If-Match is required: the ETag of the version you edited.",
    )
    @problem_responses(403, 404, 422)
    @blp.doc(
        parameters=[
            {
                "in": "header",
                "name": "If-Match",
                "required": True,
                "description": 'The ETag of the version edited, e.g. `"3"` (`"0"` for the first save)',
                "schema": {"type": "string"},
            }
        ]
    )
    def put(self, data: dict[str, Any], team_id: int) -> Any:
        """Save a new version of the plan (the leader, their representative or the plan
        holder). `If-Match` must carry the ETag of the version edited (`"0"` for the first
        save); if someone saved since, the answer is a 409 with both versions."""
        session, s = current_session(), _team(team_id)
        base_version = _if_match_version()
        try:
            plan = records.save_plan(
                session, s, data["sections"], base_version=base_version, now=now()
            )
        except records.PlanConflict as exc:
            return _plan_conflict(exc)
        return _plan_out(plan), 200, _etag(plan.version)


class PlanVersions(MethodView):
    decorators = [login_required, writes]

    @blp.response(200, PlanVersionSchema(many=True))
    @problem_responses(404)
    def get(self, team_id: int) -> Any:
        """Every saved version of the plan, the newest first. A read from outside the team
        appears on the leader's access log."""
        return records.plan_versions(current_session(), _team(team_id), now())


class PlanVersion(MethodView):
    decorators = [login_required, writes]

    @blp.response(200, PlanVersionSchema)
    @problem_responses(404)
    def get(self, team_id: int, version: int) -> Any:
        """One saved version of the plan, to compare with another. A read from outside the
        team appears on the leader's access log."""
        return records.plan_version(current_session(), _team(team_id), version, now=now())


# Notes and the access log ----------------------------------------------------------------------


class Notes(MethodView):
    decorators = [login_required]

    @blp.response(200, NoteSchema(many=True))
    @problem_responses(404)
    def get(self, team_id: int) -> Any:
        """The private notes you may read, the newest first."""
        return records.visible_notes(current_session(), _team(team_id))

    @blp.arguments(NoteCreateSchema)
    @blp.response(201, NoteSchema)
    @problem_responses(403, 404, 422)
    def post(self, data: dict[str, Any], team_id: int) -> Any:
        """Write a private note, naming the members (by membership id) who may read it; the
        leader and their representative always can."""
        return records.add_note(
            current_session(),
            _team(team_id),
            body=data["body"],
            reader_ids=data["reader_ids"],
            now=now(),
        )


class AccessLog(MethodView):
    decorators = [login_required]

    @blp.response(200, TeamAccessEventSchema(many=True))
    @problem_responses(404)
    def get(self, team_id: int) -> Any:
        """“Who has seen my information”: reads of the team's private records from outside
        it, the newest first (for the leader and their representative)."""
        return records.access_log(current_session(), _team(team_id), now())
