"""Shared fixtures. The embedded model is fetched by the suite itself so CI on a fresh machine works."""

from __future__ import annotations

from pathlib import Path

import pytest

from codeact.models import fetch_model


@pytest.fixture(scope="session")
def embedded_small_model_path() -> Path:
    """The 0.5B embedded GGUF, downloaded into the user cache on first use (~0.5 GB, seconds on a fast link)."""
    return fetch_model("qwen2.5-coder-0.5b", progress=False)
