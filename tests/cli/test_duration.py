"""Unit tests of duration parsing (``--timeout 30m``, ``--since 7d``)."""

from __future__ import annotations

import pytest

from terrateam_core.cli._duration import parse_duration


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("90", 90),
        ("1.5", 1.5),
        ("30s", 30),
        ("30m", 1800),
        ("2h", 7200),
        ("7d", 604800),
        ("1w", 604800),
        ("1h30m", 5400),
        (" 5M ", 300),
    ],
)
def test_parse_duration_accepts_units(text: str, seconds: float) -> None:
    """Bare seconds and unit-suffixed parts are summed."""
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "abc", "10x", "m", "-5", "5m junk", "nan"])
def test_parse_duration_rejects_garbage(text: str) -> None:
    """Anything else is a ValueError (a usage error at the CLI)."""
    with pytest.raises(ValueError, match="duration"):
        parse_duration(text)
