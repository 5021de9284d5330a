import ast
import subprocess
import sys
from pathlib import Path

import mira.clio

PACKAGE_DIR = Path(mira.clio.__file__).parent


def test_import_loads_no_django():
    code = "import mira.clio, sys; assert not any(m.startswith('django') for m in sys.modules), 'django imported'"

    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)

    assert result.returncode == 0, result.stderr


def test_import_loads_no_other_mira_package():
    code = (
        "import mira.clio, sys; "
        "others = sorted(m for m in sys.modules if m.startswith('mira.') and not m.startswith('mira.clio')); "
        "assert not others, others"
    )

    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)

    assert result.returncode == 0, result.stderr


def test_source_imports_only_allowed_packages():
    # Catches imports that are inside functions, which the subprocess checks would miss.
    offenders = []
    for path in sorted(PACKAGE_DIR.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            for name in names:
                if name.startswith("django") or (name.startswith("mira") and not name.startswith("mira.clio")):
                    offenders.append(f"{path.name}: {name}")

    assert offenders == []


def test_public_names_are_exported():
    expected = {
        "Region", "REGION_CODES", "get_region", "ClioError", "ClioTransportError", "ClioRateLimitedError",
        "ClioServerError", "ClioAuthenticationError", "ClioPermissionError", "ClioNotFoundError",
        "ClioRequestError", "ClioOutcomeUnknownError", "ClioPagingLimitError", "OAuthError",
        "UnknownRegionError", "AppCredentials", "TokenSet", "build_authorize_url", "exchange_code",
        "refresh_tokens", "deauthorize", "build_http_client", "TokenSource", "StaticTokenSource", "ClioClient",
    }

    assert expected <= set(mira.clio.__all__)
    for name in expected:
        assert hasattr(mira.clio, name), name
