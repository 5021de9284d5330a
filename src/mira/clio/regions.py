"""Clio Manage regions and the URLs each one serves.

A Clio account lives in one region, and its tokens work only against that region's host, so the
region is stored with the app credentials and the tokens.
"""

from dataclasses import dataclass
from urllib.parse import urlsplit

from mira.clio.errors import UnknownRegionError

SANDBOX_CODE = "sandbox"


@dataclass(frozen=True)
class Region:
    """One Clio Manage region: where its web app, API and developer portal live."""

    code: str
    name: str
    app_url: str
    developer_portal_url: str

    @property
    def api_url(self) -> str:
        return f"{self.app_url}/api/v4"

    @property
    def authorize_url(self) -> str:
        return f"{self.app_url}/oauth/authorize"

    @property
    def token_url(self) -> str:
        return f"{self.app_url}/oauth/token"

    @property
    def deauthorize_url(self) -> str:
        return f"{self.app_url}/oauth/deauthorize"


_REGIONS: dict[str, Region] = {
    region.code: region
    for region in (
        Region("us", "United States", "https://app.clio.com", "https://developers.clio.com"),
        Region("eu", "Europe", "https://eu.app.clio.com", "https://eu.developers.clio.com"),
        Region("ca", "Canada", "https://ca.app.clio.com", "https://ca.developers.clio.com"),
        Region("au", "Australia", "https://au.app.clio.com", "https://au.developers.clio.com"),
    )
}

REGION_CODES: tuple[str, ...] = ("us", "eu", "ca", "au")


def get_region(code: str, sandbox_url: str | None = None) -> Region:
    """Return the region for `code`, or MIRA's built-in sandbox when code is "sandbox".

    Raises UnknownRegionError for an unknown code, and for "sandbox" without a valid http(s)
    sandbox_url such as "http://127.0.0.1:8001".
    """
    normalized = code.strip().lower() if isinstance(code, str) else code

    if normalized == SANDBOX_CODE:
        return _sandbox_region(sandbox_url)

    region = _REGIONS.get(normalized)
    if region is None:
        valid = ", ".join(REGION_CODES + (SANDBOX_CODE,))
        raise UnknownRegionError(f"Unknown Clio region {code!r}. Use one of: {valid}.")
    return region


def _sandbox_region(sandbox_url: str | None) -> Region:
    if not sandbox_url:
        raise UnknownRegionError(
            "Clio region 'sandbox' needs the sandbox's base URL (for example http://127.0.0.1:8001), "
            "but none was given. Set the sandbox URL or choose another region."
        )

    parts = urlsplit(sandbox_url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise UnknownRegionError(
            f"Sandbox URL {sandbox_url!r} is not a plain http(s) base URL. "
            "Use a value like http://127.0.0.1:8001."
        )

    base_url = sandbox_url.rstrip("/")
    return Region(
        code=SANDBOX_CODE,
        name="Sandbox",
        app_url=base_url,
        developer_portal_url=f"{base_url}/developers/",
    )
