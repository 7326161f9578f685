"""Meetings: notice in clear days, the annual meeting's deadline, quorum, attendance and
minutes; only the secretary manages meetings, members read published minutes only."""

from datetime import UTC, date, datetime, timedelta

import pytest

from coop.errors import Conflict, Invalid, NotFound
from coop.services import settings
from governance.services import ballots, meetings, proposals
from tests import factories
from tests.conftest import NOW, audited, post_form
from tests.governance import factories as gf

# A Saturday morning meeting, in UK time (GMT in December).
MEETING_AT = datetime(2026, 12, 12, 10, 0, tzinfo=UTC)


def _call(session, sec, *, notice_days_before=20, kind="general", starts_at=MEETING_AT):
    return meetings.create_meeting(
        session,
        sec,
        kind=kind,
        title="A general meeting",
        starts_at=starts_at,
        place="Town Hall, Hebden Bridge",
        notice_sent_on=starts_at.date() - timedelta(days=notice_days_before),
        now=NOW,
    )


def _short_notice(planned):
    return [w for w in planned.warnings if w.startswith("Short notice")]


def test_fourteen_clear_days_is_enough_notice_and_thirteen_is_short(session):
    sec = gf.secretary(session)
    # Sent on the 27th, meeting on the 12th: 15 days apart, 14 clear days between them.
    assert _short_notice(_call(session, sec, notice_days_before=15)) == []
    short = _short_notice(_call(session, sec, notice_days_before=14))
    assert short and "13 clear days" in short[0] and "14" in short[0]


def test_the_notice_the_co_op_asks_for_is_a_setting(session, app):
    sec = gf.secretary(session)
    admin = factories.user(session, roles=["admin"])
    settings.update_settings(session, admin, {"meeting_notice_days": "21"}, now=NOW)
    assert _short_notice(_call(session, sec, notice_days_before=15))
    assert not _short_notice(_call(session, sec, notice_days_before=22))


def test_clear_days_leave_out_the_day_of_notice_and_the_day_of_the_meeting():
    assert meetings.clear_days(date(2026, 11, 27), date(2026, 12, 12)) == 14
    assert meetings.clear_days(date(2026, 12, 11), date(2026, 12, 12)) == 0


@pytest.mark.parametrize(
    ("meeting_on", "late"),
    [
        (date(2026, 9, 30), False),  # six months after 31 March
        (date(2026, 10, 1), True),
        (date(2026, 4, 1), False),
    ],
)
def test_an_annual_meeting_more_than_six_months_after_the_year_end_is_late(
    session, meeting_on, late
):
    sec = gf.secretary(session)
    starts = datetime(meeting_on.year, meeting_on.month, meeting_on.day, 10, tzinfo=UTC)
    planned = _call(session, sec, kind="annual", starts_at=starts, notice_days_before=30)
    found = [w for w in planned.warnings if w.startswith("Late annual meeting")]
    assert bool(found) == late
    if late:
        assert "30 September 2026" in found[0]


def test_a_general_meeting_is_never_a_late_annual_meeting(session):
    sec = gf.secretary(session)
    starts = datetime(2026, 11, 1, 10, tzinfo=UTC)
    assert _call(session, sec, starts_at=starts, notice_days_before=30).warnings == []


def test_the_financial_year_end_is_a_setting(session):
    sec = gf.secretary(session)
    admin = factories.user(session, roles=["admin"])
    settings.update_settings(session, admin, {"financial_year_end": "12-31"}, now=NOW)
    starts = datetime(2026, 6, 30, 10, tzinfo=UTC)
    assert (
        _call(session, sec, kind="annual", starts_at=starts, notice_days_before=30).warnings == []
    )
    later = datetime(2026, 7, 1, 10, tzinfo=UTC)
    assert _call(session, sec, kind="annual", starts_at=later, notice_days_before=30).warnings


