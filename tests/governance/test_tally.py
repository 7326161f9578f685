"""The tally counts every resolution exactly as DOMAIN.md ("The tally") says.

Expected figures are worked out by hand in the comment beside each case: nO and nI are the counted
non-investor and investor ballots, w the investor weight, F the weighted for, T the weighted total.
"""

import json
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from hypothesis import given, settings
from hypothesis import strategies as st

from governance.cli import governance_cli
from governance.tally import (
    CHOICES,
    CLASSES,
    RULES_BY_KIND,
    Rules,
    TallyError,
    TallyResult,
    parse_counts,
    tally,
    tally_document,
)

WORKED_EXAMPLE = {"worker": {"for": 20, "against": 20}, "investor": {"for": 30, "against": 10}}

# No example database (each run stands alone) and no deadline (big Fractions are slow on a busy CI).
exact = settings(database=None, deadline=None)


def rules_for(kind: str, **extra: Any) -> Rules:
    return Rules.from_mapping({**RULES_BY_KIND[kind], **extra})


def run_tally(tmp_path: Path, document: str) -> Result:
    path = tmp_path / "tally.json"
    path.write_text(document, encoding="utf-8")
    return CliRunner().invoke(governance_cli, ["tally", str(path)])


# The worked example -------------------------------------------------------------------------


def test_the_worked_example_passes_with_investors_held_to_a_tenth() -> None:
    # Investor share 40/80 > 1/10, so w = (1/10*40)/(9/10*40) = 1/9; T = 40 + 40/9 = 400/9;
    # F = 20 + 30/9 = 70/3; F/T = 21/40 (52.5%) > 1/2.
    result = tally(WORKED_EXAMPLE, rules_for("ordinary"))

    assert result.to_json() == {
        "outcome": "passed",
        "reason": None,
        "investor_weight": "1/9",
        "weighted_for": "70/3",
        "weighted_total": "400/9",
        "for_share": "21/40",
        "turnout": None,
        "for_share_percent": "52.50",
    }
    assert result.investor_weight is not None and result.weighted_total is not None
    assert result.investor_weight * 40 == result.weighted_total / 10


def test_the_default_rules_are_those_of_an_ordinary_resolution() -> None:
    assert rules_for("ordinary") == Rules()


# Each kind of resolution --------------------------------------------------------------------

