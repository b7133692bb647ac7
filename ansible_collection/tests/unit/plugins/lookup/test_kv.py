# -*- coding: utf-8 -*-
# Copyright: terrateam-toolkit contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)

from __future__ import annotations

import pytest

from ansible.errors import AnsibleLookupError
from ansible.plugins.loader import lookup_loader


def test_misspelled_option_is_rejected():
    """An unknown keyword fails instead of being silently ignored."""
    plugin = lookup_loader.get("terrateam.api.kv")
    with pytest.raises(AnsibleLookupError, match="on_mising"):
        plugin.run(["a"], variables={}, on_mising="skip")


def test_terms_keyword_is_rejected():
    """Keys are positional terms, not _terms=."""
    plugin = lookup_loader.get("terrateam.api.kv")
    with pytest.raises(AnsibleLookupError, match="positional"):
        plugin.run([], variables={}, _terms=["a"])


@pytest.mark.parametrize("mode,skipped", [("warn", True), ("skip", True)])
def test_handle_modes(mode, skipped):
    """warn and skip leave the term out; error raises."""
    plugin = lookup_loader.get("terrateam.api.kv")
    assert plugin.handle(mode, "key x not found") is skipped
    with pytest.raises(AnsibleLookupError, match="key x"):
        plugin.handle("error", "key x not found")
