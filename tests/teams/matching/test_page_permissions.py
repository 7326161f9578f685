"""The matching permission table (permissions.py) through the HTML pages, for every kind of actor
and every action the pages offer: each (page action, actor) pair is one test, which makes the
request a browser would (GET the page, or POST its form with a CSRF token from a page the actor
has) and checks the answer against the table. Allowed: a 2xx, or a redirect to a page that opens,
and the change made where it is a change. Refused: a 403 or 404 (a 409 where it is the other
side's turn), and nothing changed. Anyone the thing is hidden from: a 404 that names neither the
team nor its leader.

The services' run of the table is in test_permissions.py, the API's in test_api_permissions.py."""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from teams.matching.models import Check, Interest, Opening, Skill, Trial, WorkerProfile
from tests.conftest import NOW, post_form
from tests.teams.matching.permissions import RULES
from tests.teams.matching.world import ACTORS, World, build

Facts = dict[str, Any]
#: Whether the change was made, read from the database after the request.
Done = Callable[[Session, Facts, str], bool]

#: Where the others' run of the table may say "the other side's turn" (409).
TURN_TAKING = frozenset(
    {
        "answer_for_team",
        "answer_as_worker",
        "agree_trial_the_team_proposed",
        "agree_trial_the_worker_proposed",
        "decide_after_trial",
    }
)

#: Actions of the table that no page offers, with the reason.
NO_PAGE = {
    "browse_openings_as_worker": "the pages offer a worker the openings suggested to them "
    "(/matching/me), never a list of every open opening: that list is the API's GET /openings",
    "view_interest": "no page shows one conversation on its own: each side sees it on its "
    "opening page (view_opening_as_worker, view_interests_in_opening), and the trial and stop "
    "forms are propose_trial's and stop's",
}


@dataclass(frozen=True)
class Page:
    """One way the pages offer an action of the table."""

    rule: str  # the row of the table it answers to
    path: Callable[[Facts], str]
    form: Callable[[Facts], dict[str, Any]] | None = None  # None: a GET
    done: Done | None = None  # for a change: was it made?
    shows: Callable[[Facts], str] | None = None  # for a read: what the allowed see
    #: A page everyone may open, where the refused simply do not see `shows`.
    shared: bool = False
    content_type: str = "text/html"


def _facts(world: World) -> Facts:
    """Plain values read once, so that the requests never touch the test's ORM objects."""
    return {
        "team": world.team.id,
        "team_name": world.team.name,
        "leader_name": world.people["leader"].display_name,
        "people": {name: user.id for name, user in world.people.items()},
        "worker": world.people["vetted_worker"].id,
        "worker_name": world.people["vetted_worker"].display_name,
        "unvetted": world.people["unvetted_worker"].id,
        "opening": {stage: o.id for stage, o in world.openings.items()},
        "title": {stage: o.title for stage, o in world.openings.items()},
        "interest": {stage: i.id for stage, i in world.interests.items()},
        "trial": {stage: t.id for stage, t in world.trials.items()},
        "place": world.places[1].id,
        "skill": world.skills[0].id,
    }


def _opening_form(f: Facts, title: str) -> dict[str, Any]:
    return {
        "title": title,
        "support": "Company and a chat over coffee, and a walk when the weather is fine.",
        "what_matters": "Someone patient who likes gardens.",
        "tasks": ["companionship"],
        "day0_1_from": "10:00",
        "day0_1_to": "12:00",
        "day2_1_from": "10:00",
        "day2_1_to": "12:00",
        "neighbourhood_id": str(f["place"]),
        "preferred_skills": [str(f["skill"])],
        "preferred_languages": "Urdu",
        "interests": "gardening",
        "max_rate_pence": "20.00",
    }


def _profile_form(f: Facts) -> dict[str, Any]:
    return {
        "about": "Saved on the page.",
        "employment": "independent",
        "rate": "15.00",
        "neighbourhood_id": str(f["place"]),
        "travel_miles": "5",
        "skills": [str(f["skill"])],
        "languages": "English, Urdu",
        "interests": "gardening",
        "d0_1_from": "09:00",
        "d0_1_to": "17:00",
        "open_to_new_teams": "y",
    }


