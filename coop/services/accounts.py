"""Accounts: creating people, signing in safely, passwords, invitations and resets."""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from coop import events
from coop.errors import Conflict, Invalid, NotFound, TooManyAttempts
from coop.models import ROLES, Invitation, PasswordReset, SignInFailure, User, UserRole
from coop.passwords import check_password_rule, dummy_hash, hash_password, verify_password
from coop.services import audit
from coop.services.mail import queue_mail

INVITATION_LIFETIME = timedelta(days=7)
RESET_LIFETIME = timedelta(hours=1)
THROTTLE_WINDOW = timedelta(minutes=15)
LOCKOUT = timedelta(minutes=15)
ACCOUNT_FAILURE_LIMIT = 5
ADDRESS_FAILURE_LIMIT = 20

USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,62}[a-z0-9]$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def normalise_email(email: str | None) -> str | None:
    email = (email or "").strip().lower()
    return email or None


def find_by_login(session: Session, login: str) -> User | None:
    """The account whose e-mail or username is `login` (either, case-insensitively)."""
    key = login.strip().lower()
    if not key:
        return None
    return session.scalar(select(User).where(or_(User.email == key, User.username == key)))


def validate_new_account(
    session: Session, *, username: str, email: str | None, display_name: str, password: str
) -> dict[str, list[str]]:
    """Field errors for a new account, in plain words; empty when all is well."""
    errors: dict[str, list[str]] = {}
    if not USERNAME_RE.match(username):
        errors["username"] = [
            "Use 3 to 64 lower-case letters, numbers, dots, dashes or underscores, "
            "starting and ending with a letter or number."
        ]
    elif session.scalar(select(User.id).where(User.username == username)):
        errors["username"] = ["That username is taken. Please choose another."]
    if email is not None:
        if not EMAIL_RE.match(email):
            errors["email"] = ["That does not look like an e-mail address."]
        elif session.scalar(select(User.id).where(User.email == email)):
            errors["email"] = ["An account already uses that e-mail address."]
    if not display_name.strip():
        errors["display_name"] = ["Please say what we should call you."]
    verdict = check_password_rule(password, user_inputs=(username, email or "", display_name))
    if not verdict.ok:
        errors["password"] = list(verdict.problems)
    return errors


def create_user(
    session: Session,
    actor: User | None,
    *,
    username: str,
    display_name: str,
    password: str,
    now: datetime,
    email: str | None = None,
    roles: Iterable[str] = (),
    password_hash: str | None = None,
) -> User:
    """Create an account. Raises Invalid with field errors (username taken, weak password...).
    `password_hash` lets a large seed reuse one precomputed hash. Audits `user.created`."""
    username = username.strip().lower()
    email = normalise_email(email)
    roles = sorted(set(roles))
    unknown = [r for r in roles if r not in ROLES]
    if unknown:
        raise Invalid("Unknown role.", errors={"roles": [f"Unknown role: {', '.join(unknown)}"]})
    if password_hash is None:
        errors = validate_new_account(
            session, username=username, email=email, display_name=display_name, password=password
        )
        if errors:
            raise Invalid("Please check the highlighted fields.", errors=errors)
        password_hash = hash_password(password)
    user = User(
        username=username,
        email=email,
        display_name=display_name.strip(),
        password_hash=password_hash,
        active=True,
        created_at=now,
        session_generation=0,
        role_rows=[UserRole(role=r) for r in roles],
    )
    session.add(user)
    session.flush()
    audit.record(
        session,
        actor or user,
        "user.created",
        "user",
        user.id,
        now=now,
        changes={"roles": list(roles)},
    )
    events.user_created.send(user, session=session, actor=actor, now=now)
    return user


def set_roles(
    session: Session, actor: User, user: User, roles: Iterable[str], *, now: datetime
) -> None:
    """Give `user` exactly `roles`. Audits `user.roles_changed` with the roles added and removed."""
    wanted = set(roles)
    unknown = wanted - set(ROLES)
    if unknown:
        raise Invalid(
            "Unknown role.", errors={"roles": [f"Unknown role: {', '.join(sorted(unknown))}"]}
        )
    before = set(user.roles)
    user.role_rows = [r for r in user.role_rows if r.role in wanted] + [
        UserRole(role=r) for r in sorted(wanted - before)
    ]
    session.flush()
    audit.record(
        session,
        actor,
        "user.roles_changed",
        "user",
        user.id,
        now=now,
        changes={"added": sorted(wanted - before), "removed": sorted(before - wanted)},
    )


# Signing in ---------------------------------------------------------------------------------


def _locked_until(times: list[datetime], limit: int) -> datetime | None:
    """When a lock made by `limit` failures within THROTTLE_WINDOW ends, or None. `times` are
    the recent failures, oldest first."""
    until = None
    for i in range(limit - 1, len(times)):
        if times[i] - times[i - limit + 1] <= THROTTLE_WINDOW:
            until = times[i] + LOCKOUT
    return until


