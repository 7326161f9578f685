"""The inbox page: a person's own notifications, newest first, unread ones marked in words, and
the unread count in the menu."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from coop.models import Notification
from coop.services import inbox
from tests.conftest import NOW, element, elements, mails_to, post_form


def _two_messages(session, person):
    older = inbox.notify(
        session,
        person,
        subject="Your check is due",
        body="Please renew it.",
        now=NOW,
        link="/matching/profile",
    )[0]
    newer = inbox.notify(
        session,
        person,
        subject="A team would like to meet you",
        body="Have a look.",
        now=NOW + timedelta(hours=1),
        link="/matching/me",
    )[0]
    session.commit()
    return older, newer


def test_the_inbox_lists_my_messages_newest_first_and_marks_them_read(
    session, make_user, make_client, clock
):
    me = make_user()
    older, newer = _two_messages(session, me)
    client = make_client(me)
    page = client.get("/inbox")
    assert page.status_code == 200
    headings = [h.text for h in elements(page, "h2")]
    assert headings == [
        "New: A team would like to meet you",
        "New: Your check is due",
    ]
    assert element(page, "a", href=f"/inbox/{newer.id}").text.startswith("Open")
    assert "Inbox (2 unread)" in element(page, "a", href="/inbox").text
    answer = post_form(client, f"/inbox/{older.id}/read", {}, page="/inbox")
    assert answer.status_code == 302
    session.expire_all()
    assert session.get(Notification, older.id).read_at == NOW
    assert session.get(Notification, newer.id).read_at is None
    page = client.get("/inbox")
    assert [h.text for h in elements(page, "h2")][1] == "Your check is due"
    assert "Inbox (1 unread)" in element(page, "a", href="/inbox").text
    post_form(client, "/inbox/read-all", {}, page="/inbox")
    session.expire_all()
    assert session.get(Notification, newer.id).read_at == NOW
    assert element(client.get("/inbox"), "a", href="/inbox").text == "Inbox"


def test_someone_elses_message_is_a_404(session, make_user, make_client, clock):
    me, other = make_user(), make_user()
    theirs, _ = _two_messages(session, other)
    client = make_client(me)
    answer = post_form(client, f"/inbox/{theirs.id}/read", {}, page="/inbox")
    assert answer.status_code == 404
    assert client.get(f"/inbox/{theirs.id}").status_code == 404
    assert session.get(Notification, theirs.id).read_at is None
    session.expire_all()
    assert "Your check is due" not in client.get("/inbox").get_data(as_text=True)


def test_opening_a_message_marks_it_read_and_goes_to_its_page(
    session, make_user, make_client, clock
):
    me = make_user()
    _, newer = _two_messages(session, me)
    client = make_client(me)
    home = client.get("/")
    assert element(home, "a", href=f"/inbox/{newer.id}").text == newer.subject  # waiting for me
    answer = client.get(f"/inbox/{newer.id}")
    assert (answer.status_code, answer.headers["Location"]) == (302, "/matching/me")
    session.expire_all()
    assert session.get(Notification, newer.id).read_at == NOW


def test_an_email_carries_the_link_to_follow(session, make_user, app):
    me = make_user()
    with app.test_request_context("/"):
        app.preprocess_request()
        inbox.notify(
            session, me, subject="Hello", body="Something for you.", now=NOW, link="/matching/me"
        )
    body = mails_to(session, me.email)[-1].body
    note = session.scalars(select(Notification).where(Notification.user_id == me.id)).one()
    assert f"{app.config['CARECOOP_BASE_URL']}/inbox/{note.id}" in body


def test_an_empty_inbox_says_so(make_user, make_client):
    page = make_client(make_user()).get("/inbox").get_data(as_text=True)
    assert "There is nothing in your inbox yet" in page
