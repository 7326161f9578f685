"""`flask --app wsgi governance ...`: the co-operative's democracy from the command line."""

from __future__ import annotations

import json
import sys
from typing import NoReturn

import click
from flask.cli import AppGroup

from governance.tally import TallyError, tally_document

STDIN = "-"
BAD_INPUT = 2

governance_cli = AppGroup(
    "governance", help="The co-operative's democracy: resolutions, ballots and the tally."
)


# The tally is pure, so it needs no app context (and its tests need no app).
@governance_cli.command("tally", with_appcontext=False)
@click.argument("file", metavar="FILE")
def tally_command(file: str) -> None:
    """Tally the votes in FILE (JSON, or - for standard input) and print the result as JSON.

    FILE holds {"rules": {...}, "counts": {"worker": {"for": 12, "against": 0, "abstain": 1}}};
    fractions are strings such as "1/10". On bad input prints one line, "error: ...", and
    exits with status 2.
    """
    try:
        result = tally_document(_read_json(file))
    except TallyError as error:
        _fail(str(error))
    click.echo(json.dumps(result, indent=2))


def _read_json(file: str) -> object:
    """The JSON document in FILE. Raises TallyError if it cannot be read, is not JSON, holds a
    float, NaN or Infinity (fractions are written as strings), or repeats a key."""
    where = "standard input" if file == STDIN else file
    try:
        if file == STDIN:
            text = sys.stdin.read()
        else:
            with open(file, encoding="utf-8") as stream:
                text = stream.read()
    except UnicodeDecodeError:
        raise TallyError(f"{where} is not UTF-8 text") from None
    except OSError as error:
        raise TallyError(f"cannot read {where}: {error.strerror or error}") from None
    try:
        return json.loads(
            text,
            parse_float=_refuse_float,
            parse_constant=_refuse_constant,
            object_pairs_hook=_refuse_repeated_keys,
        )
    except TallyError:
        raise
    except json.JSONDecodeError as error:
        raise TallyError(f"{where} is not valid JSON: {error}") from None
    except (ValueError, RecursionError) as error:  # e.g. an integer with too many digits
        raise TallyError(f"{where} cannot be read as JSON: {error}") from None


def _refuse_float(text: str) -> NoReturn:
    raise TallyError(
        f'{text} is not a whole number: counts are whole and fractions are strings like "1/10"'
    )


def _refuse_constant(name: str) -> NoReturn:
    raise TallyError(f"{name} is not a number the tally accepts")


def _refuse_repeated_keys(pairs: list[tuple[str, object]]) -> dict[str, object]:
    # json would silently keep the last of two "worker" rows; a ballot count must not vanish.
    document: dict[str, object] = {}
    for key, value in pairs:
        if key in document:
            raise TallyError(f"the key {key!r} appears twice")
        document[key] = value
    return document


def _fail(message: str) -> NoReturn:
    click.echo("error: " + " ".join(message.splitlines()), err=True)
    raise SystemExit(BAD_INPUT)


@governance_cli.command("verify", with_appcontext=True)
@click.argument("proposal", type=int, metavar="PROPOSAL")
def verify_command(proposal: int) -> None:
    """Recompute PROPOSAL's ballot log chain and tally and check them against its ballots and
    (after the close) the head hash and count stored with its result.

    Prints "verified" and exits 0 when all agree; otherwise names each problem and exits 1.
    """
    from flask import current_app

    from coop.errors import NotFound
    from coop.extension import current
    from governance.services import ballot_log

    db = current().db
    key = current_app.config["CARECOOP_BALLOT_HMAC_KEY"]
    with db.transaction(write=False) as session:
        try:
            found = ballot_log.verify(session, proposal, key=key)
        except NotFound:
            click.echo(f"error: there is no proposal {proposal}", err=True)
            raise SystemExit(1) from None
    if not found.ok:
        for problem in found.problems:
            click.echo(f"problem: {problem}", err=True)
        click.echo(f"NOT verified: proposal {proposal} has {len(found.problems)} problem(s)")
        raise SystemExit(1)
    click.echo(
        f"verified: proposal {proposal}, {found.entry_count} log entries, "
        f"head {found.head_hash or '-'}, outcome {found.tally.get('outcome') or '-'}"
    )
