"""Who is suggested for an opening, and why: the checks the tasks need, the hard filters, the score
and the plain-words reasons of "Matching by mutual consent".

Pure functions over plain facts: the services gather the facts from the database, so these rules
can be tested as tables, without an app or a session.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from teams.matching.vocabulary import CHECK_KINDS, SENSITIVE_TASKS, WEEKDAYS

EMPLOYMENTS = ("independent", "employed")
METRES_PER_MILE = 1609.344
#: The least weekly overlap that is worth a suggestion: "at least one hour".
MIN_OVERLAP_MINUTES = 60
MAX_SCORED_OVERLAP_HOURS = 10
#: Miles that cost nothing; each whole mile beyond costs a point.
FREE_MILES = 2
#: Why a pair is filtered out, in the order `exclusions` reports them.
EXCLUSION_CODES = (
    "paused",
    "not_open",
    "checks",
    "availability",
    "distance",
    "rate",
    "skills",
    "languages",
)
#: Parts of the day as the reasons name them, each up to (not including) its end minute.
PARTS_OF_DAY = (("morning", 12 * 60), ("afternoon", 17 * 60), ("evening", 24 * 60))
MAX_FREE_TIMES_NAMED = 2


@dataclass(frozen=True)
class Window:
    """A weekly window in local time: `weekday` 0 is Monday, minutes after midnight."""

    weekday: int
    starts_min: int
    ends_min: int

    def __post_init__(self) -> None:
        if not 0 <= self.weekday <= 6:
            raise ValueError(f"weekday must be 0..6, not {self.weekday}")
        if not 0 <= self.starts_min < self.ends_min <= 24 * 60:
            raise ValueError(f"window must run within one day: {self.starts_min}..{self.ends_min}")

    @property
    def minutes(self) -> int:
        return self.ends_min - self.starts_min


@dataclass(frozen=True)
class CheckHeld:
    """One vetting check a facilitator recorded: its kind, outcome and expiry (if any)."""

    kind: str
    outcome: str
    expires_on: date | None


def required_checks(
    tasks: Iterable[str], employment: str, *, companionship_needs_dbs: bool
) -> dict[str, int]:
    """Return kind -> how many passed, unexpired checks of that kind the tasks need from a worker
    of this employment, in CHECK_KINDS order. Raises ValueError for an unknown employment."""
    if employment not in EMPLOYMENTS:
        raise ValueError(f"unknown employment {employment!r}")
    task_set = frozenset(tasks)
    needed = {"identity": 1, "reference": 2}
    if task_set & SENSITIVE_TASKS:
        needed |= {"dbs": 1, "care_certificate": 1}
        # Employers check the right to work; the self-employed carry their own insurance.
        needed["right_to_work" if employment == "employed" else "insurance"] = 1
        if "medicines" in task_set:
            needed["medicines_competence"] = 1
    elif companionship_needs_dbs:
        needed["dbs"] = 1
    return {kind: needed[kind] for kind in CHECK_KINDS if kind in needed}


def valid_checks(checks: Iterable[CheckHeld], today: date) -> dict[str, int]:
    """Return kind -> how many checks passed and have not expired: a check expiring today still
    counts today. Kinds with no valid check are left out."""
    valid: dict[str, int] = {}
    for check in checks:
        if check.outcome == "passed" and (check.expires_on is None or check.expires_on >= today):
            valid[check.kind] = valid.get(check.kind, 0) + 1
    return valid


def missing_checks(needed: Mapping[str, int], valid: Mapping[str, int]) -> list[str]:
    """Return the kinds, in CHECK_KINDS order, where `valid` holds fewer checks than needed."""
    return [kind for kind in CHECK_KINDS if valid.get(kind, 0) < needed.get(kind, 0)]


@dataclass(frozen=True)
class WorkerFacts:
    """What matching needs to know about one worker."""

    user_id: int
    name: str
    employment: str  # "independent" or "employed"
    rate_pence: int | None  # an independent worker's hourly rate; None for employed
    point: tuple[int, int] | None  # neighbourhood point (easting, northing), metres, BNG
    travel_miles: int
    skills: frozenset[int]
    skill_names: Mapping[int, str]
    languages: frozenset[str]  # lower case, e.g. "urdu"
    interests: frozenset[str]  # lower case, e.g. "gardening"
    windows: tuple[Window, ...]
    open_to_new_teams: bool
    paused: bool  # a facilitator paused them from suggestions
    valid: Mapping[str, int]  # valid_checks for today
    current_teams: int


@dataclass(frozen=True)
class OpeningFacts:
    """What matching needs to know about one opening. The checks it needs are not here: they
    depend on each worker's employment, so `exclusions` works them out per worker."""

    opening_id: int
    team_id: int
    tasks: frozenset[str]
    windows: tuple[Window, ...]
    point: tuple[int, int] | None
    required_skills: frozenset[int]
    preferred_skills: frozenset[int]
    required_languages: frozenset[str]
    preferred_languages: frozenset[str]
    interests: frozenset[str]
    max_rate_pence: int | None  # None: no maximum


