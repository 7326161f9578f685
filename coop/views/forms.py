"""Putting a service's field errors onto the form the person filled in, so that the page shows
each error beside its field and keeps everything they typed."""

from __future__ import annotations

from flask_wtf import FlaskForm

from coop.errors import DomainError


def apply_errors(form: FlaskForm, error: DomainError) -> None:
    unplaced: list[str] = []
    for name, problems in error.errors.items():
        field = getattr(form, name, None)
        if field is None:
            unplaced.extend(problems)
        else:
            field.errors = (
                [*field.errors, *problems] if isinstance(field.errors, list) else list(problems)
            )
    if unplaced or not error.errors:
        form.form_errors.extend(unplaced or [error.detail])
