"""The matching JSON API under /api/v1: workers' profiles, openings, suggestions both ways, and
the consent state machine from "I'd like to meet" to joining the team. The views only
translate: every rule lives in `teams.matching.policy` and the matching services.

What the API never answers with: a note for the co-op, a reason for a no, a lawful stated
requirement, a facilitator's pause note or anyone's equality answers."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_login import login_required

from coop.api import api_blueprint, problem_responses
from coop.db import current_session
from coop.errors import NotFound
from coop.web import MAX_ID, now, signed_in_user
from teams.matching import consent, conversations, openings, profiles, suggestions, workers
from teams.matching.models import Interest, Opening, Trial
from teams.matching.schemas import (
    AnswerSchema,
    DecisionSchema,
    InterestCreateSchema,
    InterestQuerySchema,
    InterestSchema,
    OpeningCloseSchema,
    OpeningSchema,
    OpeningSuggestionSchema,
    OpeningWriteSchema,
    StopSchema,
    SuggestionQuerySchema,
    TrialProposeSchema,
    WorkerOpeningSchema,
    WorkerProfilePutSchema,
    WorkerProfileSchema,
    WorkerSuggestionSchema,
)
from teams.matching.scoring import Suggestion
from teams.services.standing import find_team, standing

# The views' blueprint is called "matching": two blueprints of one app cannot share a name.
blp = api_blueprint(
    "matching_api",
    __name__,
    "Matching by mutual consent: workers' profiles, openings, suggestions both ways, and "
    "“I'd like to meet” through the trial visit to joining the team.",
)


_user = signed_in_user


def _in_range(record_id: int | None) -> int | None:
    """An id from a body or a query: one outside the 64-bit range is not there (a 404)."""
    if record_id is not None and not 1 <= record_id <= MAX_ID:
        raise NotFound("We could not find that.")
    return record_id


def _worker_opening(opening: Opening, *, named: bool) -> dict[str, Any]:
    out = {name: getattr(opening, name) for name in openings.FIELDS}
    team = opening.team
    out |= {
        "id": opening.id,
        "status": opening.status,
        "neighbourhood": opening.neighbourhood.name,
        "team": (
            {"id": team.id, "name": team.name, "leader_name": team.leader.display_name}
            if named
            else None
        ),
    }
    return out


def _interest_of(trial: Trial) -> Interest:
    """The trial's interest, with its `trial` read again: a trial just made is added by its
    foreign key, so an interest loaded before it still holds no trial."""
    interest = trial.interest
    current_session().expire(interest, ["trials"])
    return interest


def _miles(suggestion: Suggestion) -> float:
    return round(suggestion.miles, 1)


# Workers' profiles -------------------------------------------------------------------------------


class MyProfile(MethodView):
    decorators = [login_required]

    @blp.response(200, WorkerProfileSchema)
    @problem_responses(404)
    def get(self) -> Any:
        """Your worker profile (a 404 until you have saved one)."""
        profile = profiles.profile_of(current_session(), _user().id)
        if profile is None:
            raise NotFound("You have not filled in a worker profile yet.")
        return profile

    @blp.arguments(WorkerProfilePutSchema)
    @blp.response(200, WorkerProfileSchema)
    @problem_responses(422)
    def put(self, data: dict[str, Any]) -> Any:
        """Save your whole worker profile: how teams find you. Problems come back per field."""
        return profiles.save_profile(current_session(), _user(), data, now=now())


class WorkerResource(MethodView):
    decorators = [login_required]

    @blp.response(200, WorkerProfileSchema)
    @problem_responses(404)
    def get(self, worker_id: int) -> Any:
        """A worker's profile: for the worker, facilitators, and those who speak for a team
        the worker is in touch with."""
        return workers.worker_profile_for(current_session(), _user(), worker_id, now())


# Openings ----------------------------------------------------------------------------------------


class TeamOpenings(MethodView):
    decorators = [login_required]

    @blp.response(200, OpeningSchema(many=True))
    @problem_responses(404)
    def get(self, team_id: int) -> Any:
        """The team's openings (for its leader, representative and introducers, and
        facilitators)."""
        session = current_session()
        return openings.team_openings(session, find_team(session, _user(), team_id, now()))

    @blp.arguments(OpeningWriteSchema)
    @blp.response(201, OpeningSchema)
    @problem_responses(403, 404, 422)
    def post(self, data: dict[str, Any], team_id: int) -> Any:
        """Open a place on the team (the leader or their representative)."""
        session, moment = current_session(), now()
        s = find_team(session, _user(), team_id, moment)
        return openings.create_opening(session, s, data, now=moment)


class TeamOpening(MethodView):
    decorators = [login_required]

    @blp.response(200, OpeningSchema)
    @problem_responses(404)
    def get(self, team_id: int, opening_id: int) -> Any:
        """One of the team's openings, as the team sees it."""
        session, moment = current_session(), now()
        s = find_team(session, _user(), team_id, moment)
        return openings.find_team_opening(session, s, opening_id)

    @blp.arguments(OpeningWriteSchema)
    @blp.response(200, OpeningSchema)
    @problem_responses(403, 404, 422)
    def put(self, data: dict[str, Any], team_id: int, opening_id: int) -> Any:
        """Change an open opening: every field (the leader or their representative)."""
        session, moment = current_session(), now()
        s = find_team(session, _user(), team_id, moment)
        return openings.update_opening(session, s, opening_id, data, now=moment)


