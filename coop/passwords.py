"""Password hashing (argon2id) and the password rule."""

from __future__ import annotations

from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from zxcvbn import zxcvbn

from coop.extension import current

MIN_LENGTH = 12
MIN_SCORE = 3


class Passwords:
    """An app's password hashing: argon2-cffi's default parameters, or (`fast`, for tests
    only, where hashing cost is pure waste) the cheapest it accepts."""

    def __init__(self, mode: str = "default") -> None:
        self.hasher = (
            PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
            if mode == "fast"
            else PasswordHasher()
        )
        self._dummy_hash: str | None = None

    def hash(self, password: str) -> str:
        return self.hasher.hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
        try:
            return self.hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    def dummy_hash(self) -> str:
        """A hash to verify against when the account is unknown, so that both paths do the
        same work and take as long."""
        if self._dummy_hash is None:
            self._dummy_hash = self.hasher.hash("no account has this password, ever")
        return self._dummy_hash


def hash_password(password: str) -> str:
    """With the current app's hasher."""
    return current().passwords.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    return current().passwords.verify(password_hash, password)


def dummy_hash() -> str:
    return current().passwords.dummy_hash()


@dataclass(frozen=True)
class PasswordVerdict:
    ok: bool
    problems: tuple[str, ...]


def check_password_rule(password: str, *, user_inputs: tuple[str, ...] = ()) -> PasswordVerdict:
    """At least 12 characters and a zxcvbn score of at least 3. The problems are zxcvbn's own
    advice, in plain words, to show the person."""
    problems: list[str] = []
    if len(password) < MIN_LENGTH:
        problems.append(
            f"Use at least {MIN_LENGTH} characters (this one has {len(password)}). "
            "A few unrelated words together make a strong password that is easy to remember."
        )
    result = zxcvbn(password[:100], user_inputs=[u for u in user_inputs if u])
    if result["score"] < MIN_SCORE:
        feedback = result.get("feedback") or {}
        warning = feedback.get("warning")
        problems.append(
            warning + "."
            if warning and not warning.endswith(".")
            else warning or "This password would be too easy to guess."
        )
        problems.extend(feedback.get("suggestions") or [])
    return PasswordVerdict(ok=not problems, problems=tuple(dict.fromkeys(p for p in problems if p)))
