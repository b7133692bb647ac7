"""terrateam_core: the Python client for the Terrateam REST API."""

from __future__ import annotations

import logging

from terrateam_core._version import __version__

logging.getLogger("terrateam_core").addHandler(logging.NullHandler())

__all__ = ["__version__"]