class TeamOpeningClose(MethodView):
    decorators = [login_required]

    @blp.arguments(OpeningCloseSchema)
    @blp.response(200, OpeningSchema)
    @problem_responses(403, 404)
    def post(self, data: dict[str, Any], team_id: int, opening_id: int) -> Any:
        """Close an opening, filled or no longer wanted. Conversations under way go on."""
        session, moment = current_session(), now()
        s = find_team(session, _user(), team_id, moment)
        return openings.close_opening(session, s, opening_id, filled=data["filled"], now=moment)


class Openings(MethodView):
    decorators = [login_required]

    @blp.response(200, WorkerOpeningSchema(many=True))
    @problem_responses(404)
    def get(self) -> Any:
        """Open openings, for vetted workers, without whose team they are."""
        session, user = current_session(), _user()
        return [
            _worker_opening(o, named=False) for o in openings.open_openings(session, user, now())
        ]


class OpeningResource(MethodView):
    decorators = [login_required]

    @blp.response(200, WorkerOpeningSchema)
    @problem_responses(404)
    def get(self, opening_id: int) -> Any:
        """An opening as a worker sees it: whose team it is shows once both sides said yes."""
        found = openings.opening_for_viewer(current_session(), _user(), opening_id, now())
        return _worker_opening(found.opening, named=found.named)


# Suggestions -------------------------------------------------------------------------------------


class OpeningSuggestions(MethodView):
    decorators = [login_required]

    @blp.arguments(SuggestionQuerySchema, location="query")
    @blp.response(200, WorkerSuggestionSchema(many=True))
    @problem_responses(404, 409)
    def get(self, query: dict[str, Any], opening_id: int) -> Any:
        """Workers to suggest for your team's opening, best first, each with its reasons."""
        session, moment = current_session(), now()
        opening = openings.find_opening(session, opening_id)
        s = standing(session, _user(), opening.team, moment)
        found = suggestions.for_opening(
            session, s, opening.id, now=moment, include_declined=query["include_declined"]
        )
        return [
            {
                "worker_id": f.worker.user_id,
                "name": f.worker.name,
                "score": f.score,
                "miles": _miles(f),
                "reasons": list(f.reasons),
            }
            for f in found
        ]


class MySuggestions(MethodView):
    decorators = [login_required]

    @blp.arguments(SuggestionQuerySchema, location="query")
    @blp.response(200, OpeningSuggestionSchema(many=True))
    @problem_responses(404, 409)
    def get(self, query: dict[str, Any]) -> Any:
        """Openings to suggest to you (vetted workers), best first, with reasons: each one's
        title and neighbourhood only."""
        session = current_session()
        found = suggestions.for_worker(
            session, _user(), now=now(), include_declined=query["include_declined"]
        )
        out = []
        for f in found:
            opening = openings.find_opening(session, f.opening.opening_id)
            out.append(
                {
                    "opening_id": opening.id,
                    "name": opening.title,
                    "neighbourhood": opening.neighbourhood.name,
                    "score": f.score,
                    "miles": _miles(f),
                    "reasons": list(f.reasons),
                }
            )
        return out


