"""The digest job: every few minutes (DIGEST_JOB_SECONDS), queue and send the digests
that fell due on each rep's own clock. Any number of schedulers may run it at once."""

import logging

from union.core.scheduler import job
from union.digests.services import send_due_digests

log = logging.getLogger(__name__)


class DigestsNotBuilt(RuntimeError):
    """Some digests could not be built; they are marked failed for an admin to resend."""


@job("digests", seconds=300, setting="DIGEST_JOB_SECONDS")
def send_digests() -> None:
    """Claim, build, queue and send the digests due now."""
    run = send_due_digests()
    if run.due:
        log.info(
            "digests: %d due, %d queued, %d sent, %d empty skipped, %d taken by another "
            "process, %d failed",
            run.due, run.queued, run.sent, run.skipped_empty, run.taken_elsewhere, run.failed,
        )  # fmt: skip
    if run.errors:
        # Raised after every other rep was served, so the scheduler's health shows it.
        raise DigestsNotBuilt(f"{len(run.errors)} digest(s) failed; first: {run.errors[0]}")
