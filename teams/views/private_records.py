"""Private records: the support plan (view, edit, every version, compare), private notes,
access from outside the team, "Who has seen my information", and the safeguarding lead's holds.

A GET that reads private records may log a read from outside the team (an AccessEvent), so
those views are marked `@writes`."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_required
from sqlalchemy import select
from sqlalchemy.orm import Session
from wtforms import SelectChoice

from coop.db import current_session
from coop.errors import Invalid, NotFound
from coop.services import settings
from coop.web import now, writes
from teams import policy
from teams.forms import CompareForm, EmergencyForm, GrantForm, HoldForm, NoteForm, PlanForm
from teams.models import Team
from teams.policy import Standing
from teams.services import hats, members, records
from teams.services.standing import require
from teams.views import _confirm, _failed, _me, _people, _standing

# My support plan ---------------------------------------------------------------------------------


@login_required
@writes
def plan(team_id: int) -> ResponseReturnValue:
    s = _standing(team_id)
    current = records.read_plan(current_session(), s, now())
    return render_template("teams/plan.html", s=s, team=s.team, plan=current)


@login_required
@writes
def edit_plan(team_id: int) -> ResponseReturnValue:
    s = _standing(team_id)
    session = current_session()
    require(policy.can_edit_plan(s), hidden=not policy.can_view_records(s))
    conflict: dict[str, Any] | None = None
    if request.method == "GET":
        current = records.read_plan(session, s, now())
        form = PlanForm(formdata=None, data=dict(current.sections) if current else {})
        form.base_version.data = str(current.version if current else 0)
    else:
        form = PlanForm()
        if form.validate_on_submit():
            try:
                saved = records.save_plan(
                    session, s, form.sections(), base_version=_version(form), now=now()
                )
            except records.PlanConflict as exc:
                conflict = {
                    "version": exc.current.version,
                    "sections": dict(exc.current.sections),
                    "by": exc.current.updated_by.display_name,
                    "at": exc.current.updated_at,
                }
                session.rollback()
                conflict["taken"] = _take_untouched(session, s, form, _version(form), conflict)
                # Saving again saves over the newer version, now that the person has seen it.
                form.base_version.data = str(conflict["version"])
            except Invalid as exc:
                _failed(form, exc)
            else:
                flash(f"Saved. This is version {saved.version} of your support plan.", "success")
                return redirect(url_for("teams.plan", team_id=team_id))
    status = 409 if conflict else 422 if form.errors else 200
    return render_template(
        "teams/plan_edit.html", s=s, team=s.team, form=form, conflict=conflict
    ), status


def _take_untouched(
    session: Session, s: Standing, form: PlanForm, base: int, conflict: dict[str, Any]
) -> list[str]:
    """Where this person left a section as it was and the other person changed it, the box
    takes the other person's words, so that saving again does not quietly undo their change.
    Where both changed a section, the box keeps what this person typed. Returns the sections
    taken."""
    try:
        before = records.plan_version(session, s, base, now=now()).sections if base > 0 else {}
    except NotFound:
        return []
    taken = []
    for f in form.section_fields():
        typed = (f.data or "").replace("\r\n", "\n").strip()
        theirs = conflict["sections"].get(f.name, "")
        if typed == (before.get(f.name) or "") and typed != theirs:
            f.data = theirs
            f.description = (
                f"Only {conflict['by']} changed this part: this box now has their words."
            )
            taken.append(f.name)
    return taken


def _version(form: PlanForm) -> int:
    raw = (form.base_version.data or "").strip()
    return int(raw) if raw.isdigit() and len(raw) < 10 else -1


@login_required
@writes
def plan_history(team_id: int) -> ResponseReturnValue:
    s = _standing(team_id)
    versions = records.plan_versions(current_session(), s, now())
    form = _compare_form(versions, None, None)
    return render_template(
        "teams/plan_history.html", s=s, team=s.team, versions=versions, form=form
    )


def _compare_form(versions: list[Any], a: int | None, b: int | None) -> CompareForm:
    form = CompareForm(formdata=None)
    numbers = [v.version for v in versions]
    form.a.choices = form.b.choices = [SelectChoice(str(n), f"Version {n}") for n in numbers]
    form.b.data = b if b is not None else (numbers[0] if numbers else None)
    form.a.data = a if a is not None else (numbers[1] if len(numbers) > 1 else form.b.data)
    return form


@login_required
@writes
def plan_compare(team_id: int) -> ResponseReturnValue:
    s = _standing(team_id)
    # The versions come from plan_versions, which logs a read from outside the team.
    versions = {v.version: v for v in records.plan_versions(current_session(), s, now())}
    a, b = request.args.get("a", type=int), request.args.get("b", type=int)
    if a is None or b is None or a not in versions or b not in versions:
        raise NotFound("We could not find those versions of the plan.")
    older, newer = versions[min(a, b)], versions[max(a, b)]
    return render_template(
        "teams/plan_compare.html",
        s=s,
        team=s.team,
        older=older,
        newer=newer,
        sections=records.compare(older.sections, newer.sections),
        form=_compare_form(list(versions.values()), older.version, newer.version),
    )


# Private notes -----------------------------------------------------------------------------------


@login_required
def notes(team_id: int) -> ResponseReturnValue:
    s = _standing(team_id)
    session = current_session()
    visible = records.visible_notes(session, s)
    everyone = [m for m in members.members(session, s.team) if m.status == "active"]
    representatives = {
        h.membership_id
        for h in hats.hats_of(session, s.team)
        if h.hat == "representative" and h.status == "active"
    }
    always = {m.id for m in everyone if m.user_id == s.team.leader_id} | representatives
    choosable = [
        m
        for m in everyone
        if m.id not in always and (s.membership is None or m.id != s.membership.id)
    ]
    form = NoteForm()
    form.readers.choices = [SelectChoice(str(m.id), m.name) for m in choosable]
    if form.validate_on_submit():
        try:
            records.add_note(
                session, s, body=form.body.data or "", reader_ids=form.readers.data or [], now=now()
            )
        except Invalid as exc:
            _failed(form, exc)
        else:
            flash("Your note is saved. Only the people you chose can read it.", "success")
            return redirect(url_for("teams.notes", team_id=team_id))
    names = {m.id: m.name for m in members.members(session, s.team, include_past=True)}
    return render_template(
        "teams/notes.html",
        s=s,
        team=s.team,
        notes=visible,
        names=names,
        always=[m for m in everyone if m.id in always],
        choosable=choosable,
        form=form,
    ), 422 if form.errors else 200


# Access from outside the team ----------------------------------------------------------------


def _access_page(
    s: Standing,
    *,
    grant_form: GrantForm | None = None,
    emergency_form: EmergencyForm | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    session = current_session()
    may_grant = policy.can_grant_access(s)
    may_open = policy.can_open_emergency_access(s)
    require(may_grant or may_open or s.outside_access is not None)
    grant_form = grant_form or GrantForm(formdata=None)
    grant_form.facilitator_id.choices = [SelectChoice("", "Choose a facilitator")] + [
        SelectChoice(str(u.id), u.display_name)
        for u in settings.people_with_role(session, "facilitator")
    ]
    current = records.grants(session, s, now())
    return render_template(
        "teams/access.html",
        s=s,
        team=s.team,
        grants=current,
        may_grant=may_grant,
        may_open=may_open,
        mine=[g for g in current if g.user_id == _me().id],
        grant_form=grant_form,
        emergency_form=emergency_form or EmergencyForm(formdata=None),
    ), status


@login_required
def access(team_id: int) -> ResponseReturnValue:
    return _access_page(_standing(team_id))


@login_required
def grant_access(team_id: int) -> ResponseReturnValue:
    s = _standing(team_id)
    require(policy.can_grant_access(s))
    form = GrantForm()
    if form.validate_on_submit():
        try:
            grant = records.grant_access(
                current_session(),
                s,
                facilitator_id=form.facilitator_id.data or 0,
                until=form.until.data,
                now=now(),
            )
        except Invalid as exc:
            _failed(form, exc)
        else:
            flash(
                f"{grant.user.display_name} can see your records until the date you chose. "
                "Every time they look, it shows on “Who has seen my information”.",
                "success",
            )
            return redirect(url_for("teams.access", team_id=team_id))
    return _access_page(s, grant_form=form, status=422)


@login_required
def revoke_access(team_id: int, access_id: int) -> ResponseReturnValue:
    s = _standing(team_id)
    require(policy.can_grant_access(s))
    session = current_session()
    grant = next((g for g in records.grants(session, s, now()) if g.id == access_id), None)
    if grant is None:
        raise NotFound("We could not find that access.")
    if request.method == "GET":
        return _confirm(
            f"Stop {grant.user.display_name} seeing your records?",
            "This takes effect straight away. You can let them see your records again later.",
            url_for("teams.revoke_access", team_id=team_id, access_id=access_id),
            "Yes, stop it now",
            url_for("teams.access", team_id=team_id),
        )
    records.revoke_access(session, s, access_id, now=now())
    flash(f"{grant.user.display_name} can no longer see your records.", "success")
    return redirect(url_for("teams.access", team_id=team_id))


@login_required
def open_emergency(team_id: int) -> ResponseReturnValue:
    s = _standing(team_id)
    require(
        policy.can_open_emergency_access(s),
        detail="Only a facilitator outside the team can do that.",
    )
    form = EmergencyForm()
    if form.validate_on_submit():
        try:
            records.open_emergency_access(
                current_session(), s, reason=form.reason.data or "", now=now()
            )
        except Invalid as exc:
            _failed(form, exc)
        else:
            flash(
                f"The records are open to you for 24 hours. {s.team.leader.display_name} will see "
                "each read and your reason.",
                "success",
            )
            return redirect(url_for("teams.plan", team_id=team_id))
    return _access_page(s, emergency_form=form, status=422)


@login_required
def access_log(team_id: int) -> ResponseReturnValue:
    s = _standing(team_id)
    events = records.access_log(current_session(), s, now())
    return render_template("teams/access_log.html", s=s, team=s.team, events=events)


# The safeguarding lead's page ----------------------------------------------------------------


def _holds_page(
    *, failed: tuple[int, HoldForm] | None = None, status: int = 200
) -> ResponseReturnValue:
    session, me = current_session(), _me()
    events = records.recent_outside_reads(session, me, now())
    forms = {e.id: HoldForm(formdata=None, prefix=f"hold-{e.id}") for e in events}
    if failed is not None:
        forms[failed[0]] = failed[1]
    subjects = _people(session, [e.subject_user_id for e in events])
    team_ids = {e.record_id for e in events if e.record_id is not None}
    teams = (
        {t.id: t for t in session.scalars(select(Team).where(Team.id.in_(team_ids)))}
        if team_ids
        else {}
    )
    return render_template(
        "teams/access_holds.html",
        events=events,
        forms=forms,
        subjects=subjects,
        teams=teams,
        moment=now(),
    ), status


@login_required
def access_holds() -> ResponseReturnValue:
    require(policy.can_hold_access_events(_me()), hidden=True)
    return _holds_page()


@login_required
def hold_access(event_id: int) -> ResponseReturnValue:
    require(policy.can_hold_access_events(_me()), hidden=True)
    form = HoldForm(prefix=f"hold-{event_id}")
    if form.validate_on_submit():
        try:
            records.hold_access_event(
                current_session(),
                _me(),
                event_id,
                reason=form.reason.data or "",
                until=form.until.data,
                now=now(),
            )
        except Invalid as exc:
            _failed(form, exc)
        else:
            flash("The entry is held back until its review date.", "success")
            return redirect(url_for("teams.access_holds") + f"#read-{event_id}")
    return _holds_page(failed=(event_id, form), status=422)
