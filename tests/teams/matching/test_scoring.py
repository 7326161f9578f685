"""The matching rules as the co-op states them: which checks the tasks need, the hard filters, the
score, the order of suggestions and the plain words that explain them. Pure functions, no app."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from teams.matching.scoring import (
    EXCLUSION_CODES,
    CheckHeld,
    OpeningFacts,
    Window,
    WorkerFacts,
    describe_window,
    distance_miles,
    exclusions,
    missing_checks,
    overlap_minutes,
    reasons,
    required_checks,
    score,
    suggest_openings,
    suggest_workers,
    valid_checks,
)

TODAY = date(2025, 3, 12)
HOME = (530_000, 180_000)
TUE_MORNING = Window(1, 9 * 60, 12 * 60)
THU_AFTERNOON = Window(3, 14 * 60, 17 * 60)
SKILL_NAMES = {1: "Moving and handling", 2: "Cooking", 3: "BSL"}
#: What a companionship opening needs when the co-op asks for DBS there too.
COMPANIONSHIP_CHECKS = {"identity": 1, "reference": 2, "dbs": 1}
#: Everything a personal care opening needs from an independent worker.
PERSONAL_CARE_CHECKS = {
    "identity": 1,
    "dbs": 1,
    "reference": 2,
    "care_certificate": 1,
    "insurance": 1,
}


def away(metres_east: int) -> tuple[int, int]:
    return (HOME[0] + metres_east, HOME[1])


def make_opening(**changes: Any) -> OpeningFacts:
    base = OpeningFacts(
        opening_id=7,
        team_id=1,
        tasks=frozenset({"companionship", "outings"}),
        windows=(TUE_MORNING, THU_AFTERNOON),
        point=HOME,
        required_skills=frozenset(),
        preferred_skills=frozenset({1, 2}),
        required_languages=frozenset(),
        preferred_languages=frozenset({"urdu"}),
        interests=frozenset({"gardening", "cricket"}),
        max_rate_pence=1800,
    )
    return replace(base, **changes)


def make_worker(**changes: Any) -> WorkerFacts:
    """A worker who passes every filter for make_opening() and scores 3 (three hours overlap)."""
    base = WorkerFacts(
        user_id=1,
        name="Base",
        employment="independent",
        rate_pence=1500,
        point=HOME,
        travel_miles=5,
        skills=frozenset(),
        skill_names=SKILL_NAMES,
        languages=frozenset(),
        interests=frozenset(),
        windows=(TUE_MORNING,),
        open_to_new_teams=True,
        paused=False,
        valid=COMPANIONSHIP_CHECKS,
        current_teams=0,
    )
    return replace(base, **changes)


def excluded(worker: WorkerFacts, opening: OpeningFacts | None = None) -> list[str]:
    return exclusions(worker, opening or make_opening(), companionship_needs_dbs=True)


# --- The ranked list, scored by hand ----------------------------------------------------------

# Amira: Urdu +3, moving and handling +2, Tue 9-12 and Thu 14-17 = 6 h +6, gardening +1,
#   1700 m = 1.06 miles (within 2) 0  -> 12
AMIRA = make_worker(
    user_id=10,
    name="Amira",
    languages=frozenset({"urdu"}),
    skills=frozenset({1}),
    windows=(TUE_MORNING, THU_AFTERNOON),
    interests=frozenset({"gardening"}),
    point=away(1700),
    current_teams=3,
)
# Ben: both preferred skills +4, Tue 9-12 = 3 h +3, gardening and cricket +2,
#   7242 m = 4.49997 miles -> floor(2.49997) = 2 -> -2  -> 7, in 2 teams
BEN = make_worker(
    user_id=11,
    name="Ben",
    skills=frozenset({1, 2}),
    interests=frozenset({"gardening", "cricket"}),
    point=away(7242),
    current_teams=2,
)
# Chen: Urdu +3 (English is not asked for: 0), Tue 9-12 and Thu 14-15 = 4 h +4, 0 miles 0  -> 7,
#   in no team, so ahead of Ben
CHEN = make_worker(
    user_id=12,
    name="Chen",
    languages=frozenset({"urdu", "english"}),
    windows=(TUE_MORNING, Window(3, 14 * 60, 15 * 60)),
    current_teams=0,
)
# Dana and Eve: cooking +2, Thu 14-17 = 3 h +3, 4829 m = 3.0006 miles -> -1  -> 4 each,
#   both in one team, so the lower id (Dana, 13) goes first
DANA = make_worker(
    user_id=13,
    name="Dana",
    skills=frozenset({2}),
    windows=(THU_AFTERNOON,),
    point=away(4829),
    current_teams=1,
)
EVE = replace(DANA, user_id=14, name="Eve")
# Fay would top the list, but a facilitator paused her from suggestions.
FAY = replace(AMIRA, user_id=9, name="Fay", paused=True)


def test_workers_are_ranked_by_score_then_fewer_teams_then_lower_id() -> None:
    found = suggest_workers(
        make_opening(), [EVE, BEN, FAY, DANA, CHEN, AMIRA], companionship_needs_dbs=True
    )

    assert [(s.worker.name, s.score) for s in found] == [
        ("Amira", 12),
        ("Chen", 7),
        ("Ben", 7),
        ("Dana", 4),
        ("Eve", 4),
    ]
    assert [s.overlap_minutes for s in found] == [360, 240, 180, 180, 180]


def test_a_limit_keeps_only_the_best_suggestions() -> None:
    found = suggest_workers(
        make_opening(), [EVE, BEN, DANA, CHEN, AMIRA], companionship_needs_dbs=True, limit=2
    )

    assert [s.worker.name for s in found] == ["Amira", "Chen"]


def test_a_worker_sees_openings_best_first_with_ties_to_the_lower_opening_id() -> None:
    same_as_seven = make_opening(opening_id=5, team_id=2)
    # Without the preferred Urdu, Amira scores 12 - 3 = 9 here.
    no_urdu = make_opening(opening_id=4, team_id=3, preferred_languages=frozenset())
    needs_polish = make_opening(opening_id=3, team_id=4, required_languages=frozenset({"polish"}))

    found = suggest_openings(
        AMIRA,
        [no_urdu, make_opening(), needs_polish, same_as_seven],
        companionship_needs_dbs=True,
    )

    assert [(s.opening.opening_id, s.score) for s in found] == [(5, 12), (7, 12), (4, 9)]


# --- Hard filters: one worker per filter, each failing only that one ----------------------------

TOO_FEW_SKILLS = make_opening(required_skills=frozenset({3}))
NEEDS_POLISH = make_opening(required_languages=frozenset({"polish"}))


@pytest.mark.parametrize(
    ("worker", "opening", "codes"),
    [
        (make_worker(), make_opening(), []),
        (make_worker(paused=True), make_opening(), ["paused"]),
        (make_worker(open_to_new_teams=False), make_opening(), ["not_open"]),
        (make_worker(valid={"identity": 1, "reference": 1, "dbs": 1}), make_opening(), ["checks"]),
        (make_worker(windows=(Window(1, 540, 599),)), make_opening(), ["availability"]),
        (make_worker(point=None), make_opening(), ["distance"]),
        (make_worker(), make_opening(point=None), ["distance"]),
        (make_worker(travel_miles=1, point=away(1700)), make_opening(), ["distance"]),
        (make_worker(rate_pence=1801), make_opening(), ["rate"]),
        (make_worker(rate_pence=None), make_opening(), ["rate"]),
        (make_worker(rate_pence=1800), make_opening(), []),
        (make_worker(rate_pence=5000), make_opening(max_rate_pence=None), []),
        (make_worker(employment="employed", rate_pence=None), make_opening(), []),
        (make_worker(), TOO_FEW_SKILLS, ["skills"]),
        (make_worker(skills=frozenset({3})), TOO_FEW_SKILLS, []),
        (make_worker(), NEEDS_POLISH, ["languages"]),
        (make_worker(languages=frozenset({"polish"})), NEEDS_POLISH, []),
    ],
)
def test_each_hard_filter_excludes_exactly_the_worker_who_fails_it(
    worker: WorkerFacts, opening: OpeningFacts, codes: list[str]
) -> None:
    assert excluded(worker, opening) == codes


def test_every_reason_to_exclude_is_listed_in_order() -> None:
    nobody = make_worker(
        paused=True, open_to_new_teams=False, valid={}, windows=(), point=None, rate_pence=None
    )
    asks_too_much = replace(TOO_FEW_SKILLS, required_languages=frozenset({"polish"}))

    assert excluded(nobody, asks_too_much) == list(EXCLUSION_CODES)


def test_only_the_worker_who_passes_every_filter_is_suggested() -> None:
    crowd = [
        make_worker(user_id=1, paused=True),
        make_worker(user_id=2, open_to_new_teams=False),
        make_worker(user_id=3, valid={"identity": 1, "reference": 2}),
        make_worker(user_id=4, windows=(Window(2, 540, 720),)),
        make_worker(user_id=5, point=away(9000)),
        make_worker(user_id=6, rate_pence=2500),
        make_worker(user_id=7),
    ]

    found = suggest_workers(make_opening(), crowd, companionship_needs_dbs=True)

    assert [s.worker.user_id for s in found] == [7]


# --- Checks -----------------------------------------------------------------------------------


def test_a_check_expiring_today_still_counts_but_one_that_expired_yesterday_does_not() -> None:
    checks = [
        CheckHeld("dbs", "passed", TODAY),
        CheckHeld("identity", "passed", TODAY - timedelta(days=1)),
        CheckHeld("reference", "passed", None),
    ]

    assert valid_checks(checks, TODAY) == {"dbs": 1, "reference": 1}


def test_a_failed_check_is_not_counted() -> None:
    checks = [CheckHeld("reference", "passed", None), CheckHeld("reference", "failed", None)]

    assert valid_checks(checks, TODAY) == {"reference": 1}


def test_a_lapsed_dbs_hides_a_worker_from_new_suggestions() -> None:
    held = [
        CheckHeld("identity", "passed", None),
        CheckHeld("reference", "passed", None),
        CheckHeld("reference", "passed", None),
        CheckHeld("dbs", "passed", TODAY - timedelta(days=1)),
    ]

    assert excluded(make_worker(valid=valid_checks(held, TODAY))) == ["checks"]


def test_a_worker_missing_a_reference_is_not_suggested_for_personal_care() -> None:
    personal_care = make_opening(tasks=frozenset({"personal_care"}))
    one_reference = {**PERSONAL_CARE_CHECKS, "reference": 1}

    assert excluded(make_worker(valid=one_reference), personal_care) == ["checks"]
    assert excluded(make_worker(valid=PERSONAL_CARE_CHECKS), personal_care) == []
    assert missing_checks(PERSONAL_CARE_CHECKS, one_reference) == ["reference"]


def test_an_employed_worker_needs_right_to_work_but_not_insurance() -> None:
    needed = required_checks({"personal_care"}, "employed", companionship_needs_dbs=True)
    employed_valid = {**PERSONAL_CARE_CHECKS, "right_to_work": 1}
    del employed_valid["insurance"]

    assert needed == {
        "identity": 1,
        "right_to_work": 1,
        "dbs": 1,
        "reference": 2,
        "care_certificate": 1,
    }
    personal_care = make_opening(tasks=frozenset({"personal_care"}))
    employed = make_worker(employment="employed", rate_pence=None)
    assert excluded(replace(employed, valid=employed_valid), personal_care) == []
    assert excluded(replace(employed, valid=PERSONAL_CARE_CHECKS), personal_care) == ["checks"]


def test_an_independent_worker_needs_insurance_but_not_right_to_work() -> None:
    needed = required_checks({"money"}, "independent", companionship_needs_dbs=False)

    assert needed == PERSONAL_CARE_CHECKS
    assert "right_to_work" not in needed


def test_a_medicines_task_needs_medicines_competence() -> None:
    needed = required_checks(
        {"medicines", "household"}, "independent", companionship_needs_dbs=True
    )

    assert needed == {**PERSONAL_CARE_CHECKS, "medicines_competence": 1}
    medicines = make_opening(tasks=frozenset({"medicines"}))
    assert excluded(make_worker(valid=PERSONAL_CARE_CHECKS), medicines) == ["checks"]


def test_companionship_needs_dbs_only_when_the_coop_says_so() -> None:
    tasks = {"companionship", "household"}

    assert required_checks(tasks, "independent", companionship_needs_dbs=False) == {
        "identity": 1,
        "reference": 2,
    }
    assert required_checks(tasks, "independent", companionship_needs_dbs=True) == (
        COMPANIONSHIP_CHECKS
    )
    no_dbs = make_worker(valid={"identity": 1, "reference": 2})
    assert exclusions(no_dbs, make_opening(), companionship_needs_dbs=False) == []
    assert exclusions(no_dbs, make_opening(), companionship_needs_dbs=True) == ["checks"]


def test_an_unknown_employment_is_refused() -> None:
    with pytest.raises(ValueError, match="employment"):
        required_checks({"outings"}, "volunteer", companionship_needs_dbs=True)


# --- Availability -----------------------------------------------------------------------------


def test_overlapping_windows_on_one_side_are_not_counted_twice() -> None:
    worker_side = [Window(1, 540, 660), Window(1, 600, 720), Window(1, 540, 720)]

    assert overlap_minutes(worker_side, [TUE_MORNING]) == 180
    assert overlap_minutes([TUE_MORNING], worker_side) == 180


def test_windows_on_different_days_do_not_overlap() -> None:
    assert overlap_minutes([TUE_MORNING], [Window(2, 540, 720)]) == 0


def test_59_minutes_together_is_not_enough_but_an_hour_is() -> None:
    assert excluded(make_worker(windows=(Window(1, 661, 800),))) == ["availability"]
    assert excluded(make_worker(windows=(Window(1, 660, 800),))) == []


def test_hours_together_score_at_most_ten() -> None:
    all_week = tuple(Window(day, 0, 1440) for day in range(7))
    worker = make_worker(windows=all_week)

    assert score(worker, make_opening(windows=all_week)) == (10, 0.0, 7 * 1440)


windows = st.lists(
    st.builds(
        lambda day, start, length: Window(day, start, min(start + length, 1440)),
        st.integers(0, 6),
        st.integers(0, 1439),
        st.integers(1, 600),
    ),
    max_size=6,
)


@given(windows, windows)
def test_overlap_is_symmetric_and_never_more_than_either_side_is_free(
    a: list[Window], b: list[Window]
) -> None:
    together = overlap_minutes(a, b)

    assert together == overlap_minutes(b, a)
    assert 0 <= together <= min(overlap_minutes(a, a), overlap_minutes(b, b))
    assert overlap_minutes(a, a) <= sum(w.ends_min - w.starts_min for w in a)


# --- Distance ---------------------------------------------------------------------------------


def test_distance_is_a_straight_line_in_miles() -> None:
    assert distance_miles((0, 0), (3000, 4000)) == pytest.approx(5000 / 1609.344)


def test_a_worker_exactly_at_their_travel_limit_is_suggested_and_a_little_further_is_not() -> None:
    # 125 miles is a whole number of metres (201,168), so the limit can be met exactly.
    far = make_worker(travel_miles=125)
    assert excluded(replace(far, point=away(201_168))) == []
    assert excluded(replace(far, point=away(201_169))) == ["distance"]
    # Two miles is 3218.688 metres.
    near = make_worker(travel_miles=2)
    assert excluded(replace(near, point=away(3218))) == []
    assert excluded(replace(near, point=away(3219))) == ["distance"]


@pytest.mark.parametrize(
    ("metres", "miles", "penalty"),
    [(3218, 2.0, 0), (4667, 2.9, 0), (4829, 3.0, 1), (7242, 4.5, 2)],
)
def test_each_whole_mile_beyond_two_costs_a_point(metres: int, miles: float, penalty: int) -> None:
    # The base worker scores 3 for three hours together and nothing else.
    points, distance, _ = score(make_worker(point=away(metres)), make_opening())

    assert distance == pytest.approx(miles, abs=0.001)
    assert points == 3 - penalty


def test_scoring_needs_both_points() -> None:
    with pytest.raises(ValueError, match="points"):
        score(make_worker(point=None), make_opening())


# --- Reasons ----------------------------------------------------------------------------------


def test_reasons_say_in_plain_words_why_amira_suits_the_opening() -> None:
    _, miles, overlap = score(AMIRA, make_opening())

    assert reasons(AMIRA, make_opening(), miles, overlap) == (
        "speaks Urdu",
        "can help with moving and handling",
        "free Tuesday mornings and Thursday afternoons",
        "shares an interest in gardening",
        "1 mile away",
    )


def test_reasons_list_several_skills_and_interests_and_round_the_miles() -> None:
    (ben,) = suggest_workers(make_opening(), [BEN], companionship_needs_dbs=True)
    (chen,) = suggest_workers(make_opening(), [CHEN], companionship_needs_dbs=True)

    assert ben.reasons == (
        "can help with cooking",
        "can help with moving and handling",
        "free Tuesday mornings",
        "shares interests in cricket and gardening",
        "4 miles away",
    )
    assert chen.reasons[-1] == "under a mile away"


def test_free_time_names_the_two_biggest_shared_parts_of_the_week_in_week_order() -> None:
    shared = (
        Window(0, 18 * 60, 22 * 60),  # Monday evening, 4 hours
        Window(2, 9 * 60, 10 * 60),  # Wednesday morning, 1 hour
        Window(4, 11 * 60, 14 * 60),  # Friday: 1 hour of morning, 2 of afternoon
    )
    worker = make_worker(
        windows=shared, languages=frozenset({"urdu", "punjabi"}), skills=frozenset({3})
    )
    opening = make_opening(
        windows=shared, preferred_languages=frozenset({"urdu"}), required_skills=frozenset({3})
    )
    _, miles, overlap = score(worker, opening)

    assert reasons(worker, opening, miles, overlap)[:3] == (
        "speaks Urdu",
        "can help with BSL",
        "free Monday evenings and Friday afternoons",
    )


def test_reasons_name_every_language_asked_for_that_the_worker_speaks() -> None:
    worker = make_worker(languages=frozenset({"urdu", "punjabi", "english"}))
    opening = make_opening(required_languages=frozenset({"punjabi"}))

    assert reasons(worker, opening, 0.4, 180)[0] == "speaks Punjabi and Urdu"


# --- Windows in words -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("window", "words"),
    [
        (TUE_MORNING, "Tuesday 9am to 12pm"),
        (Window(4, 18 * 60 + 30, 1440), "Friday 6:30pm to midnight"),
        (Window(6, 0, 30), "Sunday midnight to 12:30am"),
        (Window(0, 13 * 60 + 5, 13 * 60 + 45), "Monday 1:05pm to 1:45pm"),
    ],
)
def test_a_window_reads_as_a_person_would_say_it(window: Window, words: str) -> None:
    assert describe_window(window) == words


@pytest.mark.parametrize(("weekday", "starts", "ends"), [(7, 0, 60), (0, 600, 600), (0, 0, 1441)])
def test_a_window_must_fall_within_one_day(weekday: int, starts: int, ends: int) -> None:
    with pytest.raises(ValueError, match="must"):
        Window(weekday, starts, ends)
