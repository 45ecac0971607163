"""The edition window: the newsroom's week, ending at the send time in the newsroom's time zone."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

_DAYS = ["MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"]
_WEEK = re.compile(r"^([0-9]{4})-W([0-9]{2})$")


class WeekError(ValueError):
    """A week that is not of the form YYYY-Www."""


def send_time(week: str, *, timezone: str, send_day: str, send_hour: int) -> datetime:
    match = _WEEK.match(week)
    if not match:
        raise WeekError(f"week must look like 2026-W48, not {week!r}")
    try:
        day = date.fromisocalendar(int(match[1]), int(match[2]), _DAYS.index(send_day) + 1)
    except ValueError as error:
        raise WeekError(f"{week} is not a week of the ISO calendar") from error
    return datetime.combine(day, time(send_hour), tzinfo=ZoneInfo(timezone)).astimezone(UTC)


def week_of(moment: datetime, timezone: str) -> str:
    year, week, _ = moment.astimezone(ZoneInfo(timezone)).isocalendar()
    return f"{year}-W{week:02d}"


def edition_window(
    week: str | None, *, timezone: str, send_day: str, send_hour: int, now: datetime
) -> tuple[str, datetime, datetime]:
    """(edition id, window start, window end) for ``week``, or for the next send at or after ``now``."""
    if week is None:
        week = week_of(now, timezone)
        if send_time(week, timezone=timezone, send_day=send_day, send_hour=send_hour) < now:
            week = week_of(now + timedelta(days=7), timezone)
    end = send_time(week, timezone=timezone, send_day=send_day, send_hour=send_hour)
    return week, end - timedelta(days=7), end


def local_send_time(send_moment: datetime, *, newsroom_timezone: str, reader_timezone: str | None) -> datetime:
    """When a reader in ``reader_timezone`` gets the edition sent at ``send_moment`` (newsroom time):
    the same calendar day and hour on the reader's own clock.  No zone, or an unknown one: the
    newsroom's moment."""
    if not reader_timezone:
        return send_moment
    try:
        zone = ZoneInfo(reader_timezone)
    except (ValueError, KeyError):  # ZoneInfoNotFoundError is a KeyError; malformed keys a ValueError
        return send_moment
    local = send_moment.astimezone(ZoneInfo(newsroom_timezone))
    return datetime.combine(local.date(), local.time(), tzinfo=zone).astimezone(UTC)


WAVE_REACH = timedelta(hours=27)  # UTC+14 to UTC-12 is 26 hours apart, plus a margin


def wave_week(now: datetime, *, timezone: str, send_day: str, send_hour: int) -> str | None:
    """The edition whose local-time waves are running at ``now``: the week whose send moment is
    within a day and a bit of it (send moments are a week apart, so at most one is)."""
    for days in (-2, 0, 2):
        week = week_of(now + timedelta(days=days), timezone)
        moment = send_time(week, timezone=timezone, send_day=send_day, send_hour=send_hour)
        if abs(moment - now) <= WAVE_REACH:
            return week
    return None
