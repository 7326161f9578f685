"""The matching part of the demo co-op: the Calder Valley neighbourhoods and the co-op's skills,
vetted workers with profiles (and one not yet vetted), an opening for Margaret's team and one for
Imran's, each with suggestions, one conversation at each of "interested", "mutual" and "trial"
(the trial visit booked in the rota), a check about to expire, and some equality answers.

It runs after the teams and rota parts (it uses their people and teams); running it twice adds
nothing."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from coop.clock import zone
from coop.demo import DemoAccount, ensure_account
from coop.models import User
from teams.matching import consent, openings, profiles, vetting
from teams.matching.models import Neighbourhood, Opening, Skill
from teams.models import Team
from teams.services.standing import standing

PEOPLE = (
    DemoAccount(
        "nasreen",
        "Nasreen Hussain",
        "nasreen.hussain@carecoop.example",
        "saffron-kite-lullaby-42",
        "worker",
        about="employed worker in Halifax, speaks Urdu",
    ),
    DemoAccount(
        "kasia",
        "Kasia Wójcik",
        "kasia.wojcik@carecoop.example",
        "harbour-pretzel-lilac-57",
        "worker",
        about="independent worker, would like to meet Margaret's team",
    ),
    DemoAccount(
        "gareth",
        "Gareth Sutcliffe",
        "gareth.sutcliffe@carecoop.example",
        "thistle-carousel-moss-83",
        "worker",
        about="independent worker, trial with Margaret",
    ),
    DemoAccount(
        "leon",
        "Leon Price",
        "leon.price@carecoop.example",
        "beacon-raspberry-quill-29",
        "worker",
        about="employed worker in Todmorden, signs BSL",
    ),
    DemoAccount(
        "chloe",
        "Chloe Barker",
        "chloe.barker@carecoop.example",
        "pumpkin-glade-trellis-65",
        "worker",
        about="new worker, not yet vetted (references to come)",
    ),
)

# British National Grid points (metres), roughly each town's centre.
NEIGHBOURHOODS = {
    "Hebden Bridge": (399_200, 427_200),
    "Mytholmroyd": (401_200, 426_000),
    "Todmorden": (393_700, 424_200),
    "Sowerby Bridge": (405_900, 423_600),
    "Halifax": (409_400, 425_200),
}
SKILLS = (
    "Moving and handling",
    "Dementia care",
    "Cooking",
    "Medicines support",
    "Gardening help",
    "Driving",
    "Personal care",
)
MARGARET_OPENING = "Morning help, Tuesdays and Thursdays"
IMRAN_OPENING = "Weekend company"


def _hours(weekdays: tuple[int, ...], start: int, end: int) -> list[list[int]]:
    """Weekly windows for these weekdays, from `start` to `end` o'clock."""
    return [[day, start * 60, end * 60] for day in weekdays]


def _lists(
    session: Session, facilitator: User, now: datetime
) -> tuple[dict[str, int], dict[str, int]]:
    """The co-op's neighbourhoods and skills, each added once; returns their ids by name."""
    places = {n.name: n.id for n in session.scalars(select(Neighbourhood))}
    for name, (easting, northing) in NEIGHBOURHOODS.items():
        if name not in places:
            places[name] = profiles.add_neighbourhood(
                session, facilitator, name=name, easting=easting, northing=northing, now=now
            ).id
    skills = {s.name: s.id for s in session.scalars(select(Skill))}
    for name in SKILLS:
        if name not in skills:
            skills[name] = profiles.add_skill(session, facilitator, name=name, now=now).id
    return places, skills


