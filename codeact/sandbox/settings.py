"""Sandbox settings shared by the CLI, the library and the interpreter launcher."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal


@dataclass(frozen=True)
class Mount:
    """A host folder exposed inside the sandbox at the same path."""

    path: Path
    read_only: bool = False

    @classmethod
    def parse(cls, spec: str) -> Mount:
        """``PATH`` or ``PATH:ro`` (the CLI's ``--mount``)."""
        path, _, mode = spec.rpartition(":") if spec.endswith((":ro", ":rw")) else (spec, "", "rw")
        return cls(Path(path).expanduser().resolve(), read_only=mode == "ro")


@dataclass(frozen=True)
class SandboxSettings:
    kind: Literal["bwrap", "none"] = "bwrap"
    network: bool = False
    memory_bytes: int = 2 * 1024**3
    cpu_seconds_per_action: int = 600
    max_processes: int = 256
    max_file_bytes: int = 1024**3
    max_open_files: int = 1024
    mounts: tuple[Mount, ...] = field(default_factory=tuple)
    tmp_bytes: int = 512 * 1024**2
    """Size of the sandbox's private ``/tmp`` and ``/dev/shm`` (each a RAM-backed tmpfs, so this bounds RAM too)."""


def parse_size(text: str) -> int:
    """``2G``, ``512M``, ``1.5GiB``, or a plain byte count."""
    t = text.strip().upper().removesuffix("IB").removesuffix("B")
    units = {"K": 1024, "M": 1024**2, "G": 1024**3, "T": 1024**4}
    try:
        if t and t[-1] in units:
            return int(float(t[:-1]) * units[t[-1]])
        return int(t)
    except ValueError:
        raise ValueError(f"cannot read size {text!r}: use e.g. 512M or 2G") from None
