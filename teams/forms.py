"""The teams pages' forms (Flask-WTF: every form that changes something carries its CSRF token).

Choices the service checks (kinds, hats, legal bases) are not validated again here
(`validate_choice=False`): the service says what is wrong in plain words, beside the field.
"""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    HiddenField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from teams.models import (
    HAT_EXPLANATIONS,
    HAT_LABELS,
    LEGAL_BASIS_LABELS,
    PLAN_SECTION_LABELS,
    PLAN_SECTIONS,
)

REQUIRED = "Please fill this in."

# What each kind of member is called on the invitation form, in the words of DOMAIN.md.
INVITE_KINDS = {
    "family": "Family or friend",
    "neighbour": "Neighbour",
    "volunteer": "Volunteer",
    "peer": "Peer supporter (someone who gets support too)",
    "worker": "Worker (paid)",
}
EMPLOYMENT_LABELS = {
    "independent": "Self-employed: sets their own rate and sends invoices",
    "employed": "Employed by the co-op, paid by the hour",
}


def _choices(labels: dict[str, str]) -> list[SelectChoice]:
    # SelectChoice, not tuples: wtforms 3.3 deprecates tuples, and warnings are errors in tests.
    return [SelectChoice(value, label) for value, label in labels.items()]


def _optional_int(value: Any) -> int | None:
    """A choice's id, or None for "choose one"."""
    return int(value) if str(value or "").isdigit() else None


def _date(label: str, description: str | None = None) -> DateField:
    return DateField(
        label,
        validators=[Optional()],
        description=description,
        render_kw={"autocomplete": "off"},
    )


class NewTeamForm(FlaskForm):
    name = StringField(
        "The team's name",
        validators=[DataRequired(REQUIRED), Length(max=120)],
        description="For example: “Margaret's team”.",
    )
    person = StringField(
        "The person the team is for",
        validators=[DataRequired(REQUIRED), Length(max=254)],
        description="Their username or e-mail address on Carecoop. They will lead the team.",
        render_kw={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"},
    )


class InviteForm(FlaskForm):
    name = StringField("Their name", validators=[DataRequired(REQUIRED), Length(max=120)])
    email = EmailField(
        "Their e-mail address",
        validators=[DataRequired(REQUIRED), Length(max=254)],
        description="We will send the invitation here. The link works for 14 days.",
        render_kw={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"},
    )
    kind = RadioField("How will they help?", choices=_choices(INVITE_KINDS), validate_choice=False)
    employment = RadioField(
        "If they are a worker: how are they paid?",
        choices=_choices(EMPLOYMENT_LABELS),
        validate_choice=False,
    )
    sees_records = BooleanField(
        "They can see my support plan and private notes",
        description="You can change this later.",
    )


class ProposeForm(FlaskForm):
    name = StringField("Their name", validators=[DataRequired(REQUIRED), Length(max=120)])
    email = EmailField(
        "Their e-mail address",
        validators=[DataRequired(REQUIRED), Length(max=254)],
        render_kw={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"},
    )
    kind = RadioField("How would they help?", choices=_choices(INVITE_KINDS), validate_choice=False)
    reason = TextAreaField(
        "Why would they be good for the team?",
        validators=[DataRequired(REQUIRED), Length(max=500)],
        description="A few words for the person who leads the team. Up to 500 characters.",
    )


class OfferHatForm(FlaskForm):
    hat = RadioField("Which hat?", validate_choice=False)
    scope = StringField(
        "What it covers",
        validators=[Length(max=300)],
        description="A few words everyone in the team will see, e.g. “weekday visits only”.",
    )
    review_on = _date("Review it on", "The app reminds you two weeks before.")
    legal_basis = RadioField(
        "For my representative: on what basis?",
        choices=_choices(LEGAL_BASIS_LABELS),
        validate_choice=False,
    )
    legal_reference = StringField(
        "For my representative: the reference",
        validators=[Length(max=80)],
        description="For a power of attorney or a deputy, e.g. the Office of the Public "
        "Guardian's reference.",
    )

    def offer(self, hats: list[str]) -> None:
        """Offer only the hats this person may give."""
        self.hat.choices = [
            SelectChoice(h, f"{HAT_LABELS[h]}: {HAT_EXPLANATIONS[h]}") for h in hats
        ]


class MemberSettingsForm(FlaskForm):
    is_contact = BooleanField(
        "Contact: told first when something goes wrong",
        description="A team has one or two contacts.",
    )
    sees_records = BooleanField("Can see the support plan and private notes")


class LeaveForm(FlaskForm):
    leaves_on = _date(
        "Your last day in the team",
        "From the day after, you no longer see the team's records. Leave it empty to leave today.",
    )
    handover_note = TextAreaField(
        "Handover note",
        validators=[Length(max=5000)],
        description="For whoever takes over: what they need to know. Workers must leave one.",
    )


class PlanForm(FlaskForm):
    base_version = HiddenField()

    about_me = TextAreaField(PLAN_SECTION_LABELS["about_me"])
    what_matters = TextAreaField(PLAN_SECTION_LABELS["what_matters"])
    how_to_support = TextAreaField(PLAN_SECTION_LABELS["how_to_support"])
    health = TextAreaField(PLAN_SECTION_LABELS["health"])
    people_to_contact = TextAreaField(PLAN_SECTION_LABELS["people_to_contact"])

    def sections(self) -> dict[str, str | None]:
        return {name: getattr(self, name).data for name in PLAN_SECTIONS}

    def section_fields(self) -> list[Any]:
        return [getattr(self, name) for name in PLAN_SECTIONS]


class NoteForm(FlaskForm):
    body = TextAreaField(
        "Your note", validators=[DataRequired("Please write the note."), Length(max=20_000)]
    )
    readers = SelectMultipleField("Who else can read it?", coerce=int, validate_choice=False)


class GrantForm(FlaskForm):
    facilitator_id = SelectField("Which facilitator?", coerce=_optional_int, validate_choice=False)
    until = _date("Until", "Up to three months from today. You can end it sooner.")


class EmergencyForm(FlaskForm):
    reason = TextAreaField(
        "Why is this an emergency?",
        validators=[DataRequired(REQUIRED), Length(max=2000)],
        description="The person who leads the team will see this beside every read.",
    )


class HoldForm(FlaskForm):
    reason = TextAreaField(
        "Why hold it back?",
        validators=[DataRequired(REQUIRED), Length(max=2000)],
        description="Recorded for the co-op; the person does not see it.",
    )
    until = _date("Review on", "The entry appears on their page from this date.")


class CompareForm(FlaskForm):
    class Meta:
        csrf = False  # choosing what to compare changes nothing

    a = SelectField("Older version", coerce=int, validate_choice=False)
    b = SelectField("Newer version", coerce=int, validate_choice=False)
