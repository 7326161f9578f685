"""Named signals that let a lower layer tell a higher one that something happened.

`teams` sends, `rota` listens: `coop` knows nothing of either. Signals are sent after the change
is flushed, and handlers run in the same transaction, so a handler that fails fails the request.
Every signal is sent with the session, the acting user and `now` as keyword arguments.
"""

from blinker import Namespace

signals = Namespace()

#: A trial visit was agreed (sender: the Trial; kwargs: session, actor, now, team_id, worker_id,
#: starts_at, ends_at). The rota books the trial visit.
trial_agreed = signals.signal("trial_agreed")
#: A member left a team (sender: the Membership; kwargs: session, actor, now, effective_at).
member_left = signals.signal("member_left")
#: A team was closed (sender: the Team; kwargs: session, actor, now).
team_closed = signals.signal("team_closed")
#: An account was created (sender: the User; kwargs: session, actor, now).
user_created = signals.signal("user_created")
#: A worker's check lapsed, told once per expiry by the timed job (sender: the Check; kwargs:
#: session, actor (None), now, worker_id). The rota tells the teams with their future visits.
check_lapsed = signals.signal("check_lapsed")
#: A trial visit agreed earlier was called off because one side stopped (sender: the Trial;
#: kwargs as trial_agreed). The rota cancels the trial visit.
trial_cancelled = signals.signal("trial_cancelled")
