"""The rota's operations: plain functions taking the session, the acting user and `now`. They
flush, raise `coop.errors` DomainErrors and never commit."""
