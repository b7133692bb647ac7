# -*- coding: utf-8 -*-
# Copyright: terrateam-toolkit contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
#
# FOR INTERNAL COLLECTION USE ONLY: this file may change in any release.

"""Controller-side helpers shared by the action plugins and lookups of terrateam.api.

Everything here is pure Python except :func:`import_core` and :func:`make_client`, which load
``terrateam_core`` lazily so that ``ansible-doc`` and sanity checks work without it.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
import threading

from ansible.errors import AnsibleError

try:
    # Imported here when available: the strategy loads action plugins in the main
    # ansible-playbook process, so every forked worker inherits the loaded package instead of
    # importing it again for each task (about a second each on a busy machine).
    import terrateam_core as _PRELOADED  # pylint: disable=unused-import  # noqa: F401
except ImportError:
    _PRELOADED = None

INSTALL_HINT = (
    "the terrateam.api collection needs the terrateam_core Python package on the Ansible "
    "controller: run 'pip install terrateam-toolkit[ansible]' in the Python environment that "
    "runs Ansible"
)

CONNECTION_OPTIONS = (
    "api_key",
    "base_url",
    "vcs",
    "installation_id",
    "timeout",
    "validate_certs",
    "ca_path",
    "token_cache",
)

USER_AGENT = "ansible-terrateam.api/0.1.0"


class TerrateamValueError(AnsibleError):
    """A task or lookup argument that cannot be used as given."""


class MissingCoreError(AnsibleError):
    """terrateam_core is not importable in Ansible's Python environment."""


def import_core():
    """Import and return ``terrateam_core``, or fail with the install hint."""
    try:
        return importlib.import_module("terrateam_core")
    except ImportError as exc:
        raise MissingCoreError("%s (%s)" % (INSTALL_HINT, exc)) from None


def to_native(value):
    """Return ``value`` as plain JSON-able Python types (Ansible 2.19 tags strings and containers)."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, str):
        return str(value)
    if isinstance(value, bytes):
        return value.decode("utf-8")
    if isinstance(value, dict):
        return {str(k): to_native(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [to_native(v) for v in value]
    raise TerrateamValueError("value of type %s is not JSON" % type(value).__name__)


def _unset(value):
    return value is None or (isinstance(value, str) and not value.strip())


def client_kwargs(options):
    """Translate connection options into ``TerrateamClient`` keyword arguments.

    Unset and empty options are left out so that terrateam_core applies its own precedence
    (environment, then profile, then defaults).
    """
    kwargs = {}
    for name in ("api_key", "base_url", "vcs"):
        if not _unset(options.get(name)):
            kwargs[name] = str(options[name]).strip()
    if not _unset(options.get("installation_id")):
        kwargs["installation_id"] = int(options["installation_id"])
    if options.get("timeout") is not None:
        kwargs["timeout"] = float(options["timeout"])
    validate = options.get("validate_certs")
    validate = True if validate is None else bool(validate)
    ca_path = options.get("ca_path")
    kwargs["verify"] = str(ca_path) if validate and not _unset(ca_path) else validate
    kwargs["user_agent_extra"] = (USER_AGENT,)
    return kwargs


def make_client(options):
    """Build a new ``terrateam_core.TerrateamClient`` from connection options (caller closes it)."""
    core = import_core()
    kwargs = client_kwargs(options)
    kwargs.update(_token_cache_kwargs(core, options))
    try:
        return core.TerrateamClient(**kwargs)
    except core.TerrateamError as exc:
        raise AnsibleError(describe_error(exc)) from None


def _token_cache_kwargs(core, options):
    """``token_cache=TokenCache()`` unless the ``token_cache`` option turns it off.

    The core's persistent cache (a 0600 file per base URL + key fingerprint, expiry-checked)
    carries the access token from one task's worker process to the next, so a play pays about
    one exchange per token lifetime instead of one per task. A terrateam_core too old to have
    it keeps the in-memory sharing only.
    """
    enabled = options.get("token_cache")
    if enabled is not None and not enabled:
        return {}
    try:
        module = importlib.import_module("terrateam_core.token_cache")
    except ImportError:
        return {}
    del core
    return {"token_cache": module.TokenCache()}


# One client per settings per worker process: a task with a loop, or several lookups in one
# task, then share one access token (60 s) instead of exchanging the API key each time.
# Ansible forks a worker per task, so this cannot reach across tasks; the persistent token
# cache (above) does that. Keyed by a digest: the key never sits in the map in clear.
_SHARED = {}
_SHARED_PID = [None]
_SHARED_LOCK = threading.Lock()
_MAX_SHARED = 8


def _shared_key(core, options, kwargs):
    config = importlib.import_module("terrateam_core.config")
    settings = config.load_settings(
        api_key=kwargs.get("api_key"),
        base_url=kwargs.get("base_url"),
        vcs=kwargs.get("vcs"),
        installation_id=kwargs.get("installation_id"),
    )
    secret = settings.api_key or settings.access_token
    credential = secret.get_secret_value() if secret is not None else ""
    del core
    return (
        hashlib.sha256(credential.encode("utf-8")).hexdigest(),
        settings.base_url,
        settings.vcs,
        str(settings.installation_id),
        repr(kwargs.get("timeout")),
        repr(kwargs.get("verify")),
        bool(options.get("token_cache") is None or options.get("token_cache")),
    )


def shared_client(options):
    """Return this worker process's client for ``options`` (do not close it).

    Clients inherited through ``fork`` from the parent process are dropped, never reused: their
    connection pools belong to the parent.
    """
    core = import_core()
    kwargs = client_kwargs(options)
    try:
        key = _shared_key(core, options, kwargs)
    except core.TerrateamError as exc:
        raise AnsibleError(describe_error(exc)) from None
    with _SHARED_LOCK:
        if _SHARED_PID[0] != os.getpid():
            _SHARED.clear()
            _SHARED_PID[0] = os.getpid()
        client = _SHARED.get(key)
        if client is None:
            client = make_client(options)
            _SHARED[key] = client
            while len(_SHARED) > _MAX_SHARED:
                _SHARED.pop(next(iter(_SHARED)))
        return client


def clear_shared_clients():
    """Close and forget this process's shared clients (tests, key rotation)."""
    with _SHARED_LOCK:
        clients = list(_SHARED.values()) if _SHARED_PID[0] == os.getpid() else []
        _SHARED.clear()
    for client in clients:
        client.close()