def _profiles(places: dict[str, int], skills: dict[str, int]) -> dict[str, dict[str, Any]]:
    def ids(*names: str) -> list[int]:
        return [skills[n] for n in names]

    weekdays = (0, 1, 2, 3, 4)
    return {
        "aisha": {
            "about": "I have worked in care for twelve years, the last five on my own account. "
            "I like a chat and a cup of tea, and I am a good cook.",
            "employment": "independent",
            "rate_pence": 1650,
            "travel_miles": 8,
            "neighbourhood_id": places["Hebden Bridge"],
            "skills": ids("Moving and handling", "Medicines support", "Cooking", "Personal care"),
            "languages": ["english", "urdu"],
            "interests": ["cooking", "walking"],
            "windows": _hours(weekdays, 8, 18) + _hours((5,), 10, 14),
            "open_to_new_teams": True,
        },
        "nasreen": {
            "about": "I work for the co-op at weekends and look after my grandchildren in the week. "
            "I love cooking and the cricket.",
            "employment": "employed",
            "travel_miles": 5,
            "neighbourhood_id": places["Halifax"],
            "skills": ids("Cooking", "Dementia care"),
            "languages": ["english", "urdu", "punjabi"],
            "interests": ["cooking", "cricket"],
            "windows": _hours((4,), 13, 18) + _hours((5, 6), 9, 17),
            "open_to_new_teams": True,
        },
        "kasia": {
            "about": "Before care work I was a nurse in Kraków. Mornings suit me best; I have a "
            "little garden and bake on Sundays.",
            "employment": "independent",
            "rate_pence": 1600,
            "travel_miles": 5,
            "neighbourhood_id": places["Mytholmroyd"],
            "skills": ids("Moving and handling", "Cooking", "Personal care"),
            "languages": ["english", "polish"],
            "interests": ["gardening", "baking"],
            "windows": _hours((0, 1, 2, 3), 8, 13),
            "open_to_new_teams": True,
        },
        "gareth": {
            "about": "Retired postman, now a carer. I drive, so trips out are no trouble, and I "
            "will happily sort out a garden.",
            "employment": "independent",
            "rate_pence": 1750,
            "travel_miles": 10,
            "neighbourhood_id": places["Sowerby Bridge"],
            "skills": ids("Driving", "Gardening help", "Moving and handling", "Personal care"),
            "languages": ["english"],
            "interests": ["gardening", "music"],
            "windows": _hours((1, 2, 3), 9, 15),
            "open_to_new_teams": True,
        },
        "leon": {
            "about": "My parents are Deaf, so I grew up signing. I have worked with people living "
            "with dementia for six years.",
            "employment": "employed",
            "travel_miles": 6,
            "neighbourhood_id": places["Todmorden"],
            "skills": ids("Dementia care", "Moving and handling", "Personal care"),
            "languages": ["english", "british sign language"],
            "interests": ["music", "football"],
            "windows": _hours(weekdays, 9, 13) + _hours((6,), 10, 16),
            "open_to_new_teams": True,
        },
        "chloe": {
            "about": "Just starting out in care after looking after my nan. Happy to help with "
            "shopping, cooking and company.",
            "employment": "employed",
            "travel_miles": 4,
            "neighbourhood_id": places["Hebden Bridge"],
            "skills": ids("Cooking"),
            "languages": ["english"],
            "interests": ["films", "walking"],
            "windows": _hours((0, 2, 4), 12, 18),
            "open_to_new_teams": True,
        },
    }


def _checks(
    session: Session,
    facilitator: User,
    worker: User,
    kinds: tuple[str, ...],
    *,
    on: date,
    today: date,
    now: datetime,
    expiring: dict[str, date] | None = None,
) -> None:
    """Passed checks, with numbers as the certificates would give them (never their contents);
    a kind another part of the demo recorded already (the rota's medicines training) is kept."""
    held = {c.kind for c in vetting.checks_of(session, worker.id)}
    for index, kind in enumerate(kinds):
        if kind in held:
            continue
        expires = (expiring or {}).get(kind)
        if expires is None and kind in ("dbs", "insurance", "right_to_work"):
            expires = today + timedelta(days=300 + 20 * index)
        vetting.record_check(
            session,
            facilitator,
            worker.id,
            kind=kind,
            outcome="passed",
            number=f"{kind[:3].upper()}-{worker.id:04d}-{index + 1}",
            checked_on=on,
            expires_on=expires,
            update_service_consent=True if kind == "dbs" else None,
            now=now,
        )


def _next_weekday(after: date, weekdays: tuple[int, ...]) -> date:
    day = after + timedelta(days=1)
    while day.weekday() not in weekdays:
        day += timedelta(days=1)
    return day


