"""Run the demo: prepare the data directory, then start and watch the four MIRA processes."""

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

STARTUP_TIMEOUT_SECONDS = 60
STOP_TIMEOUT_SECONDS = 15


@dataclass
class Child:
    name: str
    arguments: list[str]
    log_path: Path
    process: subprocess.Popen | None = None


def _port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _wait_for_port(port: int, deadline: float) -> bool:
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.2)
    return False


def _demo_environment(port: int, sandbox_port: int, data_dir: Path) -> dict[str, str]:
    environment = dict(os.environ)
    # The demo always runs on the embedded SQLite database in its own data directory.
    environment.pop("DATABASE_URL", None)
    environment.pop("MIRA_SECRET_KEY", None)
    environment.pop("MIRA_ENCRYPTION_KEYS", None)
    environment["MIRA_DATA_DIR"] = str(data_dir)
    environment["MIRA_PUBLIC_BASE_URL"] = f"http://127.0.0.1:{port}"
    environment["MIRA_SANDBOX_URL"] = f"http://127.0.0.1:{sandbox_port}"
    environment.setdefault("MIRA_EMAIL_BACKEND", "file")
    environment["DJANGO_SETTINGS_MODULE"] = "mira.settings"
    return environment


def _prepare(data_dir: Path) -> tuple[str, list]:
    """Apply migrations and create the demo firm and the sandbox's data; return the Account ID and logins."""
    import django

    django.setup()
    from django.core.management import call_command

    from mira.demo import DEMO_LOGINS, ensure_demo_firm
    from mira.sandbox.seed import ensure_seeded

    call_command("migrate", interactive=False, verbosity=0)
    firm = ensure_demo_firm()
    ensure_seeded()
    return firm.account_id, list(DEMO_LOGINS)


def _print_banner(port: int, sandbox_port: int, data_dir: Path, account_id: str, logins: list) -> None:
    from mira.demo import DEMO_PASSWORD

    print()
    print(f"MIRA portal:        http://127.0.0.1:{port}/")
    print(f"Clio sandbox:       http://127.0.0.1:{sandbox_port}/  (developer portal: /developers/)")
    print(f"Demo Account ID:    {account_id}")
    print()
    print(f"Portal sign-ins (password {DEMO_PASSWORD}):")
    for login in logins:
        print(f"  {login.role.label:<20} {login.email}")
    print("Clio sandbox sign-in: benjamin.lee@harborvale.test (password clio-sandbox)")
    print()
    print(f"Data, logs and sent emails are in {data_dir}")
    print("Press Ctrl-C to stop.")
    sys.stdout.flush()


def _start(child: Child, environment: dict[str, str]) -> None:
    log = open(child.log_path, "ab")
    child.process = subprocess.Popen(
        [sys.executable, "-m", "mira.cli", *child.arguments],
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        # Own process group, so a Ctrl-C in the terminal reaches only the supervisor, which then
        # stops the children in order instead of all of them racing each other.
        start_new_session=True,
    )
    log.close()


def _stop_all(children: list[Child]) -> None:
    for child in children:
        if child.process and child.process.poll() is None:
            child.process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
    for child in children:
        if not child.process:
            continue
        try:
            child.process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            print(f"{child.name} did not stop within {STOP_TIMEOUT_SECONDS} s; killing it.")
            child.process.kill()
            child.process.wait()


def _tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def run_demo(*, port: int, sandbox_port: int, data_dir: Path) -> int:
    for wanted in (port, sandbox_port):
        if not _port_is_free(wanted):
            print(f"Port {wanted} on 127.0.0.1 is already in use. Stop the program using it, "
                  "or pick other ports with --port and --sandbox-port.", file=sys.stderr)
            return 2

    from mira.core import config

    data_dir.mkdir(parents=True, exist_ok=True)
    config.write_missing_keys(data_dir)
    environment = _demo_environment(port, sandbox_port, data_dir)
    os.environ.update(environment)
    for name in ("DATABASE_URL", "MIRA_SECRET_KEY", "MIRA_ENCRYPTION_KEYS"):
        os.environ.pop(name, None)

    print(f"Preparing the demo in {data_dir} ...")
    sys.stdout.flush()
    account_id, logins = _prepare(data_dir)

    log_dir = data_dir / "logs"
    log_dir.mkdir(exist_ok=True)
    children = [
        Child("Clio sandbox", ["sandbox", "--port", str(sandbox_port), "--no-migrate"], log_dir / "sandbox.log"),
        Child("Portal", ["serve", "--port", str(port)], log_dir / "portal.log"),
        Child("Worker", ["worker"], log_dir / "worker.log"),
        Child("Scheduler", ["scheduler"], log_dir / "scheduler.log"),
    ]

    stopping = False

    def request_stop(signum, frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)

    for child in children:
        _start(child, environment)

    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    if not (_wait_for_port(sandbox_port, deadline) and _wait_for_port(port, deadline)):
        print("The portal or the sandbox did not start in time. Their logs:", file=sys.stderr)
        for child in children[:2]:
            print(f"--- {child.log_path}\n{_tail(child.log_path)}", file=sys.stderr)
        _stop_all(children)
        return 1

    _print_banner(port, sandbox_port, data_dir, account_id, logins)

    exit_code = 0
    while not stopping:
        for child in children:
            if child.process.poll() is not None:
                print(f"{child.name} stopped unexpectedly (exit code {child.process.returncode}). "
                      f"Last lines of {child.log_path}:\n{_tail(child.log_path)}", file=sys.stderr)
                stopping = True
                exit_code = 1
                break
        time.sleep(0.5)

    print("Stopping ...")
    _stop_all(children)
    print("Stopped.")
    return exit_code
