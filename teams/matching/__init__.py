"""Matching by mutual consent: vetting, worker profiles, openings, explained suggestions both ways,
the consent state machine from "I'd like to meet" to joining the team, and the figures and the
equality monitor that let the co-op see how matching goes."""
