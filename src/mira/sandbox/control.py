"""`mira sandbox-control`: call a running sandbox's control API over HTTP.

This module imports no Django code, so the command works without MIRA's settings or database.
"""

import argparse
import json
import logging
import os
import sys
from typing import Any
from urllib.parse import urlencode

import httpx

logger = logging.getLogger(__name__)

DEFAULT_URL = "http://127.0.0.1:8001"
KEY_HEADER = "X-Sandbox-Control-Key"
KEY_ENVIRONMENT_VARIABLE = "MIRA_SANDBOX_CONTROL_KEY"


class ControlError(Exception):
    """The control API returned an error or could not be reached."""


class ControlClient:
    """A small client for the control API of one sandbox."""

    def __init__(self, base_url: str = DEFAULT_URL, key: str | None = None, timeout: float = 30.0) -> None:
        headers = {KEY_HEADER: key} if key else {}
        self.base_url = base_url.rstrip("/")
        self.http = httpx.Client(base_url=self.base_url, headers=headers, timeout=timeout)

    def close(self) -> None:
        self.http.close()

    def call(self, method: str, path: str, payload: dict[str, Any] | None = None) -> Any:
        """Send one control request and return its JSON body; raise ControlError on failure."""
        try:
            response = self.http.request(method, f"/_sandbox/{path}", json=payload if method == "POST" else None)
        except httpx.HTTPError as error:
            raise ControlError(f"Could not reach the sandbox at {self.base_url}: {error}. Is `mira sandbox` running there?") from None
        try:
            body = response.json()
        except ValueError:
            raise ControlError(f"The sandbox returned HTTP {response.status_code} without JSON for {method} /_sandbox/{path}.") from None
        if response.is_error:
            message = (body.get("error") or {}).get("message") if isinstance(body, dict) else None
            raise ControlError(f"HTTP {response.status_code} for {method} /_sandbox/{path}: {message or body}")
        return body


def _drop_empty(values: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in values.items() if value is not None}


def _request_for(args: argparse.Namespace) -> tuple[str, str, dict[str, Any] | None]:
    """Return the method, control path and JSON body for the parsed command line."""
    group, action = args.group, getattr(args, "action", None)
    if group == "matter":
        if action == "list":
            return "GET", "matters" + _query_string({"query": args.query, "status": args.status}), None
        if action == "create":
            return "POST", "matters", _drop_empty({
                "client_id": args.client_id, "description": args.description, "number": args.number,
                "display_number": args.display_number, "responsible_attorney_id": args.responsible_attorney_id,
            })
        if action == "edit":
            return "POST", f"matters/{args.id}/edit", _drop_empty({"description": args.description, "client_id": args.client_id})
        if action == "renumber":
            return "POST", f"matters/{args.id}/renumber", _drop_empty({"number": args.number, "display_number": args.display_number})
        return "POST", f"matters/{args.id}/{action}", {}
    if group == "user":
        if action == "list":
            return "GET", "users" + _query_string({"query": args.query}), None
        if action == "add":
            return "POST", "users", _drop_empty({
                "first_name": args.first_name, "last_name": args.last_name, "email": args.email,
                "subscription_type": args.subscription_type, "rate": args.rate,
            })
        return "POST", f"users/{args.id}/{action}", {}
    if group == "activity":
        if action == "list":
            return "GET", "activities" + _query_string({"matter_id": args.matter_id, "user_id": args.user_id}), None
        if action == "bill":
            return "POST", "activities/bill", {"activity_ids": args.ids}
        if action == "edit":
            return "POST", f"activities/{args.id}/edit", _drop_empty({
                "note": args.note, "quantity": args.quantity, "date": args.date, "price": args.price,
            })
        return "POST", f"activities/{args.id}/delete", {}
    if group == "fault":
        if action == "add":
            return "POST", "faults", _fault_spec(args)
        return ("GET", "faults", None) if action == "list" else ("DELETE", "faults", None)
    return ("DELETE", "stats", None) if args.reset else ("GET", "stats", None)


