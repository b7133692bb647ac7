"""Resource namespaces of the clients (``client.kv``, ``client.repos``, …), one family a module.

The classes are written in ``terrateam_core/_async/<family>.py`` and generated into
``terrateam_core/_sync/<family>.py``; this package is their public address and re-exports each
family module's ``__all__`` (a new namespace class is listed there once).
"""

from __future__ import annotations

from terrateam_core._async import artifacts as _aartifacts
from terrateam_core._async import identity as _aidentity
from terrateam_core._async import kv as _akv
from terrateam_core._async import runs as _aruns
from terrateam_core._async import server as _aserver
from terrateam_core._async.artifacts import *  # noqa: F403
from terrateam_core._async.identity import *  # noqa: F403
from terrateam_core._async.kv import *  # noqa: F403
from terrateam_core._async.runs import *  # noqa: F403
from terrateam_core._async.server import *  # noqa: F403
from terrateam_core._sync import artifacts as _artifacts
from terrateam_core._sync import identity as _identity
from terrateam_core._sync import kv as _kv
from terrateam_core._sync import runs as _runs
from terrateam_core._sync import server as _server
from terrateam_core._sync.artifacts import *  # noqa: F403
from terrateam_core._sync.identity import *  # noqa: F403
from terrateam_core._sync.kv import *  # noqa: F403
from terrateam_core._sync.runs import *  # noqa: F403
from terrateam_core._sync.server import *  # noqa: F403

__all__: list[str] = []
for _family in (_aartifacts, _aidentity, _akv, _aruns, _aserver):
    __all__ += _family.__all__
for _family in (_artifacts, _identity, _kv, _runs, _server):
    __all__ += _family.__all__
