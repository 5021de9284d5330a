"""Fixtures shared by the whole suite."""

import ipaddress
import socket

import pytest

# The running Clio sandbox (`sandbox`) and the browser fixtures (`chromium`, `browser_context`,
# `portal`) are shared by several folders, so they are registered once for the whole suite.
pytest_plugins = ["tests.sandbox.fixtures", "tests.browser"]

LOCAL_NAMES = {"localhost"}


def _is_local(host) -> bool:
    if isinstance(host, bytes):
        host = host.decode()
    if host in LOCAL_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@pytest.fixture(autouse=True)
def local_network_only(monkeypatch):
    """Fail any connection to a host other than this machine, so no test can reach Clio or another host.

    Every outbound connection of httpx and the standard library resolves its host with getaddrinfo
    first, IP literals included, so refusing there covers them all.
    """
    real_getaddrinfo = socket.getaddrinfo

    def getaddrinfo(host, *args, **kwargs):
        if not _is_local(host):
            raise OSError(f"tests may only connect to this machine (127.0.0.1), not {host!r}")
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
