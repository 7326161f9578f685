"""Elections of directors (DOMAIN.md, "Elections"): seats per class, candidates aged 18 or over
confirmed on nomination, secret ballots changeable until the close, investors' votes weighted
by the tally's ceiling rule, the most weighted votes winning, ties settled by lot and recorded.

The investor weight is `governance.tally`'s, in `ceiling` mode with a cap of 1/10, over the
number of members who voted (investors against everyone else), so investors never hold more
than a tenth of the voting strength. As with resolutions, investors alone never decide: with
no ballot from anyone but investors, nobody is elected (`no-valid-vote`).

The board's limits are co-op settings: at least `board_min_directors` directors, at most
`board_max_supported_advocate`, `board_max_worker` and `board_max_investor` in each class. An
election whose seats, added to the sitting directors (the register of officers), would break
them is refused.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from fractions import Fraction
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from coop.db import upsert
from coop.errors import Conflict, Forbidden, Invalid, NotFound, require
from coop.models import User
from coop.registries import SettingSpec
from coop.services import audit, settings
from governance import policy
from governance.models import (
    SEAT_CLASSES,
    Candidate,
    Election,
    ElectionBallot,
    Member,
    Officer,
    seat_class_of,
)
from governance.services.register import standing
from governance.tally import Rules, tally

SEAT_WORDS = {
    "supported-advocate": "supported or advocate member",
    "worker": "worker member",
    "investor": "investor member",
}
LIMIT_SETTING = {c: "board_max_" + c.replace("-", "_") for c in SEAT_CLASSES}
SETTINGS = (
    SettingSpec(
        "board_min_directors",
        "Fewest directors on the board",
        "int",
        3,
        "An election that would leave the board with fewer directors is refused.",
        group="The co-op",
        minimum=1,
        maximum=50,
    ),
    SettingSpec(
        "board_max_supported_advocate",
        "Most directors who are supported or advocate members",
        "int",
        5,
        "An election that would seat more of them is refused.",
        group="The co-op",
        minimum=0,
        maximum=50,
    ),
    SettingSpec(
        "board_max_worker",
        "Most directors who are worker members",
        "int",
        5,
        "An election that would seat more of them is refused.",
        group="The co-op",
        minimum=0,
        maximum=50,
    ),
    SettingSpec(
        "board_max_investor",
        "Most directors who are investor members",
        "int",
        2,
        "An election that would seat more of them is refused.",
        group="The co-op",
        minimum=0,
        maximum=50,
    ),
)
CAP = Fraction(1, 10)

#: How ties are drawn: shuffles a list in place. Tests put a seeded one here.
shuffle: Callable[[list[int]], None] = random.SystemRandom().shuffle


@dataclass(frozen=True)
class BallotReceipt:
    """That the member's ballot is in (never what it says)."""

    election_id: int
    cast_at: datetime
    changed: bool


# The board --------------------------------------------------------------------------------------


def sitting_directors(session: Session) -> dict[str, int]:
    """Directors in office now (the register of officers), counted by the class of seat their
    membership gives them; a director not on the register of members counts in no class."""
    counts = dict.fromkeys(SEAT_CLASSES, 0)
    counts["all"] = 0
    rows = session.execute(
        select(Officer.user_id, Member.member_class)
        .outerjoin(Member, Member.user_id == Officer.user_id)
        .where(Officer.office == "director", Officer.ended_at.is_(None))
    )
    for _user_id, member_class in rows:
        counts["all"] += 1
        if member_class is not None:
            counts[seat_class_of(member_class)] += 1
    return counts


def board_problems(session: Session, seats: dict[str, int]) -> dict[str, list[str]]:
    """What the seats would break, by field (`seats_<class>`, or `seats` for the minimum)."""
    sitting = sitting_directors(session)
    errors: dict[str, list[str]] = {}
    for seat_class in SEAT_CLASSES:
        most = int(settings.get(session, LIMIT_SETTING[seat_class]))
        if sitting[seat_class] + seats[seat_class] > most:
            errors["seats_" + seat_class.replace("-", "_")] = [
                f"The board may have at most {most} directors who are "
                f"{SEAT_WORDS[seat_class]}s; {sitting[seat_class]} sit on it now."
            ]
    fewest = int(settings.get(session, "board_min_directors"))
    if sitting["all"] + sum(seats.values()) < fewest:
        errors["seats"] = [
            f"The board needs at least {fewest} directors; {sitting['all']} sit on it now."
        ]
    return errors


