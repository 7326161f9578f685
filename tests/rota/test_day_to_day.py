"""The day-to-day of a visit: "I've arrived" and "I'm leaving" with their time windows, the
discreet "I need help", and the visit log (written by the person booked, confirmed or queried by
the leader or a hat holder; a query stays until resolved). Through the services, the pages and
the API, with the permission table for every action, and no log text in the audit log."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from coop.errors import Conflict, Forbidden, Invalid, NotFound
from coop.models import AuditEvent, UserRole
from coop.services import settings
from rota.models import Visit, VisitLog
from rota.services import day_to_day as work
from rota.services import visits
from rota.services.visits import find_visit
from teams.services import hats
from teams.services.standing import standing
from tests import factories
from tests.conftest import NOW, adopt, audited, build_once, csrf_token, element, elements, mails_to
from tests.rota.test_visits import MORNING, RotaWorld, build, plan

SECRET_LOG = "SECRET-LOG Mrs H was upset about her son"
SECRET_QUERY = "SECRET-QUERY why was the shower skipped"
# The visit runs 09:00 to 10:00 UTC tomorrow; these are moments around it.
BEFORE_WINDOW = MORNING - timedelta(minutes=31)
WINDOW_OPENS = MORNING - timedelta(minutes=30)
DURING = MORNING + timedelta(minutes=10)
AFTER = MORNING + timedelta(hours=1, minutes=5)


pytestmark = pytest.mark.shared_world


@pytest.fixture(scope="module")
def built(module_db: Any) -> RotaWorld:
    return build_once(module_db, build)


@pytest.fixture
def world(session: Session, built: RotaWorld) -> RotaWorld:
    return adopt(session, built)


def accepted(session: Session, world: RotaWorld, start: datetime = MORNING) -> Visit:
    visit = plan(session, world, start=start)
    visits.answer_visit(session, world.s(session, "booked_worker"), visit, yes=True, now=NOW)
    return visit


def as_(session: Session, world: RotaWorld, actor: str, visit: Visit, moment: datetime = DURING):
    """The actor's standing for the visit, as find_visit gives it (NotFound for outsiders)."""
    return find_visit(session, world.people[actor], visit.id, moment)[1]


def arrived(session: Session, world: RotaWorld, visit: Visit) -> Visit:
    return work.arrive(session, as_(session, world, "booked_worker", visit), visit, now=DURING)


def written(session: Session, world: RotaWorld, visit: Visit, text: str = "Breakfast and a walk"):
    s = as_(session, world, "booked_worker", visit)
    return work.write_log(
        session, s, visit, what_was_done=text, flags=["ate_and_drank"], now=DURING
    )


def on_call(session: Session, world: RotaWorld):
    person = factories.user(session, roles=["facilitator"], username="rota-on-call")
    settings.update_settings(session, person, {"on_call_facilitator": str(person.id)}, now=NOW)
    return person


# I've arrived, I'm leaving -------------------------------------------------------------------------


def test_the_booked_worker_can_arrive_from_half_an_hour_before_the_start(session, world):
    visit = accepted(session, world)
    with pytest.raises(Conflict, match="30 minutes before"):
        work.arrive(session, as_(session, world, "booked_worker", visit), visit, now=BEFORE_WINDOW)
    work.arrive(session, as_(session, world, "booked_worker", visit), visit, now=WINDOW_OPENS)
    assert visit.arrived_at == WINDOW_OPENS and visit.status == "accepted"
    event = audited(
        session,
        "visit.arrived",
        actor=world.people["booked_worker"],
        object_type="visit",
        object_id=visit.id,
    )
    assert event.changes == {"fields": ["arrived_at"]}


def test_arriving_is_recorded_once(session, world):
    visit = accepted(session, world)
    arrived(session, world, visit)
    with pytest.raises(Conflict, match="already"):
        work.arrive(session, as_(session, world, "booked_worker", visit), visit, now=DURING)


