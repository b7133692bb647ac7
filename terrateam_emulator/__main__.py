"""``terrateam-emulator serve`` / ``python -m terrateam_emulator``: run the emulator."""

from __future__ import annotations

import argparse
import contextlib
import os
import secrets
import socket
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from terrateam_emulator.server.settings import EmulatorSettings

__all__ = ["build_parser", "db_url_of", "main"]

DEV_TOKEN_ENV = "TERRATEAM_EMULATOR_DEV_TOKEN"
_PROG = "terrateam-emulator"


class UsageError(Exception):
    """A bad flag or an environment problem: printed as one line, exit 2."""


def db_url_of(value: str | None) -> str:
    """The SQLAlchemy URL for ``--db``: a URL as given, a plain path as a SQLite file.

    No ``--db`` means a private in-memory database, empty at every start.
    """
    if not value or value == ":memory:":
        return "sqlite://"
    if "://" in value:
        return value
    return f"sqlite:///{Path(value).expanduser().resolve()}"


def describe_db(url: str) -> str:
    """What the start-up banner says about the database (no password)."""
    import sqlalchemy as sa

    parsed = sa.make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database in (None, "", ":memory:"):
        return "in memory (starts empty, gone at exit; --db PATH keeps data)"
    if parsed.get_backend_name() == "sqlite":
        return f"{parsed.database} (SQLite, persistent, mode 0600)"
    return f"{parsed.render_as_string(hide_password=True)} (persistent)"


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of ``terrateam-emulator``."""
    parser = argparse.ArgumentParser(
        prog="terrateam-emulator",
        description="A local, faithful Terrateam API server (for tests, demos and CI).",
    )
    sub = parser.add_subparsers(dest="command")
    serve = sub.add_parser("serve", help="run the server (the default command)")
    cov = sub.add_parser("coverage", help="print which upstream operations are emulated")
    cov.add_argument("spec", help="path to the upstream terrateam-openapi.json")
    cov.add_argument("--output", help="write the Markdown page to this file")
    conf = sub.add_parser(
        "conformance", help="check any Terrateam server against the contract (docs/conformance.md)"
    )
    from terrateam_emulator.conformance import add_arguments

    add_arguments(conf)
    for p in (parser, serve):
        _add_serve_options(p)
    return parser


def _add_serve_options(p: argparse.ArgumentParser) -> None:
    d = argparse.SUPPRESS if p.prog != "terrateam-emulator" else None
    p.add_argument("--host", default=d or "127.0.0.1", help="bind address (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=d or 0, help="port; 0 picks a free one")
    p.add_argument(
        "--db",
        default=d,
        metavar="PATH|URL",
        help="keep data in this SQLite file (its directory must exist) or database URL "
        "(sqlite:///PATH, postgresql+psycopg://USER@HOST/DB); default: in memory, empty at "
        "every start",
    )
    p.add_argument("--seed", default=d, help="'demo' or a YAML/JSON seed file")
    p.add_argument("--token-ttl", type=float, default=d or 60.0, help="access-token lifetime (s)")
    p.add_argument(
        "--edition", choices=["enterprise", "oss"], default=d or "enterprise", help="edition"
    )
    p.add_argument(
        "--select-mode",
        choices=["faithful", "intended"],
        default=d or "faithful",
        help="KV select: faithful (500, as upstream) or intended (JSONPath projection)",
    )
    p.add_argument("--port-file", default=d, help="write the chosen port to this file (0600)")
    p.add_argument("--api-key-file", default=d, help="write the demo API key to this file (0600)")
    p.add_argument(
        "--dev-token-file",
        default=d,
        help="write the developer-API token to this file (0600); send it as X-Emulator-Token "
        f"from non-loopback clients (value: ${DEV_TOKEN_ENV}, else random)",
    )
    p.add_argument(
        "--no-dev-api",
        action="store_true",
        default=d or False,
        help="turn off the developer API (/_emulator/ answers 404)",
    )
    p.add_argument(
        "--max-body",
        type=int,
        default=d,
        metavar="BYTES",
        help="answer 413 to request bodies larger than BYTES (default: no limit)",
    )
    p.add_argument("--log-level", default=d or "warning", help="uvicorn log level")
    p.add_argument(
        "--workers",
        type=int,
        default=d or 1,
        help="worker processes (more than 1 needs a PostgreSQL --db)",
    )


def write_private(path: str, text: str, flag: str) -> None:
    """Write ``text`` to ``path`` atomically, mode 0600, never through a symlink.

    A temporary file next to ``path`` (created exclusively, not following links) is renamed
    over it, so a reader sees the whole text or nothing, and a symlink planted at ``path`` is
    replaced rather than followed.
    """
    target = Path(path)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    try:
        fd = os.open(tmp, flags, 0o600)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(text)
            os.replace(tmp, target)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
    except OSError as exc:
        raise UsageError(f"{flag} {path}: cannot write it ({exc.strerror})") from None


def _is_loopback_bind(host: str) -> bool:
    from terrateam_emulator.server.devguard import is_loopback_host

    return is_loopback_host(host)


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, start serving, and block until interrupted."""
    try:
        return _main(argv)
    except UsageError as exc:
        print(f"{_PROG}: {exc}", file=sys.stderr)
        return 2
    except ModuleNotFoundError as exc:
        from terrateam_core._extras import missing_extra

        error = missing_extra(exc, _PROG)
        if error is None:
            raise
        print(error, file=sys.stderr)
        return 1


