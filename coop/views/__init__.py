"""The platform's pages, and what `coop` itself puts in the registries."""

from __future__ import annotations

from datetime import datetime

from flask import Flask, current_app, g, url_for
from markupsafe import escape
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from coop import extension, policy
from coop.clock import describe_span, local
from coop.db import current_session
from coop.models import ROLE_LABELS, OutboxMessage, User
from coop.registries import DashboardPanel, HomeCard, SettingSpec, TickJob
from coop.services import mail, settings


def init_views(app: Flask) -> None:
    from coop import blueprint
    from coop.views import auth

    for pages in blueprint.PAGES:
        app.register_blueprint(pages)
    carecoop = extension.of(app)
    registry = carecoop.registry
    # Sign-in attempts are limited per address, by this app's own limiter.
    app.view_functions["auth.sign_in"] = carecoop.limiter.limit(_signin_limit, methods=["POST"])(
        auth.sign_in
    )

    @app.context_processor
    def _globals() -> dict[str, object]:
        return {"policy": policy, "role_labels": ROLE_LABELS, "coop_name": _coop_name}

    @app.template_filter("local_time")
    def _local_time(moment: datetime) -> str:
        at = local(moment)
        return f"{at:%a} {at.day} {at:%b %Y, %H:%M}"

    @app.template_filter("local_span")
    def _local_span(span: tuple[datetime, datetime]) -> str:
        return describe_span(*span)

    @app.template_filter("local_day")
    def _local_day(moment: datetime) -> str:
        at = local(moment)
        return f"{at.day} {at:%B %Y}"

    registry.add_setting(
        SettingSpec(
            name="coop_name",
            label="The co-op's name",
            type="str",
            default="Carecoop",
            help="Shown at the top of every page and in e-mails.",
        )
    )
    registry.add_setting(
        SettingSpec(
            name="on_call_facilitator",
            label="Facilitator on call",
            type="user",
            default=None,
            role="facilitator",
            group="Safety",
            help="Told at once about missed arrivals, overdue visits, calls for help and sudden "
            "changes to a team. Change this when the on-call shift changes.",
        )
    )
    for card in (
        HomeCard(
            "account",
            "Your account",
            "Change your password, sign out on other devices, or make a token for scripts.",
            "account.index",
            policy.is_signed_in,
            order=90,
        ),
        HomeCard(
            "invite",
            "Invite someone",
            "Invite a facilitator, safeguarding lead, registered manager, secretary or admin.",
            "admin.invite",
            policy.can_invite_staff,
            order=60,
        ),
        HomeCard(
            "settings",
            "Co-op settings",
            "Who is on call, and how Carecoop behaves.",
            "admin.settings_page",
            policy.can_manage_settings,
            order=61,
        ),
        HomeCard(
            "audit",
            "Audit log",
            "See who did what, and when.",
            "admin.audit",
            policy.can_search_audit,
            order=62,
        ),
        HomeCard(
            "dashboard",
            "Staff dashboard",
            "Who is on call, and what needs attention.",
            "home.dashboard",
            policy.can_view_dashboard,
            order=10,
        ),
    ):
        registry.add_home_card(card)
    registry.add_dashboard_panel(
        DashboardPanel("on_call", "On call", policy.is_staff, _on_call_panel, order=1)
    )
    registry.add_dashboard_panel(
        DashboardPanel(
            "outbox",
            "E-mail waiting to go",
            lambda u: policy.has_role(u, "admin"),
            _outbox_panel,
            order=90,
        )
    )
    registry.add_tick_job(TickJob("send_outbox", _send_outbox, order=99))


def _send_outbox(app: extension.Carecoop, session: Session, now: datetime) -> int:
    """The timed job: the app's waiting e-mail, through its own backend."""
    return mail.send_outbox(
        session, app.mail.backend, sender=app.mail.sender, now=now, checkpoint=session.commit
    )


def _signin_limit() -> str:
    limit: str = current_app.config["CARECOOP_SIGNIN_RATE_LIMIT"]
    return limit


def _coop_name() -> str:
    """The co-op's name from its settings, read once per request; "Carecoop" on an error page,
    which runs no query of its own (the transaction has just been rolled back)."""
    if "coop_name" not in g:
        if g.get("db_unavailable"):
            return "Carecoop"
        g.coop_name = settings.get(current_session(), "coop_name") or "Carecoop"
    name: str = g.coop_name
    return name


def _on_call_panel(session: Session, user: User, _now: datetime) -> str:
    user_id = settings.get(session, "on_call_facilitator")
    person = session.get(User, user_id) if user_id else None
    if person is None:
        # Only admins may open the settings page: anyone else would follow the link to a 404.
        if policy.can_manage_settings(user):
            where = f'<a href="{url_for("admin.settings_page")}">Co-op settings</a>'
            return f"<p>Nobody is set as the facilitator on call. Please choose one in {where}.</p>"
        return "<p>Nobody is set as the facilitator on call. Please ask an admin to choose one.</p>"
    return f"<p><strong>{escape(person.display_name)}</strong> is the facilitator on call.</p>"


def _outbox_panel(session: Session, _user: User, _now: datetime) -> str:
    waiting = session.scalar(select(func.count()).where(OutboxMessage.sent_at.is_(None))) or 0
    failing = (
        session.scalar(
            select(func.count()).where(
                OutboxMessage.sent_at.is_(None), OutboxMessage.last_error.is_not(None)
            )
        )
        or 0
    )
    text = f"<p>{waiting} e-mail{'s' if waiting != 1 else ''} waiting to be sent"
    return text + (f", {failing} of them after a failed attempt.</p>" if failing else ".</p>")
