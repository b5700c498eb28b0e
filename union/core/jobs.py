"""Jobs of the core: the outbox sweep."""

from union.core.outbox import deliver_pending
from union.core.scheduler import job


@job("outbox", seconds=60)
def send_outbox() -> None:
    """Send what is due: mail the request could not send, and retries after backoff."""
    deliver_pending()
