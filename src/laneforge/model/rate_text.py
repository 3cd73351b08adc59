"""One read-out of a source's arrival rate, used on the canvas and in the properties.

The figure is the mean over the week with the weekday profile applied (what the
simulation produces on average), per day; below one a day it is given per week.
"""

from __future__ import annotations

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _number(value: float) -> str:
    if value >= 1000:
        return f"{value:,.0f}"
    return f"{value:.3g}"


def per_day_text(per_hour: float) -> str:
    """"53.9/day" (three significant digits), "3.5/week" below one a day."""
    per_day = per_hour * 24.0
    if 0 < per_day < 1:
        return f"{_number(per_day * 7)}/week"
    return f"{_number(per_day)}/day"


def profile_text(profile: dict[str, float] | None) -> str:
    """"Mon ×1.25 · Tue ×1.3 · … · Sun ×0.25" (days left out of the profile count ×1)."""
    if not profile:
        return ""
    return " · ".join(f"{day.capitalize()} ×{float(profile.get(day, 1.0)):g}" for day in DAYS)
