"""The co-operative's operations: plain functions taking the session, the acting user and
`now`; they flush, raise `coop.errors` DomainErrors and never commit."""