def describe_error(exc, subject=None):
    """A one-line message for a terrateam_core error that never includes credentials."""
    status = getattr(exc, "status_code", None)
    name = type(exc).__name__
    about = " (%s)" % subject if subject else ""
    if name in ("PermissionDeniedError",):
        return "permission denied%s: the credentials lack a capability or installation access" % about
    if name in ("AuthenticationError", "RunTokenInactiveError"):
        return "authentication failed%s: check the API key" % about
    if name in ("NotFoundError", "KVNotFoundError"):
        return "not found%s" % about
    if name == "KVConflictError":
        return "compare-and-swap conflict%s: the row changed since it was read" % about
    if status is not None:
        return "Terrateam API error%s: HTTP %s (%s)" % (about, status, name)
    return "Terrateam error%s: %s: %s" % (about, name, exc)


def as_dict(obj):
    """Return a pydantic model (or plain value) as JSON-able data."""
    if obj is None:
        return None
    dump = getattr(obj, "model_dump", None)
    if dump is not None:
        return to_plain(dump(mode="json", by_alias=False))
    return to_plain(obj)


def to_plain(value):
    """Like :func:`to_native`, but also unwraps pydantic models nested in containers."""
    if hasattr(value, "model_dump"):
        return as_dict(value)
    if isinstance(value, dict):
        return {str(k): to_plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_plain(v) for v in value]
    if hasattr(value, "get_secret_value"):
        return value.get_secret_value()
    return to_native(value)


def json_equal(left, right):
    """Compare two JSON values as parsed JSON, telling booleans from numbers (True != 1)."""
    if isinstance(left, bool) or isinstance(right, bool):
        return isinstance(left, bool) and isinstance(right, bool) and left == right
    if isinstance(left, (int, float)) and isinstance(right, (int, float)):
        return left == right
    if isinstance(left, dict) and isinstance(right, dict):
        return left.keys() == right.keys() and all(json_equal(left[k], right[k]) for k in left)
    if isinstance(left, list) and isinstance(right, list):
        return len(left) == len(right) and all(json_equal(a, b) for a, b in zip(left, right))
    return type(left) is type(right) and left == right


def fingerprint(value):
    """A redacted stand-in for a value in diffs: its type, length and a short SHA-256."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"))
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]
    return "<redacted %s, %d chars, sha256:%s>" % (type(value).__name__, len(text), digest)
