"""Admins' pages: invite someone, the co-op's settings, and the audit log."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.wrappers import Response

from coop import policy
from coop.db import current_session
from coop.errors import Invalid, NotFound, require
from coop.extension import current
from coop.forms import AuditSearchForm, ConfirmForm, InviteForm
from coop.models import AuditEvent, User
from coop.services import accounts, settings
from coop.views.forms import apply_errors
from coop.web import now

bp = Blueprint("admin", __name__, url_prefix="/admin")
PAGE_SIZE = 50


@login_required
def invite() -> Response | tuple[str, int]:
    require(policy.can_invite_staff(current_user), hidden=True)
    session = current_session()
    form = InviteForm()
    if form.validate_on_submit():
        try:
            invitation = accounts.invite_staff(
                session,
                current_user,
                email=form.email.data or "",
                display_name=form.display_name.data or "",
                roles=[form.role.data or ""],
                base_url=current_app.config["CARECOOP_BASE_URL"],
                now=now(),
            )
        except Invalid as exc:
            session.rollback()
            apply_errors(form, exc)
        else:
            flash(
                f"Invitation sent to {invitation.email}. The link works once, for 7 days.",
                "success",
            )
            return redirect(url_for("admin.invite"))
    status = 422 if form.errors else 200
    return render_template(
        "admin/invite.html",
        form=form,
        invitations=accounts.open_invitations(session, now=now()),
        confirm_form=ConfirmForm(),
    ), status


@login_required
def withdraw_invitation(invitation_id: int) -> Response | str:
    require(policy.can_invite_staff(current_user), hidden=True)
    if request.method == "GET":
        invitation = accounts.open_invitation(current_session(), invitation_id)
        return render_template(
            "confirm.html",
            heading=f"Withdraw the invitation to {invitation.display_name}?",
            explanation=f"The link sent to {invitation.email} will stop working. You can invite them again later.",
            action=url_for("admin.withdraw_invitation", invitation_id=invitation.id),
            button="Yes, withdraw it",
            back=url_for("admin.invite"),
        )
    accounts.withdraw_invitation(current_session(), current_user, invitation_id, now=now())
    flash("The invitation has been withdrawn; its link no longer works.", "success")
    return redirect(url_for("admin.invite"))


@login_required
def settings_page() -> Response | tuple[str, int]:
    require(policy.can_manage_settings(current_user), hidden=True)
    session = current_session()
    errors: dict[str, list[str]] = {}
    typed: dict[str, Any] = {}
    if request.method == "POST":
        # A checkbox left unticked is not sent at all; any other setting not in the form (one
        # added since the page was loaded) keeps its value.
        typed = {
            name: request.form.get(name)
            for name, spec in current().registry.settings.items()
            if name in request.form or spec.type == "bool"
        }
        try:
            changed = settings.update_settings(session, current_user, typed, now=now())
        except Invalid as exc:
            session.rollback()
            errors = exc.errors
        else:
            flash(
                f"Saved {len(changed)} change{'s' if len(changed) != 1 else ''}."
                if changed
                else "Nothing had changed.",
                "success",
            )
            return redirect(url_for("admin.settings_page"))
    values = settings.all_values(session)
    groups: dict[str, list[Any]] = {}
    for spec in sorted(current().registry.settings.values(), key=lambda s: (s.group, s.label)):
        groups.setdefault(spec.group, []).append(spec)
    people = {
        spec.name: settings.people_with_role(session, spec.role)
        for spec in current().registry.settings.values()
        if spec.type == "user" and spec.role
    }
    return render_template(
        "admin/settings.html",
        groups=groups,
        values=values,
        typed=typed,
        errors=errors,
        people=people,
        confirm_form=ConfirmForm(),
    ), 422 if errors else 200


def _parse_day(raw: str | None) -> datetime | None:
    try:
        return datetime.strptime(raw or "", "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        return None


@login_required
def audit() -> str:
    require(policy.can_search_audit(current_user), hidden=True)
    session = current_session()
    form = AuditSearchForm(request.args)
    query = select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    problems: list[str] = []
    if form.actor.data:
        query = query.join(User, AuditEvent.actor_id == User.id).where(
            User.username == form.actor.data.strip().lower()
        )
    if form.action.data:
        query = query.where(AuditEvent.action == form.action.data.strip())
    if form.object_type.data:
        query = query.where(AuditEvent.object_type == form.object_type.data.strip())
    if form.object_id.data:
        if form.object_id.data.strip().isdigit() and len(form.object_id.data.strip()) < 19:
            query = query.where(AuditEvent.object_id == int(form.object_id.data))
        else:
            form.object_id.errors = ["Please enter a record number (digits only)."]
    for field, compare in ((form.since, AuditEvent.at.__ge__), (form.until, AuditEvent.at.__lt__)):
        if field.data:
            day = _parse_day(field.data)
            if day is None:
                field.errors = ["Please enter a date as YYYY-MM-DD, e.g. 2026-03-31."]
            else:
                query = query.where(
                    compare(day + (timedelta(days=1) if field is form.until else timedelta()))
                )
    page = max(1, request.args.get("page", 1, type=int) or 1)
    events = list(session.scalars(query.limit(PAGE_SIZE + 1).offset((page - 1) * PAGE_SIZE)))
    has_more = len(events) > PAGE_SIZE
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template(
        "admin/audit.html",
        form=form,
        events=events[:PAGE_SIZE],
        page=page,
        has_more=has_more,
        args=args,
        problems=problems,
    )


@login_required
def audit_event(event_id: int) -> str:
    require(policy.can_search_audit(current_user), hidden=True)
    event = current_session().get(AuditEvent, event_id)
    if event is None:
        raise NotFound("There is no such audit entry.")
    return render_template("admin/audit_event.html", event=event)
