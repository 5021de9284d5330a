"""Client library for Clio Manage API v4: regions, OAuth, errors and the API client.

Plain Python on httpx. It imports nothing from Django or from other MIRA packages, so the portal,
the sync engine and scripts can all use it.
"""

from mira.clio.client import ClioClient, StaticTokenSource, TokenSource
from mira.clio.errors import (
    ClioAuthenticationError,
    ClioError,
    ClioNotFoundError,
    ClioOutcomeUnknownError,
    ClioPagingLimitError,
    ClioPermissionError,
    ClioRateLimitedError,
    ClioRequestError,
    ClioServerError,
    ClioTransportError,
    OAuthError,
    UnknownRegionError,
)
from mira.clio.http import build_http_client
from mira.clio.oauth import (
    AppCredentials,
    TokenSet,
    build_authorize_url,
    deauthorize,
    exchange_code,
    refresh_tokens,
)
from mira.clio.regions import REGION_CODES, Region, get_region

__all__ = [
    "REGION_CODES",
    "AppCredentials",
    "ClioAuthenticationError",
    "ClioClient",
    "ClioError",
    "ClioNotFoundError",
    "ClioOutcomeUnknownError",
    "ClioPagingLimitError",
    "ClioPermissionError",
    "ClioRateLimitedError",
    "ClioRequestError",
    "ClioServerError",
    "ClioTransportError",
    "OAuthError",
    "Region",
    "StaticTokenSource",
    "TokenSet",
    "TokenSource",
    "UnknownRegionError",
    "build_authorize_url",
    "build_http_client",
    "deauthorize",
    "exchange_code",
    "get_region",
    "refresh_tokens",
]
