"""Forms for a team's openings and the facilitator's matching pages (Flask-WTF: every form that
changes something carries its CSRF token).

Choices the services check (tasks, skills, neighbourhoods, kinds of check) are not validated
again here: the service says what is wrong in plain words, beside the field. What the form
turns into values (times of day, pounds into pence) it hands on as it found them when they make
no sense, so that the service refuses them with the rest."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    Field,
    IntegerField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from teams.matching.models import Neighbourhood, Opening, Skill
from teams.matching.vocabulary import CHECK_LABELS, TASK_LABELS, WEEKDAYS

REQUIRED = "Please fill this in."
#: Each day of the week offers this many times, each a "from" and a "to".
TIMES_A_DAY = 2
TIME_RE = re.compile(r"^\s*(\d{1,2})[:.](\d{2})\s*$")
WORDS_HINT = "Separate them with commas, for example: Urdu, English."


def _choices(labels: dict[str, str]) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in labels.items()]


def _optional_int(value: Any) -> int | None:
    return int(value) if str(value or "").isdigit() else None


def _minute(raw: str) -> int | None:
    """A time of day such as "09:30" in minutes after midnight ("24:00" is the end of the day);
    None for anything else."""
    match = TIME_RE.match(raw)
    if not match:
        return None
    hours, minutes = int(match.group(1)), int(match.group(2))
    if minutes >= 60 or hours > 24 or (hours == 24 and minutes):
        return None
    return hours * 60 + minutes


def _clock(minute: int) -> str:
    return "24:00" if minute == 1440 else f"{minute // 60:02d}:{minute % 60:02d}"


def time_field_name(weekday: int, slot: int, end: str) -> str:
    return f"day{weekday}_{slot}_{end}"


def pence(raw: str | None) -> int | str | None:
    """Pounds as typed ("12.50", "£12") in whole pence; None when empty; the text itself when it
    is not an amount, for the service to refuse."""
    text = (raw or "").strip().replace("£", "").replace(",", "")
    if not text:
        return None
    try:
        amount = Decimal(text)
    except InvalidOperation:
        return raw
    if not amount.is_finite() or amount != amount.quantize(Decimal("0.01")):
        return raw
    return int(amount * 100)


def pounds(amount: int | None) -> str:
    return "" if amount is None else f"{amount // 100}.{amount % 100:02d}"


class OpeningForm(FlaskForm):
    title = StringField(
        "A short title",
        description="For example: “Help getting up on weekday mornings”.",
    )
    support = TextAreaField(
        "What support would you like?",
        description="Workers read this before they know who you are: please leave out your "
        "name, address and anything else that would tell them. They learn who you are once you "
        "both say yes.",
    )
    what_matters = TextAreaField(
        "What matters to me",
        description="For example: “Someone calm who likes a chat about football”. You can leave this empty.",
    )
    tasks = SelectMultipleField(
        "What would you like help with?", choices=_choices(TASK_LABELS), validate_choice=False
    )
    neighbourhood_id = SelectField(
        "Neighbourhood",
        coerce=_optional_int,
        validate_choice=False,
        description="Where the support happens. Workers see the neighbourhood, not the address.",
    )
    required_skills = SelectMultipleField(
        "Skills the person must have", coerce=int, validate_choice=False
    )
    preferred_skills = SelectMultipleField(
        "Skills that would be nice to have", coerce=int, validate_choice=False
    )
    required_languages = StringField("Languages the person must speak", description=WORDS_HINT)
    preferred_languages = StringField("Languages that would be nice", description=WORDS_HINT)
    interests = StringField(
        "Things I enjoy",
        description="Shared interests help. Separate them with commas, for example: gardening, cricket.",
    )
    max_rate_pence = StringField(
        "The most we can pay an hour, in pounds",
        description="For example: 15.50. Leave it empty if there is no maximum.",
        render_kw={"inputmode": "decimal", "autocomplete": "off"},
    )

    def offer(self, places: list[Neighbourhood], skills: list[Skill]) -> None:
        self.neighbourhood_id.choices = [SelectChoice("", "Choose the neighbourhood")] + [
            SelectChoice(str(p.id), p.name) for p in places
        ]
        for field in (self.required_skills, self.preferred_skills):
            field.choices = [SelectChoice(s.id, s.name) for s in skills]

    def time_fields(self) -> list[tuple[str, list[tuple[Field, Field]]]]:
        """The weekly grid: each weekday with its ("from", "to") pairs, for the template."""
        return [
            (
                day,
                [
                    (
                        self[time_field_name(weekday, slot, "from")],
                        self[time_field_name(weekday, slot, "to")],
                    )
                    for slot in range(1, TIMES_A_DAY + 1)
                ],
            )
            for weekday, day in enumerate(WEEKDAYS)
        ]

    def values(self) -> tuple[dict[str, Any], dict[str, list[str]]]:
        """The opening's values for the service, and the problems the form found itself (a
        time it cannot read, or a time missing its other end), by field name."""
        problems: dict[str, list[str]] = {}
        windows: list[list[int | None]] = []
        for weekday in range(len(WEEKDAYS)):
            for slot in range(1, TIMES_A_DAY + 1):
                names = (
                    time_field_name(weekday, slot, "from"),
                    time_field_name(weekday, slot, "to"),
                )
                raw = [str(self[name].data or "").strip() for name in names]
                if not any(raw):
                    continue
                found = [_minute(r) if r else None for r in raw]
                for name, text, minute in zip(names, raw, found, strict=True):
                    if minute is None:
                        problems[name] = [
                            "Please give a time like 09:30."
                            if text
                            else "Please give this time too."
                        ]
                if found[0] is not None and found[1] is not None and found[1] <= found[0]:
                    problems[names[1]] = ["Please give a time after the “from” time."]
                # What cannot be read goes on as nothing, for the service to refuse with the rest.
                windows.append([weekday, found[0], found[1]])
        values = {
            "title": self.title.data or "",
            "support": self.support.data or "",
            "what_matters": self.what_matters.data or "",
            "tasks": list(self.tasks.data or []),
            "windows": windows,
            "neighbourhood_id": self.neighbourhood_id.data,
            "required_skills": list(self.required_skills.data or []),
            "preferred_skills": list(self.preferred_skills.data or []),
            "required_languages": self.required_languages.data or "",
            "preferred_languages": self.preferred_languages.data or "",
            "interests": self.interests.data or "",
            "max_rate_pence": pence(self.max_rate_pence.data),
        }
        return values, problems

    def fill_from(self, opening: Opening) -> None:
        """Show an opening as it stands, for changing it."""
        for name in (
            "title",
            "support",
            "what_matters",
            "tasks",
            "required_skills",
            "preferred_skills",
        ):
            self[name].data = getattr(opening, name)
        self.neighbourhood_id.data = opening.neighbourhood_id
        for name in ("required_languages", "preferred_languages", "interests"):
            self[name].data = ", ".join(getattr(opening, name))
        self.max_rate_pence.data = pounds(opening.max_rate_pence)
        used: dict[int, int] = {}
        for weekday, start, end in opening.windows:
            slot = used[weekday] = used.get(weekday, 0) + 1
            if slot <= TIMES_A_DAY:
                self[time_field_name(weekday, slot, "from")].data = _clock(start)
                self[time_field_name(weekday, slot, "to")].data = _clock(end)


for _weekday, _day in enumerate(WEEKDAYS):
    for _slot in range(1, TIMES_A_DAY + 1):
        _which = "first" if _slot == 1 else "second"
        for _end, _word in (("from", "From"), ("to", "To")):
            setattr(
                OpeningForm,
                time_field_name(_weekday, _slot, _end),
                StringField(
                    f"{_word} ({_day}, {_which} time)",
                    render_kw={"type": "time", "autocomplete": "off"},
                ),
            )


class CheckForm(FlaskForm):
    kind = SelectField(
        "Which check?",
        choices=[SelectChoice("", "Choose the check"), *_choices(CHECK_LABELS)],
        validate_choice=False,
    )
    outcome = SelectField(
        "Outcome",
        choices=[
            SelectChoice("", "Choose the outcome"),
            SelectChoice("passed", "Passed"),
            SelectChoice("failed", "Not passed"),
        ],
        validate_choice=False,
    )
    number = StringField(
        "Reference number",
        validators=[Length(max=80)],
        description="The certificate or reference number only, never what the certificate says.",
        render_kw={"autocomplete": "off"},
    )
    checked_on = DateField(
        "Checked on",
        validators=[InputRequired("Please give the date of the check.")],
        render_kw={"autocomplete": "off"},
    )
    expires_on = DateField(
        "Expires on",
        validators=[Optional()],
        description="Leave it empty if the check does not expire.",
        render_kw={"autocomplete": "off"},
    )
    # No description: coop's `field` macro does not show one beside a checkbox.
    update_service_consent = BooleanField(
        "For a DBS check: the worker agrees that the co-op may use the DBS Update Service"
    )


class PauseForm(FlaskForm):
    note = TextAreaField(
        "Why? (a note for the co-op only)",
        description="The worker and teams never see this note.",
        validators=[Length(max=2000)],
    )


class WholeMetresField(IntegerField):
    """A whole number of metres, refused in plain words when it is not one."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist or not str(valuelist[0]).strip():
            self.data = None
            return
        try:
            self.data = int(str(valuelist[0]).strip())
        except ValueError:
            self.data = None
            raise ValueError("Please give a whole number of metres.") from None


class NeighbourhoodForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(REQUIRED), Length(max=80)])
    easting = WholeMetresField(
        "Easting (metres)",
        validators=[InputRequired("Please give the easting, a whole number of metres.")],
        description="How far east the neighbourhood's centre is, for example 383000.",
        render_kw={"inputmode": "numeric", "autocomplete": "off"},
    )
    northing = WholeMetresField(
        "Northing (metres)",
        validators=[InputRequired("Please give the northing, a whole number of metres.")],
        description="How far north the neighbourhood's centre is, for example 398000.",
        render_kw={"inputmode": "numeric", "autocomplete": "off"},
    )


class SkillForm(FlaskForm):
    name = StringField("Skill", validators=[DataRequired(REQUIRED), Length(max=80)])
