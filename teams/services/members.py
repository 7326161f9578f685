"""Who is in a team: creating teams, invitations by consent, introducers' suggestions, contacts,
who may see private records, leaving and being taken off a team."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from coop import events, pauses
from coop.errors import Conflict, Forbidden, Invalid, NotFound
from coop.models import AuditEvent, User
from coop.services import accounts, audit, settings
from coop.services.accounts import EMAIL_RE, digest, new_secret, normalise_email
from coop.services.mail import queue_mail
from teams import policy
from teams.models import EMPLOYMENTS, MEMBER_KINDS, Hat, MemberProposal, Membership, Team
from teams.policy import Standing
from teams.services.standing import require, scope

INVITATION_LIFETIME = timedelta(days=14)
REMOVAL_WINDOW = timedelta(days=7)


def create_team(session: Session, actor: User, *, name: str, leader: User, now: datetime) -> Team:
    """A facilitator sets up a team with the supported person as its leader (and first member,
    able to see their own records). Raises Forbidden or Invalid. Audits `team.created`."""
    require(policy.can_create_team(actor), detail="Only a facilitator can set up a team.")
    name = name.strip()
    if not name or len(name) > 120:
        raise Invalid(
            "Please give the team a name.",
            errors={"name": ["Please give the team a name of up to 120 characters."]},
        )
    team = Team(
        name=name, leader_id=leader.id, status="active", created_at=now, created_by_id=actor.id
    )
    session.add(team)
    session.flush()
    session.add(
        Membership(
            team_id=team.id,
            user_id=leader.id,
            kind="supported",
            status="active",
            sees_records=True,
            created_at=now,
            joined_at=now,
        )
    )
    session.flush()
    audit.record(
        session,
        actor,
        "team.created",
        "team",
        team.id,
        now=now,
        scope=scope(team),
        changes={"leader_id": leader.id},
    )
    return team


def teams_of(session: Session, user: User, now: datetime) -> list[Team]:
    """The teams `user` belongs to now, the ones they lead first."""
    teams = session.scalars(
        select(Team)
        .join(Membership, Membership.team_id == Team.id)
        .where(
            Membership.user_id == user.id,
            Membership.status == "active",
            or_(Membership.leaves_at.is_(None), Membership.leaves_at > now),
        )
        .order_by(Team.name)
    )
    return sorted(teams, key=lambda t: t.leader_id != user.id)


def members(session: Session, team: Team, *, include_past: bool = False) -> list[Membership]:
    states = ("invited", "active", "left", "declined") if include_past else ("invited", "active")
    return list(
        session.scalars(
            select(Membership)
            .where(Membership.team_id == team.id, Membership.status.in_(states))
            .order_by(Membership.kind != "supported", Membership.status, Membership.id)
        )
    )


def _validate_invite(
    name: str, email: str | None, kind: str, employment: str | None
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not name.strip():
        errors["name"] = ["Please give their name."]
    if not email or not EMAIL_RE.match(email):
        errors["email"] = ["Please give the e-mail address the invitation should go to."]
    if kind not in MEMBER_KINDS or kind == "supported":
        errors["kind"] = ["Please say how they will help."]
    if kind == "worker" and employment not in EMPLOYMENTS:
        errors["employment"] = [
            "Please say whether they are self-employed or employed by the co-op."
        ]
    return errors


def invite(
    session: Session,
    s: Standing,
    *,
    name: str,
    email: str,
    kind: str,
    employment: str | None = None,
    sees_records: bool = False,
    base_url: str,
    now: datetime,
) -> tuple[Membership, str]:
    """The leader (or representative) invites someone by e-mail: a single-use link, valid for 14
    days. Returns the membership (status `invited`) and the link's token. Raises Forbidden,
    Invalid or Conflict (already in the team). Audits `member.invited`."""
    require(policy.can_invite(s))
    if s.user is None:
        raise Forbidden("Please sign in first.")
    address = normalise_email(email)
    errors = _validate_invite(name, address, kind, employment)
    if errors or address is None:
        raise Invalid("The invitation was not sent.", errors=errors)
    existing_user = session.scalar(select(User).where(User.email == address))
    clash = session.scalar(
        select(Membership.id).where(
            Membership.team_id == s.team.id,
            Membership.status.in_(("invited", "active")),
            or_(
                Membership.invited_email == address,
                Membership.user_id == (existing_user.id if existing_user else -1),
            ),
        )
    )
    if clash:
        raise Conflict(
            "They are already in the team, or already invited.",
            errors={"email": ["They are already in the team, or already invited."]},
        )
    token = new_secret()
    membership = Membership(
        team_id=s.team.id,
        kind=kind,
        employment=employment if kind == "worker" else None,
        status="invited",
        sees_records=sees_records,
        bookable=kind == "worker",
        invited_name=name.strip(),
        invited_email=address,
        invite_digest=digest(token),
        invite_expires_at=now + INVITATION_LIFETIME,
        invited_by_id=s.user.id,
        created_at=now,
    )
    session.add(membership)
    session.flush()
    leader = s.team.leader.display_name
    queue_mail(
        session,
        to=address,
        subject=f"{leader} invites you to join their care team",
        body=(
            f"Hello {membership.invited_name},\n\n{s.user.display_name} invites you to join "
            f"{leader}'s care team on Carecoop.\n\nTo say yes or no, open this link within 14 days:\n\n"
            f"{base_url}/teams/invitations/{token}\n\nIf you were not expecting this, you can ignore it.\n"
        ),
        now=now,
    )
    audit.record(
        session,
        s.user,
        "member.invited",
        "membership",
        membership.id,
        now=now,
        scope=scope(s.team),
        acting_for=_acting_for(s),
        changes={"kind": kind},
    )
    return membership, token


def _acting_for(s: Standing) -> User | None:
    """Who the actor acts for: the leader, when a representative acts for them."""
    return s.team.leader if s.is_representative and not s.is_leader else None


def find_invitation(session: Session, token: str, now: datetime) -> Membership:
    membership = session.scalar(select(Membership).where(Membership.invite_digest == digest(token)))
    if (
        membership is None
        or membership.status != "invited"
        or membership.invite_expires_at is None
        or membership.invite_expires_at <= now
        or membership.team.status != "active"
    ):
        raise NotFound(
            "This invitation has expired, or has already been answered. "
            "Please ask the person who invited you to send a new one."
        )
    return membership


def accept_invitation(session: Session, user: User, token: str, *, now: datetime) -> Membership:
    """`user` says yes to an invitation: they join the team. The link was sent to one address, so
    an account with another address cannot use it (Forbidden). Claimed with a conditional
    update, so two clicks join once. Raises NotFound or Conflict. Audits `member.joined`."""
    membership = find_invitation(session, token, now)
    if user.email and user.email != membership.invited_email:
        raise Forbidden(
            f"This invitation was sent to a different e-mail address from the one on your account. "
            "Please sign out and open the link again to join with that address, or ask "
            f"{membership.team.leader.display_name} to invite {user.email}."
        )
    if current := session.scalar(
        select(Membership.id).where(
            Membership.team_id == membership.team_id,
            Membership.user_id == user.id,
            Membership.status == "active",
        )
    ):
        raise Conflict(f"You are already in this team (membership {current}).")
    claimed = session.execute(
        update(Membership)
        .where(Membership.id == membership.id, Membership.status == "invited")
        .values(status="active", user_id=user.id, joined_at=now, invite_digest=None)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict("This invitation has just been answered.")
    session.refresh(membership)
    audit.record(
        session,
        user,
        "member.joined",
        "membership",
        membership.id,
        now=now,
        scope=scope(membership.team_id),
    )
    return membership


def accept_invitation_new_account(
    session: Session, token: str, *, username: str, display_name: str, password: str, now: datetime
) -> tuple[User, Membership]:
    """Someone without an account says yes: their account is made with the invited e-mail."""
    membership = find_invitation(session, token, now)
    user = accounts.create_user(
        session,
        None,
        username=username,
        display_name=display_name,
        password=password,
        email=membership.invited_email,
        now=now,
    )
    return user, accept_invitation(session, user, token, now=now)


def decline_invitation(
    session: Session, token: str, *, now: datetime, user: User | None = None
) -> None:
    """Say no to an invitation, without a reason. Audits `member.declined`."""
    membership = find_invitation(session, token, now)
    membership.status, membership.invite_digest = "declined", None
    session.flush()
    audit.record(
        session,
        user,
        "member.declined",
        "membership",
        membership.id,
        now=now,
        scope=scope(membership.team_id),
    )


def propose(
    session: Session, s: Standing, *, name: str, email: str, kind: str, reason: str, now: datetime
) -> MemberProposal:
    """An introducer suggests someone; the leader decides. Raises Forbidden or Invalid. Audits
    `member.proposed`."""
    require(policy.can_propose(s), detail="Only the team's introducer can suggest people.")
    if s.user is None:
        raise Forbidden("Please sign in first.")
    address = normalise_email(email)
    errors = _validate_invite(name, address, kind, "independent")
    if not reason.strip():
        errors["reason"] = ["Please say in a few words why they would be good for the team."]
    if errors:
        raise Invalid("The suggestion was not made.", errors=errors)
    proposal = MemberProposal(
        team_id=s.team.id,
        proposed_by_id=s.user.id,
        name=name.strip(),
        email=address or "",
        kind=kind,
        reason=reason.strip()[:500],
        status="proposed",
        created_at=now,
    )
    session.add(proposal)
    session.flush()
    audit.record(
        session,
        s.user,
        "member.proposed",
        "member_proposal",
        proposal.id,
        now=now,
        scope=scope(s.team),
        changes={"kind": kind},
    )
    return proposal


def proposals(session: Session, team: Team) -> list[MemberProposal]:
    return list(
        session.scalars(
            select(MemberProposal)
            .where(MemberProposal.team_id == team.id, MemberProposal.status == "proposed")
            .order_by(MemberProposal.created_at)
        )
    )


def decide_proposal(
    session: Session,
    s: Standing,
    proposal_id: int,
    *,
    yes: bool,
    base_url: str,
    now: datetime,
    employment: str | None = None,
) -> MemberProposal:
    """The leader says yes (an invitation goes out) or "not now" to a suggestion. Conditional,
    so two answers do one thing. Audits `member.proposal_decided`."""
    require(policy.can_decide_proposals(s))
    if s.user is None:
        raise Forbidden("Please sign in first.")
    proposal = session.get(MemberProposal, proposal_id)
    if proposal is None or proposal.team_id != s.team.id:
        raise NotFound("We could not find that suggestion.")
    claimed = session.execute(
        update(MemberProposal)
        .where(MemberProposal.id == proposal.id, MemberProposal.status == "proposed")
        .values(status="invited" if yes else "not_now", decided_at=now)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict("This suggestion has already been answered.")
    session.refresh(proposal)
    if yes:
        membership, _token = invite(
            session,
            s,
            name=proposal.name,
            email=proposal.email,
            kind=proposal.kind,
            employment=employment or ("independent" if proposal.kind == "worker" else None),
            base_url=base_url,
            now=now,
        )
        proposal.membership_id = membership.id
        session.flush()
    audit.record(
        session,
        s.user,
        "member.proposal_decided",
        "member_proposal",
        proposal.id,
        now=now,
        scope=scope(s.team),
        acting_for=_acting_for(s),
        changes={"status": proposal.status},
    )
    return proposal


def find_membership(session: Session, s: Standing, membership_id: int) -> Membership:
    membership = session.get(Membership, membership_id)
    if membership is None or membership.team_id != s.team.id:
        raise NotFound("We could not find that member.")
    return membership


def update_member(
    session: Session,
    s: Standing,
    membership_id: int,
    *,
    now: datetime,
    sees_records: bool | None = None,
    is_contact: bool | None = None,
    bookable: bool | None = None,
) -> Membership:
    """The leader says who may see private records and who may be booked for visits, and names
    one or two contacts, who are told first when something goes wrong. Raises Forbidden or Invalid. Audits `member.updated`
    with the fields changed."""
    membership = find_membership(session, s, membership_id)
    changed: list[str] = []
    if sees_records is not None and sees_records != membership.sees_records:
        require(policy.can_set_record_access(s))
        if membership.user_id == s.team.leader_id and not sees_records:
            raise Invalid("The person who leads the team always sees their own records.")
        membership.sees_records = sees_records
        changed.append("sees_records")
    if bookable is not None and bookable != membership.bookable:
        require(policy.can_set_record_access(s))
        if membership.kind == "supported":
            raise Invalid("The person the team supports is not booked for visits.")
        membership.bookable = bookable
        changed.append("bookable")
    if is_contact is not None and is_contact != membership.is_contact:
        require(policy.can_set_contacts(s))
        if is_contact:
            if membership.status != "active":
                raise Invalid("Only someone already in the team can be a contact.")
            contacts = session.scalar(
                select(func.count()).where(
                    Membership.team_id == s.team.id,
                    Membership.is_contact.is_(True),
                    Membership.status == "active",
                )
            )
            if (contacts or 0) >= 2:
                raise Invalid(
                    "A team has one or two contacts. Please remove one first.",
                    errors={
                        "is_contact": ["A team has one or two contacts. Please remove one first."]
                    },
                )
        membership.is_contact = is_contact
        changed.append("is_contact")
    session.flush()
    if changed:
        if s.user is None:
            raise Forbidden("Please sign in first.")
        audit.record(
            session,
            s.user,
            "member.updated",
            "membership",
            membership.id,
            now=now,
            scope=scope(s.team),
            acting_for=_acting_for(s),
            changes={"fields": changed},
        )
    return membership


def contacts(session: Session, team: Team) -> list[Membership]:
    return list(
        session.scalars(
            select(Membership).where(
                Membership.team_id == team.id,
                Membership.is_contact.is_(True),
                Membership.status == "active",
            )
        )
    )


def _end_hats(session: Session, membership: Membership, actor: User, now: datetime) -> None:
    for hat in session.scalars(
        select(Hat).where(Hat.membership_id == membership.id, Hat.status.in_(("offered", "active")))
    ):
        hat.status, hat.ended_at, hat.ended_by_id = "taken_back", now, actor.id


def remove_member(
    session: Session, s: Standing, membership_id: int, *, now: datetime
) -> Membership:
    """The leader (or representative) takes someone off the team, or withdraws an invitation,
    at once. A representative cannot remove the leader's own access; nobody can. When most of
    the team is removed within a week, the on-call facilitator is told, once. Sends
    `member_left`. Audits `member.removed`."""
    membership = find_membership(session, s, membership_id)
    require(
        policy.can_remove_member(s, membership),
        detail="The person who leads the team cannot be removed from it."
        if membership.user_id == s.team.leader_id
        else None,
    )
    if s.user is None:
        raise Forbidden("Please sign in first.")
    was_active = membership.status == "active"
    membership.status = "left" if was_active else "declined"
    membership.leaves_at, membership.removed_by_id, membership.invite_digest = now, s.user.id, None
    membership.is_contact = False
    _end_hats(session, membership, s.user, now)
    session.flush()
    audit.record(
        session,
        s.user,
        "member.removed",
        "membership",
        membership.id,
        now=now,
        scope=scope(s.team),
        acting_for=_acting_for(s),
    )
    if was_active:
        events.member_left.send(
            membership, session=session, actor=s.user, now=now, effective_at=now
        )
        _alert_if_most_removed(session, s.team, now)
    return membership


def _alert_if_most_removed(session: Session, team: Team, now: datetime) -> None:
    """Tell the on-call facilitator, once a week at most, when more than half of the people in
    the team a week ago have been removed since (a sign of coercive control)."""
    since = now - REMOVAL_WINDOW
    if team.removal_alert_at is not None and team.removal_alert_at > since:
        return
    removed = (
        session.scalar(
            select(func.count()).where(
                Membership.team_id == team.id,
                Membership.removed_by_id.is_not(None),
                Membership.status == "left",
                Membership.leaves_at > since,
                Membership.joined_at.is_not(None),
                Membership.joined_at <= since,
            )
        )
        or 0
    )
    there_a_week_ago = (
        session.scalar(
            select(func.count()).where(
                Membership.team_id == team.id,
                Membership.user_id != team.leader_id,
                Membership.joined_at.is_not(None),
                Membership.joined_at <= since,
                or_(Membership.leaves_at.is_(None), Membership.leaves_at > since),
            )
        )
        or 0
    )
    if there_a_week_ago == 0 or removed * 2 <= there_a_week_ago:
        return
    team.removal_alert_at = now
    on_call_id = settings.get(session, "on_call_facilitator")
    on_call = session.get(User, on_call_id) if on_call_id else None
    if on_call is not None and on_call.email:
        queue_mail(
            session,
            to=on_call.email,
            subject=f"Please check on team {team.id}",
            body=(
                f"Hello {on_call.display_name},\n\n{removed} of the {there_a_week_ago} people who were in "
                f"team {team.id} a week ago have been taken off it since. This can be a sign that "
                "someone is being cut off from their support. Please check in with the person "
                "who leads the team.\n"
            ),
            now=now,
        )
    session.flush()
    # Not in the team's own history: whoever is removing people must not learn they were noticed.
    audit.record(
        session,
        None,
        "team.removals_alerted",
        "team",
        team.id,
        now=now,
        scope="safeguarding",
        changes={
            "removed": removed,
            "members_a_week_ago": there_a_week_ago,
            "told": on_call.id if on_call else None,
        },
    )


def leave(
    session: Session, s: Standing, *, leaves_at: datetime, handover_note: str, now: datetime
) -> Membership:
    """A member gives notice: from `leaves_at` they no longer see the team's records; workers
    leave a handover note. Sends `member_left`. Raises Forbidden or Invalid. Audits
    `member.leaving`."""
    require(policy.can_leave(s), detail="The person who leads the team cannot leave it.")
    if s.user is None or s.membership is None:
        raise Forbidden("Only a member of the team can do that.")
    errors: dict[str, list[str]] = {}
    if leaves_at < now - timedelta(minutes=1):
        errors["leaves_at"] = ["Please choose today or a later date."]
    if s.membership.kind == "worker" and not handover_note.strip():
        errors["handover_note"] = ["Please leave a handover note for whoever takes over."]
    if errors:
        raise Invalid("Your notice was not given.", errors=errors)
    membership = s.membership
    membership.leaves_at = leaves_at
    membership.handover_note = handover_note.strip() or None
    if leaves_at <= now:
        membership.status = "left"
        membership.is_contact = False
        _end_hats(session, membership, s.user, now)
    session.flush()
    audit.record(
        session,
        s.user,
        "member.leaving",
        "membership",
        membership.id,
        now=now,
        scope=scope(s.team),
        changes={"handover_note": bool(membership.handover_note)},
    )
    events.member_left.send(
        membership, session=session, actor=s.user, now=now, effective_at=leaves_at
    )
    return membership


def finish_leaving(session: Session, now: datetime) -> int:
    """Timed job: memberships whose notice has run out become `left` (and lose their hats)."""
    due = list(
        session.scalars(
            select(Membership).where(
                Membership.status == "active",
                Membership.leaves_at.is_not(None),
                Membership.leaves_at <= now,
            )
        )
    )
    for membership in due:
        membership.status, membership.is_contact = "left", False
        for hat in membership.hats:
            if hat.status in ("offered", "active"):
                hat.status, hat.ended_at = "put_down", now
        audit.record(
            session,
            None,
            "member.left",
            "membership",
            membership.id,
            now=now,
            scope=scope(membership.team_id),
        )
    session.flush()
    return len(due)


def invitations_for(session: Session, user: User, now: datetime) -> list[Membership]:
    """Open team invitations addressed to `user`'s e-mail address."""
    if not user.email:
        return []
    return list(
        session.scalars(
            select(Membership).where(
                Membership.invited_email == user.email,
                Membership.status == "invited",
                Membership.invite_expires_at > now,
            )
        )
    )