KIND_CASES = [
    # 6 for, 4 against: 6/10 > 1/2.
    pytest.param(
        "ordinary",
        {},
        {"worker": {"for": 6, "against": 4}},
        "passed",
        "3/5",
        None,
        id="ordinary-carried-by-a-simple-majority",
    ),
    # 5 for, 5 against: 1/2 is not more than 1/2.
    pytest.param(
        "ordinary",
        {},
        {"worker": {"for": 5, "against": 5}},
        "failed",
        "1/2",
        None,
        id="ordinary-fails-on-a-tie",
    ),
    # Abstentions count (members present): 5/(5+4+2) = 5/11 < 1/2.
    pytest.param(
        "ordinary",
        {},
        {"worker": {"for": 5, "against": 4, "abstain": 2}},
        "failed",
        "5/11",
        None,
        id="ordinary-counts-those-who-abstain",
    ),
    # nO = 10, nI = 20 > 1/10 of 30: w = (1/10*10)/(9/10*20) = 1/18; T = 10 + 20/18 = 100/9;
    # F = 9; F/T = 81/100 > 3/4 (uncapped it would be 9/30).
    pytest.param(
        "extraordinary",
        {},
        {"worker": {"for": 9, "against": 1}, "investor": {"against": 20}},
        "passed",
        "81/100",
        None,
        id="extraordinary-carried-despite-investors",
    ),
    # 3 for, 1 against: 3/4 is not more than 3/4.
    pytest.param(
        "extraordinary",
        {},
        {"supported": {"for": 3, "against": 1}},
        "failed",
        "3/4",
        None,
        id="extraordinary-needs-more-than-three-quarters",
    ),
    # Abstentions not counted: 2/(2+1) = 2/3, at least 2/3.
    pytest.param(
        "special-amalgamation",
        {},
        {"worker": {"for": 2, "against": 1, "abstain": 5}},
        "passed",
        "2/3",
        None,
        id="amalgamation-carried-by-two-thirds-of-those-voting",
    ),
    # 3/5 < 2/3.
    pytest.param(
        "special-amalgamation",
        {},
        {"advocate": {"for": 3, "against": 2}},
        "failed",
        "3/5",
        None,
        id="amalgamation-fails-below-two-thirds",
    ),
    # cap_mode none: w = 1; F = 1 + 5 = 6, T = 3 + 5 = 8; 3/4 >= 2/3.
    pytest.param(
        "special-amalgamation",
        {},
        {"worker": {"for": 1, "against": 2}, "investor": {"for": 5}},
        "passed",
        "3/4",
        None,
        id="amalgamation-counts-investors-one-each",
    ),
    # Turnout 12/20 >= 1/2; 9/12 = 3/4, at least 3/4.
    pytest.param(
        "special-conversion",
        {"electorate": 20},
        {"worker": {"for": 9, "against": 3}},
        "passed",
        "3/4",
        None,
        id="conversion-carried-by-three-quarters-of-half",
    ),
    # Turnout 9/20 < 1/2, though everyone voting was for.
    pytest.param(
        "special-conversion",
        {"electorate": 20},
        {"worker": {"for": 9}},
        "failed",
        "1",
        "turnout",
        id="conversion-fails-without-half-voting",
    ),
    # Turnout exactly 10/20 is enough; 7/10 < 3/4.
    pytest.param(
        "special-conversion",
        {"electorate": 20},
        {"worker": {"for": 7, "against": 3}},
        "failed",
        "7/10",
        None,
        id="conversion-fails-below-three-quarters",
    ),
    # F/T = 6/8 (the electorate) = 3/4, at least 3/4.
    pytest.param(
        "special-dissolution",
        {"electorate": 8},
        {"worker": {"for": 6, "against": 2}},
        "passed",
        "3/4",
        None,
        id="dissolution-carried-by-three-quarters-of-all",
    ),
    # F/T = 8/12 = 2/3 < 3/4, though everyone voting was for.
    pytest.param(
        "special-dissolution",
        {"electorate": 12},
        {"worker": {"for": 8}},
        "failed",
        "2/3",
        None,
        id="dissolution-fails-without-three-quarters-of-all",
    ),
]


@pytest.mark.parametrize(("kind", "extra", "counts", "outcome", "for_share", "reason"), KIND_CASES)
def test_each_kind_of_resolution_follows_its_own_rules(
    kind: str,
    extra: dict[str, Any],
    counts: dict[str, dict[str, int]],
    outcome: str,
    for_share: str,
    reason: str | None,
) -> None:
    result = tally(counts, rules_for(kind, **extra)).to_json()

    assert (result["outcome"], result["for_share"], result["reason"]) == (
        outcome,
        for_share,
        reason,
    )


@pytest.mark.parametrize("kind", ["special-conversion", "special-dissolution"])
def test_kinds_that_need_the_electorate_refuse_to_count_without_it(kind: str) -> None:
    with pytest.raises(TallyError, match="needs the electorate"):
        Rules.from_mapping(RULES_BY_KIND[kind])


# Each rule ----------------------------------------------------------------------------------

ONE_EACH = {"worker": {"for": 1, "against": 1}}
SMALL_INVESTOR_FOR = {"worker": {"for": 10, "against": 10}, "investor": {"for": 1}}
MANY_INVESTORS_AGAINST = {"worker": {"for": 6, "against": 4}, "investor": {"against": 10}}
TIE_AND_INVESTORS_AGAINST = {"worker": {"for": 10, "against": 10}, "investor": {"against": 10}}

