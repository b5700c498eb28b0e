"""Jobs of the core: the outbox sweep, and the upload folder's orphans."""

from union.core.orphans import remove_orphan_uploads
from union.core.outbox import deliver_pending
from union.core.scheduler import job


@job("outbox", seconds=60, setting="OUTBOX_SWEEP_SECONDS")
def send_outbox() -> None:
    """Send what is due: mail the request could not send, and retries after backoff."""
    deliver_pending()


@job("orphan-uploads", seconds=3600)
def sweep_orphan_uploads() -> None:
    """Remove uploaded files no row names (left by a process killed mid-request)."""
    remove_orphan_uploads()
