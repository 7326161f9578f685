"""The teams rules, through the service layer."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from coop.errors import Forbidden
from coop.models import AccessEvent, AuditEvent, OutboxMessage
from coop.services import settings
from teams.models import Membership
from teams.services import hats, members, records
from teams.services.records import PlanConflict
from teams.services.standing import find_team, standing
from tests import factories
from tests.conftest import NOW
from tests.teams.world import World, build


@pytest.fixture
def world(session) -> World:
    return build(session, NOW)


def _s(session, world, actor, when=NOW):
    return find_team(session, world.people[actor], world.team.id, when)


def test_two_people_editing_the_plan_from_one_version_the_second_gets_both_versions(session, world):
    first = {"about_me": "Written by the leader", "health": "Arthritis"}
    second = {"about_me": "Written by the plan holder at the same time"}
    records.save_plan(session, _s(session, world, "leader"), first, base_version=1, now=NOW)
    with pytest.raises(PlanConflict) as conflict:
        records.save_plan(
            session, _s(session, world, "plan_holder"), second, base_version=1, now=NOW
        )
    assert conflict.value.status == 409
    assert conflict.value.current.version == 2
    assert conflict.value.current.sections["about_me"] == "Written by the leader"
    assert conflict.value.attempted["about_me"] == "Written by the plan holder at the same time"
    # Saving again from the version now current works, and every version is kept.
    records.save_plan(session, _s(session, world, "plan_holder"), second, base_version=2, now=NOW)
    versions = records.plan_versions(session, _s(session, world, "leader"), NOW)
    assert [v.version for v in versions] == [3, 2, 1]


def test_compare_shows_what_was_taken_out_and_put_in():
    diff = {d.name: d for d in records.compare({"about_me": "a\nb"}, {"about_me": "a\nc"})}
    assert (
        diff["about_me"].changed
        and ("-", "b") in diff["about_me"].lines
        and ("+", "c") in diff["about_me"].lines
    )
    assert not diff["health"].changed


def test_an_emergency_read_appears_on_the_leaders_page_with_its_reason(session, world):
    facilitator = world.people["facilitator"]
    s = find_team(session, facilitator, world.team.id, NOW)
    records.open_emergency_access(
        session, s, reason="No answer at the door at the 9am visit", now=NOW
    )
    records.read_plan(session, find_team(session, facilitator, world.team.id, NOW), NOW)
    log = records.access_log(session, _s(session, world, "leader"), NOW)
    assert [(e.reader_id, e.basis, e.reason) for e in log] == [
        (facilitator.id, "emergency", "No answer at the door at the 9am visit")
    ]


def test_a_team_members_ordinary_read_is_not_logged(session, world):
    records.read_plan(session, _s(session, world, "plan_holder"), NOW)
    records.read_plan(session, _s(session, world, "leader"), NOW)
    assert records.access_log(session, _s(session, world, "leader"), NOW) == []


def test_a_read_held_back_by_the_safeguarding_lead_appears_once_the_hold_ends(session, world):
    lead = factories.user(session, roles=["safeguarding_lead"])
    records.read_plan(session, _s(session, world, "registered_manager"), NOW)
    (event,) = records.recent_outside_reads(session, lead, NOW)
    until = (NOW + timedelta(days=10)).date()
    records.hold_access_event(
        session, lead, event.id, reason="Enquiry under s.42 in progress", until=until, now=NOW
    )
    leader_view = lambda when: records.access_log(session, _s(session, world, "leader", when), when)  # noqa: E731
    assert leader_view(NOW + timedelta(days=9)) == []
    assert [e.id for e in leader_view(NOW + timedelta(days=11))] == [event.id]


def test_only_the_safeguarding_lead_holds_back_entries(session, world):
    records.read_plan(session, _s(session, world, "registered_manager"), NOW)
    event_id = session.scalar(select(AccessEvent.id))
    for who in ("leader", "facilitator", "registered_manager"):
        with pytest.raises(Exception) as refused:
            records.hold_access_event(
                session,
                world.people[who],
                event_id,
                reason="Because of risk",
                until=(NOW + timedelta(days=3)).date(),
                now=NOW,
            )
        assert getattr(refused.value, "status", None) == 404


def test_a_representative_cannot_remove_the_leaders_access(session, world):
    s = _s(session, world, "representative")
    with pytest.raises(Forbidden):
        members.remove_member(session, s, world.memberships["leader"].id, now=NOW)
    assert world.memberships["leader"].status == "active"


def test_a_representative_cannot_give_or_take_the_representative_hat(session, world):
    s = _s(session, world, "representative")
    with pytest.raises(Forbidden):
        hats.offer_hat(
            session,
            s,
            world.memberships["plain_member"].id,
            hat="representative",
            scope_text="All",
            review_on=(NOW + timedelta(days=90)).date(),
            legal_basis="own_choice",
            now=NOW,
        )
    with pytest.raises(Forbidden):
        hats.take_back_hat(
            session, s, world.memberships["representative"].id, "representative", now=NOW
        )


def test_removing_most_members_within_a_week_tells_the_on_call_facilitator_once(session, world):
    on_call = factories.user(session, roles=["facilitator"], username="on-call")
    settings.update_settings(session, on_call, {"on_call_facilitator": str(on_call.id)}, now=NOW)
    later = NOW + timedelta(days=8)  # everyone has been in the team for over a week
    s = find_team(session, world.people["representative"], world.team.id, later)
    to_remove = ["rota_holder", "plan_holder", "introducer", "medication_holder"]
    for i, name in enumerate(to_remove):
        members.remove_member(
            session, s, world.memberships[name].id, now=later + timedelta(hours=i)
        )

    def alerts() -> int:
        return (
            session.scalar(
                select(func.count()).where(
                    OutboxMessage.to_address == on_call.email,
                    OutboxMessage.subject.like("Please check on team%"),
                )
            )
            or 0
        )

    # 6 people besides the leader a week ago; the 4th removal is more than half.
    assert alerts() == 1
    members.remove_member(
        session, s, world.memberships["plain_member"].id, now=later + timedelta(hours=5)
    )
    assert alerts() == 1


def test_a_few_removals_tell_nobody(session, world):
    on_call = factories.user(session, roles=["facilitator"], username="on-call-2")
    settings.update_settings(session, on_call, {"on_call_facilitator": str(on_call.id)}, now=NOW)
    later = NOW + timedelta(days=8)
    s = find_team(session, world.people["leader"], world.team.id, later)
    members.remove_member(session, s, world.memberships["plain_member"].id, now=later)
    assert (
        session.scalar(select(func.count()).where(OutboxMessage.to_address == on_call.email)) == 0
    )


def test_a_member_who_leaves_loses_access_to_records_from_their_notice_date(session, world):
    s = _s(session, world, "plan_holder")
    leaving = NOW + timedelta(days=3)
    members.leave(session, s, leaves_at=leaving, handover_note="", now=NOW)
    records.read_plan(session, _s(session, world, "plan_holder", NOW + timedelta(days=2)), NOW)
    after = standing(session, world.people["plan_holder"], world.team, leaving)
    with pytest.raises(Exception) as refused:
        records.read_plan(session, after, leaving)
    assert getattr(refused.value, "status", None) == 404
    assert members.finish_leaving(session, leaving) == 1
    assert session.get(Membership, world.memberships["plan_holder"].id).status == "left"


def test_a_worker_leaves_a_handover_note(session, world):
    other = world.other_team
    worker = world.people["worker_elsewhere"]
    s = find_team(session, worker, other.id, NOW)
    with pytest.raises(Exception) as refused:
        members.leave(session, s, leaves_at=NOW + timedelta(days=7), handover_note=" ", now=NOW)
    assert "handover_note" in refused.value.errors


def test_a_contact_limit_of_two(session, world):
    s = _s(session, world, "leader")
    members.update_member(
        session, s, world.memberships["representative"].id, is_contact=True, now=NOW
    )
    members.update_member(
        session, s, world.memberships["plain_member"].id, is_contact=True, now=NOW
    )
    with pytest.raises(Exception) as refused:
        members.update_member(
            session, s, world.memberships["rota_holder"].id, is_contact=True, now=NOW
        )
    assert refused.value.status == 422


def test_an_introducers_suggestion_becomes_an_invitation_only_when_the_leader_says_yes(
    session, world
):
    proposal = members.propose(
        session,
        _s(session, world, "introducer"),
        name="Sunita",
        email="sunita@example.org",
        kind="neighbour",
        reason="Knows the family well",
        now=NOW,
    )
    assert not session.scalar(
        select(Membership.id).where(Membership.invited_email == "sunita@example.org")
    )
    members.decide_proposal(
        session, _s(session, world, "leader"), proposal.id, yes=True, base_url="", now=NOW
    )
    invited = session.scalar(
        select(Membership).where(Membership.invited_email == "sunita@example.org")
    )
    assert invited is not None and invited.status == "invited"


def test_hat_review_reminders_go_once(session, world):
    soon = NOW.replace(year=NOW.year + 1, month=1, day=20)
    assert hats.remind_reviews(session, soon) == 5
    assert hats.remind_reviews(session, soon) == 0


def test_every_change_is_audited_without_plan_or_note_text(session, world):
    s = _s(session, world, "leader")
    records.save_plan(session, s, {"about_me": "PLAN-SECRET changed"}, base_version=1, now=NOW)
    records.add_note(session, s, body="NOTE-SECRET second", reader_ids=[], now=NOW)
    actions = set(
        session.scalars(
            select(AuditEvent.action).where(AuditEvent.scope == f"team:{world.team.id}")
        )
    )
    assert {
        "team.created",
        "member.invited",
        "member.joined",
        "hat.offered",
        "hat.accepted",
        "plan.saved",
        "note.added",
        "access.granted",
    } <= actions
    for event in session.scalars(select(AuditEvent)):
        text = repr(event.changes) + event.action + event.object_type
        assert "SECRET" not in text
