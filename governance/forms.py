"""The co-op's forms (Flask-WTF: each carries its CSRF token)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

REQUIRED = "Please fill this in."


def choices(pairs: list[tuple[str, str]] | dict[str, str]) -> list[SelectChoice]:
    """(value, label) pairs as wtforms wants them (tuples are deprecated in wtforms 3.3)."""
    items = pairs.items() if isinstance(pairs, dict) else pairs
    return [SelectChoice(value, label) for value, label in items]


CLASS_CHOICES = [
    ("supported", "Supported member: the co-op supports me"),
    ("advocate", "Family or friend (advocate member) of someone the co-op supports"),
    ("worker", "Worker member: I work with the co-op"),
    ("investor", "Investor member: I bought community shares"),
]
EMAIL_USE_CHOICES = [
    ("notices", "Only notices of meetings and votes"),
    ("notices-and-news", "Notices, and the co-op's news"),
]
CHOICE_LABELS = {"for": "For", "against": "Against", "abstain": "Abstain"}
KIND_LABELS = {
    "ordinary": "Ordinary resolution (more than half)",
    "extraordinary": "Extraordinary resolution, or a rule change (more than three quarters)",
    "special-amalgamation": "Special resolution: amalgamation (at least two thirds)",
    "special-conversion": "Special resolution: conversion (at least three quarters, half must vote)",
    "special-dissolution": "Special resolution: dissolution (three quarters of all members)",
}
METHOD_LABELS = {"phone": "By phone", "paper": "On paper", "meeting": "At a meeting"}
OFFICE_LABELS = {
    "chair": "Chair",
    "secretary": "Secretary",
    "treasurer": "Treasurer",
    "director": "Director",
}


class ApplyForm(FlaskForm):
    name = StringField(
        "Your name for the register",
        validators=[DataRequired(REQUIRED), Length(max=120)],
        render_kw={"autocomplete": "name"},
    )
    member_class = RadioField("Kind of member", choices=choices(CLASS_CHOICES))
    postal_address = TextAreaField(
        "Your postal address",
        validators=[Optional(), Length(max=500)],
        description="Leave this empty and we will use “care of the co-op” instead.",
        render_kw={"autocomplete": "street-address", "rows": 3},
    )
    email = EmailField(
        "Your e-mail address",
        validators=[Optional(), Length(max=254)],
        render_kw={"autocomplete": "email"},
    )
    email_use = RadioField(
        "Use of your e-mail address",
        choices=choices(EMAIL_USE_CHOICES),
        default="notices",
    )


class MemberForm(FlaskForm):
    """The secretary's changes to a register entry."""

    name = StringField("Name", validators=[DataRequired(REQUIRED), Length(max=120)])
    postal_address = TextAreaField(
        "Postal address",
        validators=[Optional(), Length(max=500)],
        description="Empty means “care of the co-op”.",
        render_kw={"rows": 3},
    )
    email = EmailField("E-mail address", validators=[Optional(), Length(max=254)])
    email_use = SelectField("E-mail may be used for", choices=choices(EMAIL_USE_CHOICES))
    member_class = SelectField("Class", choices=choices(CLASS_CHOICES))
    shares_held = IntegerField(
        "Shares held", validators=[InputRequired(REQUIRED), NumberRange(min=0)]
    )
    shares_paid_pence = IntegerField(
        "Paid for shares (pence)", validators=[InputRequired(REQUIRED), NumberRange(min=0)]
    )
    loans_pence = IntegerField(
        "Loans to the co-op (pence)", validators=[InputRequired(REQUIRED), NumberRange(min=0)]
    )


class VoteForm(FlaskForm):
    choice = RadioField(
        "Your vote",
        choices=choices(CHOICE_LABELS),
        validators=[InputRequired("Please choose.")],
    )


class ProposalForm(FlaskForm):
    title = StringField("Title", validators=[DataRequired(REQUIRED), Length(max=200)])
    body = TextAreaField(
        "What members are asked to decide", validators=[Optional()], render_kw={"rows": 6}
    )
    kind = SelectField("Kind of resolution", choices=choices(KIND_LABELS))
    secret = BooleanField("Secret ballot (nobody sees how anyone voted)", default=True)
    closes_on = StringField(
        "Voting closes on (date)",
        validators=[DataRequired(REQUIRED)],
        description="As YYYY-MM-DD, e.g. 2026-12-31.",
        render_kw={"type": "date"},
    )
    closes_time = StringField(
        "Voting closes at (time)",
        validators=[DataRequired(REQUIRED)],
        default="17:00",
        description="As HH:MM, UK time.",
        render_kw={"type": "time"},
    )


class ProxyForm(FlaskForm):
    holder = StringField(
        "Their e-mail address or username",
        validators=[DataRequired(REQUIRED), Length(max=254)],
        description="Anyone with a Carecoop account can be your proxy.",
        render_kw={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"},
    )


class RecordForm(FlaskForm):
    member_id = SelectField("Member", coerce=int)
    method = RadioField("How they gave it", choices=choices(METHOD_LABELS))
    choice = RadioField("Their vote", choices=choices(CHOICE_LABELS))


class OfficerForm(FlaskForm):
    holder = StringField(
        "Their e-mail address or username", validators=[DataRequired(REQUIRED), Length(max=254)]
    )
    office = SelectField("Office", choices=choices(OFFICE_LABELS))