def test_a_second_tab_with_the_old_page_is_refused_by_the_conditional_update(session, world):
    visit = accepted(session, world)
    s = as_(session, world, "booked_worker", visit)
    # The first tab's arrival reaches the database; this tab's copy of the visit does not know.
    session.execute(
        update(Visit)
        .where(Visit.id == visit.id)
        .values(arrived_at=DURING)
        .execution_options(synchronize_session=False)
    )
    assert visit.arrived_at is None
    with pytest.raises(Conflict):
        work.arrive(session, s, visit, now=DURING + timedelta(minutes=1))
    session.refresh(visit)
    assert visit.arrived_at == DURING


def test_arriving_after_the_end_is_refused(session, world):
    visit = accepted(session, world)
    with pytest.raises(Conflict):
        work.arrive(session, as_(session, world, "booked_worker", visit, AFTER), visit, now=AFTER)
    assert visit.arrived_at is None


def test_an_offered_visit_cannot_be_arrived_at_until_it_is_accepted(session, world):
    visit = plan(session, world)
    with pytest.raises(Forbidden):
        work.arrive(session, as_(session, world, "booked_worker", visit), visit, now=DURING)


def test_leaving_comes_after_arriving_and_makes_the_visit_done(session, world):
    visit = accepted(session, world)
    s = as_(session, world, "booked_worker", visit)
    with pytest.raises(Conflict, match="arrived"):
        work.leave(session, s, visit, now=DURING)
    arrived(session, world, visit)
    work.leave(session, s, visit, now=AFTER)
    assert (visit.status, visit.left_at) == ("done", AFTER)
    audited(
        session,
        "visit.left",
        actor=world.people["booked_worker"],
        object_type="visit",
        object_id=visit.id,
    )
    with pytest.raises(Conflict):
        work.leave(session, s, visit, now=AFTER)


# I need help ---------------------------------------------------------------------------------------


def test_i_need_help_tells_the_on_call_facilitator_at_once_and_nobody_else(session, world):
    facilitator = on_call(session, world)
    visit = accepted(session, world)
    arrived(session, world, visit)
    members_before = {a: len(mails_to(session, world.people[a].email or "")) for a in world.people}
    assert (
        work.call_for_help(
            session,
            as_(session, world, "booked_worker", visit),
            visit,
            now=DURING,
            base_url="http://localhost",
        )
        is True
    )
    told = mails_to(session, facilitator.email or "")
    assert len(told) == 1 and "Booked Worker" in told[0].body
    assert f"http://localhost/rota/visits/{visit.id}/log" in told[0].body
    assert {
        a: len(mails_to(session, world.people[a].email or "")) for a in world.people
    } == members_before
    assert visit.help_called_at == DURING
    event = audited(
        session,
        "visit.help_called",
        actor=world.people["booked_worker"],
        object_type="visit",
        object_id=visit.id,
    )
    assert event.changes == {"told": [facilitator.id]}
    # A double tap is the same call; a later press is a new one.
    s = as_(session, world, "booked_worker", visit)
    assert work.call_for_help(session, s, visit, now=DURING + timedelta(seconds=20)) is False
    assert work.call_for_help(session, s, visit, now=DURING + timedelta(minutes=5)) is True
    assert len(mails_to(session, facilitator.email or "")) == 2


def test_with_nobody_on_call_every_facilitator_is_told(session, world):
    visit = accepted(session, world)
    work.call_for_help(session, as_(session, world, "booked_worker", visit), visit, now=DURING)
    assert len(mails_to(session, world.people["facilitator"].email or "")) == 1


def test_help_is_only_for_the_booked_worker_around_the_visit(session, world):
    visit = accepted(session, world)
    with pytest.raises(Forbidden):
        work.call_for_help(session, as_(session, world, "leader", visit), visit, now=DURING)
    with pytest.raises(Conflict):
        work.call_for_help(
            session,
            as_(session, world, "booked_worker", visit),
            visit,
            now=MORNING - timedelta(hours=2),
        )


# The visit log ---------------------------------------------------------------------------------------


