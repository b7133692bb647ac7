"""Pydantic v2 models of the Terrateam API: lenient responses, strict requests.

One module per resource family (``identity``, ``kv``, ``artifacts``, ``runs``, ``server``, and the
``capabilities`` every API key carries); each module's ``__all__`` is the one list of its public
names, and this package re-exports them all.
"""

from __future__ import annotations

from terrateam_core.models import _base, artifacts, capabilities, identity, kv, runs, server
from terrateam_core.models._base import *  # noqa: F403
from terrateam_core.models.artifacts import *  # noqa: F403
from terrateam_core.models.capabilities import *  # noqa: F403
from terrateam_core.models.identity import *  # noqa: F403
from terrateam_core.models.kv import *  # noqa: F403
from terrateam_core.models.runs import *  # noqa: F403
from terrateam_core.models.server import *  # noqa: F403

__all__: list[str] = []
__all__ += _base.__all__
__all__ += artifacts.__all__
__all__ += capabilities.__all__
__all__ += identity.__all__
__all__ += kv.__all__
__all__ += runs.__all__
__all__ += server.__all__
