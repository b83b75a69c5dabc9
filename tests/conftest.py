"""Shared fixtures. The embedded model is fetched by the suite itself so CI on a fresh machine works."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from codeact.models import fetch_model


@pytest.fixture(scope="session")
def embedded_small_model_path() -> Path:
    """The 0.5B embedded GGUF, downloaded into the user cache on first use (~0.5 GB, seconds on a fast link)."""
    return fetch_model("qwen2.5-coder-0.5b", progress=False)


def pytest_configure(config: pytest.Config) -> None:
    """In CI the sandbox must work: a skipped sandbox suite would let a broken install pass."""
    from sandbox_support import BWRAP_MISSING

    if os.environ.get("CI") and BWRAP_MISSING:
        pytest.exit(f"the bubblewrap sandbox cannot start in CI: {BWRAP_MISSING}", returncode=1)
