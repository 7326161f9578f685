"""Carecoop installs from locked, hash-checked dependencies, and as a wheel far from the checkout.

- Every pin in pyproject.toml is the version in the lock files, and every locked package
  carries its hashes, so `pip install --require-hashes` (what make and CI run) accepts nothing
  else; a pin changed without `make lock` fails here.
- `scripts/check-wheel.sh` (a step of `make check`) builds the wheel, checks that it holds the
  migrations and templates, installs it from an empty folder, migrates, and serves the sign-in
  page with gunicorn.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PIN = re.compile(r"^([A-Za-z0-9_.\-\[\]]+)==([^\s;]+)")


def _name(requirement: str) -> str:
    return re.sub(r"[-_.]+", "-", requirement.split("[")[0]).lower()


def locked(path: Path) -> dict[str, tuple[str, int]]:
    """Each package in a lock file: its version and how many hashes it carries."""
    found: dict[str, tuple[str, int]] = {}
    name = None
    for line in path.read_text().splitlines():
        if match := PIN.match(line):
            name = _name(match.group(1))
            found[name] = (match.group(2), 0)
        elif name and "--hash=sha256:" in line:
            version, hashes = found[name]
            found[name] = (version, hashes + 1)
    return found


def pins() -> tuple[dict[str, str], dict[str, str]]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]

    def of(requirements: list[str]) -> dict[str, str]:
        out = {}
        for requirement in requirements:
            match = PIN.match(requirement)
            assert match, f"{requirement!r} is not pinned with =="
            out[_name(match.group(1))] = match.group(2)
        return out

    return of(project["dependencies"]), of(project["optional-dependencies"]["dev"])


@pytest.mark.parametrize(
    ("lock", "extras"), [("requirements.lock", False), ("requirements-dev.lock", True)]
)
def test_the_lock_files_hold_every_pin_with_its_hashes(lock: str, extras: bool) -> None:
    runtime, dev = pins()
    wanted = {**runtime, **(dev if extras else {})}
    entries = locked(ROOT / lock)
    assert {name: entries.get(name, ("missing", 0))[0] for name in wanted} == wanted
    assert [name for name, (_v, hashes) in entries.items() if hashes == 0] == []
    if not extras:
        assert not set(dev) & set(entries), "the runtime lock holds development tools"


def test_the_lock_check_notices_a_pin_the_lock_does_not_hold(tmp_path: Path) -> None:
    lock = tmp_path / "requirements.lock"
    lock.write_text("flask==3.1.2 \\\n    --hash=sha256:abc\nalembic==1.20.1\n")
    assert locked(lock) == {"flask": ("3.1.2", 1), "alembic": ("1.20.1", 0)}


def test_make_installs_only_from_the_lock_files_with_their_hashes() -> None:
    makefile = (ROOT / "Makefile").read_text()
    installs = re.findall(r"pip install[^\n]*", makefile)
    assert "pip install --quiet --require-hashes -r requirements.lock" in installs
    assert "pip install --quiet --require-hashes -r requirements-dev.lock" in installs
    # Anything else pip installs is Carecoop itself, with no dependencies of its own choosing.
    assert {i for i in installs if "--require-hashes" not in i} == {
        "pip install --quiet --no-deps -e ."
    }