# Setting up an election -------------------------------------------------------------------------


def create_election(
    session: Session,
    actor: User,
    *,
    title: str,
    closes_at: datetime,
    seats: dict[str, int],
    now: datetime,
) -> Election:
    """The secretary sets up an election (a draft, for nominations). Raises NotFound (not the
    secretary), Invalid (bad details, no seats, or seats that would break the board's limits
    given the sitting directors). Audits `election.created`."""
    require(policy.can_manage_elections(standing(session, actor, now)), hidden=True)
    errors: dict[str, list[str]] = {}
    title = (title or "").strip()
    if not title or len(title) > 200:
        errors["title"] = ["Please give a title of up to 200 characters."]
    if closes_at.utcoffset() is None or closes_at <= now:
        errors["closes_at"] = ["Please give a closing time in the future."]
    clean: dict[str, int] = {}
    for seat_class in SEAT_CLASSES:
        value = seats.get(seat_class, 0)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            errors["seats_" + seat_class.replace("-", "_")] = ["Please give a number of 0 or more."]
        else:
            clean[seat_class] = value
    if not errors and sum(clean.values()) == 0:
        errors["seats"] = ["Please give at least one seat."]
    if not errors:
        errors = board_problems(session, clean)
    if errors:
        raise Invalid("Please check the election.", errors=errors)
    election = Election(
        title=title,
        status="draft",
        closes_at=closes_at,
        created_at=now,
        created_by_id=actor.id,
        seats_supported_advocate=clean["supported-advocate"],
        seats_worker=clean["worker"],
        seats_investor=clean["investor"],
    )
    session.add(election)
    session.flush()
    audit.record(
        session, actor, "election.created", "election", election.id, now=now, changes=clean
    )
    return election


def aged_18_or_over(born_on: date, on: date) -> bool:
    """Whether someone born on `born_on` is 18 or over on `on` (29 February birthdays count
    from 1 March in years without one)."""
    years = on.year - born_on.year - ((on.month, on.day) < (born_on.month, born_on.day))
    return years >= 18


def nominate(
    session: Session,
    actor: User,
    election_id: int,
    *,
    member_id: int,
    born_on: date | None,
    age_checked: bool,
    now: datetime,
) -> Candidate:
    """The secretary nominates a current member, having checked their date of birth: they must
    be 18 or over today, and the secretary ticks that they checked (who and when is kept; the
    date of birth is not). They stand for the seats of their class. Raises NotFound, Conflict
    (not a draft; already standing), Invalid (not a member, under 18, not checked, no seats for
    their class). Audits `election.nominated`."""
    election = _managed(session, actor, election_id, now)
    if election.status != "draft":
        raise Conflict("Nominations are closed: the election has opened.")
    member = session.get(Member, member_id)
    errors: dict[str, list[str]] = {}
    if member is None or member.status != "member":
        errors["member_id"] = ["Please choose a current member."]
    if born_on is None:
        errors["born_on"] = ["Please give their date of birth."]
    elif not aged_18_or_over(born_on, now.date()):
        errors["born_on"] = ["A director must be 18 or over."]
    if not age_checked:
        errors["age_checked"] = ["Please confirm you checked their date of birth."]
    if member is not None and not errors:
        seat_class = seat_class_of(member.member_class)
        if election.seats(seat_class) == 0:
            errors["member_id"] = [f"This election has no seats for {SEAT_WORDS[seat_class]}s."]
    if errors or member is None:
        raise Invalid("Please check the nomination.", errors=errors)
    if session.scalar(
        select(Candidate.id).where(
            Candidate.election_id == election.id, Candidate.member_id == member.id
        )
    ):
        raise Conflict("They are already standing in this election.")
    candidate = Candidate(
        election_id=election.id,
        member_id=member.id,
        seat_class=seat_class_of(member.member_class),
        age_confirmed_by_id=actor.id,
        age_confirmed_at=now,
    )
    session.add(candidate)
    session.flush()
    session.refresh(election, ["candidates"])
    audit.record(
        session,
        actor,
        "election.nominated",
        "election",
        election.id,
        now=now,
        changes={"member_id": member.id, "seat_class": candidate.seat_class},
    )
    return candidate