@dataclass(frozen=True)
class Suggestion:
    """A worker who may be suggested for an opening, with the score and its plain-words reasons."""

    worker: WorkerFacts
    opening: OpeningFacts
    score: int
    miles: float
    overlap_minutes: int
    reasons: tuple[str, ...]


def distance_miles(a: tuple[int, int], b: tuple[int, int]) -> float:
    """Return the straight-line distance in miles between two grid points given in metres."""
    return math.hypot(a[0] - b[0], a[1] - b[1]) / METRES_PER_MILE


def _merged(windows: Sequence[Window]) -> list[Window]:
    """One side's windows with overlapping or touching ones joined, sorted by day and start."""
    merged: list[Window] = []
    for w in sorted(windows, key=lambda w: (w.weekday, w.starts_min)):
        last = merged[-1] if merged else None
        if last and last.weekday == w.weekday and w.starts_min <= last.ends_min:
            merged[-1] = Window(w.weekday, last.starts_min, max(last.ends_min, w.ends_min))
        else:
            merged.append(w)
    return merged


def _shared_windows(a: Sequence[Window], b: Sequence[Window]) -> list[Window]:
    """The times both sides are free, sorted. Each side is merged first, so its windows are
    disjoint and no shared minute appears twice."""
    shared = []
    for x in _merged(a):
        for y in _merged(b):
            start, end = max(x.starts_min, y.starts_min), min(x.ends_min, y.ends_min)
            if x.weekday == y.weekday and start < end:
                shared.append(Window(x.weekday, start, end))
    return shared


def overlap_minutes(a: Sequence[Window], b: Sequence[Window]) -> int:
    """Return the weekly minutes in which both sides are free, each minute counted once."""
    return sum(w.minutes for w in _shared_windows(a, b))


def exclusions(
    worker: WorkerFacts, opening: OpeningFacts, *, companionship_needs_dbs: bool
) -> list[str]:
    """Return why this worker may not be suggested for this opening, as codes in
    EXCLUSION_CODES order; an empty list means they may be."""
    codes = []
    if worker.paused:
        codes.append("paused")
    if not worker.open_to_new_teams:
        codes.append("not_open")
    needed = required_checks(
        opening.tasks, worker.employment, companionship_needs_dbs=companionship_needs_dbs
    )
    if missing_checks(needed, worker.valid):
        codes.append("checks")
    if overlap_minutes(worker.windows, opening.windows) < MIN_OVERLAP_MINUTES:
        codes.append("availability")
    if (
        worker.point is None
        or opening.point is None
        or distance_miles(worker.point, opening.point) > worker.travel_miles
    ):
        codes.append("distance")
    # Employed workers have no rate of their own to compare (their pay is not theirs to set).
    if (
        opening.max_rate_pence is not None
        and worker.employment == "independent"
        and (worker.rate_pence is None or worker.rate_pence > opening.max_rate_pence)
    ):
        codes.append("rate")
    if not opening.required_skills <= worker.skills:
        codes.append("skills")
    if not opening.required_languages <= worker.languages:
        codes.append("languages")
    return codes


