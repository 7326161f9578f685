"""A module marked `shared_world` builds its world once, and each test still starts from that
world exactly: what one test changed is gone for the next."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from coop.models import OutboxMessage, User
from coop.services import mail
from tests import factories
from tests.conftest import NOW

pytestmark = pytest.mark.shared_world


@pytest.fixture(scope="module")
def built(module_db: Any) -> int:
    with module_db.transaction() as session:
        return factories.user(session, username="built-once").id


@pytest.mark.parametrize("turn", [1, 2, 3])
def test_each_test_sees_the_world_as_built_and_nothing_a_test_before_it_did(session, built, turn):
    user = session.get_one(User, built)
    assert user.username == "built-once"
    assert not user.display_name.startswith("Changed")
    assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
    mail.queue_mail(session, to="a@example.org", subject=f"Turn {turn}", body=".", now=NOW)
    user.display_name = f"Changed in turn {turn}"
    session.commit()  # committed, as a request would: still gone for the next test
