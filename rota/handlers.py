"""What the rota does when teams and matching say something happened (`coop.events`). Connected
once, when the module is imported (by `rota`), as blinker's decorators do; each handler runs in
the sender's transaction, so a failure here fails the change that sent it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from coop import events


@events.trial_agreed.connect
def _on_trial_agreed(
    trial: Any,
    *,
    session: Any,
    actor: Any,
    now: datetime,
    team_id: int,
    worker_id: int,
    starts_at: datetime,
    ends_at: datetime,
    **_: Any,
) -> None:
    """Matching agreed a trial: the rota books the visit (a clash fails the agreement)."""
    from rota.services.visits import book_trial_visit

    book_trial_visit(
        session,
        team_id=team_id,
        worker_id=worker_id,
        starts_at=starts_at,
        ends_at=ends_at,
        actor=actor,
        now=now,
    )


@events.trial_cancelled.connect
def _on_trial_cancelled(
    trial: Any,
    *,
    session: Any,
    actor: Any,
    now: datetime,
    team_id: int,
    worker_id: int,
    starts_at: datetime,
    ends_at: datetime,
    **_: Any,
) -> None:
    """One side stopped before the trial visit: that visit is called off, and nothing else."""
    from rota.services.visits import cancel_trial_visit

    cancel_trial_visit(
        session,
        team_id=team_id,
        worker_id=worker_id,
        starts_at=starts_at,
        ends_at=ends_at,
        actor=actor,
        now=now,
    )


@events.member_left.connect
def _on_member_left(
    membership: Any, *, session: Any, actor: Any, now: datetime, effective_at: datetime, **_: Any
) -> None:
    """Someone leaving a team is not booked there after their leaving date."""
    from rota.services.visits import cancel_future_visits

    if membership.user_id is not None:
        cancel_future_visits(
            session,
            membership.team_id,
            worker_id=membership.user_id,
            after=effective_at,
            actor=actor,
            now=now,
        )


@events.team_closed.connect
def _on_team_closed(team: Any, *, session: Any, actor: Any, now: datetime, **_: Any) -> None:
    from rota.services.visits import cancel_future_visits

    cancel_future_visits(session, team.id, worker_id=None, after=now, actor=actor, now=now)


@events.check_lapsed.connect
def _on_check_lapsed(check: Any, *, session: Any, now: datetime, worker_id: int, **_: Any) -> None:
    """A worker's check lapsed: their teams hear which of their visits are ahead (kept)."""
    from rota.services.bookable import tell_teams_of_lapse

    tell_teams_of_lapse(session, worker_id, now)