def sign_in_lock(session: Session, login: str, address: str, now: datetime) -> datetime | None:
    """When the lock on this account or address ends, if either is locked now."""
    since = now - THROTTLE_WINDOW - LOCKOUT
    account = login.strip().lower()
    by_account = list(
        session.scalars(
            select(SignInFailure.at)
            .where(SignInFailure.account == account, SignInFailure.at > since)
            .order_by(SignInFailure.at)
        )
    )
    by_address = list(
        session.scalars(
            select(SignInFailure.at)
            .where(SignInFailure.address == address, SignInFailure.at > since)
            .order_by(SignInFailure.at)
        )
    )
    ends = [
        t
        for t in (
            _locked_until(by_account, ACCOUNT_FAILURE_LIMIT),
            _locked_until(by_address, ADDRESS_FAILURE_LIMIT),
        )
        if t is not None and t > now
    ]
    return max(ends) if ends else None


def authenticate(
    session: Session, login: str, password: str, *, address: str, now: datetime
) -> User | None:
    """The account if `login` and `password` match an active one, else None.

    An unknown login verifies the password against a dummy hash, so that it does the same work
    as a wrong password and takes as long. Raises TooManyAttempts while the account or address
    is locked (5 failures per account or 20 per address within 15 minutes lock it for 15).
    Writes a SignInFailure for each failure; a success clears the account's failures.
    """
    locked = sign_in_lock(session, login, address, now)
    if locked is not None:
        raise TooManyAttempts(
            "Too many unsuccessful attempts to sign in. For your safety, please wait "
            f"{_minutes(locked - now)} and try again, or reset your password.",
            retry_after=max(1, int((locked - now).total_seconds())),
        )
    user = find_by_login(session, login)
    ok = verify_password(user.password_hash if user else dummy_hash(), password)
    account = login.strip().lower()
    if user is None or not ok or not user.active:
        session.add(SignInFailure(account=account[:254], address=address[:64], at=now))
        session.flush()
        return None
    session.execute(delete(SignInFailure).where(SignInFailure.account == account))
    return user