def seed(session: Session, now: datetime, made: dict[str, User]) -> list[DemoAccount]:
    people = {a.username: ensure_account(session, a, now) for a in PEOPLE}
    facilitator = made.get("priya")
    everyone = {**made, **people}
    margaret_user, imran_user, david = made.get("margaret"), made.get("imran"), made.get("david")
    if not (facilitator and margaret_user and imran_user and david and made.get("aisha")):
        return list(PEOPLE)
    margaret = session.scalar(select(Team).where(Team.leader_id == margaret_user.id))
    imran = session.scalar(select(Team).where(Team.leader_id == imran_user.id))
    if margaret is None or imran is None:
        return list(PEOPLE)
    if session.scalar(select(Opening.id).where(Opening.team_id == margaret.id)):
        return list(PEOPLE)  # loaded already
    today = vetting.today(now)
    start = now - timedelta(days=45)
    start_day = vetting.today(start)

    # The co-op's lists, and each worker's own profile.
    places, skills = _lists(session, facilitator, start)
    for username, values in _profiles(places, skills).items():
        profiles.save_profile(session, everyone[username], values, now=start)

    # Vetting: everyone but Chloe has every check; Aisha's insurance runs out in three weeks.
    independent = ("identity", "reference", "reference", "dbs", "insurance", "care_certificate")
    employed = ("identity", "right_to_work", "reference", "reference", "dbs", "care_certificate")
    _checks(
        session,
        facilitator,
        everyone["aisha"],
        (*independent, "medicines_competence"),
        on=start_day - timedelta(days=340),
        today=today,
        now=start,
        expiring={"insurance": today + timedelta(days=20)},
    )
    for username, kinds in (
        ("nasreen", employed),
        ("kasia", independent),
        ("gareth", independent),
        ("leon", employed),
    ):
        _checks(
            session,
            facilitator,
            everyone[username],
            kinds,
            on=start_day - timedelta(days=20),
            today=today,
            now=start,
        )
    # Chloe's identity is checked; her references have not come back yet.
    _checks(
        session, facilitator, everyone["chloe"], ("identity",), on=start_day, today=today, now=start
    )

    # Margaret's opening: a late-morning hand on Tuesdays and Thursdays, after Aisha's visit.
    opened = now - timedelta(days=10)
    lead = standing(session, margaret_user, margaret, opened)
    margaret_opening = openings.create_opening(
        session,
        lead,
        {
            "title": MARGARET_OPENING,
            "support": "Help with a bath or a shower and getting dressed, then a cup of tea and a "
            "chat. Sometimes a walk round the garden.",
            "what_matters": "Someone patient who will knock and wait. I taught music for thirty "
            "years and still love to talk about it.",
            "tasks": ["personal_care", "companionship"],
            "windows": _hours((1, 3), 10, 13),
            "neighbourhood_id": places["Hebden Bridge"],
            "preferred_skills": [skills["Moving and handling"], skills["Gardening help"]],
            "interests": ["music", "gardening"],
            "max_rate_pence": 1800,
        },
        now=opened,
    )

    # Imran's opening: company at the weekend, ideally someone who speaks Urdu.
    imran_opening = openings.create_opening(
        session,
        standing(session, imran_user, imran, now),
        {
            "title": IMRAN_OPENING,
            "support": "Company on Saturday or Sunday: a chat, a game of cards, maybe watching the "
            "cricket together or a walk to the park.",
            "what_matters": "My mother's first language is Urdu, and she often visits at weekends.",
            "tasks": ["companionship"],
            "windows": _hours((5, 6), 10, 16),
            "neighbourhood_id": places["Halifax"],
            "preferred_languages": ["urdu"],
            "interests": ["cricket", "cooking"],
            "max_rate_pence": 1700,
        },
        now=now,
    )

    # Trial: Margaret asked to meet Gareth; he said yes and suggested a Thursday morning, and
    # David, her representative, agreed it, so the rota booked the trial visit.
    interest = consent.express_interest(
        session,
        margaret_user,
        opening_id=margaret_opening.id,
        worker_id=everyone["gareth"].id,
        now=now - timedelta(days=6),
    )
    consent.answer_interest(
        session, everyone["gareth"], interest.id, yes=True, now=now - timedelta(days=5)
    )
    trial_day = _next_weekday(today + timedelta(days=2), (1, 3))
    trial_start = datetime.combine(trial_day, time(10, 30), tzinfo=zone())
    trial = consent.propose_trial(
        session,
        everyone["gareth"],
        interest.id,
        starts_at=trial_start,
        ends_at=trial_start + timedelta(hours=1, minutes=30),
        now=now - timedelta(days=4),
    )
    consent.agree_trial(session, david, trial.id, now=now - timedelta(days=3))

    # Interested: Kasia would like to meet Margaret's team; Margaret's answer is waiting.
    consent.express_interest(
        session, everyone["kasia"], opening_id=margaret_opening.id, now=now - timedelta(days=1)
    )

    # Mutual: Imran asked to meet Nasreen, and she said yes; next, a trial to agree.
    interest = consent.express_interest(
        session, imran_user, opening_id=imran_opening.id, worker_id=everyone["nasreen"].id, now=now
    )
    consent.answer_interest(session, everyone["nasreen"], interest.id, yes=True, now=now)

    # Voluntary equality answers (the monitor shows only groups of five or more).
    answers = {
        "aisha": {"age": "25_44", "sex": "female", "ethnicity": "asian", "religion": "muslim"},
        "nasreen": {"age": "45_64", "sex": "female", "ethnicity": "asian", "religion": "muslim"},
        "kasia": {"age": "25_44", "sex": "female", "ethnicity": "white", "disability": "no"},
        "gareth": {"age": "45_64", "sex": "male", "ethnicity": "white", "disability": "yes"},
        "leon": {
            "age": "25_44",
            "sex": "male",
            "ethnicity": "mixed",
            "sexual_orientation": "gay_lesbian",
        },
        "chloe": {"age": "under_25", "sex": "female", "ethnicity": "prefer_not_to_say"},
        "margaret": {"age": "65_plus", "sex": "female", "ethnicity": "white", "disability": "yes"},
        "imran": {"age": "45_64", "sex": "male", "ethnicity": "asian", "disability": "yes"},
        "joyce": {"age": "65_plus", "sex": "female", "ethnicity": "black"},
    }
    for username, given in answers.items():
        person = everyone.get(username)
        if person is not None:
            profiles.save_equality_answers(session, person, given, now=start)

    # The timed job's morning run: Aisha is reminded that her insurance is due for renewal.
    vetting.watch_expiry(session, now)
    session.flush()
    return list(PEOPLE)
