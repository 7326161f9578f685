"""Vetting: the checks facilitators record for each worker, what they make a worker able to do,
the warnings before a check expires, and the facilitator's pause from suggestions."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from coop import events
from coop.clock import zone
from coop.errors import Invalid, NotFound
from coop.models import User
from coop.services import audit, inbox, settings
from teams.matching import policy
from teams.matching.models import Check, WorkerProfile
from teams.matching.scoring import CheckHeld, missing_checks, required_checks, valid_checks
from teams.matching.vocabulary import CHECK_KINDS, CHECK_LABELS, CHECK_OUTCOMES
from teams.services.standing import require

#: What every opening needs at the least: a worker with these is "vetted" and sees openings.
BASIC_TASKS = ("companionship",)


def today(now: datetime) -> date:
    return now.astimezone(zone()).date()


def checks_of(session: Session, worker_id: int) -> list[Check]:
    return list(
        session.scalars(
            select(Check)
            .where(Check.worker_id == worker_id)
            .order_by(Check.kind, Check.checked_on.desc(), Check.id)
        )
    )


def held(checks: list[Check]) -> list[CheckHeld]:
    return [CheckHeld(c.kind, c.outcome, c.expires_on) for c in checks]


def valid_by_worker(session: Session, worker_ids: list[int], on: date) -> dict[int, dict[str, int]]:
    """Each worker's counts of valid checks by kind, in one query."""
    rows: dict[int, list[CheckHeld]] = defaultdict(list)
    if worker_ids:
        for c in session.scalars(select(Check).where(Check.worker_id.in_(worker_ids))):
            rows[c.worker_id].append(CheckHeld(c.kind, c.outcome, c.expires_on))
    return {w: valid_checks(rows.get(w, []), on) for w in worker_ids}


def companionship_needs_dbs(session: Session) -> bool:
    return bool(settings.get(session, "matching_companionship_needs_dbs"))


def still_needed(session: Session, user: User, now: datetime) -> list[str]:
    """What the person still needs before they see openings, in plain words (e.g. "2
    references"): the checks every opening needs that are missing, failed or lapsed."""
    profile = session.get(WorkerProfile, user.id)
    employment = profile.employment if profile else "independent"
    needed = required_checks(
        BASIC_TASKS, employment, companionship_needs_dbs=companionship_needs_dbs(session)
    )
    valid = valid_checks(held(checks_of(session, user.id)), today(now))
    words = []
    for kind in missing_checks(needed, valid):
        short = needed[kind] - valid.get(kind, 0)
        label = CHECK_LABELS[kind]
        words.append(f"{short} {label.lower()}s" if short > 1 else label)
    return words


def is_vetted(session: Session, user: User, now: datetime) -> bool:
    """Whether the person has the checks every opening needs, and so may see openings."""
    return not still_needed(session, user, now)


def record_check(
    session: Session,
    actor: User,
    worker_id: int,
    *,
    kind: str,
    outcome: str,
    number: str,
    checked_on: date,
    expires_on: date | None,
    update_service_consent: bool | None = None,
    now: datetime,
) -> Check:
    """Record a check's outcome, number, date and expiry (never a certificate's contents).
    Raises Forbidden for anyone but a facilitator, NotFound for an unknown worker, Invalid for
    bad dates or values. Audits `check.recorded` with the kind, never the outcome
    (a failed DBS check is criminal-record information)."""
    require(policy.can_record_checks(actor), detail="Only a facilitator can record checks.")
    worker = session.get(User, worker_id)
    if worker is None:
        raise NotFound("We could not find that worker.")
    errors: dict[str, list[str]] = {}
    if kind not in CHECK_KINDS:
        errors["kind"] = ["Please choose which check this is."]
    if outcome not in CHECK_OUTCOMES:
        errors["outcome"] = ["Please say whether the check was passed."]
    number = " ".join(number.split())
    if len(number) > 80:
        errors["number"] = ["Please keep the reference number under 80 characters."]
    if checked_on > today(now):
        errors["checked_on"] = ["A check cannot be dated in the future."]
    if expires_on is not None and expires_on <= checked_on:
        errors["expires_on"] = ["A check expires after the day it was made."]
    if kind != "dbs":
        update_service_consent = None
    if errors:
        raise Invalid("Please check the details of the check.", errors=errors)
    check = Check(
        worker_id=worker_id,
        kind=kind,
        outcome=outcome,
        number=number,
        checked_on=checked_on,
        expires_on=expires_on,
        update_service_consent=update_service_consent,
        recorded_at=now,
        recorded_by_id=actor.id,
    )
    session.add(check)
    session.flush()
    audit.record(
        session,
        actor,
        "check.recorded",
        "vetting_check",
        check.id,
        now=now,
        changes={"worker_id": worker_id, "kind": kind},
    )
    return check