def _minutes(delta: timedelta) -> str:
    minutes = max(1, -(-int(delta.total_seconds()) // 60))
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


def end_other_sessions(session: Session, user: User, *, now: datetime) -> None:
    """Sign out everywhere: every session and remember-me cookie made before now stops working.
    Audits `user.signed_out_everywhere`."""
    user.session_generation += 1
    session.flush()
    audit.record(session, user, "user.signed_out_everywhere", "user", user.id, now=now)


def change_password(session: Session, user: User, *, current: str, new: str, now: datetime) -> None:
    """Change the password after checking the current one; ends every other session.
    Raises Invalid with field errors. Audits `user.password_changed`."""
    errors: dict[str, list[str]] = {}
    if not verify_password(user.password_hash, current):
        errors["current_password"] = ["That is not your current password."]
    verdict = check_password_rule(
        new, user_inputs=(user.username, user.email or "", user.display_name)
    )
    if not verdict.ok:
        errors["new_password"] = list(verdict.problems)
    if errors:
        raise Invalid("Your password was not changed.", errors=errors)
    _set_password(session, user, new, now=now)


def _set_password(session: Session, user: User, password: str, *, now: datetime) -> None:
    user.password_hash = hash_password(password)
    user.session_generation += 1
    session.flush()
    audit.record(session, user, "user.password_changed", "user", user.id, now=now)


# Password reset -----------------------------------------------------------------------------


def request_password_reset(session: Session, login: str, *, base_url: str, now: datetime) -> None:
    """E-mail a single-use reset link if `login` names an active account with an e-mail.
    Says nothing either way, so the answer does not reveal who has an account."""
    user = find_by_login(session, login)
    if user is None or not user.active or not user.email:
        return
    token = new_secret()
    reset = PasswordReset(
        user_id=user.id, digest=digest(token), created_at=now, expires_at=now + RESET_LIFETIME
    )
    session.add(reset)
    session.flush()
    queue_mail(
        session,
        to=user.email,
        subject="Reset your Carecoop password",
        body=(
            f"Hello {user.display_name},\n\n"
            "Someone asked to reset the password of your Carecoop account. If it was you, "
            f"open this link within the next hour:\n\n{base_url}/reset/{token}\n\n"
            "If it was not you, you can ignore this message: your password has not changed.\n"
        ),
        now=now,
    )
    audit.record(session, user, "user.password_reset_requested", "user", user.id, now=now)


def find_reset(session: Session, token: str, *, now: datetime) -> PasswordReset:
    """The unused, unexpired reset for `token`. Raises NotFound otherwise."""
    reset = session.scalar(select(PasswordReset).where(PasswordReset.digest == digest(token)))
    if reset is None or reset.used_at is not None or reset.expires_at <= now:
        raise NotFound(
            "This reset link has expired or has already been used. Please ask for a new one."
        )
    return reset


def reset_password(session: Session, token: str, password: str, *, now: datetime) -> User:
    """Set a new password through a reset link, once. Ends every session. Raises NotFound for a
    used or expired link and Invalid for a weak password."""
    reset = find_reset(session, token, now=now)
    user = reset.user
    verdict = check_password_rule(
        password, user_inputs=(user.username, user.email or "", user.display_name)
    )
    if not verdict.ok:
        raise Invalid(
            "Please choose a stronger password.", errors={"password": list(verdict.problems)}
        )
    reset.used_at = now
    _set_password(session, user, password, now=now)
    return user


# Invitations --------------------------------------------------------------------------------


def invite_staff(
    session: Session,
    actor: User,
    *,
    email: str,
    display_name: str,
    roles: Iterable[str],
    base_url: str,
    now: datetime,
) -> Invitation:
    """Invite someone to join with staff roles: e-mails a single-use link that expires in
    7 days. Raises Invalid for a bad address, no roles, or an address that has an account.
    Audits `invitation.created` with the roles."""
    normalised = normalise_email(email)
    roles = sorted(set(roles))
    errors: dict[str, list[str]] = {}
    if normalised is None or not EMAIL_RE.match(normalised):
        errors["email"] = ["Please give the e-mail address the invitation should go to."]
    elif session.scalar(select(User.id).where(User.email == normalised)):
        errors["email"] = ["Someone with that e-mail address already has an account."]
    if not display_name.strip():
        errors["display_name"] = ["Please give the person's name."]
    if not roles or any(r not in ROLES for r in roles):
        errors["roles"] = ["Please choose at least one role."]
    if errors or normalised is None:
        raise Invalid("The invitation was not sent.", errors=errors)
    token = new_secret()
    invitation = Invitation(
        digest=digest(token),
        email=normalised,
        display_name=display_name.strip(),
        roles=roles,
        invited_by_id=actor.id,
        created_at=now,
        expires_at=now + INVITATION_LIFETIME,
    )
    session.add(invitation)
    session.flush()
    queue_mail(
        session,
        to=normalised,
        subject="You are invited to join Carecoop",
        body=(
            f"Hello {invitation.display_name},\n\n"
            f"{actor.display_name} has invited you to join Carecoop. To set up your account, "
            f"open this link within 7 days:\n\n{base_url}/join/{token}\n\n"
            "The link works once. If you were not expecting this, you can ignore it.\n"
        ),
        now=now,
    )
    audit.record(
        session,
        actor,
        "invitation.created",
        "invitation",
        invitation.id,
        now=now,
        changes={"roles": roles},
    )
    return invitation


def find_invitation(session: Session, token: str, *, now: datetime) -> Invitation:
    """The open invitation for `token`. Raises NotFound for an unknown, used, withdrawn or
    expired one (the person is told the same in each case)."""
    invitation = session.scalar(select(Invitation).where(Invitation.digest == digest(token)))
    if (
        invitation is None
        or invitation.used_at is not None
        or invitation.withdrawn_at is not None
        or invitation.expires_at <= now
    ):
        raise NotFound(
            "This invitation link has expired or has already been used. "
            "Please ask the person who invited you to send a new one."
        )
    return invitation


def accept_invitation(
    session: Session, token: str, *, username: str, display_name: str, password: str, now: datetime
) -> User:
    """Create the invited person's account with the invitation's roles, once. Raises NotFound
    or Invalid. The invitation is claimed with a conditional update, so two clicks make one
    account. Audits `invitation.accepted`."""
    invitation = find_invitation(session, token, now=now)
    user = create_user(
        session,
        None,
        username=username,
        display_name=display_name,
        password=password,
        email=invitation.email,
        roles=invitation.roles,
        now=now,
    )
    claimed = session.execute(
        update(Invitation)
        .where(Invitation.id == invitation.id, Invitation.used_at.is_(None))
        .values(used_at=now, used_by_id=user.id)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict("This invitation has just been used.")
    session.expire(invitation)
    audit.record(session, user, "invitation.accepted", "invitation", invitation.id, now=now)
    return user


def open_invitation(session: Session, invitation_id: int) -> Invitation:
    """An invitation that has been neither used nor withdrawn. Raises NotFound."""
    invitation = session.get(Invitation, invitation_id)
    if invitation is None or invitation.used_at is not None or invitation.withdrawn_at is not None:
        raise NotFound("That invitation is not open.")
    return invitation


def withdraw_invitation(
    session: Session, actor: User, invitation_id: int, *, now: datetime
) -> None:
    """Withdraw an unused invitation. Raises NotFound. Audits `invitation.withdrawn`."""
    invitation = open_invitation(session, invitation_id)
    invitation.withdrawn_at = now
    session.flush()
    audit.record(session, actor, "invitation.withdrawn", "invitation", invitation.id, now=now)


def open_invitations(session: Session, *, now: datetime) -> list[Invitation]:
    return list(
        session.scalars(
            select(Invitation)
            .where(
                Invitation.used_at.is_(None),
                Invitation.withdrawn_at.is_(None),
                Invitation.expires_at > now,
            )
            .order_by(Invitation.created_at.desc())
        )
    )


def count_users(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(User)) or 0
