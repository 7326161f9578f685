"""Matching's forms (Flask-WTF: every form that changes something carries its CSRF token).

Choices the services check (neighbourhoods, skills, answers) are not validated again here
(`validate_choice=False`): the service says what is wrong in plain words, beside the field.
Each form keeps the names of the service's fields where it can, so that `apply_errors` puts a
service's message beside the field the person filled in.
"""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    Field,
    HiddenField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import TimeInput

from teams.matching.models import Neighbourhood, Skill, WorkerProfile
from teams.matching.vocabulary import (
    EQUALITY_QUESTIONS,
    LAWFUL_REQUIREMENT_LABELS,
    WEEKDAYS,
)

# =================================================================================================
# The worker's side and the answers either side gives (views/worker.py, views/consent.py)
# =================================================================================================

WORKER_EMPLOYMENT_LABELS = {
    "employed": "Employed by the co-op, paid by the hour",
    "independent": "Self-employed: I set my own rate and send invoices",
}
#: Two "from / to" times a day are enough for most people's week, and fit a small screen.
WORKER_TIMES_A_DAY = 2
WORKER_MIDNIGHT = 24 * 60


def worker_time_field_name(weekday: int, n: int, end: str) -> str:
    """The name of one time box in the weekly grid, e.g. `d0_1_from` (Monday, first, from)."""
    return f"d{weekday}_{n}_{end}"


class WorkerProfileForm(FlaskForm):
    about = TextAreaField(
        "About me",
        validators=[Length(max=2000)],
        description="What teams might like to know about you: what you enjoy, what you are "
        "good at, what matters to you. Up to 2000 characters.",
    )
    employment = RadioField(
        "How are you paid?",
        choices=[SelectChoice(v, label) for v, label in WORKER_EMPLOYMENT_LABELS.items()],
        validate_choice=False,
    )
    rate = StringField(
        "Your hourly rate, in pounds",
        description="Only if you are self-employed. For example 14.50.",
        render_kw={"inputmode": "decimal", "autocomplete": "off"},
    )
    neighbourhood_id = SelectField("Your neighbourhood", validate_choice=False)
    travel_miles = StringField(
        "How far you will travel, in miles",
        description="A whole number from 0 to 100.",
        render_kw={"inputmode": "numeric", "autocomplete": "off"},
    )
    skills = SelectMultipleField("Your skills", coerce=int, validate_choice=False)
    other_skills = StringField(
        "Other skills",
        validators=[Length(max=300)],
        description="Anything not on the list, in your own words.",
    )
    languages = StringField(
        "Languages you speak",
        description="Separate them with commas, for example: English, Urdu, BSL.",
    )
    interests = StringField(
        "Your interests",
        description="Separate them with commas, for example: gardening, football, cooking.",
    )
    open_to_new_teams = BooleanField(
        "I'm open to new teams",
        description="Teams can only find you while this is ticked.",
    )

    def offer(self, places: list[Neighbourhood], skills: list[Skill]) -> None:
        """The co-op's lists to choose from."""
        self.neighbourhood_id.choices = [SelectChoice("", "Choose your neighbourhood")] + [
            SelectChoice(str(p.id), p.name) for p in places
        ]
        self.skills.choices = [SelectChoice(s.id, s.name) for s in skills]

    def fill_from(self, profile: WorkerProfile) -> None:
        """Show what the person saved last time."""
        self.about.data = profile.about
        self.employment.data = profile.employment
        self.rate.data = "" if profile.rate_pence is None else worker_pounds(profile.rate_pence)
        self.neighbourhood_id.data = str(profile.neighbourhood_id or "")
        self.travel_miles.data = str(profile.travel_miles)
        self.skills.data = list(profile.skills)
        self.other_skills.data = profile.other_skills
        self.languages.data = ", ".join(profile.languages)
        self.interests.data = ", ".join(profile.interests)
        self.open_to_new_teams.data = profile.open_to_new_teams
        for weekday, n, start, end in worker_times_by_day(profile.windows):
            self.time_field(weekday, n, "from").data = _as_time(start)
            self.time_field(weekday, n, "to").data = _as_time(end)

    def time_field(self, weekday: int, n: int, end: str) -> Field:
        found: Field = self[worker_time_field_name(weekday, n, end)]
        return found

    def days(self) -> list[tuple[int, str, list[tuple[int, Field, Field]]]]:
        """The weekly grid for the template: each day with its numbered from / to boxes."""
        return [
            (
                weekday,
                name,
                [
                    (n, self.time_field(weekday, n, "from"), self.time_field(weekday, n, "to"))
                    for n in range(1, WORKER_TIMES_A_DAY + 1)
                ],
            )
            for weekday, name in enumerate(WEEKDAYS)
        ]

    def profile_values(self) -> tuple[dict[str, Any], dict[str, list[str]]]:
        """What `profiles.save_profile` takes, and the problems found reading the form (a rate
        that is not an amount of money, a time without its end), by field name."""
        problems: dict[str, list[str]] = {}
        employment = self.employment.data
        rate: int | None = None
        if employment == "independent" and (self.rate.data or "").strip():
            rate = worker_pence(self.rate.data or "")
            if rate is None:
                problems["rate"] = ["Please give the rate in pounds and pence, for example 14.50."]
        miles = (self.travel_miles.data or "").strip()
        values = {
            "about": self.about.data or "",
            "employment": employment,
            "rate_pence": rate,
            "neighbourhood_id": int(self.neighbourhood_id.data)
            if str(self.neighbourhood_id.data or "").isdigit()
            else None,
            "travel_miles": int(miles) if miles.isdigit() else None,
            "skills": list(self.skills.data or []),
            "other_skills": self.other_skills.data or "",
            "languages": self.languages.data or "",
            "interests": self.interests.data or "",
            "windows": self._windows(problems),
            "open_to_new_teams": bool(self.open_to_new_teams.data),
        }
        return values, problems

    def _windows(self, problems: dict[str, list[str]]) -> list[list[int]]:
        windows: list[list[int]] = []
        for weekday, _name, pairs in self.days():
            for _n, start_field, end_field in pairs:
                start, end = start_field.data, end_field.data
                if start is None and end is None:
                    if start_field.raw_data and start_field.raw_data[0]:
                        problems[start_field.name] = ["Please give the time as hours and minutes."]
                    continue
                if start is None:
                    problems[start_field.name] = ["Please give the time you are free from."]
                    continue
                if end is None:
                    problems[end_field.name] = ["Please give the time you are free until."]
                    continue
                starts = start.hour * 60 + start.minute
                # "Until 00:00" means until midnight, the end of that day.
                ends = end.hour * 60 + end.minute or WORKER_MIDNIGHT
                if ends <= starts:
                    problems[end_field.name] = ["Please give an end time after the start time."]
                    continue
                windows.append([weekday, starts, ends])
        return windows


