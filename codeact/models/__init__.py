"""Model backends: embedded GGUF models on llama.cpp, any OpenAI-compatible server, and a scripted test double.

``resolve_model`` turns what a user typed (nothing, a catalogue name, a ``.gguf`` path, or a server model name)
into a ``Model``; everything else in codeact only calls ``complete``.
"""

from __future__ import annotations

import os
from functools import partial
from pathlib import Path
from typing import Any

from codeact.models.base import Completion, Message, Model, ModelError, ToolCall, Usage
from codeact.models.catalog import CATALOG, DEFAULT_MODEL
from codeact.models.fetch import ModelInfo, fetch_model, list_models
from codeact.models.llama import LlamaCppModel
from codeact.models.scripted import ScriptedModel

__all__ = [
    "DEFAULT_MODEL",
    "Completion",
    "LlamaCppModel",
    "Message",
    "Model",
    "ModelError",
    "ModelInfo",
    "OpenAICompatibleModel",
    "ScriptedModel",
    "ToolCall",
    "Usage",
    "embedded_model",
    "fetch_model",
    "list_models",
    "resolve_model",
]


def __getattr__(name: str) -> Any:
    """``OpenAICompatibleModel`` is imported on first use: the openai SDK costs ~0.5 s to import, which every
    command would pay (``codeact --help`` included) while most runs use the embedded model."""
    if name == "OpenAICompatibleModel":
        from codeact.models.openai_compat import OpenAICompatibleModel

        return OpenAICompatibleModel
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def embedded_model(name: str = DEFAULT_MODEL, **kwargs: Any) -> LlamaCppModel:
    """A catalogue model on llama.cpp; it is downloaded on its first completion, not here."""
    if name not in CATALOG:
        raise _unknown(name)
    return LlamaCppModel(partial(fetch_model, name), name=name, **kwargs)


def resolve_model(
    name: str | None = None, base_url: str | None = None, api_key: str | None = None, **kwargs: Any
) -> Model:
    """Pick the backend for ``name``.

    An explicit ``base_url`` always means an OpenAI-compatible server. Otherwise: no name is the default embedded
    model, a catalogue name is that embedded model, an existing ``.gguf`` path is a local llama.cpp model, and any
    other name goes to ``$OPENAI_BASE_URL`` when that is set. ``kwargs`` go to the backend's constructor.
    """
    if base_url:
        if not name:
            raise ModelError(f"--base-url {base_url} needs a model name (an id the server lists at /v1/models)")
        return __getattr__("OpenAICompatibleModel")(name, base_url=base_url, api_key=api_key, **kwargs)
    if name is None or name in CATALOG:
        return embedded_model(name or DEFAULT_MODEL, **kwargs)
    path = Path(name).expanduser()
    if path.suffix == ".gguf":
        if not path.is_file():
            raise ModelError(f"model file not found: {path}")
        return LlamaCppModel(path, **kwargs)
    if os.environ.get("OPENAI_BASE_URL"):
        return __getattr__("OpenAICompatibleModel")(name, api_key=api_key, **kwargs)
    raise _unknown(name)


def _unknown(name: str) -> ModelError:
    return ModelError(
        f"unknown model {name!r}: embedded models are {', '.join(CATALOG)}; pass a .gguf path, "
        "or --base-url for an OpenAI-compatible server"
    )