def test_the_log_is_written_once_the_worker_has_arrived_or_the_visit_is_over(session, world):
    visit = accepted(session, world)
    s = as_(session, world, "booked_worker", visit)
    with pytest.raises(Conflict, match="arrived"):
        work.write_log(session, s, visit, what_was_done="Too early", now=DURING)
    log = work.write_log(session, s, visit, what_was_done="Lunch", now=AFTER)
    assert (log.status, log.author_id) == ("written", world.people["booked_worker"].id)


def test_writing_again_replaces_the_log_until_it_is_confirmed(session, world):
    visit = accepted(session, world)
    arrived(session, world, visit)
    first = written(session, world, visit)
    s = as_(session, world, "booked_worker", visit)
    again = work.write_log(
        session,
        s,
        visit,
        what_was_done="Breakfast, a walk and a bath",
        notes="Slept well",
        flags=["medication_given"],
        now=AFTER,
    )
    assert (
        again.id == first.id and again.flags == ["medication_given"] and again.notes == "Slept well"
    )
    assert audited(
        session,
        "visit_log.changed",
        actor=world.people["booked_worker"],
        object_type="visit_log",
        object_id=first.id,
    ).changes == {"visit_id": visit.id, "fields": ["what_was_done", "notes", "flags"]}
    work.confirm_log(session, as_(session, world, "leader", visit), visit, now=AFTER)
    with pytest.raises(Conflict, match="confirmed"):
        work.write_log(session, s, visit, what_was_done="Changed later", now=AFTER)


def test_a_log_needs_what_was_done_and_known_flags(session, world):
    visit = accepted(session, world)
    arrived(session, world, visit)
    s = as_(session, world, "booked_worker", visit)
    with pytest.raises(Invalid) as refused:
        work.write_log(session, s, visit, what_was_done="  ", flags=["made_up"], now=DURING)
    assert set(refused.value.errors) == {"what_was_done", "flags"}


@pytest.mark.parametrize("reviewer", ["leader", "representative", "rota_holder", "plan_holder"])
def test_the_leader_or_a_hat_holder_confirms_the_log(session, world, reviewer):
    visit = accepted(session, world)
    arrived(session, world, visit)
    log = written(session, world, visit)
    work.confirm_log(session, as_(session, world, reviewer, visit), visit, now=AFTER)
    assert (log.status, log.reviewed_by_id) == ("confirmed", world.people[reviewer].id)
    event = audited(
        session,
        "visit_log.confirmed",
        actor=world.people[reviewer],
        object_type="visit_log",
        object_id=log.id,
    )
    # A representative acts for the leader, and the audit log says so.
    assert event.acting_for_id == (
        world.people["leader"].id if reviewer == "representative" else None
    )
    with pytest.raises(Conflict):
        work.confirm_log(session, as_(session, world, reviewer, visit), visit, now=AFTER)


@pytest.mark.parametrize(
    "actor, refusal",
    [
        ("booked_worker", Forbidden),
        ("not_bookable", NotFound),
        ("other_bookable", NotFound),
        ("facilitator", NotFound),
    ],
)
def test_the_worker_or_a_plain_member_cannot_confirm_or_query(session, world, actor, refusal):
    visit = accepted(session, world)
    arrived(session, world, visit)
    written(session, world, visit)
    s = as_(session, world, actor, visit)
    with pytest.raises(refusal):
        work.confirm_log(session, s, visit, now=AFTER)
    with pytest.raises(refusal):
        work.query_log(session, s, visit, comment="Why?", now=AFTER)


def test_a_hat_holder_never_confirms_a_log_they_wrote(session, world):
    lead = standing(session, world.people["leader"], world.team, NOW)
    hats.offer_hat(
        session,
        lead,
        world.memberships["booked_worker"].id,
        hat="medication_holder",
        scope_text="Tablets",
        review_on=(NOW + timedelta(days=90)).date(),
        now=NOW,
    )
    hats.answer_hat(
        session,
        standing(session, world.people["booked_worker"], world.team, NOW),
        world.memberships["booked_worker"].id,
        "medication_holder",
        yes=True,
        now=NOW,
    )
    visit = accepted(session, world)
    arrived(session, world, visit)
    written(session, world, visit)
    with pytest.raises(Forbidden):
        work.confirm_log(session, as_(session, world, "booked_worker", visit), visit, now=AFTER)


