"""Benchmark the Clio sandbox at scale: seed time, and the time to serve a page of 200 matters over HTTP.

Usage: python bench/sandbox_scale.py [--matters 100000] [--contacts 50000] [--users 300] [--seed 7] [--requests 200]

It uses a fresh SQLite database in a temporary data directory, deleted afterwards (or in --data-dir,
kept), starts the sandbox on a free port of 127.0.0.1 and prints one JSON object with the results.
"""

import argparse
import json
import os
import secrets
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

PAGE_FIELDS = "id,etag,number,display_number,description,status,client{id,name},updated_at"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--matters", type=int, default=100_000, help="Matters to seed (default 100000).")
    parser.add_argument("--contacts", type=int, default=50_000, help="Contacts to seed (default 50000).")
    parser.add_argument("--users", type=int, default=300, help="Users to seed (default 300).")
    parser.add_argument("--seed", type=int, default=7, help="Random seed (default 7).")
    parser.add_argument("--requests", type=int, default=200, help="Timed page requests (default 200).")
    parser.add_argument("--data-dir", help="Data directory for the database (default: a new temporary one).")
    return parser.parse_args(argv)


def setup_django(data_dir: Path) -> None:
    os.environ["MIRA_DATA_DIR"] = str(data_dir)
    os.environ.setdefault("MIRA_SECRET_KEY", "bench-only-" + secrets.token_hex(24))
    if "MIRA_ENCRYPTION_KEYS" not in os.environ:
        from cryptography.fernet import Fernet

        os.environ["MIRA_ENCRYPTION_KEYS"] = Fernet.generate_key().decode()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mira.settings")
    import django

    django.setup()


def seed(matters: int, contacts: int, users: int, seed_value: int) -> float:
    """Migrate an empty database, seed it and return the seconds the seed took."""
    from django.core.management import call_command

    from mira.sandbox.seed import ensure_seeded

    call_command("migrate", interactive=False, verbosity=0)
    started = time.perf_counter()
    created = ensure_seeded(seed=seed_value, matters=matters, contacts=contacts, users=users)
    elapsed = time.perf_counter() - started
    if not created:
        raise SystemExit("The database already contains sandbox data; use an empty --data-dir.")
    return elapsed


def issue_access_token() -> str:
    """Create a developer app and a grant for the account owner directly in the database; return the token."""
    import datetime

    from django.utils import timezone

    from mira.sandbox.models import AccessToken, DeveloperApp, Grant, SandboxUser, hash_token

    owner = SandboxUser.objects.get(account_owner=True)
    app = DeveloperApp.objects.create(
        owner=owner, name="Benchmark", website_url="https://bench.example.test",
        redirect_uris=["http://127.0.0.1/callback"], permissions={"matters": "read"},
        client_id=secrets.token_hex(16), client_secret=secrets.token_hex(16),
    )
    grant = Grant.objects.create(app=app, user=owner, refresh_token_hash=hash_token(secrets.token_urlsafe(32)))
    token = secrets.token_urlsafe(32)
    AccessToken.objects.create(
        grant=grant, token_hash=hash_token(token), expires_at=timezone.now() + datetime.timedelta(hours=1)
    )
    return token


def time_pages(base_url: str, token: str, count: int) -> list[float]:
    """Request the first page of 200 matters `count` times; return each request's milliseconds."""
    headers = {"Authorization": f"Bearer {token}"}
    params = {"limit": 200, "order": "id(asc)", "fields": PAGE_FIELDS}
    timings = []
    with httpx.Client(base_url=base_url, headers=headers, timeout=30) as client:
        client.get("/api/v4/matters.json", params=params).raise_for_status()
        for _ in range(count):
            started = time.perf_counter()
            response = client.get("/api/v4/matters.json", params=params)
            timings.append((time.perf_counter() - started) * 1000)
            response.raise_for_status()
            if len(response.json()["data"]) != min(200, response.json()["meta"]["records"]):
                raise SystemExit("The page contained fewer matters than expected; check the sandbox log.")
    return timings


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))
    return ordered[index]


def run(args: argparse.Namespace) -> dict:
    setup_django(Path(args.data_dir))
    from django.conf import settings

    from mira.sandbox.testing import running_sandbox

    # The benchmark sends more requests than Clio's 50 per minute, and rate limiting is not what it measures.
    settings.MIRA_SANDBOX_RATE_LIMIT = 10**9
    seed_seconds = seed(args.matters, args.contacts, args.users, args.seed)
    token = issue_access_token()
    with running_sandbox() as server:
        timings = time_pages(server.base_url, token, args.requests)
    return {
        "matters": args.matters, "contacts": args.contacts, "users": args.users, "seed": args.seed,
        "seed_seconds": round(seed_seconds, 2), "page_requests": len(timings),
        "page_median_ms": round(statistics.median(timings), 2), "page_p95_ms": round(percentile(timings, 0.95), 2),
        "cpu_count": os.cpu_count(),
    }


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    temporary = args.data_dir is None
    if temporary:
        args.data_dir = tempfile.mkdtemp(prefix="mira-bench-")
    try:
        result = run(args)
    finally:
        if temporary:
            from django.db import connections

            connections.close_all()
            shutil.rmtree(args.data_dir, ignore_errors=True)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
