"""The records behind the co-op's matching figures and the equality monitor, read in a few
queries (never one per person) and handed to the pure arithmetic in `figures` and `equality`.
Facilitators only: anyone else is told there is nothing here."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from dateutil.relativedelta import relativedelta
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from coop.clock import zone
from coop.models import User
from coop.services import settings
from teams.matching import equality, figures, policy, vetting
from teams.matching.equality import CharacteristicTable, Decision
from teams.matching.figures import Figure, FunnelRow, TrialOutcome, WorkerSpan
from teams.matching.models import (
    Check,
    EqualityAnswer,
    Interest,
    MatchDecision,
    Opening,
    Trial,
    WorkerProfile,
)
from teams.matching.scoring import missing_checks, required_checks, valid_checks
from teams.matching.vocabulary import CHECK_KINDS, CHECK_LABELS, DECLINES
from teams.models import Membership, Team
from teams.services.standing import require

#: The figures look back this far (DOMAIN.md: "over 12 months").
PERIOD = timedelta(days=365)
#: How many of the openings waiting longest the page lists.
WAITING_SHOWN = 5


@dataclass(frozen=True)
class MatchingFigures:
    success: Figure
    time_to_match: Figure
    turnover: Figure
    funnel: list[tuple[str, int | None]]
    waiting: list[tuple[Opening, int]]

    @property
    def all_figures(self) -> list[Figure]:
        return [self.success, self.time_to_match, self.turnover]


def _trials(session: Session) -> list[TrialOutcome]:
    """Trials that took place: agreed, and not called off before the visit began (a trial
    that never happened says nothing about how well matching works)."""
    return [
        TrialOutcome(
            ended_at=t.ended_at
            if t.status == "ended" and t.ended_at is not None and t.ended_at >= t.starts_at
            else None,
            carried_on=t.team_decision == "carry_on" and t.worker_decision == "carry_on",
        )
        for t in session.scalars(select(Trial).where(Trial.agreed_at.is_not(None)))
    ]


def _matches(session: Session) -> list[tuple[datetime, datetime]]:
    rows = session.execute(
        select(Opening.created_at, Interest.matched_at)
        .join(Interest, Interest.opening_id == Opening.id)
        .where(Interest.matched_at.is_not(None))
    )
    return [(opened, matched) for opened, matched in rows if matched is not None]


def _worker_spans(session: Session) -> list[WorkerSpan]:
    """Workers' memberships: from joining to the leaving date of one that has ended."""
    rows = session.execute(
        select(
            Membership.user_id, Membership.joined_at, Membership.leaves_at, Membership.status
        ).where(
            Membership.kind == "worker",
            Membership.status.in_(("active", "left")),
            Membership.user_id.is_not(None),
            Membership.joined_at.is_not(None),
        )
    )
    spans = []
    for user_id, joined_at, leaves_at, status in rows:
        if user_id is None or joined_at is None:
            continue  # the query leaves these out; this tells the type checker so
        left_at = leaves_at if status == "left" else None
        if left_at is not None and left_at < joined_at:
            left_at = joined_at  # a slip in old records must not hide every other figure
        spans.append(WorkerSpan(worker_id=user_id, joined_at=joined_at, left_at=left_at))
    return spans


def _furthest(interest: Interest) -> str:
    if interest.matched_at is not None:
        return "matched"
    if interest.trial_at is not None:
        return "trial"
    if interest.mutual_at is not None:
        return "mutual"
    return "interested"


def _funnel_rows(session: Session, since: datetime) -> list[FunnelRow]:
    return [
        FunnelRow(_furthest(i))
        for i in session.scalars(
            select(Interest).where(Interest.created_at >= since, Interest.state != "suggested")
        )
    ]


def _waiting(session: Session, now: datetime) -> list[tuple[Opening, int]]:
    """Open openings that nobody has been matched to yet, the longest waiting first."""
    matched = select(Interest.opening_id).where(Interest.matched_at.is_not(None))
    openings = list(
        session.scalars(
            select(Opening)
            .where(Opening.status == "open", Opening.id.not_in(matched))
            .order_by(Opening.created_at, Opening.id)
            .limit(WAITING_SHOWN)
            .options(selectinload(Opening.team), selectinload(Opening.neighbourhood))
        )
    )
    by_id = {o.id: o for o in openings}
    days = figures.waiting_longest(
        [(o.id, o.created_at) for o in openings], now, limit=WAITING_SHOWN
    )
    return [(by_id[opening_id], waited) for opening_id, waited in days]


def matching_figures(session: Session, actor: User | None, now: datetime) -> MatchingFigures:
    """Matching success, time to match, worker turnover over the 12 months before `now`, the
    funnel of the last 12 months and the openings waiting longest. Raises NotFound for anyone
    who may not see the figures. Writes nothing."""
    require(policy.can_view_matching_figures(actor), hidden=True)
    since = now - PERIOD
    return MatchingFigures(
        success=figures.matching_success(_trials(session)),
        time_to_match=figures.time_to_match(_matches(session)),
        turnover=figures.worker_turnover(_worker_spans(session), since, now),
        funnel=figures.funnel(_funnel_rows(session, since)),
        waiting=_waiting(session, now),
    )


def matching_figures_csv(session: Session, actor: User | None, now: datetime) -> str:
    """The same figures as CSV text. Raises NotFound for anyone who may not see them."""
    found = matching_figures(session, actor, now)
    return figures.figures_csv(
        found.all_figures, found.funnel, [(o.id, days) for o, days in found.waiting]
    )


def _answers(session: Session, user_ids: set[int]) -> dict[int, dict[str, str]]:
    given: dict[int, dict[str, str]] = defaultdict(dict)
    if user_ids:
        for row in session.scalars(
            select(EqualityAnswer).where(EqualityAnswer.user_id.in_(user_ids))
        ):
            given[row.user_id][row.characteristic] = row.answer
    return dict(given)