def test_a_query_stays_visible_until_the_worker_answers_it(session, world):
    visit = accepted(session, world)
    arrived(session, world, visit)
    log = written(session, world, visit)
    leader = as_(session, world, "leader", visit)
    with pytest.raises(Invalid):
        work.query_log(session, leader, visit, comment=" ", now=AFTER)
    work.query_log(session, leader, visit, comment="Was the shower skipped?", now=AFTER)
    assert (log.status, log.query_comment, log.query_resolved_at) == (
        "queried",
        "Was the shower skipped?",
        None,
    )
    told = mails_to(session, world.people["booked_worker"].email or "")
    assert "question about your visit log" in told[-1].subject and "shower" not in told[-1].body
    with pytest.raises(Conflict):
        work.query_log(session, leader, visit, comment="And another", now=AFTER)
    # The worker answers by changing the log: the query is resolved, and the log waits again.
    later = AFTER + timedelta(hours=1)
    work.write_log(
        session,
        as_(session, world, "booked_worker", visit),
        visit,
        what_was_done="Breakfast; she did not want a shower today",
        now=later,
    )
    assert (log.status, log.query_resolved_at, log.query_comment) == (
        "written",
        later,
        "Was the shower skipped?",
    )
    work.confirm_log(session, leader, visit, now=later)
    assert log.status == "confirmed"


def test_a_reviewer_can_mark_a_query_resolved_or_confirm_over_it(session, world):
    visit = accepted(session, world)
    arrived(session, world, visit)
    log = written(session, world, visit)
    holder = as_(session, world, "rota_holder", visit)
    work.query_log(session, holder, visit, comment="Which tablets?", now=AFTER)
    work.resolve_query(session, holder, visit, now=AFTER)
    assert (log.status, log.query_resolved_at) == ("written", AFTER)
    with pytest.raises(Conflict):
        work.resolve_query(session, holder, visit, now=AFTER)
    work.query_log(session, holder, visit, comment="And the time?", now=AFTER)
    work.confirm_log(session, holder, visit, now=AFTER)
    assert (log.status, log.query_resolved_at) == ("confirmed", AFTER)


def test_who_reads_the_log(session, world):
    visit = accepted(session, world)
    arrived(session, world, visit)
    written(session, world, visit)
    for actor in ("leader", "representative", "rota_holder", "plan_holder", "booked_worker"):
        assert work.read_log(session, as_(session, world, actor, visit), visit, DURING) is not None
    for actor in ("not_bookable", "other_bookable", "facilitator"):
        with pytest.raises(NotFound):
            work.read_log(session, as_(session, world, actor, visit), visit, DURING)
    for actor in ("worker_elsewhere", "stranger"):
        with pytest.raises(NotFound):
            as_(session, world, actor, visit)


def test_the_audit_log_holds_no_log_text_or_query_comment(session, world):
    visit = accepted(session, world)
    arrived(session, world, visit)
    written(session, world, visit, text=SECRET_LOG)
    s = as_(session, world, "booked_worker", visit)
    work.write_log(
        session, s, visit, what_was_done=SECRET_LOG + " again", notes=SECRET_LOG, now=DURING
    )
    work.query_log(
        session, as_(session, world, "leader", visit), visit, comment=SECRET_QUERY, now=AFTER
    )
    work.resolve_query(session, as_(session, world, "leader", visit), visit, now=AFTER)
    work.confirm_log(session, as_(session, world, "leader", visit), visit, now=AFTER)
    dumped = json.dumps([e.changes for e in session.scalars(select(AuditEvent))])
    assert "SECRET" not in dumped and "upset" not in dumped and "shower" not in dumped
    actions = set(
        session.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "visit_log"))
    )
    assert actions == {
        "visit_log.written",
        "visit_log.changed",
        "visit_log.queried",
        "visit_log.query_resolved",
        "visit_log.confirmed",
    }


# Pages -----------------------------------------------------------------------------------------------


def _post(client: Any, path: str, data: dict[str, str] | None = None) -> Any:
    return client.post(path, data={"csrf_token": csrf_token(client, "/account/"), **(data or {})})