def test_a_meeting_is_quorate_once_enough_members_are_present_in_person_or_by_proxy(session):
    sec = gf.secretary(session)
    admin = factories.user(session, roles=["admin"])
    settings.update_settings(session, admin, {"quorum": "3"}, now=NOW)
    meeting = _call(session, sec).meeting
    people = [gf.member(session) for _ in range(3)]
    meetings.record_attendance(
        session, sec, meeting.id, member_id=people[0].id, how="in-person", now=NOW
    )
    meetings.record_attendance(
        session, sec, meeting.id, member_id=people[1].id, how="proxy", now=NOW
    )
    # Recording someone twice changes how they attend; it does not count them twice.
    meetings.record_attendance(
        session, sec, meeting.id, member_id=people[1].id, how="in-person", now=NOW
    )
    assert meetings.quorum_of(session, meeting) == meetings.Quorum(2, 3)
    assert not meetings.quorum_of(session, meeting).quorate
    meetings.record_attendance(
        session, sec, meeting.id, member_id=people[2].id, how="proxy", now=NOW
    )
    assert meetings.quorum_of(session, meeting).quorate
    meetings.remove_attendance(session, sec, meeting.id, member_id=people[2].id, now=NOW)
    assert not meetings.quorum_of(session, meeting).quorate
    left = gf.member(session, status="left")
    with pytest.raises(Invalid):
        meetings.record_attendance(
            session, sec, meeting.id, member_id=left.id, how="in-person", now=NOW
        )


def test_the_default_quorum_is_ten_members(session):
    sec = gf.secretary(session)
    assert meetings.quorum_of(session, _call(session, sec).meeting).needed == 10


def test_only_the_secretary_manages_meetings(session):
    sec = gf.secretary(session)
    member_user = gf.user_of(session, gf.member(session))
    chair = gf.officer(session)
    meeting = _call(session, sec).meeting
    for someone in (member_user, chair, factories.user(session, roles=["admin"])):
        with pytest.raises(NotFound):
            _call(session, someone)
        with pytest.raises(NotFound):
            meetings.add_agenda_item(session, someone, meeting.id, text="Accounts", now=NOW)
        with pytest.raises(NotFound):
            meetings.save_minutes(session, someone, meeting.id, minutes="x", publish=True, now=NOW)
    assert audited(
        session, "meeting.created", actor=sec, object_type="meeting", object_id=meeting.id
    )


def test_members_read_minutes_only_once_published(session, make_client):
    sec = gf.secretary(session)
    member_user = gf.user_of(session, gf.member(session))
    meeting = _call(session, sec).meeting
    meetings.add_agenda_item(session, sec, meeting.id, text="Adopt the accounts", now=NOW)
    meetings.save_minutes(
        session, sec, meeting.id, minutes="Draft: we met.", publish=False, now=NOW
    )
    session.commit()
    client = make_client(member_user)
    page = client.get(f"/coop/meetings/{meeting.id}").get_data(as_text=True)
    assert "Adopt the accounts" in page and "Draft: we met." not in page
    assert client.get(f"/api/v1/meetings/{meeting.id}").get_json()["minutes"] is None
    meetings.save_minutes(
        session, sec, meeting.id, minutes="We met and agreed.", publish=True, now=NOW
    )
    session.commit()
    assert "We met and agreed." in client.get(f"/coop/meetings/{meeting.id}").get_data(as_text=True)
    body = client.get(f"/api/v1/meetings/{meeting.id}").get_json()
    assert body["minutes"] == "We met and agreed." and body["warnings"] == []


def test_the_secretary_calls_a_meeting_on_the_pages_and_sees_the_warning(
    session, make_client, clock
):
    sec = gf.secretary(session)
    people = [gf.member(session) for _ in range(2)]
    session.commit()
    client = make_client(sec)
    bad = post_form(client, "/coop/meetings/new", {"kind": "general", "title": "", "place": ""})
    assert bad.status_code == 422 and 'aria-describedby="title-error"' in bad.get_data(as_text=True)
    answer = post_form(
        client,
        "/coop/meetings/new",
        {
            "kind": "annual",
            "title": "Annual general meeting 2026",
            "starts_on": "2026-12-12",
            "starts_time": "10:00",
            "place": "Town Hall",
            "notice_sent_on": "2026-11-28",
        },
    )
    assert answer.status_code == 302
    path = answer.headers["Location"]
    page = client.get(path).get_data(as_text=True)
    assert "Short notice: 13 clear days" in page and "Late annual meeting" in page
    assert (
        post_form(
            client,
            path + "/agenda",
            {"agenda-text": "Elect the board", "agenda-proposal_id": ""},
            page=path,
        ).status_code
        == 302
    )
    for m in people:
        done = post_form(
            client,
            path + "/attendance",
            {"present-member_id": m.id, "present-how": "proxy"},
            page=path,
        )
        assert done.status_code == 302
    done = post_form(
        client, path + "/minutes", {"minutes-minutes": "We met.", "minutes-publish": "y"}, page=path
    )
    assert done.status_code == 302
    page = client.get(path).get_data(as_text=True)
    assert (
        "Elect the board" in page and "We met." in page and "2 members (the quorum is 10)" in page
    )


