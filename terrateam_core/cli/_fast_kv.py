"""``terrateam kv get KEY`` with the standard library alone, when nothing about it is unusual.

CI loops call ``kv get`` hundreds of times. With an access token in the token cache
(:mod:`terrateam_core.token_cache`) the call is one ``GET``; importing Typer, httpx and
pydantic to make it costs several times the request itself. This module serves exactly that
case with ``http.client`` and prints what the full command prints. Anything it does not
handle makes :func:`try_kv_get` return ``None`` *before any output*, and the full command runs
instead; so errors, retries and messages always come from one place:

* command lines other than ``[--base-url URL] [--vcs V] [-i ID] kv get [--api-base URL]
  [--vcs V] [-i ID] [--idx N] [-d] [-o data] [-q] [--loggers X] KEY``, with each option at most
  once and as a separate word (``--opt=value`` forms, ``--help``, ``--debug``, ``-v`` …);
* any credential other than ``TERRATEAM_API_KEY``; a config file or a profile; a
  ``TERRATEAM_*`` setting beyond the base URL, VCS, installation id and config file path;
  a proxy variable (``*_PROXY``); shell completion (``SSL_CERT_FILE``/``SSL_CERT_DIR`` are
  honoured as httpx does);
* no unexpired token in the cache (the full command exchanges the key and stores one);
* a base URL with a path, or plain ``http://`` to anything but loopback (the full command
  warns about that);
* any response but ``200`` with a JSON record the full command's model would accept as is;
  any network error.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Sequence
from typing import Any

from terrateam_core._version import __version__

__all__ = ["try_kv_get"]

_ROOT_VALUE = {"--base-url": "url", "--api-base": "url", "--vcs": "vcs"}
_ROOT_VALUE |= {"--installation-id": "inst", "-i": "inst"}
_ROOT_FLAGS = frozenset({"--no-color", "--no-trunc"})
_LEAF_VALUE = _ROOT_VALUE | {"--idx": "idx", "-o": "output", "--output": "output"}
_LEAF_VALUE |= {"--loggers": "loggers"}
_LEAF_FLAGS = {"-d": "draft", "--draft": "draft", "-q": "quiet", "--quiet": "quiet"}
_ENV_OK = frozenset(
    {
        "TERRATEAM_API_KEY",
        "TERRATEAM_BASE_URL",
        "TERRATEAM_VCS",
        "TERRATEAM_INSTALLATION_ID",
        "TERRATEAM_CONFIG_FILE",
        "TERRATEAM_TOKEN_CACHE",
    }
)
_ENV_UNUSUAL = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY")
_URL = re.compile(r"(https?)://([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::([0-9]{1,5}))?")
_DIGITS = re.compile(r"[0-9]{1,9}")
_WHEN = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?(Z|[+-][0-9]{2}:[0-9]{2})"
)
_FALSE = frozenset({"0", "false", "no", "off"})
_TIMEOUT = 30.0  # the full client's per-request default
_SMALLINT_MAX = 32767


def _parse_args(args: Sequence[str]) -> dict[str, Any] | None:
    """The options of a plain ``kv get`` command line, or None."""
    root: dict[str, str] = {}
    leaf: dict[str, Any] = {}
    i = 0
    while i < len(args) and args[i] != "kv":  # root options
        arg = args[i]
        if arg in _ROOT_FLAGS:
            i += 1
            continue
        name = _ROOT_VALUE.get(arg)
        if name is None or name in root or i + 1 >= len(args) or args[i + 1].startswith("-"):
            return None
        root[name] = args[i + 1]
        i += 2
    if args[i : i + 2] != ["kv", "get"]:
        return None
    keys: list[str] = []
    rest = args[i + 2 :]
    j = 0
    while j < len(rest):
        arg = rest[j]
        if arg.startswith("-"):
            flag = _LEAF_FLAGS.get(arg)
            name = _LEAF_VALUE.get(arg)
            if flag is not None and flag not in leaf:
                leaf[flag] = True
                j += 1
                continue
            if name is None or name in leaf or j + 1 >= len(rest) or rest[j + 1].startswith("-"):
                return None
            leaf[name] = rest[j + 1]
            j += 2
        else:
            keys.append(arg)
            j += 1
    if len(keys) != 1 or keys[0] in (".", "..", "") or "\x00" in keys[0]:
        return None
    if leaf.get("output", "data") != "data":
        return None
    merged = {**root, **{k: v for k, v in leaf.items() if k in ("url", "vcs", "inst")}}
    return {**merged, "key": keys[0], "idx": leaf.get("idx"), "draft": "draft" in leaf}


def _environment_is_plain(env: dict[str, str]) -> bool:
    if "_TERRATEAM_COMPLETE" in env or not env.get("TERRATEAM_API_KEY"):
        return False
    if env.get("TERRATEAM_TOKEN_CACHE", "").strip().lower() in _FALSE:
        return False
    for name, value in env.items():
        if name.startswith("TERRATEAM_") and name not in _ENV_OK:
            return False
        if value and name.upper() in _ENV_UNUSUAL:
            return False
    config = env.get("TERRATEAM_CONFIG_FILE")
    if not config:
        import platformdirs

        config = os.path.join(platformdirs.user_config_dir("terrateam"), "config.toml")
    return not os.path.lexists(os.path.expanduser(config))


def _is_loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    import ipaddress

    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _record_is_plain(doc: Any) -> bool:
    """True when the full command's model would take *doc* as it is (a strict subset)."""
    if not isinstance(doc, dict) or not isinstance(doc.get("key"), str):
        return False
    for name in ("idx", "size", "version"):
        value = doc.get(name, 0)
        if not isinstance(value, int) or isinstance(value, bool):
            return False
    if not isinstance(doc.get("committed", True), bool):
        return False
    when = doc.get("created_at")
    if when is not None:
        if not isinstance(when, str) or not _WHEN.fullmatch(when):
            return False
        from datetime import datetime

        try:
            datetime.fromisoformat(when)
        except ValueError:
            return False
    for name in ("read_caps", "write_caps"):
        caps = doc.get(name)
        if caps is not None and not (
            isinstance(caps, list) and all(isinstance(c, str) for c in caps)
        ):
            return False
    return True