RULE_CASES = [
    # F/T = 1/2 exactly: not more than 1/2, but at least 1/2.
    pytest.param(
        {"threshold_rule": "more-than"},
        ONE_EACH,
        "failed",
        "1/2",
        id="more-than-fails-at-exactly-the-threshold",
    ),
    pytest.param(
        {"threshold_rule": "at-least"},
        ONE_EACH,
        "passed",
        "1/2",
        id="at-least-passes-at-exactly-the-threshold",
    ),
    # threshold "0.6" is 3/5: 3 for, 2 against is exactly 3/5.
    pytest.param(
        {"threshold": "0.6"},
        {"worker": {"for": 3, "against": 2}},
        "failed",
        "3/5",
        id="a-decimal-threshold-is-exact",
    ),
    pytest.param(
        {"threshold": "3/5", "threshold_rule": "at-least"},
        {"worker": {"for": 3, "against": 2}},
        "passed",
        "3/5",
        id="a-ratio-threshold-is-exact",
    ),
    # Counted: 5/(5+4+2) = 5/11 < 1/2; not counted: 5/9 > 1/2.
    pytest.param(
        {"abstentions_count": True},
        {"worker": {"for": 5, "against": 4, "abstain": 2}},
        "failed",
        "5/11",
        id="abstentions-that-count-weigh-against",
    ),
    pytest.param(
        {"abstentions_count": False},
        {"worker": {"for": 5, "against": 4, "abstain": 2}},
        "passed",
        "5/9",
        id="abstentions-that-do-not-count-are-left-out",
    ),
    # Ceiling, investors 1/21 <= 1/10: w = 1; F = 11, T = 21.
    pytest.param(
        {"cap_mode": "ceiling"},
        SMALL_INVESTOR_FOR,
        "passed",
        "11/21",
        id="ceiling-leaves-a-small-investor-vote-at-one-each",
    ),
    # Fixed: w = (1/10*20)/(9/10*1) = 20/9; F = 10 + 20/9 = 110/9; T = 20 + 20/9 = 200/9.
    pytest.param(
        {"cap_mode": "fixed"},
        SMALL_INVESTOR_FOR,
        "passed",
        "11/20",
        id="fixed-raises-a-small-investor-vote-to-its-tenth",
    ),
    # Ceiling, investors 10/20 > 1/10: w = (1/10*10)/(9/10*10) = 1/9; T = 10 + 10/9 = 100/9;
    # F = 6; F/T = 27/50 > 1/2.
    pytest.param(
        {"cap_mode": "ceiling"},
        MANY_INVESTORS_AGAINST,
        "passed",
        "27/50",
        id="ceiling-holds-a-large-investor-vote-to-a-tenth",
    ),
    pytest.param(
        {"cap_mode": "fixed"},
        MANY_INVESTORS_AGAINST,
        "passed",
        "27/50",
        id="fixed-holds-a-large-investor-vote-to-a-tenth",
    ),
    # w = (1/10*20)/(9/10*10) = 2/9; F = 10; T = 20 + 20/9 = 200/9; F/T = 9/20 < 1/2.
    pytest.param(
        {"cap_mode": "ceiling"},
        TIE_AND_INVESTORS_AGAINST,
        "failed",
        "9/20",
        id="ceiling-still-lets-investors-break-a-tie",
    ),
    pytest.param(
        {"cap_mode": "fixed"},
        TIE_AND_INVESTORS_AGAINST,
        "failed",
        "9/20",
        id="fixed-still-lets-investors-break-a-tie",
    ),
    # None: w = 1; F = 11, T = 21.
    pytest.param(
        {"cap_mode": "none"},
        SMALL_INVESTOR_FOR,
        "passed",
        "11/21",
        id="none-counts-each-investor-as-one",
    ),
    # None: w = 1; F = 6, T = 20; 3/10 < 1/2.
    pytest.param(
        {"cap_mode": "none"},
        MANY_INVESTORS_AGAINST,
        "failed",
        "3/10",
        id="none-lets-investors-outvote-the-rest",
    ),
    # cap 1/5: w = (1/5*10)/(4/5*10) = 1/4; T = 10 + 10/4 = 25/2; F = 6; F/T = 12/25 < 1/2.
    pytest.param(
        {"cap": "1/5"},
        MANY_INVESTORS_AGAINST,
        "failed",
        "12/25",
        id="a-larger-cap-lets-investors-tip-the-vote",
    ),
    pytest.param(
        {"cap": "0.2"},
        MANY_INVESTORS_AGAINST,
        "failed",
        "12/25",
        id="a-decimal-cap-is-the-same-fraction",
    ),
    # cap 1/20: w = (1/20*10)/(19/20*10) = 1/19; T = 10 + 10/19 = 200/19; F = 6; F/T = 57/100.
    pytest.param(
        {"cap": "1/20"},
        MANY_INVESTORS_AGAINST,
        "passed",
        "57/100",
        id="a-smaller-cap-weighs-investors-less",
    ),
    # Electorate denominator: 11/20 > 1/2, but 11/30 < 1/2.
    pytest.param(
        {"denominator": "electorate", "electorate": 20},
        {"worker": {"for": 11, "against": 1}},
        "passed",
        "11/20",
        id="electorate-denominator-counts-a-majority-of-all-members",
    ),
    pytest.param(
        {"denominator": "electorate", "electorate": 30},
        {"worker": {"for": 11, "against": 1}},
        "failed",
        "11/30",
        id="electorate-denominator-counts-those-absent-as-not-for",
    ),
    # Turnout 5/10 is not below 1/2; 4/10 is.
    pytest.param(
        {"min_turnout": "1/2", "electorate": 10},
        {"worker": {"for": 5}},
        "passed",
        "1",
        id="turnout-at-exactly-the-minimum-is-enough",
    ),
    pytest.param(
        {"min_turnout": "1/2", "electorate": 10},
        {"worker": {"for": 4}},
        "failed",
        "1",
        id="turnout-below-the-minimum-fails",
    ),
]


