"""The register of members and officers: applying, admission, class history, leaving, the
export, and who could join."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from coop import extension
from coop.errors import Conflict, Invalid, NotFound
from coop.models import AuditEvent
from coop.registries import CareActivity
from governance.models import Member
from governance.services import officers, register
from tests import factories
from tests.conftest import NOW, audited
from tests.governance import factories as gf


def test_someone_applies_and_the_secretary_admits_them(session):
    sec = gf.secretary(session)
    person = factories.user(session)
    member = register.apply(
        session,
        person,
        name="Nora New",
        member_class="worker",
        email="Nora@Example.org",
        email_use="notices-and-news",
        now=NOW,
    )
    assert (member.status, member.email, member.postal_address) == (
        "applied",
        "nora@example.org",
        None,
    )
    with pytest.raises(Conflict):
        register.apply(session, person, name="Nora New", member_class="worker", now=NOW)
    with pytest.raises(NotFound):  # only the secretary admits
        register.admit(session, person, member.id, now=NOW)
    register.admit(session, sec, member.id, now=NOW + timedelta(days=1))
    assert member.status == "member" and member.joined_at == NOW + timedelta(days=1)
    assert [c.member_class for c in member.class_history] == ["worker"]
    audited(session, "member.admitted", actor=sec, object_type="member", object_id=member.id)
    with pytest.raises(Conflict):
        register.admit(session, sec, member.id, now=NOW)


def test_a_change_of_class_is_kept_in_the_history(session):
    sec = gf.secretary(session)
    member = gf.member(session, member_class="advocate")
    register.update_member(session, sec, member.id, member_class="worker", shares_held=3, now=NOW)
    session.refresh(member)
    assert [c.member_class for c in member.class_history] == ["advocate", "worker"]
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "member.changed"))
    assert event is not None and event.changes == {"fields": ["member_class", "shares_held"]}


def test_register_details_are_checked(session):
    sec = gf.secretary(session)
    member = gf.member(session)
    for bad in (
        {"member_class": "boss"},
        {"shares_held": -1},
        {"email": "not-an-address"},
        {"name": " "},
    ):
        with pytest.raises(Invalid):
            register.update_member(session, sec, member.id, now=NOW, **bad)
    with pytest.raises(Invalid):
        register.update_member(session, sec, member.id, now=NOW, status="member")


def test_an_email_address_is_on_the_register_once(session):
    sec = gf.secretary(session)
    gf.member(session, email="same@example.org")
    with pytest.raises(Invalid):
        register.add_member(
            session, sec, name="Twin", member_class="worker", email="SAME@example.org", now=NOW
        )


def test_a_member_leaves_and_can_apply_again(session):
    member = gf.member(session)
    user = gf.user_of(session, member)
    register.leave(session, user, member.id, now=NOW)
    assert (member.status, member.left_at) == ("left", NOW)
    with pytest.raises(Conflict):
        register.leave(session, user, member.id, now=NOW)
    again = register.apply(session, user, name=member.name, member_class="investor", now=NOW)
    assert again.id == member.id and again.status == "applied" and again.left_at is None


def test_members_cannot_record_others_leaving(session):
    member, other = gf.member(session), gf.member(session)
    with pytest.raises(NotFound):
        register.leave(session, gf.user_of(session, member), other.id, now=NOW)


def test_the_secretary_adds_a_member_without_an_account(session):
    sec = gf.secretary(session)
    added = register.add_member(
        session,
        sec,
        name="Calder Valley Credit Union",
        member_class="investor",
        shares_held=1000,
        shares_paid_pence=100_000,
        loans_pence=50_000,
        now=NOW,
    )
    assert added.user_id is None and added.status == "member"


def test_members_see_names_only_and_the_secretary_sees_the_register(session):
    sec = gf.secretary(session)
    member = gf.member(session, name="Ann Member")
    gf.member(session, status="applied", name="Ben Applicant")
    names = register.member_names(session, gf.user_of(session, member), now=NOW)
    assert "Ann Member" in [m.name for m in names] and "Ben Applicant" not in [
        m.name for m in names
    ]
    with pytest.raises(NotFound):
        register.register(session, gf.user_of(session, member), now=NOW)
    with pytest.raises(NotFound):
        register.member_names(session, factories.user(session), now=NOW)
    assert len(register.register(session, sec, now=NOW)) == 2


def test_the_csv_export_writes_care_of_the_co_op_and_defuses_formulas(session):
    sec = gf.secretary(session)
    gf.member(session, name="=HYPERLINK(1)", postal_address=None)
    text = register.register_csv(session, sec, now=NOW)
    assert "'=HYPERLINK(1)" in text and "care of the co-op" in text
    audited(session, "register.exported", actor=sec, object_type="member", object_id=None)


@pytest.fixture
def care_activity(db, monkeypatch):
    """A care-activity provider, as `rota` would register one, in the test's app."""
    eligible: list[CareActivity] = []
    monkeypatch.setitem(
        extension.current().registry.care_activity_providers,
        "test",
        lambda _session, _now, user_id: [a for a in eligible if user_id in (None, a.user_id)],
    )
    return eligible