def pause_worker(
    session: Session, actor: User, worker_id: int, *, note: str, now: datetime
) -> WorkerProfile:
    """Pause a worker from new suggestions while a facilitator looks into something; the note
    is for the co-op only. Raises Forbidden, NotFound (no profile) or Invalid (no note). Audits
    `worker.paused`."""
    require(policy.can_pause_worker(actor), detail="Only a facilitator can pause a worker.")
    profile = session.get(WorkerProfile, worker_id)
    if profile is None:
        raise NotFound("That person has no worker profile.")
    note = note.strip()
    if not note:
        raise Invalid(
            "Please say why.", errors={"note": ["Please write a note for the co-op about why."]}
        )
    profile.paused_at, profile.paused_by_id, profile.pause_note = now, actor.id, note
    session.flush()
    audit.record(session, actor, "worker.paused", "worker_profile", worker_id, now=now)
    return profile


def unpause_worker(
    session: Session, actor: User, worker_id: int, *, now: datetime
) -> WorkerProfile:
    """End a pause. Raises Forbidden or NotFound. Audits `worker.unpaused`."""
    require(policy.can_pause_worker(actor), detail="Only a facilitator can pause a worker.")
    profile = session.get(WorkerProfile, worker_id)
    if profile is None:
        raise NotFound("That person has no worker profile.")
    profile.paused_at = profile.paused_by_id = profile.pause_note = None
    session.flush()
    audit.record(session, actor, "worker.unpaused", "worker_profile", worker_id, now=now)
    return profile


def _facilitators_to_tell(session: Session) -> list[User]:
    on_call_id = settings.get(session, "on_call_facilitator")
    person = session.get(User, on_call_id) if on_call_id else None
    return [person] if person is not None else settings.people_with_role(session, "facilitator")


def watch_expiry(session: Session, now: datetime) -> int:
    """The timed job: warn a worker before a passed check expires (a setting's number of days
    ahead), and tell them and a facilitator once it has lapsed (which hides them from new
    suggestions and makes them unbookable; `events.check_lapsed` lets the rota tell their
    teams). Each is sent once per expiry date; returns how many were sent."""
    on = today(now)
    ahead = int(settings.get(session, "matching_check_warning_days"))
    due = list(
        session.scalars(
            select(Check)
            .where(
                Check.outcome == "passed",
                Check.expires_on.is_not(None),
                Check.expires_on <= on + timedelta(days=ahead),
                # Only what is still to be said: each warning and each lapse goes once.
                or_(
                    and_(
                        Check.expires_on >= on, Check.warned_for.is_distinct_from(Check.expires_on)
                    ),
                    and_(
                        Check.expires_on < on,
                        Check.lapse_told_for.is_distinct_from(Check.expires_on),
                    ),
                ),
            )
            .order_by(Check.id)
        )
    )
    worker_ids = {c.worker_id for c in due}
    workers = {u.id: u for u in session.scalars(select(User).where(User.id.in_(worker_ids)))}
    # A check renewed by a later one is not warned about: only the latest of each kind counts.
    latest: dict[tuple[int, str], date | None] = {}
    for c in session.scalars(
        select(Check).where(Check.worker_id.in_(worker_ids), Check.outcome == "passed")
    ):
        key = (c.worker_id, c.kind)
        if (
            key not in latest
            or c.expires_on is None
            or (
                latest[key] is not None and c.expires_on > latest[key]  # type: ignore[operator]
            )
        ):
            latest[key] = c.expires_on
    facilitators = _facilitators_to_tell(session) if due else []
    sent = 0
    for check in due:
        worker, label, expiry = workers[check.worker_id], CHECK_LABELS[check.kind], check.expires_on
        if expiry is None:
            continue  # a check that never expires has nothing to warn about
        best = latest[(check.worker_id, check.kind)]
        if best is None or best > expiry:
            continue
        when = f"{expiry:%A} {expiry.day} {expiry:%B %Y}"
        if expiry < on and check.lapse_told_for != expiry:
            check.lapse_told_for = expiry
            inbox.notify(
                session,
                worker,
                subject="A check has lapsed",
                now=now,
                link="/matching/profile",
                body=f"Your check “{label}” lapsed on {when}. Until it is renewed you will not be "
                "suggested to new teams. Your facilitator can help you renew it.",
            )
            inbox.notify(
                session,
                facilitators,
                subject=f"A worker's check has lapsed ({worker.display_name})",
                now=now,
                link=f"/matching/workers/{worker.id}",
                body=f"{worker.display_name}'s check “{label}” lapsed on {when}. They are hidden "
                "from new suggestions, and cannot be booked for visits, until it is renewed.",
            )
            events.check_lapsed.send(
                check, session=session, actor=None, now=now, worker_id=worker.id
            )
            sent += 1
        elif expiry >= on and check.warned_for != expiry:
            check.warned_for = expiry
            inbox.notify(
                session,
                worker,
                subject="A check is due for renewal",
                now=now,
                link="/matching/profile",
                body=f"Your check “{label}” expires on {when}. Please ask your facilitator to "
                "renew it, so that teams can keep finding you.",
            )
            sent += 1
    session.flush()
    return sent