def _main(argv: list[str] | None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "conformance":
        from terrateam_emulator import conformance

        return conformance.main(args)
    if args.command == "coverage":
        from terrateam_emulator.server.coverage import write_coverage

        text = write_coverage(Path(args.spec), Path(args.output) if args.output else None)
        print(text, end="")
        return 0
    import uvicorn

    from terrateam_emulator.server.protocol import coalescing_h11_protocol
    from terrateam_emulator.server.settings import EmulatorSettings

    db_url = db_url_of(args.db)
    if args.workers < 1:
        raise UsageError("--workers must be at least 1")
    if args.workers > 1 and not db_url.startswith("postgresql"):
        raise UsageError(
            "--workers > 1 needs a PostgreSQL database (--db postgresql+psycopg://…): the "
            "default in-memory database and SQLite files cannot be shared by several processes"
        )
    if args.max_body is not None and args.max_body < 1:
        raise UsageError("--max-body must be a positive number of bytes")
    seed: str | Path | None = args.seed
    if seed is not None and seed != "demo":
        seed = Path(seed)
    dev_api = not args.no_dev_api
    if args.dev_token_file and not dev_api:
        raise UsageError("--dev-token-file: the developer API is off (--no-dev-api)")
    dev_token = (os.environ.get(DEV_TOKEN_ENV) or secrets.token_urlsafe(32)) if dev_api else None
    settings = EmulatorSettings(
        db_url=db_url,
        token_ttl=args.token_ttl,
        edition=args.edition,
        select_mode=args.select_mode,
        seed=seed,
        signing_key=os.environ.get("TERRATEAM_EMULATOR_SIGNING_KEY"),
        dev_api=dev_api,
        dev_token=dev_token,
        max_body=args.max_body,
        workers=args.workers,
    )
    app = _create_app(settings)
    if app.state.emulator.shared:
        # Counters and faults of a previous run (or of dead workers) do not carry over.
        app.state.emulator.stats.reset()
        app.state.emulator.faults.clear()
    sock = _bind(args.host, args.port)
    port = sock.getsockname()[1]
    host = f"[{args.host}]" if ":" in args.host else args.host
    url = f"http://{host}:{port}"
    loopback = _is_loopback_bind(args.host)
    if not loopback:
        dev = (
            "it answers only requests carrying the dev token (X-Emulator-Token, see "
            "--dev-token-file)"
            if dev_api
            else "it is off (--no-dev-api)"
        )
        print(
            f"{_PROG}: warning: --host {args.host} is not a loopback address: other machines "
            f"can reach the Terrateam API; the developer API (/_emulator/): {dev}",
            file=sys.stderr,
            flush=True,
        )
    print(f"Terrateam emulator listening on {url}", flush=True)
    print(f"  TERRATEAM_BASE_URL={url}", flush=True)
    print(f"  database: {describe_db(db_url)}", flush=True)
    if args.port_file:
        write_private(args.port_file, f"{port}\n", "--port-file")
    key = app.state.emulator.demo_api_key
    if key is not None:
        # A local development key for the demo user, printed on purpose: it opens only this server.
        print(f"  TERRATEAM_API_KEY={key}", flush=True)
        if args.api_key_file:
            write_private(args.api_key_file, key + "\n", "--api-key-file")
    if dev_token is not None:
        if args.dev_token_file:
            write_private(args.dev_token_file, dev_token + "\n", "--dev-token-file")
        if not loopback:
            # Needed from other machines; printed like the demo key (a local secret).
            print(f"  {DEV_TOKEN_ENV}={dev_token}", flush=True)
    if args.workers > 1:
        from terrateam_emulator.server.workers import serve_workers

        app.state.emulator.db.dispose()  # the workers open their own connections
        with contextlib.suppress(KeyboardInterrupt):
            serve_workers(settings, sock, args.workers, log_level=args.log_level)
        return 0
    config = uvicorn.Config(
        app,
        http=coalescing_h11_protocol(),
        server_header=False,
        log_level=args.log_level,
        lifespan="off",
        access_log=False,
    )
    with contextlib.suppress(KeyboardInterrupt):
        uvicorn.Server(config).run(sockets=[sock])
    return 0


def _create_app(settings: EmulatorSettings) -> Any:
    """`create_app`, with database problems as one-line `UsageError`s naming ``--db``."""
    import sqlalchemy as sa

    from terrateam_emulator.server.app import create_app
    from terrateam_emulator.storage.engine import DatabaseUnavailable

    try:
        return create_app(settings)
    except DatabaseUnavailable as exc:
        raise UsageError(f"--db: {exc}") from None
    except (sa.exc.ArgumentError, sa.exc.NoSuchModuleError) as exc:
        raise UsageError(
            f"--db {settings.db_url!r} is not a database URL ({exc}): give a file path, "
            "sqlite:///PATH or postgresql+psycopg://USER@HOST/DB"
        ) from None
    except ImportError as exc:
        from terrateam_core._extras import extra_of, install_command

        extra = extra_of(exc)
        fix = f": {install_command(extra)}" if extra else ""
        raise UsageError(f"--db: the database driver is not installed ({exc.name}){fix}") from None


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP so asyncio sets TCP_NODELAY on accepted sockets (no 40 ms delayed-ACK stalls).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise UsageError(f"--host {host} --port {port}: cannot listen ({exc.strerror})") from None
    return sock


if __name__ == "__main__":
    sys.exit(main())