def open_election(session: Session, actor: User, election_id: int, *, now: datetime) -> Election:
    """The secretary opens voting. Raises NotFound, Conflict (not a draft), Invalid (the
    closing time has passed, or a class with seats has no candidates). Audits `election.opened`."""
    election = _managed(session, actor, election_id, now)
    if election.closes_at <= now:
        raise Invalid("The closing time has passed.")
    empty = [
        SEAT_WORDS[c]
        for c in SEAT_CLASSES
        if election.seats(c) and not any(k.seat_class == c for k in election.candidates)
    ]
    if empty:
        raise Invalid(f"Nobody is standing for the seats for {empty[0]}s yet.")
    opened = session.execute(
        update(Election)
        .where(Election.id == election.id, Election.status == "draft")
        .values(status="open", opened_at=now)
        .execution_options(synchronize_session=False)
    )
    if opened.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict("This election has already opened.")
    session.refresh(election)
    audit.record(session, actor, "election.opened", "election", election.id, now=now)
    return election


def _managed(session: Session, actor: User, election_id: int, now: datetime) -> Election:
    require(policy.can_manage_elections(standing(session, actor, now)), hidden=True)
    election = session.get(Election, election_id)
    if election is None:
        raise NotFound("There is no such election.")
    return election


# Seeing elections -------------------------------------------------------------------------------


def visible_elections(session: Session, actor: Any, *, now: datetime) -> list[Election]:
    """Elections the actor may see: members see all but drafts; the secretary all."""
    st = standing(session, actor, now)
    require(policy.can_see_elections(st), hidden=True)
    query = select(Election).order_by(Election.closes_at.desc(), Election.id.desc())
    if not policy.can_manage_elections(st):
        query = query.where(Election.status != "draft")
    return list(session.scalars(query))


def get_election(session: Session, actor: Any, election_id: int, *, now: datetime) -> Election:
    """One election; NotFound when there is none or the actor may not see it."""
    st = standing(session, actor, now)
    election = session.get(Election, election_id)
    if (
        election is None
        or not policy.can_see_elections(st)
        or (election.status == "draft" and not policy.can_manage_elections(st))
    ):
        raise NotFound("There is no such election.")
    return election


def my_choices(
    session: Session, actor: Any, election_id: int, *, now: datetime
) -> list[int] | None:
    """The candidates the actor's own current ballot names (only ever shown to them), or None
    when they have not voted."""
    st = standing(session, actor, now)
    if st.member is None:
        return None
    found = session.scalar(
        select(ElectionBallot.candidate_ids).where(
            ElectionBallot.election_id == election_id, ElectionBallot.member_id == st.member.id
        )
    )
    return None if found is None else list(found)


# Voting -----------------------------------------------------------------------------------------


def check_choices(election: Election, candidate_ids: Iterable[int]) -> list[int]:
    """The chosen candidates, checked: each standing in this election, none twice, no more in
    a class than its seats. Raises Invalid with an error per class (`seats_<class>`) or on
    `candidate_ids`."""
    chosen = list(candidate_ids)
    standing_here = {c.id: c for c in election.candidates}
    if any(not isinstance(c, int) or c not in standing_here for c in chosen) or len(
        set(chosen)
    ) != len(chosen):
        raise Invalid(
            "Please choose only from the candidates, each once.",
            errors={"candidate_ids": ["Please choose only from the candidates, each once."]},
        )
    errors: dict[str, list[str]] = {}
    for seat_class in SEAT_CLASSES:
        picked = sum(1 for c in chosen if standing_here[c].seat_class == seat_class)
        seats = election.seats(seat_class)
        if picked > seats:
            errors["seats_" + seat_class.replace("-", "_")] = [
                f"Please choose at most {seats} (you chose {picked})."
            ]
    if errors:
        raise Invalid("You chose more candidates than there are seats.", errors=errors)
    return sorted(chosen)


