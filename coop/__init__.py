"""Carecoop's platform: the app factory, accounts, sign-in, audit, errors, timed jobs, the CLI."""

from coop.app import create_app

__all__ = ["create_app"]