PAGES = {
    "/coop/meetings": {"member", "secretary"},
    "/coop/meetings/new": {"secretary"},
    "/coop/meetings/{meeting}": {"member", "secretary"},
}
PEOPLE = ("anonymous", "user", "applicant", "member", "left", "chair", "secretary", "admin")


@pytest.fixture
def world(session, clock):
    sec = gf.secretary(session)
    people = {
        "anonymous": None,
        "user": factories.user(session),
        "applicant": gf.user_of(session, gf.member(session, status="applied")),
        "member": gf.user_of(session, gf.member(session)),
        "left": gf.user_of(session, gf.member(session, status="left")),
        "chair": gf.officer(session),
        "secretary": sec,
        "admin": factories.user(session, roles=["admin"]),
    }
    meeting = _call(session, sec).meeting
    session.commit()
    return {"people": people, "meeting": meeting}


@pytest.mark.parametrize("path", sorted(PAGES))
@pytest.mark.parametrize("who", PEOPLE)
def test_meeting_page_and_api_permissions(make_client, world, path, who):
    client = make_client(world["people"][who])
    url = path.format(meeting=world["meeting"].id)
    answer = client.get(url)
    api = client.get(url.replace("/coop/", "/api/v1/")) if "new" not in url else None
    if who in PAGES[path]:
        assert answer.status_code == 200, (who, url)
        assert api is None or api.status_code == 200
    elif who == "anonymous":
        assert answer.status_code == 302 and "/sign-in" in answer.headers["Location"]
        assert api is None or api.status_code == 401
    else:
        assert answer.status_code == 404, (who, url, answer.status_code)
        assert api is None or api.status_code == 404


@pytest.mark.parametrize("who", PEOPLE)
def test_only_the_secretary_posts_to_a_meeting(make_client, world, who):
    client = make_client(world["people"][who])
    path = f"/coop/meetings/{world['meeting'].id}"
    if who == "anonymous":
        return
    page = "/coop/meetings/new" if who == "secretary" else "/account/"
    answer = post_form(client, path + "/agenda", {"agenda-text": "Anything"}, page=page)
    assert answer.status_code == (302 if who == "secretary" else 404), who


# The confirming second meeting of a special resolution ------------------------------------------


def _passed_amalgamation(session, sec, key):
    voters = [gf.member(session) for _ in range(3)]
    made = gf.proposal(session, sec, kind="special-amalgamation", title="Join with Valley Care")
    for voter in voters:
        ballots.cast_ballot(
            session,
            gf.user_of(session, voter),
            made.id,
            choice="for",
            key=key,
            now=NOW + timedelta(hours=1),
        )
    proposals.close_proposal(session, made.id, now=made.closes_at)
    assert made.status == "awaiting-registration"
    return made


def _confirming(session, sec, proposal, day):
    starts = datetime(day.year, day.month, day.day, 10, tzinfo=UTC)
    return meetings.create_meeting(
        session,
        sec,
        kind="general",
        title="Confirming meeting",
        starts_at=starts,
        place="Town Hall",
        notice_sent_on=day - timedelta(days=20),
        now=NOW,
        confirms_proposal_id=proposal.id,
    )


@pytest.mark.parametrize(
    ("day", "outside"),
    [
        (date(2026, 12, 15), True),  # it passed on 2 December: 13 days later is too soon
        (date(2026, 12, 16), False),  # 14 days later
        (date(2027, 1, 2), False),  # a month later
        (date(2027, 1, 3), True),
    ],
)
def test_a_confirming_meeting_is_held_14_days_to_a_month_after_the_resolution_passed(
    session, key, day, outside
):
    sec = gf.secretary(session)
    planned = _confirming(session, sec, _passed_amalgamation(session, sec, key), day)
    found = [w for w in planned.warnings if w.startswith("The confirming meeting")]
    assert bool(found) == outside
    if outside:
        assert "16 December 2026 to 02 January 2027" in found[0]


