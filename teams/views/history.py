"""The team's history: each change from the audit log, in plain words."""

from __future__ import annotations

from typing import Any

from flask import render_template
from flask.typing import ResponseReturnValue
from flask_login import login_required
from sqlalchemy import select
from sqlalchemy.orm import Session

from coop.db import current_session
from coop.models import AuditEvent
from teams import policy
from teams.forms import INVITE_KINDS
from teams.models import HAT_LABELS, PLAN_SECTION_LABELS, Hat, Note
from teams.policy import Standing
from teams.services import members
from teams.services.standing import require
from teams.views import _people, _standing, team_pages

# Entries the team must not see on its own history page: a safeguarding hold would tip off the
# person it protects against, and so could the alert about members removed in a week.
HIDDEN_FROM_TEAM = frozenset({"access.held", "team.removals_alerted"})


@login_required
def history(team_id: int) -> ResponseReturnValue:
    s = _standing(team_id)
    require(policy.can_view_history(s), hidden=True)
    session = current_session()
    events = [e for e in members.history(session, s.team) if e.action not in HIDDEN_FROM_TEAM]
    story = _Story(session, s, events)
    lines = [(e, line) for e in events if (line := story.sentence(e)) is not None]
    return render_template("teams/history.html", s=s, team=s.team, lines=lines)


class _Story:
    """Turns audit entries (ids, numbers and field names only) into sentences a person
    leading their own care would say."""

    def __init__(self, session: Session, s: Standing, events: list[AuditEvent]) -> None:
        self.session, self.s = session, s
        self.members = {m.id: m for m in members.members(session, s.team, include_past=True)}
        hat_ids = [e.object_id for e in events if e.object_type == "hat" and e.object_id]
        self.hats = (
            {h.id: h for h in session.scalars(select(Hat).where(Hat.id.in_(hat_ids)))}
            if hat_ids
            else {}
        )
        self.people = _people(
            session, [e.changes.get("user_id") for e in events if e.action == "access.granted"]
        )

    def _who(self, e: AuditEvent) -> str:
        who = e.actor.display_name if e.actor else "Carecoop"
        if e.acting_for is not None:
            who += f" (for {e.acting_for.display_name})"
        return who

    def _member(self, membership_id: Any) -> str:
        m = self.members.get(membership_id) if isinstance(membership_id, int) else None
        return m.name if m else "someone"

    def _hat(self, e: AuditEvent) -> tuple[str, str]:
        row = self.hats.get(e.object_id or 0)
        label = HAT_LABELS.get(str(e.changes.get("hat") or (row.hat if row else "")), "a hat")
        return f"“{label}”", self._member(row.membership_id if row else None)

    def sentence(self, e: AuditEvent) -> str | None:
        who, a, c = self._who(e), e.action, e.changes
        if a == "team.created":
            return f"{who} set up the team."
        if a.startswith("member."):
            name = self._member(e.object_id)
            if a == "member.invited":
                kind = INVITE_KINDS.get(str(c.get("kind")), "member").split(" (")[0].lower()
                return f"{who} invited {name} to join as {_article(kind)}."
            if a == "member.joined":
                return f"{name} joined the team."
            if a == "member.declined":
                return f"{name} said no thanks to the invitation."
            if a == "member.proposed":
                return f"{who} suggested someone new for the team."
            if a == "member.proposal_decided":
                return (
                    f"{who} said yes to a suggestion and sent an invitation."
                    if c.get("status") == "invited"
                    else f"{who} said “not now” to a suggestion."
                )
            if a == "member.updated":
                changed = []
                if "is_contact" in (c.get("fields") or []):
                    changed.append("whether they are a contact")
                if "sees_records" in (c.get("fields") or []):
                    changed.append("whether they see the support plan and private notes")
                return f"{who} changed, for {name}, {' and '.join(changed) or 'a setting'}."
            if a == "member.removed":
                joined = self.members.get(e.object_id or 0)
                if joined is not None and joined.joined_at is None:
                    return f"{who} withdrew the invitation to {name}."
                return f"{who} took {name} off the team."
            if a == "member.leaving":
                return f"{name} gave notice to leave the team."
            if a == "member.left":
                return f"{name} left the team."
        if a.startswith("hat."):
            hat, name = self._hat(e)
            if a == "hat.offered":
                return f"{who} offered {self._member(c.get('membership_id'))} the hat {hat}."
            sentences = {
                "hat.accepted": f"{name} accepted the hat {hat}.",
                "hat.declined": f"{name} said no thanks to the hat {hat}.",
                "hat.taken_back": f"{who} took back the hat {hat} from {name}.",
                "hat.put_down": f"{name} put down the hat {hat}.",
                "hat.checked": f"{who} checked the legal basis of {name} as representative.",
            }
            if a in sentences:
                return sentences[a]
        if a == "plan.saved":
            parts = [PLAN_SECTION_LABELS.get(str(n), str(n)) for n in c.get("sections") or []]
            which = f" ({', '.join(parts)} changed)" if parts else ""
            return f"{who} saved version {c.get('version')} of the support plan{which}."
        if a == "note.added":
            note = self.session.get(Note, e.object_id) if e.object_id else None
            if note is None or not policy.can_view_note(self.s, note):
                return None  # others do not learn that a note exists
            return f"{who} wrote a private note."
        if a == "access.granted":
            person = self.people.get(c.get("user_id") or 0)
            whom = person.display_name if person else "a facilitator"
            return f"{who} let {whom} see the support plan and notes for a while."
        if a == "access.revoked":
            return f"{who} stopped someone outside the team seeing the records."
        if a == "access.emergency_opened":
            return f"{who} opened the records in an emergency."
        words = team_pages().history_words
        if a in words:
            return f"{who} {words[a]}."
        return f"{who} made a change ({a})."


def _article(noun: str) -> str:
    return f"{'an' if noun[:1] in 'aeiou' else 'a'} {noun}"
