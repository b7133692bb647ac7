"""``terrateam-emulator serve`` / ``python -m terrateam_emulator``: run the emulator."""

from __future__ import annotations

import argparse
import contextlib
import os
import socket
import sys
from pathlib import Path

__all__ = ["build_parser", "default_db_url", "main"]


def default_db_url() -> str:
    """A SQLite file under the user's data directory (created if needed)."""
    import platformdirs

    base = Path(platformdirs.user_data_dir("terrateam-emulator"))
    base.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{base / 'emulator.db'}"


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
    p.add_argument("--db", default=d, help="SQLAlchemy URL; sqlite:// = in memory")
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
    p.add_argument("--port-file", default=d, help="write the chosen port to this file")
    p.add_argument("--api-key-file", default=d, help="write the demo API key to this file (0600)")
    p.add_argument("--log-level", default=d or "warning", help="uvicorn log level")
    p.add_argument(
        "--workers",
        type=int,
        default=d or 1,
        help="worker processes (more than 1 needs a PostgreSQL --db)",
    )


def _write_private(path: str, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(text)


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, start serving, and block until interrupted."""
    args = build_parser().parse_args(argv)
    if args.command == "conformance":
        from terrateam_emulator import conformance

        return conformance.main(args)
    if args.command == "coverage":
        from terrateam_emulator._coverage import write_coverage

        text = write_coverage(Path(args.spec), Path(args.output) if args.output else None)
        print(text, end="")
        return 0
    import uvicorn

    from terrateam_emulator._app import create_app
    from terrateam_emulator._protocol import coalescing_h11_protocol
    from terrateam_emulator._settings import EmulatorSettings

    db_url = args.db or default_db_url()
    if args.workers < 1:
        print("terrateam-emulator: --workers must be at least 1", file=sys.stderr)
        return 2
    if args.workers > 1 and not db_url.startswith("postgresql"):
        print(
            "terrateam-emulator: --workers > 1 needs a PostgreSQL database "
            "(--db postgresql+psycopg://…): SQLite state cannot be shared by several processes",
            file=sys.stderr,
        )
        return 2
    seed: str | Path | None = args.seed
    if seed is not None and seed != "demo":
        seed = Path(seed)
    settings = EmulatorSettings(
        db_url=db_url,
        token_ttl=args.token_ttl,
        edition=args.edition,
        select_mode=args.select_mode,
        seed=seed,
        signing_key=os.environ.get("TERRATEAM_EMULATOR_SIGNING_KEY"),
    )
    app = create_app(settings)
    if app.state.emulator.shared:
        # Counters and faults of a previous run (or of dead workers) do not carry over.
        app.state.emulator.stats.reset()
        app.state.emulator.faults.clear()
    family = socket.AF_INET6 if ":" in args.host else socket.AF_INET
    # IPPROTO_TCP so asyncio sets TCP_NODELAY on accepted sockets (no 40 ms delayed-ACK stalls).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((args.host, args.port))
    port = sock.getsockname()[1]
    host = f"[{args.host}]" if ":" in args.host else args.host
    url = f"http://{host}:{port}"
    print(f"Terrateam emulator listening on {url}", flush=True)
    print(f"  TERRATEAM_BASE_URL={url}", flush=True)
    if args.port_file:
        Path(args.port_file).write_text(f"{port}\n", encoding="utf-8")
    key = app.state.emulator.demo_api_key
    if key is not None:
        # A local development key for the demo user, printed on purpose (issue 2).
        print(f"  TERRATEAM_API_KEY={key}", flush=True)
        if args.api_key_file:
            _write_private(args.api_key_file, key + "\n")
    if args.workers > 1:
        from terrateam_emulator._workers import serve_workers

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


if __name__ == "__main__":
    sys.exit(main())
