"""The co-op's pages: the register, membership, officers, proposals, voting, receipts,
results and the ballot log. Shared parts here; the pages in `membership` and `voting`."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, render_template
from flask_login import current_user

from coop.db import current_session
from coop.errors import Invalid
from coop.models import User
from coop.registries import HomeCard
from coop.services import accounts
from coop.web import now
from governance import policy
from governance.forms import (
    CHOICE_LABELS,
    KIND_LABELS,
    METHOD_LABELS,
    OFFICE_LABELS,
)
from governance.policy import Standing
from governance.services import register

# Named after the package, so that its templates are governance/templates/governance/*.html.
bp = Blueprint("governance", "governance", url_prefix="/coop", template_folder="templates")

CLASS_WORDS = {
    "supported": "Supported member",
    "advocate": "Family or friend (advocate member)",
    "worker": "Worker member",
    "investor": "Investor member",
    "non-investor": "All members but investors",
}
STATUS_WORDS = {
    "draft": "Draft",
    "open": "Voting open",
    "closed": "Closed",
    "awaiting-registration": "Passed: waiting for the FCA to register it",
    "registered": "Registered with the FCA",
    "applied": "Applied",
    "member": "Member",
    "left": "Left",
}
CAST_WORDS = {"own": "Own", "proxy": "By proxy", "recorded": "Recorded by the secretary"}


def my_standing() -> Standing:
    return register.standing(current_session(), current_user._get_current_object(), now())


def ballot_key() -> str:
    key: str = current_app.config["CARECOOP_BALLOT_HMAC_KEY"]
    return key


def render_page(template: str, status: int = 200, **context: Any) -> tuple[str, int]:
    context.setdefault("st", my_standing())
    return render_template(
        f"governance/{template}",
        policy=policy,
        class_words=CLASS_WORDS,
        status_words=STATUS_WORDS,
        choice_labels=CHOICE_LABELS,
        kind_labels=KIND_LABELS,
        cast_words=CAST_WORDS,
        method_labels=METHOD_LABELS,
        office_labels=OFFICE_LABELS,
        **context,
    ), status


def person_by_login(login: str) -> User:
    user = accounts.find_by_login(current_session(), login.strip())
    if user is None or not user.active:
        raise Invalid(
            "Nobody has that e-mail address or username.",
            errors={"holder": ["Nobody has that e-mail address or username."]},
        )
    return user


# Home cards ---------------------------------------------------------------------------------------


def shows_membership_card(user: User) -> bool:
    return isinstance(user, User)


def is_invited_to_join(user: User) -> bool:
    """Care activity makes them eligible and they are not on the register (yet)."""
    return isinstance(user, User) and (
        register.invitation_for(current_session(), user, now()) is not None
    )


def shows_votes_card(user: User) -> bool:
    return policy.can_see_proposals(register.standing(current_session(), user, now()))


def shows_register_card(user: User) -> bool:
    return policy.can_manage_register(register.standing(current_session(), user, now()))


def shows_meetings_card(user: User) -> bool:
    return policy.can_see_meetings(register.standing(current_session(), user, now()))


#: The co-op's cards on the home page, each for those it concerns.
HOME_CARDS = (
    HomeCard(
        "coop_invitation",
        "You can join the co-op",
        "The support you have had means you can now become a member: an owner of the "
        "co-op, with a vote.",
        "governance.membership",
        is_invited_to_join,
        order=5,
    ),
    HomeCard(
        "coop_membership",
        "Your co-op membership",
        "Join the co-op, or see your membership.",
        "governance.membership",
        shows_membership_card,
        order=30,
    ),
    HomeCard(
        "coop_votes",
        "Votes and resolutions",
        "Have your say on the co-op's decisions, and see the results.",
        "governance.proposals_page",
        shows_votes_card,
        order=31,
    ),
    HomeCard(
        "coop_meetings",
        "Meetings and elections",
        "The co-op's meetings, their agendas and minutes, and elections of directors.",
        "governance.meetings_page",
        shows_meetings_card,
        order=31,
    ),
    HomeCard(
        "coop_register",
        "The register of members",
        "Applications, the register and its export, and the register of officers.",
        "governance.register_page",
        shows_register_card,
        order=32,
    ),
)