for _weekday, _day in enumerate(WEEKDAYS):
    for _n in range(1, WORKER_TIMES_A_DAY + 1):
        for _end, _words in (("from", "From"), ("to", "Until")):
            setattr(
                WorkerProfileForm,
                worker_time_field_name(_weekday, _n, _end),
                TimeField(
                    f"{_words} ({_day}, time {_n})",
                    validators=[Optional()],
                    widget=TimeInput(),
                ),
            )


def worker_times_by_day(windows: list[list[int]]) -> list[tuple[int, int, int, int]]:
    """Saved windows as (weekday, box number, start minute, end minute), at most two a day."""
    shown: list[tuple[int, int, int, int]] = []
    count: dict[int, int] = {}
    for weekday, start, end in sorted(windows):
        count[weekday] = count.get(weekday, 0) + 1
        if count[weekday] <= WORKER_TIMES_A_DAY:
            shown.append((weekday, count[weekday], start, end))
    return shown


def _as_time(minute: int) -> time:
    return time(0, 0) if minute >= WORKER_MIDNIGHT else time(minute // 60, minute % 60)


def worker_pence(typed: str) -> int | None:
    """Pounds as typed ("14.50", "£14", "14.5") in whole pence, or None if it is not an amount."""
    cleaned = typed.strip().removeprefix("£").replace(",", "").strip()
    try:
        pounds = Decimal(cleaned)
    except InvalidOperation:
        return None
    pence = pounds * 100
    if not pounds.is_finite() or pence != pence.to_integral_value() or pence < 0:
        return None
    return int(pence)


def worker_pounds(pence: int) -> str:
    return f"{pence // 100}.{pence % 100:02d}"


EQUALITY_UNANSWERED = ""


class EqualityForm(FlaskForm):
    """The voluntary equality questions: one radio group per question (fields added below)."""

    def questions(self) -> list[RadioField]:
        return [self[name] for name in EQUALITY_QUESTIONS]

    def fill_from(self, answers: dict[str, str]) -> None:
        for name in EQUALITY_QUESTIONS:
            self[name].data = answers.get(name, EQUALITY_UNANSWERED)

    def answers(self) -> dict[str, str | None]:
        return {name: self[name].data or None for name in EQUALITY_QUESTIONS}


for _name, (_question, _options) in EQUALITY_QUESTIONS.items():
    setattr(
        EqualityForm,
        _name,
        RadioField(
            _question,
            choices=[SelectChoice(code, label) for code, label in _options]
            + [SelectChoice(EQUALITY_UNANSWERED, "Leave this question unanswered")],
            validate_choice=False,
        ),
    )


class ConsentStopForm(FlaskForm):
    next = HiddenField()
    note = TextAreaField(
        "A note for the co-op (optional, never shown to them)",
        validators=[Length(max=2000)],
        description="Only the co-op's facilitators read this. Up to 2000 characters.",
    )
    lawful_requirement = SelectField(
        "Is this because of a requirement the law allows?",
        choices=[SelectChoice("", "No, or I'd rather not say")]
        + [SelectChoice(v, label) for v, label in LAWFUL_REQUIREMENT_LABELS.items()],
        validate_choice=False,
        description="Sometimes the law allows you to choose for a particular reason: for "
        "example, a woman to help with intimate personal care, or someone who speaks your "
        "language. Telling us helps the co-op check that choice never becomes unfair. They "
        "are never told.",
    )


class ConsentTrialForm(FlaskForm):
    next = HiddenField()
    on = DateField(
        "Day of the trial visit",
        validators=[DataRequired("Please give the day.")],
        render_kw={"autocomplete": "off"},
    )
    starts_at = TimeField("Starts at", validators=[DataRequired("Please give the time it starts.")])
    ends_at = TimeField("Ends at", validators=[DataRequired("Please give the time it ends.")])

    def span(self, zone: Any) -> tuple[datetime, datetime]:
        """The start and end on the chosen day, as aware datetimes in the co-op's zone."""
        day: date = self.on.data
        starts = datetime.combine(day, self.starts_at.data, tzinfo=zone)
        ends = datetime.combine(day, self.ends_at.data, tzinfo=zone)
        return starts, ends


# =================================================================================================
# The team's side and the facilitators' pages (views/team.py, views/staff.py) below this line
# =================================================================================================
