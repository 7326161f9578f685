"""The equality monitor's arithmetic: Wilson intervals, the flag rule, and the small-count rule
that hides any count under 5 and anything that could be worked out from what is shown."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from teams.matching.equality import (
    CharacteristicTable,
    Decision,
    decline_table,
    monitor,
    wilson_interval,
)
from teams.matching.vocabulary import EQUALITY_QUESTIONS, NOT_SAID, PREFER_NOT_TO_SAY

# (answer code or None for no answer, decisions n, declines k[, lawful declines l])
GroupSpec = tuple[str | None, int, int] | tuple[str | None, int, int, int]


def make_decisions(specs: Sequence[GroupSpec]) -> tuple[list[Decision], dict[int, str]]:
    """One subject per decision, so the answers map is easy to read back: `k` of the `n`
    ordinary decisions on a group are declines, plus `l` lawful declines (0 if left out)."""
    decisions: list[Decision] = []
    answers: dict[int, str] = {}
    for answer, n, k, *rest in specs:
        lawful = rest[0] if rest else 0
        kinds = [(True, False)] * k + [(False, False)] * (n - k) + [(True, True)] * lawful
        for declined, is_lawful in kinds:
            subject = len(decisions)
            decisions.append(Decision(subject, declined=declined, lawful=is_lawful))
            if answer is not None:
                answers[subject] = answer
    return decisions, answers


def assert_no_small_or_derivable(table: CharacteristicTable) -> None:
    """Nothing shown is under 5, and no hidden figure can be worked out by subtraction."""
    for row in table.rows:
        # A group's n, k, rate and interval are hidden together, and a hidden group is never flagged.
        parts = (row.decisions, row.declines, row.rate, row.low, row.high)
        assert all(p is None for p in parts) or all(p is not None for p in parts), row
        if row.decisions is None:
            assert not row.flagged and row.lawful is None, row
        else:
            assert row.declines is not None
            assert row.decisions >= 5 and row.declines >= 5, row
            assert row.decisions - row.declines >= 5, row
        assert row.lawful is None or row.lawful >= 5, row
    n, k = table.overall_decisions, table.overall_declines
    assert (n is None) == (k is None) == (table.overall_rate is None)
    if n is not None and k is not None:
        assert n >= 5 and k >= 5 and n - k >= 5
    assert table.overall_lawful is None or table.overall_lawful >= 5

    yes_total = n - k if n is not None and k is not None else None
    partitions: dict[str, tuple[int | None, list[int | None]]] = {
        "decisions": (n, [r.decisions for r in table.rows]),
        "declines": (k, [r.declines for r in table.rows]),
        "yes": (
            yes_total,
            [
                r.decisions - r.declines
                if r.decisions is not None and r.declines is not None
                else None
                for r in table.rows
            ],
        ),
        "lawful": (table.overall_lawful, [r.lawful for r in table.rows]),
    }
    for name, (total, values) in partitions.items():
        if total is None:
            continue  # With the total hidden there is nothing to subtract from.
        hidden = {i for i, v in enumerate(values) if v is None}
        shown = [i for i, v in enumerate(values) if v is not None]
        assert len(hidden) != 1, f"{name}: a single hidden group is the total less the rest"
        # Brute force: whatever shown groups one subtracts from the total, what is left over is
        # never exactly one hidden group's figure.
        for size in range(len(shown) + 1):
            for subtracted in itertools.combinations(shown, size):
                left = set(range(len(values))) - set(subtracted)
                assert not (len(left) == 1 and left <= hidden), (name, subtracted)
        # And the hidden groups' sum, which is the total less every shown figure, is no small
        # count either: 0 would say each hidden group had none, 1 to 4 is a count under 5.
        if hidden:
            rest = total - sum(v for v in values if v is not None)
            assert rest >= 5, f"{name}: the hidden groups add up to {rest}"


def test_wilson_interval_matches_hand_computation() -> None:
    # k=10, n=50, z=1.959964 (z² = 3.841459): p = 0.2, z²/n = 0.0768292,
    # centre = (0.2 + 0.0384146) / 1.0768292 = 0.2214043,
    # half = z * sqrt(0.2*0.8/50 + 3.841459/10000) / 1.0768292
    #      = 1.959964 * sqrt(0.0035841) / 1.0768292 = 0.1089667,
    # so (0.1124376, 0.3303710).
    low, high = wilson_interval(10, 50)
    assert (round(low, 4), round(high, 4)) == (0.1124, 0.3304)
    # k=0, n=10: the centre equals the half width, so low = 0 and
    # high = (z²/n) / (1 + z²/n) = 0.3841459 / 1.3841459 = 0.2775328.
    low, high = wilson_interval(0, 10)
    assert low == 0.0 and round(high, 4) == 0.2775
    # k=n=10 mirrors it.
    low, high = wilson_interval(10, 10)
    assert round(low, 4) == 0.7225 and high == pytest.approx(1.0)


@pytest.mark.parametrize(("k", "n"), [(0, 0), (-1, 5), (6, 5)])
def test_wilson_interval_refuses_impossible_counts(k: int, n: int) -> None:
    with pytest.raises(ValueError, match="Wilson"):
        wilson_interval(k, n)


def test_only_a_decline_can_be_lawful() -> None:
    with pytest.raises(ValueError, match="lawful"):
        Decision(1, declined=False, lawful=True)


def bias_against_black_workers() -> tuple[list[Decision], dict[int, dict[str, str]]]:
    # 60 workers, 5 team decisions each. Black workers are declined half the time, everyone
    # else about 1 in 10. Overall 53 / 300 = 0.1767; 1.25 times that is 0.2208.
    plan = [
        ("black", 10, 25),  # 25 / 50 = 0.5, Wilson (0.366, 0.634): flagged
        ("white", 15, 8),  # 8 / 75 = 0.107
        ("asian", 10, 5),  # 5 / 50 = 0.1
        ("mixed", 10, 5),  # 5 / 50 = 0.1
        ("other", 10, 5),  # 5 / 50 = 0.1
        (PREFER_NOT_TO_SAY, 5, 5),  # 5 / 25 = 0.2, under 1.25 times the overall
    ]
    decisions: list[Decision] = []
    answers: dict[int, dict[str, str]] = {}
    for code, workers, declines in plan:
        ids = range(len(answers) + 1, len(answers) + 1 + workers)
        answers.update({worker: {"ethnicity": code} for worker in ids})
        on_group = [worker for worker in ids for _ in range(5)]
        decisions += [Decision(w, declined=i < declines) for i, w in enumerate(on_group)]
    return decisions, answers


def test_a_group_declined_far_more_often_is_flagged_and_no_other() -> None:
    decisions, answers = bias_against_black_workers()
    result = monitor(decisions, answers, [], {})
    table = next(t for t in result["workers"] if t.characteristic == "ethnicity")
    assert (table.overall_decisions, table.overall_declines) == (300, 53)
    flagged = [r.code for r in table.rows if r.flagged]
    assert flagged == ["black"]
    black = table.rows[1]
    assert (black.code, black.decisions, black.declines, black.rate) == ("black", 50, 25, 0.5)
    assert black.low is not None and round(black.low, 3) == 0.366
    assert [r.code for r in table.rows] == ["asian", "black", "mixed", "white", "other", NOT_SAID]
    assert table.rows[-1].label == "Not said" and table.rows[-1].decisions == 25
    assert_no_small_or_derivable(table)


def test_nothing_is_flagged_when_the_rate_is_high_but_the_interval_is_wide() -> None:
    # mixed: 5 / 10 = 0.5 is twice the overall rate 40 / 160 = 0.25, but with so few decisions
    # its interval (0.237, 0.763) reaches below it.
    decisions, answers = make_decisions(
        [
            ("white", 50, 5),
            ("asian", 30, 5),
            ("black", 30, 15),
            ("mixed", 10, 5),
            ("other", 20, 5),
            (None, 20, 5),
        ]
    )
    table = decline_table("ethnicity", decisions, answers)
    assert table.overall_rate == 40 / 160
    black, mixed = table.rows[1], table.rows[2]
    # black: 15 / 30 = 0.5 with Wilson low 0.332 > 0.25, so flagged.
    assert black.code == "black" and black.flagged
    assert mixed.code == "mixed" and mixed.rate == 0.5 and not mixed.flagged
    assert mixed.low is not None and mixed.low < 40 / 160


def test_a_group_with_three_decisions_is_hidden_with_a_second_so_it_cannot_be_recovered() -> None:
    decisions, answers = make_decisions(
        [("female", 40, 10, 0), ("male", 20, 6, 0), (None, 3, 1, 0)]
    )
    table = decline_table("sex", decisions, answers)
    female, male, not_said = table.rows
    assert not_said.decisions is None and not_said.declines is None and not_said.rate is None
    # Male is the smallest shown group, so it is hidden too: the 23 decisions left over could be
    # any split between male and "Not said".
    assert male.decisions is None and male.declines is None and male.low is None
    assert (female.decisions, female.declines) == (40, 10)
    assert (table.overall_decisions, table.overall_declines) == (63, 17)
    assert_no_small_or_derivable(table)


def test_hidden_groups_that_were_declined_every_time_do_not_show_as_such() -> None:
    # black 2 of 2 declined and mixed 3 of 3: hiding just those two would leave 5 decisions and
    # 5 declines over, which says every hidden decision was a "no". Another group goes too.
    decisions, answers = make_decisions(
        [
            ("white", 60, 10),
            ("asian", 30, 6),
            ("other", 20, 5),
            ("black", 2, 2),
            ("mixed", 3, 3),
            (NOT_SAID, 25, 5),
        ]
    )
    table = decline_table("ethnicity", decisions, answers)
    hidden = {r.code for r in table.rows if r.decisions is None}
    assert hidden == {"black", "mixed", "other"}
    assert_no_small_or_derivable(table)


def test_a_group_with_no_declines_is_hidden_too() -> None:
    decisions, answers = make_decisions([("yes", 30, 0), ("no", 60, 12), (None, 30, 6)])
    table = decline_table("disability", decisions, answers)
    assert [r.decisions for r in table.rows] == [None, 60, None]
    assert_no_small_or_derivable(table)


def test_lawful_declines_are_counted_apart_and_left_out_of_the_rate() -> None:
    decisions, answers = make_decisions(
        [("female", 40, 10, 6), ("male", 40, 8, 5), (PREFER_NOT_TO_SAY, 20, 5, 0)]
    )
    table = decline_table("sex", decisions, answers)
    female, male, not_said = table.rows
    assert (female.decisions, female.declines, female.rate, female.lawful) == (40, 10, 0.25, 6)
    # Not said has no lawful declines, so male's 5 are hidden with it: 5 left over, two groups.
    assert male.lawful is None and male.rate == 0.2
    assert not_said.lawful is None and not_said.decisions == 20
    assert table.overall_lawful == 11
    assert (table.overall_decisions, table.overall_declines, table.overall_rate) == (100, 23, 0.23)
    assert_no_small_or_derivable(table)


def test_prefer_not_to_say_and_unknown_answers_count_as_not_said_and_never_show() -> None:
    marker = "MARKER-7f3a"
    decisions, answers = make_decisions(
        [
            ("female", 30, 10),
            ("male", 30, 10),
            (PREFER_NOT_TO_SAY, 10, 5),
            (marker, 10, 0),
            (None, 10, 5),
        ]
    )
    people = {subject: {"sex": answer, "age": answer} for subject, answer in answers.items()}
    result = monitor(decisions, people, decisions, people)
    sex = result["workers"][1]
    assert sex.characteristic == "sex"
    assert [(r.code, r.label) for r in sex.rows] == [
        ("female", "Female"),
        ("male", "Male"),
        (NOT_SAID, "Not said"),
    ]
    assert (sex.rows[2].decisions, sex.rows[2].declines) == (30, 10)
    assert marker not in repr(result)
    assert PREFER_NOT_TO_SAY not in repr(result)
    assert [t.characteristic for t in result["supported"]] == list(EQUALITY_QUESTIONS)


def test_too_few_decisions_overall_hides_everything() -> None:
    decisions, answers = make_decisions([("female", 6, 3), ("male", 2, 1)])
    table = decline_table("sex", decisions, answers)
    assert table.overall_decisions is None and table.overall_rate is None
    assert all(r.decisions is None and not r.flagged for r in table.rows)
    assert_no_small_or_derivable(table)


@st.composite
def datasets(draw: st.DrawFn) -> tuple[str, list[GroupSpec]]:
    characteristic = draw(st.sampled_from(sorted(EQUALITY_QUESTIONS)))
    codes: list[str | None] = [code for code, _ in EQUALITY_QUESTIONS[characteristic][1]]
    codes += [None, "MARKER-7f3a"]
    specs: list[GroupSpec] = []
    for code in codes:
        n = draw(st.integers(0, 30))
        specs.append((code, n, draw(st.integers(0, n)), draw(st.integers(0, 8))))
    return characteristic, specs


@settings(max_examples=200, deadline=None)
@given(datasets())
def test_no_small_or_derivable_count_ever_shows(data: tuple[str, list[GroupSpec]]) -> None:
    characteristic, specs = data
    decisions, answers = make_decisions(specs)
    table = decline_table(characteristic, decisions, answers)
    assert_no_small_or_derivable(table)
    assert "MARKER-7f3a" not in repr(table)
    # What is shown is true.
    ordinary = [d for d in decisions if not d.lawful]
    if table.overall_decisions is not None:
        assert table.overall_decisions == len(ordinary)
        assert table.overall_declines == sum(d.declined for d in ordinary)
    shown = [r for r in table.rows if r.decisions is not None]
    for r in shown:
        assert r.declines is not None and r.decisions is not None
        assert r.rate == r.declines / r.decisions


def test_a_group_whose_decisions_are_all_about_one_person_is_hidden():
    # 12 decisions on worker 1 (the only "asian" answer): enough decisions, but one person's story.
    decisions = [Decision(1, declined=i % 2 == 0) for i in range(12)]
    decisions += [Decision(100 + i, declined=i % 3 == 0) for i in range(60)]
    answers = {1: "asian", **{100 + i: ("white" if i % 2 else "black") for i in range(60)}}
    table = decline_table("ethnicity", decisions, answers)
    asian = next(r for r in table.rows if r.code == "asian")
    assert asian.decisions is None and asian.rate is None
    assert_no_small_or_derivable(table)