def _trial_form(_f: Facts) -> dict[str, Any]:
    day = (NOW + timedelta(days=4)).date().isoformat()
    return {"on": day, "starts_at": "14:00", "ends_at": "16:00"}


# What changed -----------------------------------------------------------------------------------


def _interest(session: Session, f: Facts, stage: str) -> Interest:
    found = session.get(Interest, f["interest"][stage])
    assert found is not None
    return found


def _trial(session: Session, f: Facts, stage: str) -> Trial:
    found = session.get(Trial, f["trial"][stage])
    assert found is not None
    return found


def _opening(session: Session, f: Facts, stage: str) -> Opening:
    found = session.get(Opening, f["opening"][stage])
    assert found is not None
    return found


def _count(session: Session, model: Any, *where: Any) -> int:
    return session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def _interest_in_fresh(worker_of: Callable[[Facts, str], int]) -> Done:
    def done(session: Session, f: Facts, actor: str) -> bool:
        return bool(
            _count(
                session,
                Interest,
                Interest.opening_id == f["opening"]["fresh"],
                Interest.worker_id == worker_of(f, actor),
            )
        )

    return done


def _profile_saved(session: Session, f: Facts, actor: str) -> bool:
    profile = session.get(WorkerProfile, f["people"][actor])
    return profile is not None and profile.about == "Saved on the page."


def _decided(session: Session, f: Facts, _actor: str) -> bool:
    trial = _trial(session, f, "trial_over")
    return trial.team_decision is not None or trial.worker_decision is not None


# The pages --------------------------------------------------------------------------------------


def _team(f: Facts, rest: str = "") -> str:
    return f"/teams/{f['team']}/openings{rest}"


