"""Time helpers: every stored timestamp is timezone-aware UTC."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo, available_timezones


def utcnow() -> datetime:
    """The current instant, timezone-aware, in UTC."""
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """SQLite hands back naive datetimes for what we stored as UTC: make them aware."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def is_valid_timezone(name: str) -> bool:
    """Whether ``name`` is an IANA zone this machine knows (e.g. ``America/Chicago``)."""
    return name in available_timezones()


def local_time(value: datetime, zone: str) -> datetime:
    """``value`` shown in the IANA time zone ``zone``."""
    return as_utc(value).astimezone(ZoneInfo(zone))


def us_timezone_choices() -> list[tuple[str, str]]:
    """The zones a chapter of a federal union is likely in, first; then every other zone."""
    common = [
        "America/New_York",
        "America/Chicago",
        "America/Denver",
        "America/Phoenix",
        "America/Los_Angeles",
        "America/Anchorage",
        "Pacific/Honolulu",
        "America/Puerto_Rico",
        "Pacific/Guam",
    ]
    rest = sorted(available_timezones() - set(common))
    return [(z, z.replace("_", " ")) for z in common + rest]
