"""Parse human durations such as ``30m``, ``1h30m``, ``7d`` or ``90`` (seconds)."""

from __future__ import annotations

import re

_UNITS = {"s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, "w": 604800.0}
_PART = re.compile(r"(\d+(?:\.\d+)?)([smhdw])")


def parse_duration(text: str) -> float:
    """Return the number of seconds in *text*.

    Args:
        text: a bare number of seconds (``90``) or unit-suffixed parts
            (``s``, ``m``, ``h``, ``d``, ``w``) written together, e.g. ``1h30m``.

    Raises:
        ValueError: the text is empty, negative or not in that form.
    """
    value = text.strip().lower()
    if not value:
        raise ValueError("empty duration")
    try:
        seconds = float(value)
    except ValueError:
        pos, seconds = 0, 0.0
        for match in _PART.finditer(value):
            if match.start() != pos:
                break
            seconds += float(match.group(1)) * _UNITS[match.group(2)]
            pos = match.end()
        if pos != len(value) or pos == 0:
            raise ValueError(
                f"invalid duration {text!r} (use e.g. 90, 30s, 30m, 2h, 7d, 1h30m)"
            ) from None
    if seconds < 0 or seconds != seconds:  # NaN check
        raise ValueError(f"invalid duration {text!r}")
    return seconds