PAGES: dict[str, Page] = {
    # A team's openings
    "view_team_openings": Page(
        "view_team_openings", lambda f: _team(f), shows=lambda f: f["title"]["fresh"]
    ),
    "create_opening_form_page": Page("create_opening", lambda f: _team(f, "/new")),
    "create_opening": Page(
        "create_opening",
        lambda f: _team(f, "/new"),
        lambda f: _opening_form(f, "Made on the page"),
        done=lambda s, f, _a: bool(
            _count(s, Opening, Opening.team_id == f["team"], Opening.title == "Made on the page")
        ),
    ),
    "edit_opening_form_page": Page(
        "edit_opening", lambda f: _team(f, f"/{f['opening']['fresh']}/edit")
    ),
    "edit_opening": Page(
        "edit_opening",
        lambda f: _team(f, f"/{f['opening']['fresh']}/edit"),
        lambda f: _opening_form(f, "Changed on the page"),
        done=lambda s, f, _a: _opening(s, f, "fresh").title == "Changed on the page",
    ),
    "close_opening_confirm_page": Page(
        "close_opening", lambda f: _team(f, f"/{f['opening']['fresh']}/close/unneeded")
    ),
    "close_opening": Page(
        "close_opening",
        lambda f: _team(f, f"/{f['opening']['fresh']}/close/unneeded"),
        lambda f: {},
        done=lambda s, f, _a: _opening(s, f, "fresh").status != "open",
    ),
    "view_suggestions_for_opening": Page(
        "view_suggestions_for_opening",
        lambda f: _team(f, f"/{f['opening']['fresh']}"),
        shows=lambda f: f"Why we suggest {f['worker_name']}",
    ),
    "view_interests_in_opening": Page(
        "view_interests_in_opening",
        lambda f: _team(f, f"/{f['opening']['mutual']}"),
        shows=lambda f: f["worker_name"],
    ),
    "express_interest_for_team": Page(
        "express_interest_for_team",
        lambda f: _team(f, f"/{f['opening']['fresh']}/interest"),
        lambda f: {"worker_id": str(f["worker"])},
        done=_interest_in_fresh(lambda f, _a: f["worker"]),
    ),
    # The worker's side
    "express_interest_as_worker": Page(
        "express_interest_as_worker",
        lambda f: f"/matching/openings/{f['opening']['fresh']}/interest",
        lambda f: {},
        done=_interest_in_fresh(lambda f, actor: f["people"][actor]),
    ),
    "view_opening_as_worker": Page(
        "view_opening_as_worker",
        lambda f: f"/matching/openings/{f['opening']['fresh']}",
        shows=lambda f: f["title"]["fresh"],
    ),
    "view_my_suggestions": Page(
        "view_my_suggestions",
        lambda f: "/matching/me",
        shows=lambda f: f["title"]["fresh"],
        shared=True,
    ),
    "keep_own_profile_form_page": Page("keep_own_profile", lambda f: "/matching/profile"),
    "keep_own_profile": Page(
        "keep_own_profile", lambda f: "/matching/profile", _profile_form, done=_profile_saved
    ),
    "view_worker_profile": Page(
        "view_worker_profile",
        lambda f: f"/matching/workers/{f['worker']}",
        shows=lambda f: f["worker_name"],
    ),
    # The consent state machine
    "answer_for_team": Page(
        "answer_for_team",
        lambda f: f"/matching/interests/{f['interest']['worker_asked']}/answer",
        lambda f: {"answer": "yes"},
        done=lambda s, f, _a: _interest(s, f, "worker_asked").state == "mutual",
    ),
    "answer_as_worker": Page(
        "answer_as_worker",
        lambda f: f"/matching/interests/{f['interest']['team_asked']}/answer",
        lambda f: {"answer": "yes"},
        done=lambda s, f, _a: _interest(s, f, "team_asked").state == "mutual",
    ),
    "propose_trial_form_page": Page(
        "propose_trial", lambda f: f"/matching/interests/{f['interest']['mutual']}/trial"
    ),
    "propose_trial": Page(
        "propose_trial",
        lambda f: f"/matching/interests/{f['interest']['mutual']}/trial",
        _trial_form,
        done=lambda s, f, _a: bool(_count(s, Trial, Trial.interest_id == f["interest"]["mutual"])),
    ),
    "agree_trial_the_team_proposed": Page(
        "agree_trial_the_team_proposed",
        lambda f: f"/matching/trials/{f['trial']['trial_by_team']}/agree",
        lambda f: {},
        done=lambda s, f, _a: _trial(s, f, "trial_by_team").status == "agreed",
    ),
    "agree_trial_the_worker_proposed": Page(
        "agree_trial_the_worker_proposed",
        lambda f: f"/matching/trials/{f['trial']['trial_by_worker']}/agree",
        lambda f: {},
        done=lambda s, f, _a: _trial(s, f, "trial_by_worker").status == "agreed",
    ),
    "decide_after_trial": Page(
        "decide_after_trial",
        lambda f: f"/matching/trials/{f['trial']['trial_over']}/carry-on",
        lambda f: {},
        done=_decided,
    ),
    "stop_form_page": Page("stop", lambda f: f"/matching/interests/{f['interest']['mutual']}/stop"),
    "stop": Page(
        "stop",
        lambda f: f"/matching/interests/{f['interest']['mutual']}/stop",
        lambda f: {"note": ""},
        done=lambda s, f, _a: _interest(s, f, "mutual").ended_at is not None,
    ),
    # The co-op's side
    "see_workers_and_checks": Page("record_check", lambda f: "/matching/workers"),
    "record_check": Page(
        "record_check",
        lambda f: f"/matching/workers/{f['unvetted']}/checks",
        lambda f: {
            "check-kind": "identity",
            "check-outcome": "passed",
            "check-number": "PAGE-CHECK-1",
            "check-checked_on": "2026-11-01",
        },
        done=lambda s, f, _a: bool(
            _count(s, Check, Check.worker_id == f["unvetted"], Check.number == "PAGE-CHECK-1")
        ),
    ),
    "pause_worker": Page(
        "pause_worker",
        lambda f: f"/matching/workers/{f['worker']}/pause",
        lambda f: {"pause-note": "Looking into a worry."},
        done=lambda s, f, _a: (
            (p := s.get(WorkerProfile, f["worker"])) is not None and p.paused_at is not None
        ),
    ),
    "read_notes": Page("read_notes", lambda f: "/matching/notes"),
    "view_figures": Page("view_figures", lambda f: "/matching/figures"),
    "view_figures_csv": Page(
        "view_figures", lambda f: "/matching/figures.csv", content_type="text/csv"
    ),
    "view_equality_monitor": Page("view_equality_monitor", lambda f: "/matching/equality"),
    "see_lists": Page("keep_lists", lambda f: "/matching/lists"),
    "keep_lists": Page(
        "keep_lists",
        lambda f: "/matching/lists",
        lambda f: {"skill-name": "Gardening"},
        done=lambda s, f, _a: bool(_count(s, Skill, Skill.name == "Gardening")),
    ),
}


