# -*- coding: utf-8 -*-
# Copyright: terrateam-toolkit contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)

"""Collection-level consistency: action group, action plugins, module/lookup defaults."""

from __future__ import annotations

import os

import pytest
import yaml

from ansible.plugins.loader import lookup_loader
from ansible_collections.terrateam.api.plugins.module_utils._spec import CONNECTION_SPEC, MODULE_NAMES, module_kwargs

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))


def _names(folder):
    path = os.path.join(ROOT, "plugins", folder)
    return sorted(n[:-3] for n in os.listdir(path) if n.endswith(".py") and not n.startswith("_"))


def test_action_group_lists_every_module_in_order():
    """meta/runtime.yml's terrateam group is exactly the modules, alphabetically."""
    with open(os.path.join(ROOT, "meta", "runtime.yml")) as handle:
        group = yaml.safe_load(handle)["action_groups"]["terrateam"]
    assert group == sorted(group)
    assert group == _names("modules")


def test_every_module_has_an_action_plugin_and_a_spec():
    """Each module runs through a same-named action plugin validated against its spec."""
    assert _names("action") == _names("modules") == list(MODULE_NAMES)


@pytest.mark.parametrize("lookup", ["terrateam.api.kv", "terrateam.api.access_token"])
def test_lookup_and_module_defaults_are_identical(lookup, monkeypatch):
    """The shared connection options default the same in modules and lookups."""
    for name in list(os.environ):
        if name.startswith("TERRATEAM_"):
            monkeypatch.delenv(name)
    plugin = lookup_loader.get(lookup)
    assert plugin is not None, "lookup %s not found" % lookup
    plugin.set_options(var_options={}, direct={})
    for name, spec in CONNECTION_SPEC.items():
        assert plugin.get_option(name) == spec.get("default"), name
        for module in MODULE_NAMES:
            assert module_kwargs(module)["argument_spec"][name] == spec
