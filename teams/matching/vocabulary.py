"""The words of matching: tasks, checks, states and the equality questions, as the database, the
API and the tests spell them, with the plain words the pages show."""

from __future__ import annotations

TASKS = ("personal_care", "medicines", "money", "companionship", "household", "outings")
TASK_LABELS = {
    "personal_care": "Personal care (washing, dressing, toileting)",
    "medicines": "Help with medicines",
    "money": "Handling money or shopping with my money",
    "companionship": "Company and conversation",
    "household": "Help around the home",
    "outings": "Going out together",
}
#: Tasks that need every check; the others need identity and references (and a DBS check
#: unless the co-op's setting says companionship does not).
SENSITIVE_TASKS = frozenset({"personal_care", "medicines", "money"})

CHECK_KINDS = (
    "identity",
    "right_to_work",
    "dbs",
    "reference",
    "insurance",
    "care_certificate",
    "medicines_competence",
)
CHECK_LABELS = {
    "identity": "Identity",
    "right_to_work": "Right to work (employed workers)",
    "dbs": "Enhanced DBS check with the adults' barred list",
    "reference": "Reference",
    "insurance": "Insurance (independent workers)",
    "care_certificate": "Training: the Care Certificate",
    "medicines_competence": "Training: medicines competence",
}
CHECK_OUTCOMES = ("passed", "failed")

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

OPENING_STATES = ("open", "filled", "closed")

#: One row per opening and worker. "suggested" is an introducer's suggestion waiting for the
#: leader's yes: the worker never sees it, and a no removes it.
MATCH_STATES = (
    "suggested",
    "interested",
    "mutual",
    "trial",
    "matched",
    "member",
    "declined",
    "stopped",
)
LIVE_STATES = ("interested", "mutual", "trial", "matched")
ENDED_STATES = ("member", "declined", "stopped")
SIDES = ("team", "worker")
#: What each side may say, as kept in the decisions log that the figures and the monitor read.
DECISIONS = ("interested", "yes", "trial_agreed", "carry_on", "no", "stop")
DECLINES = frozenset({"no", "stop"})

#: A "no" that a lawful stated requirement explains is counted apart by the equality monitor.
LAWFUL_REQUIREMENTS = ("same_sex_intimate_care", "shared_language", "other_lawful")
LAWFUL_REQUIREMENT_LABELS = {
    "same_sex_intimate_care": "Intimate personal care by someone of a particular sex",
    "shared_language": "Someone who speaks a language I need",
    "other_lawful": "Another requirement the law allows (an occupational requirement)",
}

PREFER_NOT_TO_SAY = "prefer_not_to_say"
#: Voluntary equality monitoring: each question's answers, always with "prefer not to say".
EQUALITY_QUESTIONS: dict[str, tuple[str, tuple[tuple[str, str], ...]]] = {
    "age": (
        "Your age",
        (
            ("under_25", "Under 25"),
            ("25_44", "25 to 44"),
            ("45_64", "45 to 64"),
            ("65_plus", "65 or over"),
            (PREFER_NOT_TO_SAY, "Prefer not to say"),
        ),
    ),
    "sex": (
        "Your sex",
        (
            ("female", "Female"),
            ("male", "Male"),
            (PREFER_NOT_TO_SAY, "Prefer not to say"),
        ),
    ),
    "ethnicity": (
        "Your ethnic group",
        (
            ("asian", "Asian or Asian British"),
            ("black", "Black, Black British, Caribbean or African"),
            ("mixed", "Mixed or multiple ethnic groups"),
            ("white", "White"),
            ("other", "Another ethnic group"),
            (PREFER_NOT_TO_SAY, "Prefer not to say"),
        ),
    ),
    "disability": (
        "Do you consider yourself disabled?",
        (
            ("yes", "Yes"),
            ("no", "No"),
            (PREFER_NOT_TO_SAY, "Prefer not to say"),
        ),
    ),
    "religion": (
        "Your religion or belief",
        (
            ("none", "No religion"),
            ("christian", "Christian"),
            ("muslim", "Muslim"),
            ("hindu", "Hindu"),
            ("sikh", "Sikh"),
            ("jewish", "Jewish"),
            ("buddhist", "Buddhist"),
            ("other", "Another religion or belief"),
            (PREFER_NOT_TO_SAY, "Prefer not to say"),
        ),
    ),
    "sexual_orientation": (
        "Your sexual orientation",
        (
            ("straight", "Straight or heterosexual"),
            ("gay_lesbian", "Gay or lesbian"),
            ("bisexual", "Bisexual"),
            ("other", "Another orientation"),
            (PREFER_NOT_TO_SAY, "Prefer not to say"),
        ),
    ),
}
#: The group the monitor counts people in who did not answer or preferred not to say.
NOT_SAID = "not_said"
