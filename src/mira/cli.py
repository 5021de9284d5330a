"""The `mira` command: the demo, and the portal, worker, scheduler and Clio sandbox one by one."""

import argparse
import os
import signal
import sys
from pathlib import Path

DEFAULT_PORT = 8000
DEFAULT_SANDBOX_PORT = 8001


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mira.settings")
    import django

    django.setup()


def _port(value: str) -> int:
    try:
        port = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a port number; use a whole number from 1 to 65535.")
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{port} is out of range; use a port from 1 to 65535.")
    return port


def _positive(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number.")
    if number < 1:
        raise argparse.ArgumentTypeError(f"{number} must be 1 or more.")
    return number


def _raise_keyboard_interrupt(signum, frame):
    raise KeyboardInterrupt


def command_demo(args: argparse.Namespace) -> int:
    from mira import supervisor

    return supervisor.run_demo(
        port=args.port, sandbox_port=args.sandbox_port, data_dir=Path(args.data_dir).resolve()
    )


def command_serve(args: argparse.Namespace) -> int:
    _setup_django()
    import logging

    from django.contrib.staticfiles.handlers import StaticFilesHandler
    from django.core.wsgi import get_wsgi_application
    from waitress import serve

    logger = logging.getLogger("mira.serve")
    application = StaticFilesHandler(get_wsgi_application())
    # waitress stops cleanly on KeyboardInterrupt only, so SIGTERM (from `mira demo` or a process
    # manager) is turned into one.
    signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)
    logger.info("Portal listening on http://%s:%s", args.host, args.port)
    try:
        serve(application, host=args.host, port=args.port, threads=args.threads, ident="MIRA")
    except KeyboardInterrupt:
        pass
    logger.info("Portal stopped")
    return 0


def command_worker(args: argparse.Namespace) -> int:
    _setup_django()
    from django.core.management import call_command

    call_command("db_worker", queue_name="*", interval=args.interval, reload=False)
    return 0


def command_scheduler(args: argparse.Namespace) -> int:
    _setup_django()
    import logging
    import threading

    from mira.sync.scheduler import run_scheduler

    logger = logging.getLogger("mira.scheduler")
    stop = threading.Event()

    def request_stop(signum, frame):
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    logger.info("Scheduler started, checking every %s s", args.interval)
    run_scheduler(stop, interval_seconds=args.interval)
    logger.info("Scheduler stopped")
    return 0


def command_sandbox(args: argparse.Namespace) -> int:
    from mira.core import config

    # The sandbox is a local stand-in, so a first start generates its keys rather than failing.
    # MIRA_SECRET_KEY and MIRA_ENCRYPTION_KEYS, when set, still take precedence over the files.
    for name in config.write_missing_keys(config.data_dir()):
        print(f"Wrote {config.data_dir() / name}")
    _setup_django()
    from django.core.management import call_command

    from mira.sandbox.seed import ensure_seeded
    from mira.sandbox.server import serve

    if args.migrate:
        call_command("migrate", interactive=False, verbosity=0)
    try:
        ensure_seeded(seed=args.seed, matters=args.matters, contacts=args.contacts, users=args.users)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    serve(args.host, args.port)
    return 0


def command_init_keys(args: argparse.Namespace) -> int:
    from cryptography.fernet import Fernet

    from mira.core import config

    if args.print:
        print(Fernet.generate_key().decode())
        return 0
    directory = config.data_dir()
    created = config.write_missing_keys(directory)
    for name in created:
        print(f"Wrote {directory / name}")
    if not created:
        print(f"Keys already exist in {directory}; nothing changed.")
    return 0


def command_manage(args: argparse.Namespace) -> int:
    _setup_django()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["mira manage", *args.arguments])
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mira", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    demo = commands.add_parser("demo", help="Run the portal, worker, scheduler and Clio sandbox together on SQLite.")
    demo.add_argument("--port", type=_port, default=DEFAULT_PORT, help="Portal port (default 8000).")
    demo.add_argument("--sandbox-port", type=_port, default=DEFAULT_SANDBOX_PORT,
                      help="Clio sandbox port (default 8001).")
    demo.add_argument("--data-dir", default=os.environ.get("MIRA_DATA_DIR", ".mira"),
                      help="Folder for the database, keys, logs and sent emails (default .mira).")
    demo.set_defaults(handler=command_demo)

    serve = commands.add_parser("serve", help="Run the portal web server.")
    serve.add_argument("--host", default="127.0.0.1", help="Address to listen on (default 127.0.0.1).")
    serve.add_argument("--port", type=_port, default=DEFAULT_PORT, help="Port to listen on (default 8000).")
    serve.add_argument("--threads", type=_positive, default=8, help="Request threads (default 8).")
    serve.set_defaults(handler=command_serve)

    worker = commands.add_parser("worker", help="Run a background worker for sync and delivery jobs.")
    worker.add_argument("--interval", type=float, default=1.0,
                        help="Seconds to wait between polls of an empty queue (default 1).")
    worker.set_defaults(handler=command_worker)

    scheduler = commands.add_parser("scheduler", help="Queue scheduled syncs and pending deliveries.")
    scheduler.add_argument("--interval", type=float, default=30.0,
                           help="Seconds between checks (default 30).")
    scheduler.set_defaults(handler=command_scheduler)

    sandbox = commands.add_parser("sandbox", help="Run the built-in Clio sandbox.")
    sandbox.add_argument("--host", default="127.0.0.1", help="Address to listen on (default 127.0.0.1).")
    sandbox.add_argument("--port", type=_port, default=DEFAULT_SANDBOX_PORT, help="Port (default 8001).")
    sandbox.add_argument("--seed", type=int, default=1, help="Random seed for the sample data (default 1).")
    sandbox.add_argument("--matters", type=_positive, default=180,
                         help="Number of matters to create on first start (default 180).")
    sandbox.add_argument("--contacts", type=_positive, default=None,
                         help="Number of contacts to create on first start, at least 19 (default 76).")
    sandbox.add_argument("--users", type=_positive, default=None,
                         help="Number of users to create on first start, the six named users first (default 6).")
    sandbox.add_argument("--no-migrate", dest="migrate", action="store_false",
                         help="Skip applying database migrations before starting.")
    sandbox.set_defaults(handler=command_sandbox)

    from mira.sandbox import control

    control.add_parser(commands)

    keys = commands.add_parser("init-keys", help="Write a secret key and an encryption key into the data directory.")
    keys.add_argument("--print", action="store_true", help="Print a new Fernet key instead of writing files.")
    keys.set_defaults(handler=command_init_keys)

    manage = commands.add_parser("manage", help="Run a Django management command, e.g. `mira manage migrate`.")
    manage.add_argument("arguments", nargs=argparse.REMAINDER)
    manage.set_defaults(handler=command_manage)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