def addressed_invitation(
    session: Session, user: User, membership_id: int, now: datetime
) -> Membership:
    """An open invitation addressed to `user`'s own e-mail address, answered from their home
    page rather than through the e-mailed link. Raises NotFound."""
    for membership in invitations_for(session, user, now):
        if membership.id == membership_id:
            return membership
    raise NotFound("We could not find that invitation.")


def answer_addressed_invitation(
    session: Session, user: User, membership_id: int, *, yes: bool, now: datetime
) -> Membership:
    """Say yes or no to an invitation addressed to `user`. Conditional, so two answers do one
    thing. Audits `member.joined` or `member.declined`."""
    membership = addressed_invitation(session, user, membership_id, now)
    claimed = session.execute(
        update(Membership)
        .where(Membership.id == membership.id, Membership.status == "invited")
        .values(
            status="active" if yes else "declined",
            user_id=user.id if yes else None,
            joined_at=now if yes else None,
            invite_digest=None,
        )
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict("This invitation has just been answered.")
    session.refresh(membership)
    audit.record(
        session,
        user,
        "member.joined" if yes else "member.declined",
        "membership",
        membership.id,
        now=now,
        scope=scope(membership.team_id),
    )
    return membership


def history(session: Session, team: Team, *, limit: int = 200) -> list[AuditEvent]:
    """Every change in the team, newest first, from the audit log (which holds no private text)."""
    return list(
        session.scalars(
            select(AuditEvent)
            .where(AuditEvent.scope == scope(team))
            .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
            .limit(limit)
        )
    )


def teams_staff_support(session: Session, user: User) -> list[Team]:
    """Every open team, for facilitators and the registered manager (who see members and hats
    only, unless given access), in name order."""
    if not (user.is_active and user.roles & {"facilitator", "registered_manager"}):
        return []
    return list(
        session.scalars(select(Team).where(Team.status == "active").order_by(Team.name, Team.id))
    )


def _lock_worker(session: Session, worker_id: int) -> None:
    """Lock the worker's row (the race test takes the lock away, to show it is what holds)."""
    session.execute(
        select(User.id).where(User.id == worker_id).with_for_update(key_share=True)
    ).all()


def join_matched_worker(
    session: Session,
    team_id: int,
    worker_id: int,
    *,
    employment: str | None,
    invited_by_id: int,
    actor: User,
    now: datetime,
) -> Membership:
    """A worker the team and they matched by mutual consent joins as a bookable worker, once:
    the worker's row is locked first, so two matches into one team at the same moment make one
    membership. Returns the membership (the one they already had, if any). Audits
    `member.joined` when one is made."""
    _lock_worker(session, worker_id)
    membership = session.scalar(
        select(Membership).where(
            Membership.team_id == team_id,
            Membership.user_id == worker_id,
            Membership.status == "active",
            or_(Membership.leaves_at.is_(None), Membership.leaves_at > now),
        )
    )
    if membership is not None:
        return membership
    pauses.pause_point("teams.join.before_write")
    membership = Membership(
        team_id=team_id,
        user_id=worker_id,
        kind="worker",
        employment=employment,
        status="active",
        bookable=True,
        invited_by_id=invited_by_id,
        created_at=now,
        joined_at=now,
    )
    session.add(membership)
    session.flush()
    audit.record(
        session,
        actor,
        "member.joined",
        "membership",
        membership.id,
        now=now,
        scope=scope(team_id),
        changes={"kind": "worker", "by": "matching"},
    )
    return membership
