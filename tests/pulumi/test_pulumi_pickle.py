"""Layer 2: the ``__provider`` blob of each provider, round-tripped in a fresh process."""

from __future__ import annotations

import base64
import json
import pickletools
import subprocess
import sys

import dill
import pytest
from pulumi.dynamic import Config, ConfigureRequest
from pulumi.dynamic.dynamic import serialize_provider

from pulumi_terrateam.api_token import _ApiTokenProvider
from pulumi_terrateam.kv_artifact import _KvArtifactProvider
from pulumi_terrateam.kv_entry import _KvEntryProvider

SECRET = "tt-secret-api-key-0123456789"
PROVIDERS = [_ApiTokenProvider, _KvEntryProvider, _KvArtifactProvider]

_LOADER = """
import base64, json, sys
import dill
from pulumi.dynamic.dynamic import serialize_provider
blob = sys.stdin.read()
provider = dill.loads(base64.b64decode(blob))
cls = type(provider)
print(json.dumps({"module": cls.__module__, "name": cls.__qualname__, "dict": vars(provider),
                  "again": serialize_provider(provider)}))
"""


def _configured(cls: type) -> object:
    provider = cls()
    config = Config({"terrateam:apiKey": SECRET, "terrateam:baseUrl": "http://127.0.0.1:1"}, "demo")
    provider.configure(ConfigureRequest(config))
    return provider


def _globals(raw: bytes) -> list[str]:
    """Module/name strings the pickle loads (STACK_GLOBAL arguments or GLOBAL)."""
    names, strings = [], []
    for op, arg, _pos in pickletools.genops(raw):
        if op.name in ("SHORT_BINUNICODE", "BINUNICODE", "UNICODE"):
            strings.append(arg)
        elif op.name == "STACK_GLOBAL":
            names.append(".".join(strings[-2:]))
        elif op.name == "GLOBAL":
            names.append(arg.replace(" ", "."))
    return names


@pytest.mark.parametrize("cls", PROVIDERS, ids=lambda c: c.__name__)
def test_provider_pickle__by_reference_without_secrets(cls: type) -> None:
    """A configured provider pickles to a tiny global reference with no secret inside."""
    raw = base64.b64decode(serialize_provider(_configured(cls)))
    assert SECRET.encode() not in raw
    assert b"127.0.0.1" not in raw, "configuration must not be captured"
    assert f"{cls.__module__}.{cls.__name__}" in _globals(raw)
    assert len(raw) < 200, "by-value pickles carry bytecode and are far larger"


@pytest.mark.parametrize("cls", PROVIDERS, ids=lambda c: c.__name__)
def test_provider_pickle__loads_in_fresh_process(cls: type) -> None:
    """A fresh interpreter unpickles the same class, with empty state and identical bytes."""
    blob = serialize_provider(_configured(cls))
    result = subprocess.run(
        [sys.executable, "-c", _LOADER],
        input=blob,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    loaded = json.loads(result.stdout)
    assert (loaded["module"], loaded["name"]) == (cls.__module__, cls.__name__)
    assert loaded["dict"] == {}
    assert loaded["again"] == blob, "pickling is deterministic across processes"


def test_provider_dill_round_trip_keeps_configuration_out() -> None:
    """STYLE rule 21: dill round trip works and the copy carries no configuration."""
    provider = _configured(_KvEntryProvider)
    copy = dill.loads(dill.dumps(provider, recurse=True))
    assert type(copy) is _KvEntryProvider
    assert copy.config.api_key is None
    assert provider.config.api_key == SECRET
    assert SECRET not in repr(provider.config)


def test_connections_never_reach_the_pickle() -> None:
    """Resources on different connections share one provider blob: the key is an input, so the
    pickled provider is the same bytes whatever account a resource uses, and holds no key."""
    from pulumi_terrateam.connection import config_from_connection

    provider = _configured(_KvEntryProvider)
    blob = serialize_provider(provider)
    conn = {"base_url": "http://127.0.0.1:2", "api_key": SECRET + "-2", "installation_id": 9}
    settings = provider.settings({"connection": conn})
    assert settings == config_from_connection(conn)
    assert provider.default_installation_id({"connection": conn}) == 9
    assert serialize_provider(provider) == blob
    raw = base64.b64decode(blob)
    assert SECRET.encode() not in raw
    assert b"127.0.0.1" not in raw
    assert SECRET not in repr(settings)


def test_fresh_process_serves_two_connections_from_one_blob() -> None:
    """In a fresh interpreter, one unpickled provider resolves each resource's connection."""
    blob = serialize_provider(_KvEntryProvider())
    code = _LOADER.replace(
        "print(json.dumps(",
        'a = provider.settings({"connection": {"base_url": "http://a", "api_key": "ka"}})\n'
        'b = provider.settings({"connection": {"base_url": "http://b", "api_key": "kb"}})\n'
        'print(json.dumps({"a": a.base_url, "b": b.base_url, "ka": a.api_key, "kb": b.api_key,\n'
        '                  "explicit": a.explicit}), file=sys.stderr)\n'
        "print(json.dumps(",
    )
    result = subprocess.run(
        [sys.executable, "-c", code], input=blob, capture_output=True, text=True, check=True,
        timeout=60,
    )  # fmt: skip
    seen = json.loads(result.stderr.strip().splitlines()[-1])
    assert seen == {"a": "http://a", "b": "http://b", "ka": "ka", "kb": "kb", "explicit": True}
