"""Digests: each rep's scheduled email of what is new, what needs action and what is due,
on their own clock, sent exactly once per period; the preview, the test digest, one-click
unsubscribe, and the admins' view of deliveries and of the scheduler's health."""

from flask import Blueprint

bp = Blueprint("digests", __name__, cli_group="digests")

from union.digests import commands, jobs, views  # noqa: E402,F401  (routes, job, commands)
