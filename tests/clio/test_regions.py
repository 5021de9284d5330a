import pytest

from mira.clio import REGION_CODES, UnknownRegionError, get_region


@pytest.mark.parametrize(
    ("code", "app_url", "portal_url"),
    [
        ("us", "https://app.clio.com", "https://developers.clio.com"),
        ("eu", "https://eu.app.clio.com", "https://eu.developers.clio.com"),
        ("ca", "https://ca.app.clio.com", "https://ca.developers.clio.com"),
        ("au", "https://au.app.clio.com", "https://au.developers.clio.com"),
    ],
)
def test_region_urls(code, app_url, portal_url):
    region = get_region(code)

    assert region.code == code
    assert region.app_url == app_url
    assert region.developer_portal_url == portal_url
    assert region.api_url == f"{app_url}/api/v4"
    assert region.authorize_url == f"{app_url}/oauth/authorize"
    assert region.token_url == f"{app_url}/oauth/token"
    assert region.deauthorize_url == f"{app_url}/oauth/deauthorize"


def test_region_codes_cover_production_regions():
    assert REGION_CODES == ("us", "eu", "ca", "au")
    assert [get_region(code).name for code in REGION_CODES] == ["United States", "Europe", "Canada", "Australia"]


def test_sandbox_region_uses_given_url():
    region = get_region("sandbox", sandbox_url="http://127.0.0.1:8001/")

    assert region.code == "sandbox"
    assert region.app_url == "http://127.0.0.1:8001"
    assert region.api_url == "http://127.0.0.1:8001/api/v4"
    assert region.token_url == "http://127.0.0.1:8001/oauth/token"
    assert region.developer_portal_url == "http://127.0.0.1:8001/developers/"


def test_sandbox_region_without_url_raises():
    with pytest.raises(UnknownRegionError, match="sandbox"):
        get_region("sandbox")


def test_sandbox_region_rejects_non_http_url():
    with pytest.raises(UnknownRegionError, match="ftp://example"):
        get_region("sandbox", sandbox_url="ftp://example")


def test_unknown_region_names_value_and_valid_codes():
    with pytest.raises(UnknownRegionError) as raised:
        get_region("uk")

    message = str(raised.value)
    assert "'uk'" in message
    for code in REGION_CODES:
        assert code in message
    assert isinstance(raised.value, ValueError)
    assert "Destination page" in raised.value.user_message