def test_the_worker_arrives_leaves_and_writes_the_log_through_the_pages(
    session, world, make_client, clock
):
    visit = accepted(session, world)
    session.commit()
    worker = make_client(world.people["booked_worker"])
    clock.now = BEFORE_WINDOW
    page = worker.get(f"/rota/visits/{visit.id}/log")
    assert page.status_code == 200
    assert not elements(page, "button", type="submit", class_="button-block")
    section = element(page, "section", **{"aria-labelledby": "visit-day-heading"})
    assert "You can say you've arrived from 08:30" in section.text
    clock.now = DURING
    page = worker.get(f"/rota/visits/{visit.id}/log")
    assert [b.text for b in elements(page, "button") if b.text.startswith("I")] == [
        "I've arrived",
        "I need help",
    ]
    answer = _post(worker, f"/rota/visits/{visit.id}/arrive", {"back": "log"})
    assert (
        answer.status_code == 302 and answer.headers["Location"] == f"/rota/visits/{visit.id}/log"
    )
    page = worker.get(f"/rota/visits/{visit.id}/log")
    assert "We've noted that you arrived at 09:10" in element(page, class_="flashes").text
    assert [b.text for b in elements(page, "button") if b.text.startswith("I")] == [
        "I'm leaving",
        "I need help",
    ]
    # An empty log comes back with its error tied to the field, and what was typed kept.
    answer = _post(
        worker,
        f"/rota/visits/{visit.id}/log",
        {"back": "log", "log-what_was_done": "", "log-notes": "Kept", "log-flags": "ate_and_drank"},
    )
    assert answer.status_code == 422
    assert (
        "log-what_was_done-error"
        in element(answer, id="log-what_was_done").attrs["aria-describedby"]
    )
    assert element(answer, "textarea", id="log-notes").text == "Kept"
    assert "checked" in element(answer, "input", value="ate_and_drank").attrs
    answer = _post(
        worker,
        f"/rota/visits/{visit.id}/log",
        {"log-what_was_done": "Breakfast", "log-flags": "medication_given"},
    )
    assert answer.status_code == 302
    clock.now = AFTER
    assert _post(worker, f"/rota/visits/{visit.id}/leave").status_code == 302
    session.expire_all()
    assert session.get_one(Visit, visit.id).status == "done"
    log = session.scalar(select(VisitLog).where(VisitLog.visit_id == visit.id))
    assert log is not None and (log.what_was_done, log.flags) == ("Breakfast", ["medication_given"])


def test_the_visit_page_includes_the_work_for_the_worker_and_the_review_for_the_leader(
    session, world, make_client, clock
):
    visit = accepted(session, world)
    arrived(session, world, visit)
    written(session, world, visit)
    session.commit()
    clock.now = DURING
    page = make_client(world.people["booked_worker"]).get(f"/rota/visits/{visit.id}")
    assert page.status_code == 200
    assert "I'm leaving" in [b.text for b in elements(page, "button")]
    leader = make_client(world.people["leader"])
    page = leader.get(f"/rota/visits/{visit.id}")
    assert "Confirm the visit log" in [b.text for b in elements(page, "button")]
    assert "Breakfast and a walk" in page.get_data(as_text=True)
    # A member who may not read records sees that there is a log, not what it says.
    page = make_client(world.people["not_bookable"]).get(f"/rota/visits/{visit.id}")
    assert page.status_code == 200 and "Breakfast" not in page.get_data(as_text=True)
    answer = _post(leader, f"/rota/visits/{visit.id}/log/query", {"query-comment": "Which walk?"})
    assert answer.status_code == 302 and answer.headers["Location"] == f"/rota/visits/{visit.id}"
    page = leader.get(f"/rota/visits/{visit.id}")
    assert "Which walk?" in page.get_data(as_text=True)
    assert "Mark the question resolved" in [b.text for b in elements(page, "button")]