def monitor_period(now: datetime) -> tuple[datetime, datetime]:
    """The equality monitor's window: the 12 whole months before this one, in the co-op's zone.
    It moves once a month, not with every decision, so that comparing today's figures with
    yesterday's cannot single out the person decided on in between."""
    local = now.astimezone(zone())
    end = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    start = end - relativedelta(months=12)
    return start.astimezone(UTC), end.astimezone(UTC)


def equality_monitor(
    session: Session, actor: User | None, now: datetime
) -> dict[str, list[CharacteristicTable]]:
    """Decline rates by disclosed characteristic over `monitor_period(now)`: teams' decisions
    on workers ("workers") and workers' decisions on supported people ("supported"), small
    counts hidden. Raises NotFound for anyone who may not see the monitor. Writes nothing, and
    no one's answer leaves this function except as a count."""
    require(policy.can_view_equality_monitor(actor), hidden=True)
    start, end = monitor_period(now)
    rows = session.execute(
        select(
            MatchDecision.side,
            MatchDecision.decision,
            MatchDecision.lawful_requirement,
            Interest.worker_id,
            Team.leader_id,
        )
        .join(Interest, Interest.id == MatchDecision.interest_id)
        .join(Opening, Opening.id == Interest.opening_id)
        .join(Team, Team.id == Opening.team_id)
        .where(MatchDecision.at >= start, MatchDecision.at < end)
    )
    on_workers: list[Decision] = []
    on_supported: list[Decision] = []
    for side, decision, lawful_requirement, worker_id, leader_id in rows:
        declined = decision in DECLINES
        lawful = declined and lawful_requirement is not None
        if side == "team":
            on_workers.append(Decision(worker_id, declined, lawful))
        else:
            on_supported.append(Decision(leader_id, declined, lawful))
    worker_answers = _answers(session, {d.subject_id for d in on_workers})
    supported_answers = _answers(session, {d.subject_id for d in on_supported})
    return equality.monitor(on_workers, worker_answers, on_supported, supported_answers)


# Workers and their checks -----------------------------------------------------------------------

#: How the workers page orders what it finds: problems first.
LAPSED, MISSING, PAUSED, EXPIRING, ALL_WELL = range(5)


@dataclass(frozen=True)
class WorkerChecks:
    """A worker with a profile, and where their checks stand in words, worst first."""

    profile: WorkerProfile
    statuses: tuple[str, ...]
    severity: int

    @property
    def user(self) -> User:
        return self.profile.user


def _day(on: date) -> str:
    return f"{on.day} {on:%B %Y}"


def _check_words(
    checks: list[Check], employment: str, on: date, ahead: int, companionship_dbs: bool
) -> tuple[list[str], int]:
    valid = valid_checks(vetting.held(checks), on)
    needed = required_checks(
        vetting.BASIC_TASKS, employment, companionship_needs_dbs=companionship_dbs
    )
    passed = [c for c in checks if c.outcome == "passed"]
    lapsed = {c.kind for c in passed if c.expires_on is not None and c.expires_on < on} - set(valid)
    missing = [k for k in missing_checks(needed, valid) if k not in lapsed]
    said: list[str] = []
    severity = ALL_WELL
    if lapsed:
        said.append(
            "A check has lapsed: " + ", ".join(CHECK_LABELS[k] for k in CHECK_KINDS if k in lapsed)
        )
        severity = LAPSED
    if missing:
        said.append(
            "Missing: "
            + ", ".join(
                CHECK_LABELS[k] + (f" ({needed[k]} needed)" if needed[k] > 1 else "")
                for k in missing
            )
        )
        severity = min(severity, MISSING)
    # A check renewed by a later one is not about to expire: only each kind's latest counts.
    latest: dict[str, date | None] = {}
    for c in passed:
        if c.kind in valid and (c.expires_on is None or c.expires_on >= on):
            best = latest.get(c.kind, c.expires_on)
            latest[c.kind] = (
                None if best is None or c.expires_on is None else max(best, c.expires_on)
            )
    soon = sorted(
        (d, k) for k, d in latest.items() if d is not None and d <= on + timedelta(days=ahead)
    )
    if soon:
        said.append(f"{CHECK_LABELS[soon[0][1]]} expires on {_day(soon[0][0])}")
        severity = min(severity, EXPIRING)
    if not said:
        said.append("All checks in date")
    return said, severity


def workers_and_checks(session: Session, actor: User | None, now: datetime) -> list[WorkerChecks]:
    """Every worker with a profile and where their checks stand against the basic set every
    opening needs, problems first (lapsed, missing, paused, expiring soon), then by name. Three
    queries whatever the number of workers. Raises NotFound for anyone but a facilitator."""
    require(policy.can_record_checks(actor), hidden=True)
    found = list(session.scalars(select(WorkerProfile).options(selectinload(WorkerProfile.user))))
    by_worker: dict[int, list[Check]] = defaultdict(list)
    for check in session.scalars(select(Check).order_by(Check.id)):
        by_worker[check.worker_id].append(check)
    on = vetting.today(now)
    ahead = int(settings.get(session, "matching_check_warning_days"))
    companionship_dbs = vetting.companionship_needs_dbs(session)
    rows = []
    for profile in found:
        said, severity = _check_words(
            by_worker[profile.user_id], profile.employment, on, ahead, companionship_dbs
        )
        if profile.paused_at is not None:
            severity = min(severity, PAUSED)
        rows.append(WorkerChecks(profile, tuple(said), severity))
    rows.sort(key=lambda r: (r.severity, r.user.display_name.lower(), r.user.id))
    return rows