pytestmark = pytest.mark.shared_world


@dataclass(frozen=True)
class SignedIn:
    """Who a request is made as: all `make_client` needs of a user."""

    login: str

    def get_id(self) -> str:
        return self.login


@pytest.fixture(scope="module")
def built(module_db: Any) -> tuple[Facts, dict[str, SignedIn]]:
    """The world, built once for the module's 300 tests (each runs in a savepoint, rolled back
    after it), read into plain values."""
    with module_db.transaction() as session:
        world = build(session, NOW)
        return _facts(world), {name: SignedIn(u.get_id()) for name, u in world.people.items()}


def test_every_action_of_the_table_has_a_page_or_a_reason_why_not() -> None:
    covered = {page.rule for page in PAGES.values()}
    assert covered.isdisjoint(NO_PAGE)
    assert covered | set(NO_PAGE) == set(RULES)
    assert all(reason for reason in NO_PAGE.values())


def _cases() -> list[Any]:
    return [
        pytest.param(name, actor, id=f"{name}-as-{actor}")
        for name in sorted(PAGES)
        for actor in ACTORS
    ]


def _hides_the_team(text: str, f: Facts) -> bool:
    names = (f["team_name"], f["leader_name"])
    return not any(n in text or html.escape(n) in text for n in names)


@pytest.mark.parametrize(("name", "actor"), _cases())
def test_each_page_action_answers_each_actor_as_the_table_says(
    session: Session,
    built: tuple[Facts, dict[str, SignedIn]],
    make_client: Any,
    name: str,
    actor: str,
) -> None:
    page = PAGES[name]
    rule = RULES[page.rule]
    f, people = built
    client = make_client(people[actor])
    path = page.path(f)
    if page.form is None:
        answer = client.get(path)
    else:  # any page of theirs carries their CSRF token (the sign-out button has it)
        answer = post_form(client, path, page.form(f), page="/account/")
    status = answer.status_code
    text = answer.get_data(as_text=True)
    seen = f"{page.rule} by {actor}: got {status} from {answer.mimetype} {path}"
    session.expire_all()
    changed = page.done(session, f, actor) if page.done is not None else None

    if actor in rule.hidden_from:
        assert status == 404, seen
        assert _hides_the_team(text, f), f"{seen}: names the team or its leader"

    if actor in rule.allowed:
        assert 200 <= status < 300 or status in (302, 303), seen
        if status in (302, 303):
            target = answer.headers["Location"]
            assert not target.startswith("/sign-in"), seen
            landed = client.get(target)
            assert landed.status_code == 200, (
                f"{seen}: redirected to {target}, a {landed.status_code}"
            )
        else:
            assert answer.mimetype == page.content_type, seen
        if page.shows is not None:
            assert page.shows(f) in text, f"{seen}: does not show {page.shows(f)!r}"
        if page.done is not None:
            assert changed, f"{seen}: but nothing changed"
    else:
        refusals = {403, 404} | ({409} if page.rule in TURN_TAKING else set())
        if page.shared and status == 200:
            assert page.shows is not None
            hidden = page.shows(f)
            assert hidden not in text, f"{seen}: shows {hidden!r}"
        else:
            assert status in refusals, f"{seen}, not one of {sorted(refusals)}"
        if page.done is not None:
            assert not changed, f"{seen}: but the change was made"
