import httpx
import pytest

from mira.clio import ClioRequestError, build_http_client


def test_http_client_timeouts_and_redirects():
    with build_http_client(timeout=20.0) as client:
        assert client.timeout == httpx.Timeout(connect=10.0, read=20.0, write=20.0, pool=20.0)
        assert client.follow_redirects is False
        assert client.headers["User-Agent"] == "MIRA/0.1 (+https://admin.miranow.ai)"


def test_http_client_short_timeout_caps_connect():
    with build_http_client(timeout=2.0, user_agent="MIRA-test") as client:
        assert client.timeout.connect == 2.0
        assert client.headers["User-Agent"] == "MIRA-test"


def test_http_client_rejects_non_positive_timeout():
    with pytest.raises(ValueError, match="timeout"):
        build_http_client(timeout=0)


def test_redirect_is_not_followed(clio_server, make_client):
    clio_server.reply(302, headers={"Location": f"{clio_server.url}/elsewhere"})

    with pytest.raises(ClioRequestError) as raised:
        make_client().get("matters.json")

    assert raised.value.status_code == 302
    assert len(clio_server.received) == 1
