"""Whether the bubblewrap sandbox can start here; sandbox tests skip with the reason where it cannot.

In CI a missing sandbox is an error, not a skip (see conftest.py): CI must never go green while testing nothing.
"""

from __future__ import annotations

import pytest

from codeact.sandbox import SandboxSettings, SandboxUnavailable, check_sandbox_available

try:
    check_sandbox_available(SandboxSettings())
    BWRAP_MISSING = ""
except SandboxUnavailable as exc:
    BWRAP_MISSING = str(exc)

needs_bwrap = pytest.mark.skipif(bool(BWRAP_MISSING), reason=BWRAP_MISSING)