def _tls_context() -> Any:
    """The context httpx builds for ``verify=True``: ``SSL_CERT_FILE``, ``SSL_CERT_DIR``,
    else certifi's bundle."""
    import ssl

    if os.environ.get("SSL_CERT_FILE"):
        return ssl.create_default_context(cafile=os.environ["SSL_CERT_FILE"])
    if os.environ.get("SSL_CERT_DIR"):
        return ssl.create_default_context(capath=os.environ["SSL_CERT_DIR"])
    import certifi

    return ssl.create_default_context(cafile=certifi.where())


def _fetch(url: str, path: str, token: str) -> bytes | None:
    """The body of a 200 answer to ``GET path``, or None for anything else."""
    import http.client

    scheme, host, port = _URL.fullmatch(url).groups()  # type: ignore[union-attr]
    conn: http.client.HTTPConnection
    if scheme == "https":
        context = _tls_context()
        conn = http.client.HTTPSConnection(
            host.strip("[]"), int(port) if port else None, timeout=_TIMEOUT, context=context
        )
    else:
        conn = http.client.HTTPConnection(
            host.strip("[]"), int(port) if port else None, timeout=_TIMEOUT
        )
    py = ".".join(str(v) for v in sys.version_info[:2])
    headers = {
        "User-Agent": f"terrateam-toolkit/{__version__} (python {py}; http.client) "
        f"terrateam-cli/{__version__}",
        "Accept": "application/json",
        "Authorization": f"Bearer {token}",
    }
    try:
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        body = response.read()
        encoding = (response.getheader("Content-Encoding") or "identity").strip().lower()
        return body if response.status == 200 and encoding == "identity" else None
    except (OSError, http.client.HTTPException):
        return None  # the full command retries and explains
    finally:
        conn.close()


def _prepare(args: Sequence[str], env: dict[str, str]) -> tuple[str, str, str] | None:
    """(base URL, request path, token) of a plain ``kv get``, or None."""
    opts = _parse_args(args)
    if opts is None or not _environment_is_plain(env):
        return None
    url = opts.get("url") or env.get("TERRATEAM_BASE_URL") or "https://app.terrateam.io"
    url = url.strip().rstrip("/")
    match = _URL.fullmatch(url)
    if match is None or (match.group(1) == "http" and not _is_loopback(match.group(2))):
        return None
    vcs = opts.get("vcs") or env.get("TERRATEAM_VCS") or "github"
    inst = opts.get("inst") or env.get("TERRATEAM_INSTALLATION_ID")
    idx = opts["idx"] if opts["idx"] is not None else "0"
    if vcs not in ("github", "gitlab") or not inst or not _DIGITS.fullmatch(inst):
        return None
    if not _DIGITS.fullmatch(idx) or int(idx) > _SMALLINT_MAX:
        return None
    from urllib.parse import quote

    from terrateam_core.token_cache import TokenCache

    try:
        entry = TokenCache().load_plain(url, env["TERRATEAM_API_KEY"])
    except Exception:  # an unsafe cache directory: the full command says what is wrong
        return None
    if entry is None:
        return None
    path = f"/api/v1/{vcs}/kv/{int(inst)}/key/{quote(opts['key'], safe='')}?idx={int(idx)}"
    if opts["draft"]:
        path += "&committed=false"
    return url, path, entry[0]


def try_kv_get(args: Sequence[str], env: dict[str, str] | None = None) -> int | None:
    """Serve ``terrateam kv get`` with the standard library; the exit status, or None when
    the full command must run (nothing has been printed then)."""
    prepared = _prepare(list(args), dict(os.environ if env is None else env))
    if prepared is None:
        return None
    from terrateam_core.cli import _errors
    from terrateam_core.cli._signals import interruptible, signal_name

    stopped = None
    code: int | None
    try:
        with interruptible() as stopped:  # SIGTERM/SIGHUP end the call as in the full path
            code = _get_and_print(*prepared)
    except (Exception, KeyboardInterrupt) as exc:
        code = _errors.report_error(exc, debug=False)
    if stopped is not None and stopped.signum is not None:
        print(f"terrateam: interrupted ({signal_name(stopped.signum)})", file=sys.stderr)
        code = stopped.exit_code(code or 0)
    return code


def _get_and_print(url: str, path: str, token: str) -> int | None:
    body = _fetch(url, path, token)
    if body is None:
        return None
    try:
        doc = json.loads(body)
    except (ValueError, RecursionError):
        return None
    if not _record_is_plain(doc):
        return None
    text = json.dumps(doc.get("data"), indent=2, ensure_ascii=False) + "\n"
    try:
        text.encode(sys.stdout.encoding or "utf-8", sys.stdout.errors or "strict")
    except (UnicodeError, LookupError):
        return None  # the full command reports it
    sys.stdout.write(text)
    sys.stdout.flush()
    return 0
