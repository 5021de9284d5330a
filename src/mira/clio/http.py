"""Build the httpx clients MIRA uses for outbound calls.

Every outbound HTTP client comes from build_http_client, so timeouts and redirect handling are
set once and no code path can hang on a stalled connection.
"""

import httpx

DEFAULT_USER_AGENT = "MIRA/0.1 (+https://admin.miranow.ai)"

# Connecting should be quick even when Clio is slow to respond, so a dead host fails fast.
MAX_CONNECT_TIMEOUT_SECONDS = 10.0


def build_http_client(
    *,
    timeout: float = 30.0,
    transport: httpx.BaseTransport | None = None,
    user_agent: str = DEFAULT_USER_AGENT,
) -> httpx.Client:
    """Return an httpx.Client with explicit timeouts (in seconds) that never follows redirects.

    Redirects are not followed so the Authorization header can never be forwarded to another
    host. Pass `transport` to send through a custom httpx transport.
    """
    if timeout <= 0:
        raise ValueError(f"timeout must be a positive number of seconds, got {timeout!r}.")

    timeouts = httpx.Timeout(
        connect=min(timeout, MAX_CONNECT_TIMEOUT_SECONDS),
        read=timeout,
        write=timeout,
        pool=timeout,
    )
    return httpx.Client(
        timeout=timeouts,
        transport=transport,
        follow_redirects=False,
        headers={"User-Agent": user_agent, "Accept": "application/json"},
    )
