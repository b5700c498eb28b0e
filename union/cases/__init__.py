"""Cases: what the union does about one or more notices.

Only the record, its reference and its timeline live here so far; the rep's workflow
(triage, assignment, deadlines, actions) comes with the case issue.
"""