def cast_election_ballot(
    session: Session, actor: User, election_id: int, *, candidate_ids: Sequence[int], now: datetime
) -> BallotReceipt:
    """Cast or change the actor's ballot: one per member, changeable until the close (the
    latest counts). An empty list is a blank ballot. Raises NotFound, Forbidden (not a current
    member), Conflict (voting is not open), Invalid (over-voting, unknown candidates). The vote
    is secret, so no audit event is written."""
    st = standing(session, actor, now)
    election = get_election(session, actor, election_id, now=now)
    if not policy.can_vote_in_elections(st) or st.member is None:
        raise Forbidden("Only current members vote in elections.")
    locked = session.scalars(
        select(Election)
        .where(Election.id == election.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    if locked.status != "open" or now >= locked.closes_at:
        raise Conflict("Voting in this election is closed: ballots can no longer be changed.")
    chosen = check_choices(locked, candidate_ids)
    changed = (
        session.scalar(
            select(ElectionBallot.id).where(
                ElectionBallot.election_id == election.id,
                ElectionBallot.member_id == st.member.id,
            )
        )
        is not None
    )
    values = {
        "election_id": election.id,
        "member_id": st.member.id,
        "member_class": st.member.member_class,
        "candidate_ids": chosen,
        "cast_at": now,
    }
    upsert(session, ElectionBallot, values, key=("election_id", "member_id"))
    return BallotReceipt(election.id, now, changed)


# Counting ---------------------------------------------------------------------------------------


def investor_weight(voters_other: int, voters_investor: int) -> Fraction | None:
    """The tally's ceiling weight over the number of members who voted; None when nobody but
    investors voted (then nobody is elected)."""
    outcome = tally(
        {"non-investor": {"for": voters_other}, "investor": {"for": voters_investor}},
        Rules(cap=CAP, cap_mode="ceiling"),
    )
    if outcome.outcome == "no-valid-vote":
        return None
    return outcome.investor_weight if outcome.investor_weight is not None else Fraction(1)


def count(
    candidates: Sequence[tuple[int, str]],
    seats: dict[str, int],
    ballots: Sequence[tuple[str, Sequence[int]]],
    *,
    draw: Callable[[list[int]], None],
) -> dict[str, Any]:
    """Count an election. `candidates` are (id, seat class); `ballots` (member class, chosen
    ids). Returns the result as stored: outcome, voters, investor weight, weighted totals per
    candidate (exact fractions as text), the elected per class, and each draw by lot (`tied`,
    sorted; `order`, as drawn; `seats` it filled) so anyone can check the winners from it."""
    n_investor = sum(1 for member_class, _ in ballots if member_class == "investor")
    n_other = len(ballots) - n_investor
    weight = investor_weight(n_other, n_investor)
    totals = {cid: Fraction(0) for cid, _ in candidates}
    if weight is not None:
        for member_class, chosen in ballots:
            for cid in chosen:
                if cid in totals:
                    totals[cid] += weight if member_class == "investor" else 1
    elected: dict[str, list[int]] = {c: [] for c in SEAT_CLASSES}
    draws: list[dict[str, Any]] = []
    if weight is not None:
        for seat_class in SEAT_CLASSES:
            running = sorted(
                (cid for cid, c in candidates if c == seat_class),
                key=lambda cid: (-totals[cid], cid),
            )
            elected[seat_class] = _fill(seat_class, running, totals, seats[seat_class], draw, draws)
    return {
        "outcome": "no-valid-vote" if weight is None else "elected",
        "voters": len(ballots),
        "investor_weight": None if weight is None else str(weight),
        "totals": {str(cid): str(total) for cid, total in totals.items()},
        "elected": elected,
        "draws": draws,
    }


def _fill(
    seat_class: str,
    running: list[int],
    totals: dict[int, Fraction],
    seats: int,
    draw: Callable[[list[int]], None],
    draws: list[dict[str, Any]],
) -> list[int]:
    if len(running) <= seats:
        return running
    if seats == 0:
        return []
    cut = totals[running[seats - 1]]
    above = [cid for cid in running if totals[cid] > cut]
    tied = sorted(cid for cid in running if totals[cid] == cut)
    left = seats - len(above)
    if len(tied) == left:
        return above + tied
    order = list(tied)
    draw(order)
    draws.append({"seat_class": seat_class, "tied": tied, "order": order, "seats": left})
    return above + order[:left]


def winners_from_draw(
    totals: dict[str, str], running: list[int], record: dict[str, Any]
) -> list[int]:
    """Re-check a draw from its record: the candidates above the tie, then the first `seats`
    of the order drawn."""
    cut = Fraction(totals[str(record["tied"][0])])
    above = [cid for cid in running if Fraction(totals[str(cid)]) > cut]
    return above + list(record["order"][: record["seats"]])


def close_election(
    session: Session, election_id: int, *, now: datetime, force: bool = False
) -> bool:
    """Close an open election and store its result. The timed job closes it once its closing
    time has come; the secretary (`force`) at any time. Does nothing (returns False) when it is
    not open (or not due, unless forced), so two closes at once store one result. Audits
    `election.closed` (by nobody)."""
    locked = session.scalar(
        select(Election)
        .where(Election.id == election_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if locked is None or locked.status != "open" or (locked.closes_at > now and not force):
        return False
    ballots = [
        (b.member_class, list(b.candidate_ids))
        for b in session.scalars(
            select(ElectionBallot)
            .where(ElectionBallot.election_id == election_id)
            .order_by(ElectionBallot.id)
            .execution_options(populate_existing=True)
        )
    ]
    seats = {c: locked.seats(c) for c in SEAT_CLASSES}
    result = count([(c.id, c.seat_class) for c in locked.candidates], seats, ballots, draw=shuffle)
    closed = session.execute(
        update(Election)
        .where(Election.id == election_id, Election.status == "open")
        .values(status="closed", closed_at=now, result=result)
        .execution_options(synchronize_session=False)
    )
    if closed.rowcount != 1:  # type: ignore[attr-defined]
        return False
    session.refresh(locked)
    audit.record(
        session,
        None,
        "election.closed",
        "election",
        election_id,
        now=now,
        changes={"voters": result["voters"], "draws": len(result["draws"])},
    )
    return True


def close_now(session: Session, actor: User, election_id: int, *, now: datetime) -> Election:
    """The secretary closes voting now. Raises NotFound, Conflict (not open)."""
    election = _managed(session, actor, election_id, now)
    if not close_election(session, election.id, now=now, force=True):
        raise Conflict("This election is not open.")
    session.refresh(election)
    return election


def close_due(session: Session, now: datetime) -> int:
    """The timed job: close every open election whose closing time has come. Idempotent."""
    due = list(
        session.scalars(
            select(Election.id).where(Election.status == "open", Election.closes_at <= now)
        )
    )
    return sum(1 for election_id in due if close_election(session, election_id, now=now))


def result_view(session: Session, actor: Any, election_id: int, *, now: datetime) -> dict[str, Any]:
    """A closed election's result: weighted totals per candidate, the elected, the investor
    weight and the draws; never who voted for whom. When one or two investors voted, only the
    scrutineers see the weight and totals (they would reveal the investors' votes). Raises
    NotFound (not visible, not closed)."""
    election = get_election(session, actor, election_id, now=now)
    if election.status != "closed" or election.result is None:
        raise NotFound("There is no result for that election yet.")
    result = election.result
    elected = {cid for ids in result["elected"].values() for cid in ids}
    rows = [
        {
            "candidate_id": c.id,
            "name": c.member.name,
            "seat_class": c.seat_class,
            "weighted_votes": result["totals"].get(str(c.id), "0"),
            "elected": c.id in elected,
        }
        for c in election.candidates
    ]
    rows.sort(key=lambda r: (SEAT_CLASSES.index(r["seat_class"]), -Fraction(r["weighted_votes"])))
    investors = len(
        list(
            session.scalars(
                select(ElectionBallot.id).where(
                    ElectionBallot.election_id == election.id,
                    ElectionBallot.member_class == "investor",
                )
            )
        )
    )
    weight = result["investor_weight"]
    if 0 < investors < 3 and not policy.is_scrutineer(standing(session, actor, now)):
        # With one or two investors voting, the weight and the weighted totals would show how
        # they voted: everyone but the scrutineers sees only who was elected.
        weight = None
        for row in rows:
            row["weighted_votes"] = None
    return {
        "election_id": election.id,
        "outcome": result["outcome"],
        "voters": result["voters"],
        "investor_weight": weight,
        "candidates": rows,
        "draws": result["draws"],
        "closed_at": election.closed_at,
    }
