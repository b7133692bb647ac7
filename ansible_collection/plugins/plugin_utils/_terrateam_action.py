# -*- coding: utf-8 -*-
# Copyright: terrateam-toolkit contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
#
# FOR INTERNAL COLLECTION USE ONLY: this file may change in any release.

"""Base class of the terrateam.api action plugins.

Every module of the collection runs here, on the controller: the task's arguments are validated
against the module's argument spec (with the ``TERRATEAM_*`` environment fallbacks of the
controller), a ``terrateam_core`` client is built, and the subclass's :meth:`execute` does the work.
"""

from __future__ import annotations

from ansible.errors import AnsibleError
from ansible.module_utils.common.parameters import remove_values
from ansible.plugins.action import ActionBase
from ansible_collections.terrateam.api.plugins.module_utils._spec import module_kwargs
from ansible_collections.terrateam.api.plugins.plugin_utils._terrateam_common import (
    CONNECTION_OPTIONS,
    TerrateamValueError,
    describe_error,
    import_core,
    shared_client,
)


class TerrateamActionFailed(AnsibleError):
    """Raised by :meth:`TerrateamAction.execute` to fail the task with extra result keys."""

    def __init__(self, message, **result):
        super().__init__(message)
        self.result = result


class TerrateamAction(ActionBase):
    """Validate arguments, build a client, run :meth:`execute`, shape the result."""

    TRANSFERS_FILES = False
    _requires_connection = False
    MODULE = ""  # the module name, set by each subclass

    def run(self, tmp=None, task_vars=None):
        """Run the task on the controller and return its result."""
        result = super().run(tmp, task_vars)
        del tmp
        self.task_vars = task_vars or {}
        kwargs = module_kwargs(self.MODULE)
        spec = kwargs.pop("argument_spec")
        validation, params = self.validate_argument_spec(argument_spec=spec, **kwargs)
        secrets = validation._no_log_values
        self.params = params
        self.check_mode = bool(self._task.check_mode)
        self.diff_mode = bool(self._task.diff)
        client = None  # shared by this worker process: not closed here (see shared_client)
        core = import_core()
        try:
            if self.needs_client():
                client = shared_client({k: params.get(k) for k in CONNECTION_OPTIONS})
            result.update(self.execute(client))
        except TerrateamActionFailed as exc:
            result.update(exc.result)
            result.update(failed=True, msg=str(exc.message))
        except core.TerrateamError as exc:
            result.update(failed=True, msg=describe_error(exc, self.subject()))
            status = getattr(exc, "status_code", None)
            if status is not None:
                result["status"] = status
        except (TerrateamValueError, OSError, ValueError) as exc:
            # Bad input (a capability, a keys item) or a local file problem (src, cache).
            result.update(failed=True, msg="%s: %s" % (type(exc).__name__, exc))
        result.setdefault("changed", False)
        # The API key (and any other no_log input) never leaves in a result.
        return remove_values(result, secrets)

    def needs_client(self):
        """Whether this task talks to the API (kv_artifact deliveries may not)."""
        return True

    def subject(self):
        """What the task is about, for error messages (the key, the name, ...)."""
        for name in ("key", "name", "id"):
            if self.params.get(name) is not None:
                return "%s %s" % (name, self.params[name])
        return None

    def execute(self, client):
        """Do the module's work and return the result keys (``changed`` etc.)."""
        raise NotImplementedError

    def page_kwargs(self):
        """Paginator keywords for the ``limit`` option: the total, and a page size up to 100."""
        limit = self.params.get("limit")
        if limit is None:
            return {}
        return {"max_items": int(limit), "limit": min(max(int(limit), 1), 100)}

    def installation_kwargs(self):
        """``installation_id``/``vcs`` keywords for installation-scoped core calls."""
        out = {}
        if self.params.get("installation_id") is not None:
            out["installation_id"] = int(self.params["installation_id"])
        if self.params.get("vcs"):
            out["vcs"] = str(self.params["vcs"])
        return out
