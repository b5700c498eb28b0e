"""Demo digest settings: two of the demo reps get a digest (idempotent)."""

from union.auth.services import user_by_email
from union.digests.models import DigestFrequency
from union.digests.services import preference_of, save_preference

DEMO_DIGESTS = [
    # email, frequency, local hour, weekday (Monday 0), time zone
    ("steward247@example.org", DigestFrequency.DAILY, 7, 0, "America/New_York"),
    ("officer1147@example.org", DigestFrequency.WEEKLY, 8, 0, "America/Los_Angeles"),
]


def load_demo_digests() -> None:
    """Give the demo reps their digest settings unless they already chose some."""
    for email, frequency, hour, weekday, zone in DEMO_DIGESTS:
        rep = user_by_email(email)
        if rep is None or preference_of(rep) is not None:
            continue
        save_preference(
            rep,
            frequency=frequency.value,
            hour=hour,
            weekday=weekday,
            timezone=zone,
            send_when_empty=False,
        )