def test_a_query_without_a_comment_comes_back_with_its_error(session, world, make_client, clock):
    visit = accepted(session, world)
    arrived(session, world, visit)
    written(session, world, visit)
    session.commit()
    clock.now = AFTER
    answer = _post(
        make_client(world.people["leader"]),
        f"/rota/visits/{visit.id}/log/query",
        {"query-comment": "  ", "back": "log"},
    )
    assert answer.status_code == 422
    assert "query-comment-error" in element(answer, id="query-comment").attrs["aria-describedby"]


def test_i_need_help_is_one_post_with_a_calm_answer(session, world, make_client, clock):
    facilitator = on_call(session, world)
    visit = accepted(session, world)
    session.commit()
    clock.now = DURING
    worker = make_client(world.people["booked_worker"])
    answer = _post(worker, f"/rota/visits/{visit.id}/help", {"back": "log"})
    assert answer.status_code == 302
    assert len(mails_to(session, facilitator.email or "")) == 1
    page = worker.get(answer.headers["Location"])
    assert "We've told the facilitator on call" in element(page, class_="flashes").text


# The API -----------------------------------------------------------------------------------------------


def _api(app: Any, session: Session, user: Any) -> Callable[..., Any]:
    _token, secret = factories.api_token(session, user)
    session.commit()
    client = app.test_client()

    def call(method: str, path: str, **kwargs: Any) -> Any:
        return getattr(client, method)(
            f"/api/v1/visits{path}", headers={"Authorization": f"Bearer {secret}"}, **kwargs
        )

    return call


def test_the_api_checks_in_writes_the_log_and_checks_out(session, world, app, clock):
    visit = accepted(session, world)
    worker = _api(app, session, world.people["booked_worker"])
    clock.now = DURING
    answer = worker("post", f"/{visit.id}/check-in")
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert body["arrived_at"].startswith("2026-11-26T09:10:00") and body["status"] == "accepted"
    assert worker("post", f"/{visit.id}/check-in").status_code == 409
    answer = worker(
        "put", f"/{visit.id}/log", json={"what_was_done": "Lunch", "flags": ["ate_and_drank"]}
    )
    assert answer.status_code == 200 and answer.get_json()["status"] == "written"
    assert worker("put", f"/{visit.id}/log", json={"what_was_done": ""}).status_code == 422
    assert worker("post", f"/{visit.id}/help").get_json() == {"visit_id": visit.id, "told": True}
    clock.now = AFTER
    answer = worker("post", f"/{visit.id}/check-out")
    assert answer.status_code == 200 and answer.get_json()["status"] == "done"
    leader = _api(app, session, world.people["leader"])
    answer = leader("post", f"/{visit.id}/log/query", json={"comment": "Which lunch?"})
    assert answer.get_json()["query_comment"] == "Which lunch?"
    assert leader("post", f"/{visit.id}/log/resolve").get_json()["status"] == "written"
    assert leader("post", f"/{visit.id}/log/confirm").get_json()["status"] == "confirmed"
    assert worker("get", f"/{visit.id}/log").get_json()["status"] == "confirmed"


# The permission table, through the pages and the API ------------------------------------------------------

ACTORS = (
    "leader",
    "representative",
    "rota_holder",
    "booked_worker",
    "not_bookable",
    "worker_elsewhere",
    "facilitator",
    "stranger",
)
REVIEWERS = {"leader", "representative", "rota_holder"}
# action: (state the visit is in first, who may, page path and form, API method, path and body)
ACTIONS: dict[str, tuple[str, set[str], tuple[str, dict[str, str]], tuple[str, str, Any]]] = {
    "arrive": ("accepted", {"booked_worker"}, ("/arrive", {}), ("post", "/check-in", None)),
    "leave": ("arrived", {"booked_worker"}, ("/leave", {}), ("post", "/check-out", None)),
    "help": ("arrived", {"booked_worker"}, ("/help", {}), ("post", "/help", None)),
    "write_log": (
        "arrived",
        {"booked_worker"},
        ("/log", {"log-what_was_done": "Tea"}),
        ("put", "/log", {"what_was_done": "Tea"}),
    ),
    "read_log": ("written", {"booked_worker", *REVIEWERS}, ("", {}), ("get", "/log", None)),
    "confirm_log": ("written", REVIEWERS, ("/log/confirm", {}), ("post", "/log/confirm", None)),
    "query_log": (
        "written",
        REVIEWERS,
        ("/log/query", {"query-comment": "Why?"}),
        ("post", "/log/query", {"comment": "Why?"}),
    ),
    "resolve_query": ("queried", REVIEWERS, ("/log/resolve", {}), ("post", "/log/resolve", None)),
}


