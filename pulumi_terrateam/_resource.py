"""Program-side helpers shared by the resource classes (options and argument merging)."""

from __future__ import annotations

import copy
from dataclasses import fields
from typing import Any

import pulumi

__all__ = ["get_options", "resolve_args", "with_connection", "with_secret_outputs"]


def with_secret_outputs(
    opts: pulumi.ResourceOptions | None, secret_outputs: tuple[str, ...]
) -> pulumi.ResourceOptions:
    """Return ``opts`` with ``secret_outputs`` added to ``additional_secret_outputs``.

    A dynamic provider cannot return secret outputs itself (pulumi/pulumi#3012), so the
    resource asks the engine to encrypt them.
    """
    # ResourceOptions.merge concatenates lists, so copy and set the field directly.
    opts = copy.copy(opts) if opts is not None else pulumi.ResourceOptions()
    existing = list(opts.additional_secret_outputs or [])
    opts.additional_secret_outputs = existing + [n for n in secret_outputs if n not in existing]
    return opts


def resolve_args(args_type: type, args: Any, kwargs: dict[str, Any]) -> dict[str, Any]:
    """Merge an ``*Args`` instance and keyword arguments into a props dict.

    Keyword arguments win over fields of ``args``; unknown keywords raise ``TypeError``.
    """
    names = [f.name for f in fields(args_type)]
    unknown = sorted(set(kwargs) - set(names))
    if unknown:
        raise TypeError(f"{args_type.__name__} has no field(s) {', '.join(unknown)}")
    # Every field is a prop (None when unset) so that each is an attribute of the resource.
    values = {name: getattr(args, name) if args is not None else None for name in names}
    values.update(kwargs)
    return values


def with_connection(
    props: dict[str, Any], secret_outputs: tuple[str, ...]
) -> tuple[dict[str, Any], tuple[str, ...]]:
    """Turn a ``connection=`` argument into the ``connection`` input (key as a secret).

    The ``connection`` output is then secret too, so the key is encrypted in the state.

    Raises:
        TypeError: ``connection`` is not a :class:`~pulumi_terrateam.Connection`.
    """
    from pulumi_terrateam.connection import CONNECTION_KEY, Connection

    conn = props.get(CONNECTION_KEY)
    if conn is None:
        return props, secret_outputs
    if not isinstance(conn, Connection):
        raise TypeError(
            f"connection must be a pulumi_terrateam.Connection, got {type(conn).__name__}"
        )
    return {**props, CONNECTION_KEY: conn.as_input()}, (*secret_outputs, CONNECTION_KEY)


def get_options(
    opts: pulumi.ResourceOptions | None, id_: pulumi.Input[str]
) -> pulumi.ResourceOptions:
    """``opts`` with ``id`` set: the SDK then reads the object instead of managing it."""
    return pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(id=id_))
