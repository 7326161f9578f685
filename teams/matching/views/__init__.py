"""Matching's pages. Views stay thin: find who is asking, call the service, render; every
permission question is asked of `teams.matching.policy`, every change is made by the services.

- `worker`: a worker's profile and checks, "about you" (equality questions), suggested openings,
  an opening as a worker sees it, and the conversations a worker is in;
- `consent`: the answers either side gives (yes, no, a trial time, carry on, stop), shared by
  both sides' pages;
- `team`: a team's openings, with suggestions and the conversations about each;
- `staff`: the facilitator's pages: workers and their checks, the co-op's lists, private notes,
  the matching figures and the equality monitor.
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("matching", __name__, template_folder="../../templates")
