"""What every ``codeact`` command shares: the stderr console, one-line errors, and sandbox options."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.markup import escape

from codeact.sandbox import SandboxUnavailable, check_sandbox_available
from codeact.sandbox.settings import Mount, SandboxSettings, parse_size

console = Console(stderr=True)
"""Live views, progress and errors go to stderr, so stdout carries only results (``--json``, tables)."""


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print ``error: message`` on one line (no markup, no wrapping) and return the exit to raise."""
    console.print(f"[bold red]error:[/] {escape(message)}", soft_wrap=True, highlight=False)
    return typer.Exit(code)


def sandbox_settings(kind: str, memory: str, network: bool = False, mounts: list[str] | None = None
                     ) -> SandboxSettings:
    """Validated sandbox settings; refuses a sandbox that cannot start and warns when it is turned off."""
    if kind not in ("bwrap", "none"):
        raise fail(f"--sandbox {kind!r}: choose bwrap or none")
    try:
        settings = SandboxSettings(kind=kind, network=network, memory_bytes=parse_size(memory),  # type: ignore[arg-type]
                                   mounts=tuple(Mount.parse(m) for m in mounts or ()))
        check_sandbox_available(settings)
    except (ValueError, SandboxUnavailable) as exc:
        raise fail(str(exc)) from None
    if kind == "none":
        console.print("[yellow]warning: --sandbox none: code actions run with your user's full rights[/]")
    return settings
