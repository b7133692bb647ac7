# -*- coding: utf-8 -*-
# Copyright: terrateam-toolkit contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
#
# FOR INTERNAL COLLECTION USE ONLY: this file may change in any release.

"""Base class of the terrateam.api lookups: option loading, kwarg checking, one client per call."""

from __future__ import annotations

from ansible.errors import AnsibleLookupError
from ansible.plugins.lookup import LookupBase
from ansible.utils.display import Display
from ansible_collections.terrateam.api.plugins.plugin_utils._terrateam_common import (
    CONNECTION_OPTIONS,
    describe_error,
    import_core,
    shared_client,
)

display = Display()

_CHOICES = ("error", "warn", "skip")


class TerrateamLookupBase(LookupBase):
    """Loads options once per call and runs :meth:`lookup` with one shared client."""

    def run(self, terms, variables=None, **kwargs):
        """Return one result per term (see each lookup's documentation)."""
        if "_terms" in kwargs:
            raise AnsibleLookupError("pass the keys as positional terms, not as _terms=")
        self.set_options(var_options=variables, direct=kwargs)
        self.given = frozenset(kwargs)
        # Ansible silently ignores unknown keyword arguments; a misspelled option must not
        # quietly do nothing (ansible/ansible#12046).
        unknown = sorted(set(kwargs) - set(self._options))
        if unknown:
            raise AnsibleLookupError("unknown option(s) %s" % ", ".join(unknown))
        core = import_core()
        client = shared_client({name: self.get_option(name) for name in CONNECTION_OPTIONS})
        try:
            return self.lookup(client, [str(t) for t in terms])
        except core.TerrateamError as exc:
            raise AnsibleLookupError(describe_error(exc)) from None

    def lookup(self, client, terms):
        """Do the lookup's work with ``client``; return the list of results."""
        raise NotImplementedError

    def handle(self, mode, message):
        """Apply an ``on_missing``/``on_denied`` mode; returns True when the term is skipped."""
        if mode not in _CHOICES:
            raise AnsibleLookupError("expected one of %s, got %r" % (", ".join(_CHOICES), mode))
        if mode == "error":
            raise AnsibleLookupError(message)
        if mode == "warn":
            display.warning(message)
        return True