# The consent state machine -----------------------------------------------------------------------


class Interests(MethodView):
    decorators = [login_required]

    @blp.arguments(InterestQuerySchema, location="query")
    @blp.response(200, InterestSchema(many=True))
    @problem_responses(404)
    def get(self, query: dict[str, Any]) -> Any:
        """Yours as a worker; or, with `opening_id`, who is in touch about your team's opening."""
        session, user = current_session(), _user()
        opening_id = _in_range(query["opening_id"])
        if opening_id is None:
            return conversations.interests_of_worker(session, user)
        return conversations.opening_interests(session, user, opening_id, now())

    @blp.arguments(InterestCreateSchema)
    @blp.response(201, InterestSchema)
    @problem_responses(403, 404, 409, 422)
    def post(self, data: dict[str, Any]) -> Any:
        """Say “I'd like to meet”: for yourself as a worker, or (with `worker_id`) for your
        team (its leader, representative or an introducer)."""
        return consent.express_interest(
            current_session(),
            _user(),
            opening_id=data["opening_id"],
            worker_id=data["worker_id"],
            now=now(),
        )


class InterestResource(MethodView):
    decorators = [login_required]

    @blp.response(200, InterestSchema)
    @problem_responses(404)
    def get(self, interest_id: int) -> Any:
        """Where things stand, for either side."""
        interest, _side, _s = conversations.find_interest(
            current_session(), _user(), interest_id, now()
        )
        return interest


class InterestAnswer(MethodView):
    decorators = [login_required]

    @blp.arguments(AnswerSchema)
    @blp.response(200, InterestSchema)
    @problem_responses(403, 404, 409, 422)
    def post(self, data: dict[str, Any], interest_id: int) -> Any:
        """Answer “I'd like to meet”: yes makes it mutual; no ends it, and the other side is
        never shown a reason. A note is for the co-op only."""
        return consent.answer_interest(
            current_session(),
            _user(),
            interest_id,
            yes=data["answer"] == "yes",
            lawful_requirement=data["lawful_requirement"],
            note=data["note"],
            now=now(),
        )


class InterestTrial(MethodView):
    decorators = [login_required]

    @blp.arguments(TrialProposeSchema)
    @blp.response(200, InterestSchema)
    @problem_responses(403, 404, 409, 422)
    def post(self, data: dict[str, Any], interest_id: int) -> Any:
        """Suggest a time for the trial visit, once both said yes (at most 12 hours); the
        other side agrees it."""
        trial = consent.propose_trial(
            current_session(),
            _user(),
            interest_id,
            starts_at=data["starts_at"],
            ends_at=data["ends_at"],
            now=now(),
        )
        return _interest_of(trial)


class InterestStop(MethodView):
    decorators = [login_required]

    @blp.arguments(StopSchema)
    @blp.response(200, InterestSchema)
    @problem_responses(403, 404, 409, 422)
    def post(self, data: dict[str, Any], interest_id: int) -> Any:
        """Say no, or stop, at any stage, without a reason. A trial visit not yet over is
        called off. A note is for the co-op only."""
        return consent.stop(
            current_session(),
            _user(),
            interest_id,
            lawful_requirement=data["lawful_requirement"],
            note=data["note"],
            now=now(),
        )


class TrialAgree(MethodView):
    decorators = [login_required]

    @blp.response(200, InterestSchema)
    @problem_responses(403, 404, 409)
    def post(self, trial_id: int) -> Any:
        """Agree the time the other side suggested: the trial visit is booked in the rota
        (a clash with the worker's other visits is a 409 that gives times only)."""
        trial = consent.agree_trial(current_session(), _user(), trial_id, now=now())
        return _interest_of(trial)


class TrialDecision(MethodView):
    decorators = [login_required]

    @blp.arguments(DecisionSchema)
    @blp.response(200, InterestSchema)
    @problem_responses(403, 404, 409, 422)
    def post(self, data: dict[str, Any], trial_id: int) -> Any:
        """After the trial visit: carry on, or stop. When both sides carry on, the worker
        joins the team (`state` becomes `member`)."""
        return consent.decide_after_trial(
            current_session(),
            _user(),
            trial_id,
            carry_on=data["decision"] == "carry_on",
            lawful_requirement=data["lawful_requirement"],
            note=data["note"],
            now=now(),
        )