def _query_string(parameters: dict[str, Any]) -> str:
    present = {key: value for key, value in parameters.items() if value not in (None, "")}
    return "?" + urlencode(present) if present else ""


def _fault_spec(args: argparse.Namespace) -> dict[str, Any]:
    spec: dict[str, Any] = {"path": args.path, "method": args.method}
    if args.script:
        spec["script"] = [item.strip() for item in args.script.split(",") if item.strip()]
    if args.random:
        try:
            spec["random"] = parse_probabilities(args.random)
        except ValueError as error:
            raise argparse.ArgumentTypeError(f"--{error}") from None
    for name in ("seed", "burst", "delay_ms", "hold_ms", "retry_after", "truncate_at"):
        value = getattr(args, name)
        if value is not None:
            spec[name] = value
    return spec


def parse_probabilities(text: str) -> dict[str, float]:
    """Parse "429=0.1,drop=0.05" into {outcome: probability}; raise ValueError naming a bad item.

    The CLI and the control page both accept this form, so both use this one parser.
    """
    probabilities = {}
    for item in text.split(","):
        name, _, value = item.partition("=")
        try:
            probabilities[name.strip()] = float(value)
        except ValueError:
            raise ValueError(
                f"random item {item.strip()!r} is invalid; write outcome=probability, like 429=0.1,drop=0.05."
            ) from None
    return probabilities


def run(args: argparse.Namespace) -> int:
    """Run one parsed `sandbox-control` command; print the JSON result and return the exit status."""
    try:
        method, path, payload = _request_for(args)
    except argparse.ArgumentTypeError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2

    client = ControlClient(args.url, key=args.key or os.environ.get(KEY_ENVIRONMENT_VARIABLE))
    try:
        body = client.call(method, path, payload)
    except ControlError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    finally:
        client.close()
    print(json.dumps(body, indent=2, ensure_ascii=False))
    return 0


