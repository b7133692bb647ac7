"""The exception hierarchy of terrateam_core.

::

    TerrateamError
    ├── ConfigurationError              no API key, bad base URL, bad profile (``setting``)
    ├── InvalidArgumentError            a bad argument value (also a ValueError; ``argument``)
    ├── APIConnectionError              transport failure (wraps httpx.TransportError)
    │   └── APITimeoutError             a timeout, or the call's total deadline ran out
    ├── APIStatusError                  status_code, method, path, body_excerpt
    │   ├── BadRequestError (400)
    │   │   └── KVConflictError         400 on kv/cas (the server says nothing more)
    │   │       └── KVKeyExistsError    … of a create-only cas (no version given)
    │   ├── AuthenticationError         API key rejected (403 from the refresh endpoint, 401)
    │   │   └── RunTokenInactiveError   a work-manifest token whose run has finished
    │   ├── PermissionDeniedError (403 after the one refresh-and-retry)
    │   ├── NotFoundError (404)
    │   │   └── KVNotFoundError
    │   ├── ConflictError (409)
    │   ├── RateLimitError (429)        retry_after
    │   ├── ServerError (5xx)
    │   └── UnexpectedStatusError       anything else (int status, never HTTPStatus)
    ├── ResponseValidationError         a 2xx body that does not fit the model
    ├── PaginationError                 non-advancing cursor
    ├── ArtifactError
    │   ├── ChecksumMismatchError
    │   └── IncompleteArtifactError     an interrupted ttm-layout upload (docs/ttm-compat.md)
    └── TaskError
        ├── TaskFailedError             carries the final task / work manifest
        └── TaskTimeoutError

``str(err)`` is ``"<status> <reason> on <METHOD> <path>"`` plus at most 500 characters of body.
It never includes headers, the query string, tokens or keys. Every exception pickles.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

__all__ = [
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "ArtifactError",
    "AuthenticationError",
    "BadRequestError",
    "ChecksumMismatchError",
    "ConfigurationError",
    "ConflictError",
    "IncompleteArtifactError",
    "InvalidArgumentError",
    "KVConflictError",
    "KVKeyExistsError",
    "KVNotFoundError",
    "NotFoundError",
    "PaginationError",
    "PermissionDeniedError",
    "RateLimitError",
    "ResponseValidationError",
    "RunTokenInactiveError",
    "ServerError",
    "TaskError",
    "TaskFailedError",
    "TaskTimeoutError",
    "TerrateamError",
    "TokenCacheError",
    "UnexpectedStatusError",
    "status_error_class",
]

BODY_EXCERPT_MAX = 500


class TerrateamError(Exception):
    """Root of every error raised by terrateam_core."""

    def __init__(self, message: str = "") -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message

    def __reduce__(self) -> tuple[Any, ...]:
        # Keyword-only constructors do not survive the default Exception pickling.
        return (_rebuild, (type(self), self.__dict__.copy()))


def _rebuild(cls: type[TerrateamError], state: dict[str, Any]) -> TerrateamError:
    err = cls.__new__(cls)
    Exception.__init__(err, state.get("message", ""))
    err.__dict__.update(state)
    return err


class ConfigurationError(TerrateamError):
    """The client cannot be configured (no credentials, bad profile, bad value).

    ``setting`` names the setting at fault in neutral words (``"credential"``,
    ``"base_url"``, ``"vcs"``, ``"installation_id"``, ``"profile"``, ``"config_file"``,
    ``"max_retries"``, ``"timeout"``, ``"ca_bundle"``) so each front end (CLI flag,
    environment variable, Ansible option, Pulumi config key) can say what to change in
    the user's own interface.
    """

    def __init__(
        self, message: str = "", *, setting: str | None = None, problem: str | None = None
    ) -> None:
        super().__init__(message)
        self.setting = setting
        #: The problem alone, without advice phrased for Python callers (front ends add
        #: their own: a CLI flag, an Ansible option, a Pulumi config key).
        self.problem = problem or message


class InvalidArgumentError(TerrateamError, ValueError):
    """An argument has a value the server would refuse or misread (not a UUID, out of range).

    A ``ValueError`` too, so Python callers can keep catching that. ``argument`` names the
    argument as the Python API spells it (``"work_manifest_id"``, ``"installation_id"`` …).
    """

    def __init__(self, message: str = "", *, argument: str | None = None) -> None:
        super().__init__(message)
        self.argument = argument


class TokenCacheError(ConfigurationError):
    """The access-token cache directory is unsafe (a symlink, not a directory, another
    user's); the message names the directory and the way out."""


class APIConnectionError(TerrateamError):
    """The request did not get an HTTP response (connection refused, reset, DNS, TLS)."""

    def __init__(self, message: str = "", *, method: str = "", path: str = "") -> None:
        super().__init__(message)
        self.method = method
        self.path = path


class APITimeoutError(APIConnectionError):
    """The request timed out, or the call's total deadline ran out."""


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown Status"


class APIStatusError(TerrateamError):
    """The server answered with a status the call does not accept."""

    def __init__(
        self,
        message: str = "",
        *,
        status_code: int,
        method: str,
        path: str,
        body_excerpt: str = "",
    ) -> None:
        excerpt = body_excerpt[:BODY_EXCERPT_MAX]
        if not message:
            message = f"{status_code} {_reason(status_code)} on {method} {path}"
            if excerpt:
                message += f": {excerpt}"
        super().__init__(message)
        self.status_code = status_code
        self.method = method
        self.path = path
        self.body_excerpt = excerpt
        #: How many times the call was sent (> 1: an earlier attempt may have taken effect).
        self.attempts = 1


class BadRequestError(APIStatusError):
    """400: the server rejected the request's meaning (not its syntax, which gives 404)."""


class KVConflictError(BadRequestError):
    """A KV compare-and-swap failed: the key exists (insert) or the version moved (update).

    Terrateam answers 400 with an empty body for both, and also for invalid caps JSON.
    """


class KVKeyExistsError(KVConflictError):
    """A KV compare-and-swap without a version (create only) found the key already there."""


class AuthenticationError(APIStatusError):
    """The credentials were rejected: the API key is invalid or revoked."""


class RunTokenInactiveError(AuthenticationError):
    """A work-manifest (run) token stopped working: its run is no longer queued or running."""


class PermissionDeniedError(APIStatusError):
    """403 that survived a token refresh: the token lacks a capability or installation access."""


class NotFoundError(APIStatusError):
    """404: the resource is absent, hidden, or (on Terrateam) the request was malformed."""


class KVNotFoundError(NotFoundError):
    """The KV key (at that idx) does not exist, is uncommitted, or is hidden by its read caps."""


class ConflictError(APIStatusError):
    """409 Conflict."""


class RateLimitError(APIStatusError):
    """429: too many requests; ``retry_after`` is the server's hint in seconds, if any."""

    def __init__(
        self,
        message: str = "",
        *,
        status_code: int = 429,
        method: str,
        path: str,
        body_excerpt: str = "",
        retry_after: float | None = None,
    ) -> None:
        super().__init__(
            message, status_code=status_code, method=method, path=path, body_excerpt=body_excerpt
        )
        self.retry_after = retry_after


class ServerError(APIStatusError):
    """5xx from the server or a proxy in front of it."""


class UnexpectedStatusError(APIStatusError):
    """A status no rule maps (including non-IANA codes such as 520)."""


class ResponseValidationError(TerrateamError):
    """A successful response whose body does not match the expected model."""

    def __init__(
        self, message: str = "", *, method: str = "", path: str = "", body_excerpt: str = ""
    ) -> None:
        super().__init__(message or f"unexpected response body on {method} {path}")
        self.method = method
        self.path = path
        self.body_excerpt = body_excerpt[:BODY_EXCERPT_MAX]


class PaginationError(TerrateamError):
    """The server's pagination cannot be followed (a cursor that does not advance)."""


class ArtifactError(TerrateamError):
    """An artifact is missing, malformed, or its chunks do not add up."""


class ChecksumMismatchError(ArtifactError):
    """An artifact chunk or the whole artifact does not match its recorded checksum."""


class IncompleteArtifactError(ArtifactError):
    """A ttm-layout upload to the key was interrupted (or is still running): what is stored
    may be a prefix of the file, so it is not returned (see docs/ttm-compat.md)."""


class TaskError(TerrateamError):
    """Base of the errors of ``tasks.wait`` and ``work_manifests.wait``."""


class TaskFailedError(TaskError):
    """The task ended ``failed`` or ``aborted``; ``result`` holds the final object."""

    def __init__(self, message: str = "", *, result: Any = None) -> None:
        super().__init__(message)
        self.result = result


class TaskTimeoutError(TaskError):
    """The task did not reach a final state before the wait's timeout."""


_BY_STATUS: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    429: RateLimitError,
}


def status_error_class(status: int) -> type[APIStatusError]:
    """Return the error class for an HTTP status (without per-operation overrides)."""
    if status in _BY_STATUS:
        return _BY_STATUS[status]
    if 500 <= status <= 599:
        return ServerError
    return UnexpectedStatusError
