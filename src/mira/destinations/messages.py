"""Plain messages that the Add to Clio popup shows the admin, one per outcome, each with the next step."""

import re

STATE_INVALID = (
    "This authorization did not start from this browser session, or it took longer than 10 minutes. "
    "Close this window and click Add to Clio again."
)
ACCESS_DENIED = (
    "You chose DENY ACCESS in Clio, so MIRA is not connected. "
    "Close this window and click Add to Clio again, then choose ALLOW ACCESS."
)
CODE_MISSING = (
    "Clio sent MIRA back without an authorization code, so MIRA is not connected. "
    "Close this window and click Add to Clio again."
)
CREDENTIALS_CHANGED = (
    "The Clio credentials on the Destination page changed while this authorization was in progress. "
    "Close this window and click Add to Clio again."
)
INVALID_CLIENT = (
    "Clio did not accept the Client ID and Client Secret, so MIRA is not connected. "
    "Open your app's page in Clio's developer portal, copy the Client ID and Client Secret again into "
    "the Destination page, and click Add to Clio again."
)
INVALID_GRANT = (
    "The authorization code from Clio has expired or was already used, so MIRA is not connected. "
    "Close this window and click Add to Clio again."
)
CLIO_UNREACHABLE = (
    "MIRA could not reach Clio, so it is not connected. "
    "Close this window, wait a minute, and click Add to Clio again."
)
REGION_UNAVAILABLE = (
    "The region saved for this connection is not available in this installation. "
    "Choose your firm's Clio region on the Destination page and click Add to Clio again."
)
CONNECTED = "Connection successful"

# The popup's messages start their next step with "Close this window". The Destination page shows
# the same failure as its last problem, and it has no window to close.
_CLOSE_WINDOW_STEPS = (
    ("Close this window and click", "Click"),
    ("Close this window, wait a minute, and click", "Wait a minute, then click"),
    ("Close this window and", "Then"),
)


def for_page(message: str) -> str:
    """Return a popup message reworded for the Destination page."""
    for popup_words, page_words in _CLOSE_WINDOW_STEPS:
        message = message.replace(popup_words, page_words)
    return message

# Clio's `error` redirect parameter is echoed into the message, so only a short code is allowed.
_SAFE_ERROR_CODE = re.compile(r"^[a-z_]{1,40}$")


def clio_declined(error_code: str) -> str:
    """Describe an authorization error other than access_denied that Clio sent back."""
    shown = error_code if _SAFE_ERROR_CODE.match(error_code or "") else "unknown"
    return (
        f"Clio did not authorize MIRA (Clio's error code: {shown}). "
        "Close this window and click Add to Clio again. If this keeps happening, check the app's "
        "Redirect URI and permissions in Clio's developer portal against the Destination page."
    )


def token_request_failed(error_code: str) -> str:
    """Describe a token-endpoint error other than invalid_client and invalid_grant."""
    shown = error_code if _SAFE_ERROR_CODE.match(error_code or "") else "unknown"
    return (
        f"Clio rejected MIRA's request for access (Clio's error code: {shown}), so MIRA is not connected. "
        "Close this window and click Add to Clio again. If this keeps happening, contact MATTEROOM Customer Success."
    )