@pytest.mark.parametrize(("rules", "counts", "outcome", "for_share"), RULE_CASES)
def test_each_rule_changes_the_count_as_written(
    rules: dict[str, Any],
    counts: dict[str, dict[str, int]],
    outcome: str,
    for_share: str,
) -> None:
    result = tally(counts, Rules.from_mapping(rules)).to_json()

    assert (result["outcome"], result["for_share"]) == (outcome, for_share)


def test_abstaining_investors_in_fixed_mode_still_hold_their_tenth() -> None:
    # nO = 100, nI = 50 abstaining: w = (1/10*100)/(9/10*50) = 2/9; T = 100 + 100/9 = 1000/9;
    # F = 55; F/T = 99/200 < 1/2, though 55 of the 100 non-investors were for.
    counts = {"worker": {"for": 55, "against": 45}, "investor": {"abstain": 50}}

    result = tally(counts, Rules(cap_mode="fixed"))

    assert result.to_json() == {
        "outcome": "failed",
        "reason": None,
        "investor_weight": "2/9",
        "weighted_for": "55",
        "weighted_total": "1000/9",
        "for_share": "99/200",
        "turnout": None,
        "for_share_percent": "49.50",
    }
    # Without counting abstentions there is no investor ballot to weigh: 55/100.
    quiet = tally(counts, Rules(cap_mode="fixed", abstentions_count=False))
    assert (quiet.outcome, quiet.investor_weight, quiet.for_share) == (
        "passed",
        None,
        Fraction(55, 100),
    )


def test_investors_alone_never_decide() -> None:
    result = tally({"investor": {"for": 10}}, Rules(cap_mode="none"))

    assert result.to_json() == {
        "outcome": "no-valid-vote",
        "reason": None,
        "investor_weight": None,
        "weighted_for": None,
        "weighted_total": None,
        "for_share": None,
        "turnout": None,
        "for_share_percent": None,
    }


def test_no_ballots_at_all_is_no_valid_vote() -> None:
    assert tally({}, Rules()).outcome == "no-valid-vote"


def test_non_investors_who_only_abstain_leave_no_valid_vote_when_abstentions_do_not_count() -> None:
    counts = {"worker": {"abstain": 3}, "investor": {"for": 2}}

    assert tally(counts, Rules(abstentions_count=False)).outcome == "no-valid-vote"


def test_turnout_failure_still_shows_the_figures() -> None:
    # Turnout 9/20 < 1/2; F/T = 9/9.
    result = tally({"worker": {"for": 9}}, rules_for("special-conversion", electorate=20))

    assert result.to_json() == {
        "outcome": "failed",
        "reason": "turnout",
        "investor_weight": None,
        "weighted_for": "9",
        "weighted_total": "9",
        "for_share": "1",
        "turnout": "9/20",
        "for_share_percent": "100.00",
    }


