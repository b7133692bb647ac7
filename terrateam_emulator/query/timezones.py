"""The ``tz`` parameter as PostgreSQL reads it in ``… at time zone $tz`` (docs/contract.md §6.3).

Upstream (terrateamio/terrateam ``code/src/terrat_vcs_service_github/
terrat_vcs_service_github_ep_installations.ml``, ``Var.text "tz"``) hands ``tz`` to its SQL
untouched, so "what upstream accepts" is PostgreSQL's ``timezone(text, timestamp)``
(``src/backend/utils/adt/timestamp.c`` ``timestamp_zone`` → ``DecodeTimezoneName``):

1. the lower-cased text in the ``timezone_abbreviations`` set (``Default``): ``EST``, ``cest``,
   ``Z``, ``zulu``, ``UT``…;
2. else a tz-database zone name, case-insensitively (``america/new_york``, ``Etc/GMT+5``);
3. else a POSIX ``TZ`` string (``src/timezone/localtime.c`` ``tzparse``) where, unlike POSIX,
   the name may be empty: ``UTC+5``, ``+05``, ``-3``, ``05:30``, ``<+03>-3``, ``EST5EDT4``,
   ``FOO+3BAR,M3.2.0,M11.1.0/3``. POSIX signs are west-positive: ``UTC+5`` is five hours
   *behind* UTC. Hours go up to 167, minutes to 59, seconds to 60.

Anything else (``""``, ``" UTC"``, ``ABC``, ``+0530``, ``UTC+168``) is PostgreSQL's
``time zone "…" not recognized`` error, which upstream answers with an empty 500.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import re
import struct
import zoneinfo

from terrateam_emulator.query import tz_abbrevs

__all__ = ["PgZone", "resolve"]

_TZ_STRLEN_MAX = 255
# When a DST name has no rule PostgreSQL uses the `posixrules` zone (US rules).
_DEFAULT_RULES = ",M3.2.0,M11.1.0"


@functools.lru_cache(maxsize=1)
def _zone_names() -> dict[str, str]:
    return {name.upper(): name for name in zoneinfo.available_timezones()}


class _Cursor:
    def __init__(self, text: str) -> None:
        self.text, self.i = text, 0

    def peek(self) -> str:
        return self.text[self.i] if self.i < len(self.text) else ""

    def name(self) -> str | None:
        """``getzname`` / ``getqzname``: ``<…>`` or a run without digits, ``,``, ``+``, ``-``."""
        start = self.i
        if self.peek() == "<":
            end = self.text.find(">", start)
            if end < 0:
                return None
            self.i = end + 1
            return self.text[start + 1 : end]
        while self.peek() and not self.peek().isdigit() and self.peek() not in ",-+":
            self.i += 1
        return self.text[start : self.i]

    def num(self, high: int) -> int | None:
        """``getnum``: decimal digits, greedily, at most ``high``."""
        m = re.compile(r"[0-9]+").match(self.text, self.i)
        if m is None or int(m.group()) > high:
            return None
        self.i = m.end()
        return int(m.group())

    def secs(self) -> int | None:
        """``getsecs``: ``hh[:mm[:ss]]`` with hh ≤ 167, mm ≤ 59, ss ≤ 60."""
        total = 0
        for high, scale in ((167, 3600), (59, 60), (60, 1)):
            if scale != 3600:
                if self.peek() != ":":
                    break
                self.i += 1
            value = self.num(high)
            if value is None:
                return None
            total += value * scale
        return total

    def offset(self) -> int | None:
        """``getoffset``: an optional sign, then ``getsecs``; POSIX sign (west positive)."""
        sign = 1
        if self.peek() in "+-":
            sign = -1 if self.peek() == "-" else 1
            self.i += 1
        secs = self.secs()
        return None if secs is None else sign * secs

    def rule(self) -> str | None:
        """``getrule``: ``Jn``, ``n`` or ``Mm.w.d``, then an optional ``/time``."""
        start = self.i
        if self.peek() == "J":
            self.i += 1
            if not self.num(365):  # J1…J365
                return None
        elif self.peek() == "M":
            self.i += 1
            for high, sep in ((12, "."), (5, "."), (6, "")):
                if self.num(high) is None:
                    return None
                if sep:
                    if self.peek() != sep:
                        return None
                    self.i += 1
        elif self.peek().isdigit():
            if self.num(365) is None:
                return None
        else:
            return None
        if self.peek() == "/":
            self.i += 1
            if self.offset() is None:
                return None
        return self.text[start : self.i]


class PgZone:
    """A zone as PostgreSQL resolved it: a fixed offset (any size, unlike ``datetime``'s) or
    a tz-database / POSIX-rule zone."""

    def __init__(self, offset: int | None = None, zone: dt.tzinfo | None = None) -> None:
        self.offset, self.zone = offset, zone

    def epoch(self, local: dt.datetime) -> float:
        """``local::timestamp at time zone <self>`` as epoch seconds."""
        if self.zone is not None:
            # A local time that occurs twice (or never) has two readings; PostgreSQL takes the
            # later instant in both cases (DetermineTimeZoneOffset), e.g. standard time after a
            # fall-back.
            return max(local.replace(tzinfo=self.zone, fold=fold).timestamp() for fold in (0, 1))
        return local.replace(tzinfo=dt.UTC).timestamp() - (self.offset or 0)


def _clock(secs: int) -> str:
    sign = "-" if secs < 0 else "+"
    secs = abs(secs)
    return f"{sign}{secs // 3600}:{secs // 60 % 60:02d}:{secs % 60:02d}"


def _posix(spec: str) -> PgZone | None:
    """``tzparse(name, sp, false)`` of PostgreSQL: a zone, or ``None`` when it refuses."""
    c = _Cursor(spec)
    if c.name() is None or c.peek() == "":
        return None
    std = c.offset()
    if std is None:
        return None
    if c.peek() == "":
        return PgZone(offset=-std)
    dst_name = c.name()
    if not dst_name:
        return None
    dst = std - 3600
    if c.peek() not in ("", ","):
        explicit = c.offset()
        if explicit is None:
            return None
        dst = explicit
    rest = spec[c.i :] or _DEFAULT_RULES
    c = _Cursor(rest)
    rules = []
    for _ in range(2):
        if c.peek() != ",":
            return None
        c.i += 1
        rule = c.rule()
        if rule is None:
            return None
        rules.append(rule)
    if c.peek() != "":
        return None
    # Reuse the stdlib's POSIX-rule engine through a TZif file that has only a footer.
    footer = f"<STD>{_clock(std)}<DST>{_clock(dst)},{rules[0]},{rules[1]}"
    try:
        return PgZone(zone=zoneinfo.ZoneInfo.from_file(io.BytesIO(_tzif(footer)), key=spec))
    except ValueError:
        return None


def _tzif(footer: str) -> bytes:
    header = b"TZif2" + b"\0" * 15 + struct.pack(">6l", 0, 0, 0, 0, 1, 4)
    block = struct.pack(">lbb", 0, 0, 0) + b"UTC\0"
    return header + block + header + block + b"\n" + footer.encode("ascii") + b"\n"


@functools.lru_cache(maxsize=256)
def resolve(tz: str) -> PgZone | None:
    """The zone PostgreSQL would use for ``tz``, or ``None`` for "time zone not recognized"."""
    name = tz[:_TZ_STRLEN_MAX]  # text_to_cstring_buffer truncates to the buffer
    abbrev = name.lower()
    if abbrev in tz_abbrevs.FIXED:
        return PgZone(offset=tz_abbrevs.FIXED[abbrev])
    if abbrev in tz_abbrevs.DYNAMIC:
        return PgZone(zone=zoneinfo.ZoneInfo(tz_abbrevs.DYNAMIC[abbrev]))
    upper = name.upper()
    if upper == "GMT":
        return PgZone(offset=0)
    key = name.removeprefix(":")  # tzload skips one leading colon
    known = _zone_names().get(key.upper())
    if known is not None:
        return PgZone(zone=zoneinfo.ZoneInfo(known))
    try:  # files outside the stdlib's list (posixrules, posix/…, right/…)
        return PgZone(zone=zoneinfo.ZoneInfo(key))
    except (ValueError, OSError, zoneinfo.ZoneInfoNotFoundError):
        pass
    if upper.startswith(":") or not upper.isascii():
        return None
    return _posix(upper)
