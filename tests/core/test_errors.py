"""The error tree: messages, pickling, reachability."""

from __future__ import annotations

import pickle

import pytest

from terrateam_core import errors
from terrateam_core.errors import (
    APIStatusError,
    KVConflictError,
    RateLimitError,
    RunTokenInactiveError,
    TaskFailedError,
    status_error_class,
)


def test_str_has_status_method_path_and_excerpt_only() -> None:
    """str(err) is '<status> <reason> on <METHOD> <path>: <body excerpt>'."""
    err = errors.NotFoundError(
        status_code=404, method="GET", path="/api/v1/tasks/x", body_excerpt="nope"
    )
    assert str(err) == "404 Not Found on GET /api/v1/tasks/x: nope"
    assert err.status_code == 404
    assert err.method == "GET"


def test_body_excerpt_is_truncated_to_500() -> None:
    """Long bodies are cut to 500 characters."""
    err = errors.ServerError(status_code=502, method="GET", path="/x", body_excerpt="a" * 5000)
    assert len(err.body_excerpt) == 500
    assert len(str(err)) < 600


def test_non_iana_status_is_kept_as_int() -> None:
    """A status like 520 maps to UnexpectedStatusError-free ServerError and keeps the int."""
    err = status_error_class(520)(status_code=520, method="GET", path="/x")
    assert isinstance(err, errors.ServerError)
    assert "520 Unknown Status" in str(err)
    err2 = status_error_class(418)(status_code=418, method="GET", path="/x")
    assert isinstance(err2, errors.UnexpectedStatusError)


@pytest.mark.parametrize(
    "err",
    [
        KVConflictError(status_code=400, method="PUT", path="/kv"),
        RateLimitError(method="GET", path="/x", retry_after=2.5),
        RunTokenInactiveError("run over", status_code=403, method="GET", path="/x"),
        TaskFailedError("failed", result={"id": "t"}),
        errors.APITimeoutError("slow", method="GET", path="/x"),
        errors.ConfigurationError("no key"),
        errors.PaginationError("stuck"),
        errors.ChecksumMismatchError("bad"),
    ],
)
def test_errors_pickle_round_trip(err: errors.TerrateamError) -> None:
    """Every error survives pickling with its class, message and fields."""
    back = pickle.loads(pickle.dumps(err))
    assert type(back) is type(err)
    assert str(back) == str(err)
    assert back.__dict__ == err.__dict__


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, errors.BadRequestError),
        (401, errors.AuthenticationError),
        (403, errors.PermissionDeniedError),
        (404, errors.NotFoundError),
        (409, errors.ConflictError),
        (429, errors.RateLimitError),
        (500, errors.ServerError),
        (503, errors.ServerError),
        (302, errors.UnexpectedStatusError),
    ],
)
def test_status_table(status: int, cls: type[APIStatusError]) -> None:
    """Each status maps to its class."""
    assert status_error_class(status) is cls


def test_every_error_class_is_exported() -> None:
    """Every class in errors.__all__ is a TerrateamError subclass exported from the package."""
    import terrateam_core

    for name in errors.__all__:
        obj = getattr(errors, name)
        if isinstance(obj, type):
            assert issubclass(obj, errors.TerrateamError)
            assert getattr(terrateam_core, name) is obj