def test_with_the_electorate_as_denominator_investors_alone_can_carry_a_dissolution() -> None:
    # Step 2 applies only with denominator votes: F/T = 3/4 of the electorate of 4.
    result = tally({"investor": {"for": 3}}, rules_for("special-dissolution", electorate=4))

    assert (result.outcome, result.weighted_total, result.turnout) == (
        "passed",
        Fraction(4),
        Fraction(3, 4),
    )


def test_every_non_investor_class_counts_alike() -> None:
    split = {
        "supported": {"for": 1},
        "advocate": {"for": 1},
        "worker": {"against": 1},
        "non-investor": {"for": 1},
    }

    assert tally(split, Rules()).for_share == Fraction(3, 4)


@pytest.mark.parametrize(
    ("for_share", "percent"),
    [
        (Fraction(1, 800), "0.13"),  # 0.125 rounds half up, not to even
        (Fraction(2, 3), "66.67"),
        (Fraction(21, 40), "52.50"),
        (Fraction(1), "100.00"),
        (Fraction(0), "0.00"),
    ],
)
def test_the_percentage_rounds_half_up_to_two_places(for_share: Fraction, percent: str) -> None:
    assert TallyResult("passed", for_share=for_share).for_share_percent == percent


# Bad input, from Python ----------------------------------------------------------------------

BAD_RULES = [
    ({"quorum": "1/2"}, "unknown rule 'quorum'"),
    ({"cap_mode": "max"}, "cap_mode must be ceiling, fixed or none, not 'max'"),
    ({"threshold_rule": "most"}, "threshold_rule must be more-than or at-least, not 'most'"),
    ({"denominator": "members"}, "denominator must be votes or electorate, not 'members'"),
    ({"cap": 0.1}, 'cap must be a fraction written as a string like "1/10" or "0.1", not 0.1'),
    ({"cap": 1}, 'cap must be a fraction written as a string like "1/10" or "0.1", not 1'),
    ({"cap": "one tenth"}, "cap must be a fraction written as a string"),
    ({"cap": " 1/10"}, "cap must be a fraction written as a string"),
    ({"cap": "1e-1"}, "cap must be a fraction written as a string"),
    ({"cap": "0"}, "cap must lie strictly between 0 and 1, not 0"),
    ({"cap": "1"}, "cap must lie strictly between 0 and 1, not 1"),
    ({"cap": "-1/10"}, "cap must lie strictly between 0 and 1, not -1/10"),
    ({"cap": "1/0"}, "cap has a zero denominator: '1/0'"),
    ({"cap_mode": "none", "cap": "3/2"}, "cap must lie strictly between 0 and 1, not 3/2"),
    ({"threshold": "1"}, "threshold must lie strictly between 0 and 1, not 1"),
    ({"threshold": "0.0"}, "threshold must lie strictly between 0 and 1, not 0"),
    ({"abstentions_count": "yes"}, "abstentions_count must be true or false, not 'yes'"),
    ({"abstentions_count": 1}, "abstentions_count must be true or false, not 1"),
    ({"electorate": 0}, "electorate must be a whole number of 1 or more, not 0"),
    ({"electorate": 12.0}, "electorate must be a whole number of 1 or more, not 12.0"),
    ({"electorate": True}, "electorate must be a whole number of 1 or more, not true"),
    ({"electorate": "12"}, "electorate must be a whole number of 1 or more, not '12'"),
    ({"min_turnout": "1/2"}, "min_turnout needs the electorate"),
    ({"denominator": "electorate"}, "denominator electorate needs the electorate"),
    ({"min_turnout": "0", "electorate": 10}, "min_turnout must lie above 0 and at most 1, not 0"),
    ({"min_turnout": "11/10", "electorate": 10}, "min_turnout must lie above 0 and at most 1"),
    ([], "rules must be an object, not a list"),
]


@pytest.mark.parametrize(("rules", "message"), BAD_RULES)
def test_rules_that_do_not_make_sense_are_refused(rules: Any, message: str) -> None:
    with pytest.raises(TallyError) as refused:
        Rules.from_mapping(rules)

    assert str(refused.value).startswith(message)


