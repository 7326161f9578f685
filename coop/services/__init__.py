"""The platform's operations: plain functions taking the session, the acting user and `now`.
They flush, raise `DomainError`s and never commit; the request (or the CLI) commits once."""