def test_only_a_passed_amalgamation_or_conversion_is_confirmed_at_a_meeting(session, key):
    sec = gf.secretary(session)
    gf.member(session)
    ordinary = gf.proposal(session, sec)
    unconfirmed = gf.proposal(session, sec, kind="special-amalgamation")  # still open
    for proposal in (ordinary, unconfirmed):
        with pytest.raises(Invalid) as refused:
            _confirming(session, sec, proposal, date(2026, 12, 20))
        assert "confirms_proposal_id" in refused.value.errors


def test_more_than_half_of_the_votes_at_a_quorate_meeting_confirm_it(session, key):
    sec = gf.secretary(session)
    admin = factories.user(session, roles=["admin"])
    settings.update_settings(session, admin, {"quorum": "3"}, now=NOW)
    meeting = _confirming(
        session, sec, _passed_amalgamation(session, sec, key), date(2026, 12, 20)
    ).meeting
    present = [gf.member(session) for _ in range(3)]
    for m in present[:2]:
        meetings.record_attendance(
            session, sec, meeting.id, member_id=m.id, how="in-person", now=NOW
        )
    with pytest.raises(Invalid, match="not quorate"):
        meetings.record_confirmation(
            session, sec, meeting.id, votes_for=2, votes_against=0, now=NOW
        )
    meetings.record_attendance(
        session, sec, meeting.id, member_id=present[2].id, how="proxy", now=NOW
    )
    with pytest.raises(Invalid):
        meetings.record_confirmation(
            session, sec, meeting.id, votes_for=3, votes_against=1, now=NOW
        )
    meetings.record_confirmation(session, sec, meeting.id, votes_for=1, votes_against=1, now=NOW)
    assert meeting.confirmed is False  # half is not more than half
    meetings.record_confirmation(session, sec, meeting.id, votes_for=2, votes_against=1, now=NOW)
    assert meeting.confirmed is True
    plain = _call(session, sec).meeting
    with pytest.raises(Conflict):
        meetings.record_confirmation(session, sec, plain.id, votes_for=2, votes_against=1, now=NOW)


def test_the_secretary_calls_a_confirming_meeting_and_records_its_votes_on_the_pages(
    session, key, make_client, clock
):
    sec = gf.secretary(session)
    passed = _passed_amalgamation(session, sec, key)
    member_user = gf.user_of(session, gf.member(session))
    session.commit()
    client = make_client(sec)
    answer = post_form(
        client,
        "/coop/meetings/new",
        {
            "kind": "general",
            "title": "Confirming meeting",
            "starts_on": "2026-12-10",
            "starts_time": "10:00",
            "place": "Town Hall",
            "notice_sent_on": "2026-11-20",
            "confirms_proposal_id": str(passed.id),
        },
    )
    assert answer.status_code == 302
    path = answer.headers["Location"]
    assert "The confirming meeting must be held from" in client.get(path).get_data(as_text=True)
    refused = post_form(
        client,
        path + "/confirmation",
        {"confirm-votes_for": "-1", "confirm-votes_against": "0"},
        page=path,
    )
    assert refused.status_code == 422
    assert 'aria-describedby="confirm-votes_for-error"' in refused.get_data(as_text=True)
    page = make_client(member_user).get(path).get_data(as_text=True)
    assert "Join with Valley Care" in page and "The votes are not recorded yet." in page


def test_an_amalgamation_is_registered_only_once_a_second_meeting_confirmed_it(session, key):
    sec = gf.secretary(session)
    admin = factories.user(session, roles=["admin"])
    settings.update_settings(session, admin, {"quorum": "2"}, now=NOW)
    made = _passed_amalgamation(session, sec, key)
    with pytest.raises(Conflict, match="second meeting"):
        proposals.mark_registered(session, sec, made.id, now=NOW)
    meeting = _confirming(session, sec, made, date(2026, 12, 20)).meeting
    for m in [gf.member(session) for _ in range(2)]:
        meetings.record_attendance(
            session, sec, meeting.id, member_id=m.id, how="in-person", now=NOW
        )
    meetings.record_confirmation(session, sec, meeting.id, votes_for=1, votes_against=1, now=NOW)
    with pytest.raises(Conflict, match="second meeting"):  # half is not more than half
        proposals.mark_registered(session, sec, made.id, now=NOW)
    meetings.record_confirmation(session, sec, meeting.id, votes_for=2, votes_against=0, now=NOW)
    assert proposals.mark_registered(session, sec, made.id, now=NOW).status == "registered"