def test_a_whole_turnout_and_null_optional_rules_are_allowed() -> None:
    rules = Rules.from_mapping({"min_turnout": "1", "electorate": 5})
    assert rules.min_turnout == 1
    assert Rules.from_mapping({"electorate": None, "min_turnout": None}) == Rules()


def test_rules_built_in_python_are_checked_too() -> None:
    with pytest.raises(TallyError) as refused:
        Rules(cap=0.1)  # type: ignore[arg-type]

    assert str(refused.value) == "cap must lie strictly between 0 and 1, not 0.1"


NOT_A_COUNT = "count for worker/for must be a whole number of 0 or more, not "
BAD_COUNTS = [
    ({"wizard": {"for": 1}}, "unknown class 'wizard'"),
    ({"worker": {"maybe": 1}}, "unknown choice 'maybe' for worker"),
    ({"worker": {"for": -1}}, NOT_A_COUNT + "-1"),
    ({"worker": {"for": 1.5}}, NOT_A_COUNT + "1.5"),
    ({"worker": {"for": 2.0}}, NOT_A_COUNT + "2.0"),
    ({"worker": {"for": True}}, NOT_A_COUNT + "true"),
    ({"worker": {"for": "3"}}, NOT_A_COUNT + "'3'"),
    ({"worker": 3}, "counts for worker must be an object of choices, not 3"),
    ([1, 2], "counts must be an object of classes, not a list"),
]


@pytest.mark.parametrize(("counts", "message"), BAD_COUNTS)
def test_counts_that_are_not_whole_ballots_are_refused(counts: Any, message: str) -> None:
    with pytest.raises(TallyError) as refused:
        parse_counts(counts)

    assert str(refused.value) == message


def test_missing_choices_count_as_none() -> None:
    filled = {"worker": {"for": 2, "against": 0, "abstain": 0}}
    assert parse_counts({"worker": {"for": 2}}) == filled


def test_an_electorate_smaller_than_the_ballots_cast_is_refused() -> None:
    with pytest.raises(TallyError, match=r"at least the number of ballots cast \(3\), not 2"):
        tally({"worker": {"for": 2, "abstain": 1}}, Rules(electorate=2))


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"counts": {}, "kind": "ordinary"}, "unknown key 'kind' in the document"),
        ({"rules": {}}, "the document has no counts"),
        ([], "the document must be an object, not a list"),
    ],
)
def test_a_document_must_hold_rules_and_counts_only(document: Any, message: str) -> None:
    with pytest.raises(TallyError, match=message):
        tally_document(document)


# Properties ---------------------------------------------------------------------------------

NON_INVESTOR_CLASSES = [name for name in CLASSES if name != "investor"]


@st.composite
def fractions_strictly_inside_zero_and_one(draw: st.DrawFn) -> Fraction:
    denominator = draw(st.integers(2, 1000))
    return Fraction(draw(st.integers(1, denominator - 1)), denominator)


rows = st.fixed_dictionaries({choice: st.integers(0, 300) for choice in CHOICES})
all_counts = st.fixed_dictionaries({}, optional=dict.fromkeys(CLASSES, rows))


def rules_drawn(cap_mode: st.SearchStrategy[str]) -> st.SearchStrategy[Rules]:
    return st.builds(
        Rules,
        cap=fractions_strictly_inside_zero_and_one(),
        cap_mode=cap_mode,
        threshold=fractions_strictly_inside_zero_and_one(),
        threshold_rule=st.sampled_from(["more-than", "at-least"]),
        abstentions_count=st.booleans(),
    )


any_rules = rules_drawn(st.sampled_from(["ceiling", "fixed", "none"]))


def counted(counts: dict[str, dict[str, int]], rules: Rules, investors: bool) -> tuple[int, int]:
    """(counted ballots, ballots for) of the investors, or of everyone else."""
    ballots = for_ = 0
    for member_class, row in counts.items():
        if (member_class == "investor") == investors:
            abstain = row["abstain"] if rules.abstentions_count else 0
            ballots += row["for"] + row["against"] + abstain
            for_ += row["for"]
    return ballots, for_


def investor_part(result: TallyResult, n_investor: int) -> Fraction:
    return (result.investor_weight or Fraction(0)) * n_investor