def test_who_could_join_is_offered_to_the_person_and_counted_for_the_secretary(
    session, care_activity
):
    sec = gf.secretary(session)
    newcomer = factories.user(session)
    already = gf.member(session, member_class="supported")
    care_activity.extend(
        [
            CareActivity(newcomer.id, "supported", "two months of regular support"),
            CareActivity(already.user_id, "supported", "two months of regular support"),
        ]
    )
    assert register.invitation_for(session, newcomer, NOW) == "supported"
    assert register.invitation_for(session, gf.user_of(session, already), NOW) is None
    assert register.could_join_count(session, sec, now=NOW) == 1
    register.apply(session, newcomer, name="Newcomer", member_class="supported", now=NOW)
    assert register.could_join_count(session, sec, now=NOW) == 0


def test_the_register_of_officers(session):
    sec = gf.secretary(session, officer=False)
    member = gf.member(session)
    officer = officers.appoint_officer(
        session, sec, user_id=member.user_id, office="treasurer", now=NOW
    )
    with pytest.raises(Conflict):
        officers.appoint_officer(session, sec, user_id=member.user_id, office="treasurer", now=NOW)
    with pytest.raises(NotFound):
        officers.appoint_officer(
            session, gf.user_of(session, member), user_id=sec.id, office="chair", now=NOW
        )
    assert [o.office for o in officers.officers(session, gf.user_of(session, member), now=NOW)] == [
        "treasurer"
    ]
    officers.end_officer(session, sec, officer.id, now=NOW)
    assert officers.officers(session, sec, now=NOW) == []
    assert len(officers.officers(session, sec, now=NOW, current_only=False)) == 1


def test_standing_knows_members_officers_and_the_secretary(session):
    sec = gf.secretary(session)
    st = register.standing(session, sec, NOW)
    assert st.is_secretary and st.is_officer and st.member is None
    assert register.standing(session, None, NOW).user is None
    member = gf.member(session)
    assert register.standing(session, gf.user_of(session, member), NOW).member == member
    assert session.scalar(select(Member).where(Member.id == member.id)) is member


def test_the_invitation_to_join_shows_on_the_persons_own_home_page(
    session, make_client, care_activity
):
    newcomer = factories.user(session)
    other = factories.user(session)
    care_activity.append(CareActivity(newcomer.id, "supported", "two months of regular support"))
    session.commit()
    assert "You can join the co-op" in make_client(newcomer).get("/").get_data(as_text=True)
    assert "You can join the co-op" not in make_client(other).get("/").get_data(as_text=True)
    page = make_client(newcomer).get("/coop/membership").get_data(as_text=True)
    assert "you can now join it as a <strong>supported member</strong>" in page