def _visit_in(session: Session, world: RotaWorld, state: str) -> Visit:
    visit = accepted(session, world)
    if state != "accepted":
        arrived(session, world, visit)
    if state in ("written", "queried"):
        written(session, world, visit)
    if state == "queried":
        work.query_log(
            session, as_(session, world, "leader", visit), visit, comment="Why?", now=DURING
        )
    session.commit()
    return visit


def _outcomes(session: Session, world: RotaWorld, run: Callable[[str], int]) -> dict[str, int]:
    found = {}
    for actor in ACTORS:
        nested = session.begin_nested()
        session.connection()  # the savepoint is made now, before the request's own
        try:
            found[actor] = run(actor)
        finally:
            nested.rollback()
    return found


def _expected(allowed: set[str], ok: int, action: str) -> dict[str, int]:
    refused_unseen = {"worker_elsewhere", "stranger"}
    if action in ("read_log", "confirm_log", "query_log", "resolve_query"):
        # The log is private: a member or facilitator who may not read it is told it is not there.
        refused_unseen |= {"not_bookable", "facilitator"}
    return {a: ok if a in allowed else 404 if a in refused_unseen else 403 for a in ACTORS}


@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_permission_table_through_the_pages(session, world, make_client, clock, action):
    state, allowed, (path, form), _api_call = ACTIONS[action]
    visit = _visit_in(session, world, state)
    clock.now = DURING

    def run(actor: str) -> int:
        client = make_client(world.people[actor])
        if action == "read_log":
            page = client.get(f"/rota/visits/{visit.id}/log")
            if page.status_code != 200:
                return int(page.status_code)
            # The page about the visit is there; the log is not, for those who may not read it.
            return 200 if "Breakfast and a walk" in page.get_data(as_text=True) else 404
        return int(_post(client, f"/rota/visits/{visit.id}{path}", form).status_code)

    assert _outcomes(session, world, run) == _expected(
        allowed, 200 if action == "read_log" else 302, action
    )


@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_permission_table_through_the_api(session, world, app, clock, action):
    state, allowed, _page, (method, path, body) = ACTIONS[action]
    visit = _visit_in(session, world, state)
    callers = {actor: _api(app, session, world.people[actor]) for actor in ACTORS}
    clock.now = DURING

    def run(actor: str) -> int:
        kwargs = {"json": body} if body is not None else {}
        return int(callers[actor](method, f"/{visit.id}{path}", **kwargs).status_code)

    assert _outcomes(session, world, run) == _expected(allowed, 200, action)


def test_a_facilitator_given_access_reads_the_log_and_the_leader_sees_that_they_did(
    session, world, make_client, clock
):
    from teams.services import records

    visit = accepted(session, world)
    arrived(session, world, visit)
    written(session, world, visit)
    reader = factories.user(session, username="rota-fac-access")
    reader.role_rows.append(UserRole(role="facilitator"))
    session.flush()
    records.grant_access(
        session,
        standing(session, world.people["leader"], world.team, NOW),
        facilitator_id=reader.id,
        until=(NOW + timedelta(days=7)).date(),
        now=NOW,
    )
    session.commit()
    clock.now = DURING
    client = make_client(reader)
    # On the visit page (a plain read), the log is a link: reading it is logged first.
    page = client.get(f"/rota/visits/{visit.id}/log")
    assert page.status_code == 200 and "Breakfast and a walk" in page.get_data(as_text=True)
    from coop.models import AccessEvent

    session.expire_all()
    seen = session.scalars(select(AccessEvent).where(AccessEvent.reader_id == reader.id)).all()
    assert [e.what for e in seen] == ["visit_log"]