@exact
@given(counts=all_counts)
def test_investor_votes_never_exceed_a_tenth(counts: dict[str, dict[str, int]]) -> None:
    rules = Rules()
    result = tally(counts, rules)
    n_investor, _ = counted(counts, rules, investors=True)

    if result.weighted_total is not None:
        assert investor_part(result, n_investor) <= result.weighted_total / 10


@exact
@given(counts=all_counts, rules=rules_drawn(st.just("ceiling")))
def test_investor_votes_never_exceed_any_ceiling(
    counts: dict[str, dict[str, int]],
    rules: Rules,
) -> None:
    result = tally(counts, rules)
    n_investor, _ = counted(counts, rules, investors=True)

    if result.weighted_total is not None:
        assert investor_part(result, n_investor) <= rules.cap * result.weighted_total


@exact
@given(counts=all_counts, rules=rules_drawn(st.just("fixed")))
def test_investors_hold_exactly_their_cap_in_fixed_mode(
    counts: dict[str, dict[str, int]],
    rules: Rules,
) -> None:
    result = tally(counts, rules)
    n_investor, _ = counted(counts, rules, investors=True)
    n_other, _ = counted(counts, rules, investors=False)

    if n_investor > 0 and n_other > 0:
        assert result.weighted_total is not None
        assert investor_part(result, n_investor) == rules.cap * result.weighted_total


@exact
@given(counts=all_counts, rules=any_rules, member_class=st.sampled_from(NON_INVESTOR_CLASSES))
def test_every_non_investor_ballot_weighs_one(
    counts: dict[str, dict[str, int]],
    rules: Rules,
    member_class: str,
) -> None:
    # Take the investors' weighted share away and what is left is the non-investors' own.
    n_investor, for_investor = counted(counts, rules, investors=True)

    def non_investor_figures(votes: dict[str, dict[str, int]]) -> tuple[Fraction, Fraction]:
        result = tally(votes, rules)
        if result.weighted_for is None or result.weighted_total is None:
            return Fraction(0), Fraction(0)  # no non-investor ballot counted
        return (
            result.weighted_for - investor_part(result, for_investor),
            result.weighted_total - investor_part(result, n_investor),
        )

    row = counts.get(member_class, dict.fromkeys(CHOICES, 0))
    one_more = {**counts, member_class: {**row, "for": row["for"] + 1}}
    for_before, total_before = non_investor_figures(counts)
    for_after, total_after = non_investor_figures(one_more)

    assert for_after - for_before == 1
    assert total_after - total_before == 1
    n_other, for_other = counted(one_more, rules, investors=False)
    assert for_after == for_other
    assert total_after == n_other


@exact
@given(counts=all_counts, rules=any_rules)
def test_the_outcome_follows_the_threshold_and_investors_alone_never_decide(
    counts: dict[str, dict[str, int]],
    rules: Rules,
) -> None:
    result = tally(counts, rules)
    n_other, _ = counted(counts, rules, investors=False)

    if n_other == 0:
        assert result.outcome == "no-valid-vote"
    else:
        assert result.for_share is not None
        carried = (
            result.for_share > rules.threshold
            if rules.threshold_rule == "more-than"
            else result.for_share >= rules.threshold
        )
        assert result.outcome == ("passed" if carried else "failed")


# The command line ---------------------------------------------------------------------------


def test_the_command_prints_the_worked_example(tmp_path: Path) -> None:
    result = run_tally(tmp_path, json.dumps({"rules": {}, "counts": WORKED_EXAMPLE}))

    assert result.exit_code == 0
    assert result.stderr == ""
    assert result.stdout == (
        "{\n"
        '  "outcome": "passed",\n'
        '  "reason": null,\n'
        '  "investor_weight": "1/9",\n'
        '  "weighted_for": "70/3",\n'
        '  "weighted_total": "400/9",\n'
        '  "for_share": "21/40",\n'
        '  "turnout": null,\n'
        '  "for_share_percent": "52.50"\n'
        "}\n"
    )


def test_the_command_reads_standard_input_for_a_dash() -> None:
    document = json.dumps({"counts": WORKED_EXAMPLE})

    result = CliRunner().invoke(governance_cli, ["tally", "-"], input=document)

    assert result.exit_code == 0
    assert json.loads(result.stdout)["for_share"] == "21/40"