def add_parser(commands: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add the `sandbox-control` command and its actions to the `mira` parser."""
    parser = commands.add_parser(
        "sandbox-control", help="Change a running sandbox's data, script faults and read request counts.",
    )
    parser.add_argument("--url", default=DEFAULT_URL, help=f"Base URL of the sandbox (default {DEFAULT_URL}).")
    parser.add_argument("--key", help=f"Control key, if the sandbox requires one (default: ${KEY_ENVIRONMENT_VARIABLE}).")
    groups = parser.add_subparsers(dest="group", required=True)
    _add_matter_parsers(groups)
    _add_user_parsers(groups)
    _add_activity_parsers(groups)
    _add_fault_parsers(groups)
    stats = groups.add_parser("stats", help="Print requests served per endpoint and status.")
    stats.add_argument("--reset", action="store_true", help="Reset the counts to zero instead.")
    parser.set_defaults(handler=run)
    return parser


def _add_matter_parsers(groups: argparse._SubParsersAction) -> None:
    matter = groups.add_parser("matter", help="List, create, edit, renumber, close, reopen, pend or delete matters.")
    actions = matter.add_subparsers(dest="action", required=True)
    listing = actions.add_parser("list", help="List matters with their ids (at most 50).")
    listing.add_argument("--query", help="Text in the display number or description.")
    listing.add_argument("--status", choices=("open", "pending", "closed"))
    create = actions.add_parser("create", help="Create an Open matter.")
    create.add_argument("--client-id", type=int, required=True, help="Id of the client contact.")
    create.add_argument("--description", required=True, help="Matter description.")
    create.add_argument("--number", type=int, help="Matter number (default: the next free number).")
    create.add_argument("--display-number", help="Display number (default: 5-digit number and client name).")
    create.add_argument("--responsible-attorney-id", type=int, help="Id of the responsible attorney.")
    edit = actions.add_parser("edit", help="Change the description and/or client.")
    edit.add_argument("id", type=int)
    edit.add_argument("--description")
    edit.add_argument("--client-id", type=int)
    renumber = actions.add_parser("renumber", help="Change number and/or display_number.")
    renumber.add_argument("id", type=int)
    renumber.add_argument("--number", type=int)
    renumber.add_argument("--display-number")
    for name, text in (("close", "Set status Closed."), ("reopen", "Set status Open."), ("pend", "Set status Pending."),
                       ("delete", "Delete the matter and its activities.")):
        actions.add_parser(name, help=text).add_argument("id", type=int)


def _add_user_parsers(groups: argparse._SubParsersAction) -> None:
    user = groups.add_parser("user", help="List, add, disable or enable users.")
    actions = user.add_subparsers(dest="action", required=True)
    actions.add_parser("list", help="List users with their ids (at most 50).").add_argument(
        "--query", help="Text in the name or email.")
    add = actions.add_parser("add", help="Add an enabled user (password clio-sandbox).")
    add.add_argument("--first-name", required=True)
    add.add_argument("--last-name", required=True)
    add.add_argument("--email", required=True)
    add.add_argument("--subscription-type", choices=("Attorney", "NonAttorney"), default="Attorney")
    add.add_argument("--rate", help="Hourly rate, e.g. 250.00.")
    actions.add_parser("disable", help="Disable a user; their tokens stop working.").add_argument("id", type=int)
    actions.add_parser("enable", help="Enable a disabled user.").add_argument("id", type=int)


def _add_activity_parsers(groups: argparse._SubParsersAction) -> None:
    activity = groups.add_parser("activity", help="List, bill, edit or delete activities inside Clio.")
    actions = activity.add_subparsers(dest="action", required=True)
    listing = actions.add_parser("list", help="List activities with their ids (at most 50).")
    listing.add_argument("--matter-id", type=int)
    listing.add_argument("--user-id", type=int)
    bill = actions.add_parser("bill", help="Put activities of one matter on a new draft bill.")
    bill.add_argument("ids", type=int, nargs="+", help="Activity ids.")
    edit = actions.add_parser("edit", help="Change note, duration, date or price.")
    edit.add_argument("id", type=int)
    edit.add_argument("--note")
    edit.add_argument("--quantity", type=int, help="Duration in seconds.")
    edit.add_argument("--date", help="Date as YYYY-MM-DD.")
    edit.add_argument("--price", help="Hourly price, e.g. 300.00.")
    actions.add_parser("delete", help="Delete an activity.").add_argument("id", type=int)


def _add_fault_parsers(groups: argparse._SubParsersAction) -> None:
    fault = groups.add_parser("fault", help="Add, list or clear fault rules.")
    actions = fault.add_subparsers(dest="action", required=True)
    add = actions.add_parser("add", help="Add a fault rule for one endpoint or a path prefix.")
    add.add_argument("--path", required=True, help="Path such as /api/v4/matters.json, or a prefix ending in *.")
    add.add_argument("--method", default="*", help="HTTP method to match (default: any).")
    mode = add.add_mutually_exclusive_group(required=True)
    mode.add_argument("--script", help="Next responses, e.g. 429,429,ok,503 (also slow, slow:MS, timeout, drop, truncate, revoke).")
    mode.add_argument("--random", help="Probabilities per outcome, e.g. 429=0.1,503=0.05,drop=0.02.")
    add.add_argument("--seed", type=int, help="Seed for --random, so a run repeats exactly.")
    add.add_argument("--burst", type=int, help="With --random, how many 429s in a row once one is drawn (default 1).")
    add.add_argument("--delay-ms", type=int, help="Delay of 'slow' in milliseconds (default 2000).")
    add.add_argument("--hold-ms", type=int, help="How long 'timeout' holds the response, in milliseconds (default 60000).")
    add.add_argument("--retry-after", type=int, help="Retry-After of a 429, in seconds (default 1).")
    add.add_argument("--truncate-at", type=int, help="Bytes of body that 'truncate' sends (default 20).")
    actions.add_parser("list", help="List the fault rules and how many responses each has served.")
    actions.add_parser("clear", help="Remove all fault rules and release held responses.")