def score(worker: WorkerFacts, opening: OpeningFacts) -> tuple[int, float, int]:
    """Return (score, miles, overlap minutes) for a pair with both points known: +3 per preferred
    language shared, +2 per preferred skill held, +1 per whole hour of overlap up to 10, +1 per
    shared interest, -1 per whole mile beyond 2. Raises ValueError if either point is unknown."""
    if worker.point is None or opening.point is None:
        raise ValueError("score needs both neighbourhood points")
    miles = distance_miles(worker.point, opening.point)
    overlap = overlap_minutes(worker.windows, opening.windows)
    points = (
        3 * len(opening.preferred_languages & worker.languages)
        + 2 * len(opening.preferred_skills & worker.skills)
        + min(overlap // 60, MAX_SCORED_OVERLAP_HOURS)
        + len(opening.interests & worker.interests)
        - max(0, math.floor(miles - FREE_MILES))
    )
    return points, miles, overlap


def _plain_list(words: Sequence[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _free_times(shared: Sequence[Window]) -> list[tuple[int, int]]:
    """(weekday, part-of-day index) of the shared time, the ones with most minutes first."""
    minutes: dict[tuple[int, int], int] = {}
    for w in shared:
        part_start = 0
        for index, (_, part_end) in enumerate(PARTS_OF_DAY):
            overlap = min(w.ends_min, part_end) - max(w.starts_min, part_start)
            if overlap > 0:
                minutes[w.weekday, index] = minutes.get((w.weekday, index), 0) + overlap
            part_start = part_end
    return sorted(minutes, key=lambda key: (-minutes[key], key))


def reasons(
    worker: WorkerFacts, opening: OpeningFacts, miles: float, overlap: int
) -> tuple[str, ...]:
    """Return why this worker suits this opening in plain words, e.g. ("speaks Urdu", "can help
    with moving and handling", "free Tuesday mornings", "shares an interest in gardening",
    "2 miles away"). `overlap` is the overlap in minutes; with none, free time is not named."""
    said: list[str] = []
    languages = sorted(
        (opening.required_languages | opening.preferred_languages) & worker.languages
    )
    if languages:
        said.append("speaks " + _plain_list([lang.title() for lang in languages]))
    skills = (opening.required_skills | opening.preferred_skills) & worker.skills
    for name in sorted(worker.skill_names.get(s, f"skill {s}") for s in skills):
        # "Moving and handling" reads as "can help with moving and handling"; keep "BSL" as is.
        said.append(
            "can help with " + (name if name[:2].isupper() else name[:1].lower() + name[1:])
        )
    if overlap > 0:
        named = sorted(
            _free_times(_shared_windows(worker.windows, opening.windows))[:MAX_FREE_TIMES_NAMED]
        )
        said.append(
            "free "
            + _plain_list([f"{WEEKDAYS[day]} {PARTS_OF_DAY[part][0]}s" for day, part in named])
        )
    interests = sorted(opening.interests & worker.interests)
    if interests:
        lead = "shares an interest in " if len(interests) == 1 else "shares interests in "
        said.append(lead + _plain_list(interests))
    whole_miles = math.floor(miles + 0.5)  # half a mile rounds up, as people say it
    if miles < 1:
        said.append("under a mile away")
    else:
        said.append(f"{whole_miles} mile{'' if whole_miles == 1 else 's'} away")
    return tuple(said)


def _passing(
    pairs: Iterable[tuple[WorkerFacts, OpeningFacts]], companionship_needs_dbs: bool
) -> list[Suggestion]:
    """A scored suggestion for each pair that passes every hard filter."""
    found = []
    for worker, opening in pairs:
        if not exclusions(worker, opening, companionship_needs_dbs=companionship_needs_dbs):
            points, miles, overlap = score(worker, opening)
            reasons_ = reasons(worker, opening, miles, overlap)
            found.append(Suggestion(worker, opening, points, miles, overlap, reasons_))
    return found


def suggest_workers(
    opening: OpeningFacts,
    workers: Iterable[WorkerFacts],
    *,
    companionship_needs_dbs: bool,
    limit: int | None = None,
) -> list[Suggestion]:
    """Return the workers who pass every hard filter for the opening, best score first; ties go
    to fewer current teams, then the lower user id. At most `limit` when given."""
    found = _passing(((worker, opening) for worker in workers), companionship_needs_dbs)
    found.sort(key=lambda s: (-s.score, s.worker.current_teams, s.worker.user_id))
    return found if limit is None else found[:limit]


def suggest_openings(
    worker: WorkerFacts,
    openings: Iterable[OpeningFacts],
    *,
    companionship_needs_dbs: bool,
    limit: int | None = None,
) -> list[Suggestion]:
    """Return the openings the worker passes every hard filter for, best score first; ties go to
    the lower opening id. At most `limit` when given."""
    found = _passing(((worker, opening) for opening in openings), companionship_needs_dbs)
    found.sort(key=lambda s: (-s.score, s.opening.opening_id))
    return found if limit is None else found[:limit]


def _clock(minute: int) -> str:
    if minute in (0, 24 * 60):
        return "midnight"
    hours, mins = divmod(minute, 60)
    suffix = "am" if hours < 12 else "pm"
    shown = hours % 12 or 12
    return f"{shown}{suffix}" if mins == 0 else f"{shown}:{mins:02d}{suffix}"


def describe_window(w: Window) -> str:
    """Return the window in plain words, e.g. "Tuesday 9am to 12pm", "Friday 6:30pm to midnight"."""
    return f"{WEEKDAYS[w.weekday]} {_clock(w.starts_min)} to {_clock(w.ends_min)}"