BAD_FILES = [
    pytest.param(
        '{"counts": {"wizard": {"for": 1}}}', "unknown class 'wizard'", id="unknown-class"
    ),
    pytest.param(
        '{"counts": {"worker": {"maybe": 1}}}', "unknown choice 'maybe'", id="unknown-choice"
    ),
    pytest.param(
        '{"rules": {"quorum": "1/2"}, "counts": {}}', "unknown rule 'quorum'", id="unknown-rule-key"
    ),
    pytest.param(
        '{"rules": {"cap_mode": "max"}, "counts": {}}', "cap_mode must be", id="bad-rule-value"
    ),
    pytest.param('{"counts": {"worker": {"for": -1}}}', "not -1", id="negative-count"),
    pytest.param(
        '{"counts": {"worker": {"for": 1.5}}}', "1.5 is not a whole number", id="fractional-count"
    ),
    pytest.param(
        '{"rules": {"cap": 0.1}, "counts": {}}', "0.1 is not a whole number", id="float-rule-value"
    ),
    pytest.param(
        '{"rules": {"cap": 1e-1}, "counts": {}}',
        "1e-1 is not a whole number",
        id="float-rule-value-with-exponent",
    ),
    pytest.param('{"counts": {"worker": {"for": true}}}', "not true", id="boolean-count"),
    pytest.param(
        '{"rules": {"cap": "0"}, "counts": {}}',
        "cap must lie strictly between 0 and 1, not 0",
        id="cap-zero",
    ),
    pytest.param(
        '{"rules": {"cap": "1"}, "counts": {}}',
        "cap must lie strictly between 0 and 1, not 1",
        id="cap-one",
    ),
    pytest.param('{"counts": {"worker": ', "is not valid JSON", id="broken-json"),
    pytest.param(
        '{"rules": {"cap": "1/0"}, "counts": {}}',
        "cap has a zero denominator",
        id="zero-denominator",
    ),
    pytest.param(
        '{"rules": {"electorate": 2}, "counts": {"worker": {"for": 3}}}',
        "electorate must be at least the number of ballots cast (3), not 2",
        id="electorate-smaller-than-ballots-cast",
    ),
    pytest.param('{"counts": {"worker": {"for": NaN}}}', "NaN is not a number", id="nan"),
    pytest.param(
        '{"counts": {"worker": {"for": Infinity}}}', "Infinity is not a number", id="infinity"
    ),
    pytest.param(
        '{"counts": {"worker": {"for": 1}, "worker": {"against": 9}}}',
        "the key 'worker' appears twice",
        id="repeated-class",
    ),
    pytest.param(
        '{"counts": {}, "kind": "ordinary"}', "unknown key 'kind'", id="unknown-top-level-key"
    ),
    pytest.param("[]", "the document must be an object", id="not-an-object"),
    pytest.param("[" * 100_000, "cannot be read as JSON", id="nested-too-deep"),
]


@pytest.mark.parametrize(("document", "message"), BAD_FILES)
def test_bad_input_gives_one_line_of_error_and_status_2(
    tmp_path: Path,
    document: str,
    message: str,
) -> None:
    result = run_tally(tmp_path, document)

    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith("error: ")
    assert result.stderr.endswith("\n") and result.stderr.count("\n") == 1
    assert message in result.stderr


def test_a_file_that_is_not_there_gives_one_line_of_error_and_status_2(tmp_path: Path) -> None:
    result = CliRunner().invoke(governance_cli, ["tally", str(tmp_path / "missing.json")])

    assert result.exit_code == 2
    missing = tmp_path / "missing.json"
    assert result.stderr == f"error: cannot read {missing}: No such file or directory\n"


def test_a_file_that_is_not_text_gives_one_line_of_error_and_status_2(tmp_path: Path) -> None:
    path = tmp_path / "tally.json"
    path.write_bytes(b"\xff\xfe{}")

    result = CliRunner().invoke(governance_cli, ["tally", str(path)])

    assert (result.exit_code, result.stderr) == (2, f"error: {path} is not UTF-8 text\n")
