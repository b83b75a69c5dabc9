"""What one action sent back over iopub, gathered into an ``Execution``.

Streams go into bounded head/tail buffers; the last expression's ``text/plain`` is the result; an ``error`` message
is the (already trimmed) traceback; ``image/png`` display data is saved as a file; the runtime's end-of-action
message (``ACTION_MIME``) brings the final answer, the figures it saved and the tails of the capped streams.
"""

from __future__ import annotations

import base64
import binascii
import os
from pathlib import Path
from typing import Any

from codeact.sandbox.base import Execution
from codeact.sandbox.kernel_side import ACTION_MIME, FinalAnswer
from codeact.sandbox.output import HeadTail, fit, strip_ansi


class ActionOutput:
    """Feed it the iopub messages of one execute request; ``execution()`` builds the result."""

    def __init__(self, workdir: Path, output_limit: int, max_file_bytes: int = 1024**3) -> None:
        self.max_file_bytes = max_file_bytes
        self.workdir = workdir
        self.limit = output_limit
        self.streams = {"stdout": HeadTail(output_limit), "stderr": HeadTail(output_limit)}
        self.result: str | None = None
        self.error: str | None = None
        self.answer: str | None = None
        self.figures: list[Path] = []
        self.idle = False

    def handle(self, msg: dict[str, Any]) -> None:
        kind, content = msg["msg_type"], msg["content"]
        if kind == "stream":
            self.streams.get(content.get("name"), self.streams["stdout"]).feed(content.get("text", ""))
        elif kind == "execute_result":
            self.result = content["data"].get("text/plain")
        elif kind in ("display_data", "update_display_data"):
            self._display(content["data"])
        elif kind == "error":
            self.error = "\n".join(content.get("traceback") or []) or f"{content['ename']}: {content['evalue']}"
        elif kind == "status" and content.get("execution_state") == "idle":
            self.idle = True

    def handle_reply(self, content: dict[str, Any]) -> None:
        """The shell reply: only needed when an error produced no iopub ``error`` (exception groups)."""
        ename = content.get("ename")
        if content.get("status") == "error" and self.error is None and ename not in (None, FinalAnswer.__name__):
            self.error = f"{ename}: {content.get('evalue', '')}"

    def _display(self, data: dict[str, Any]) -> None:
        if ACTION_MIME in data:
            info = data[ACTION_MIME]
            self.answer = info.get("answer")
            self.figures += [self.workdir / name for name in info.get("figures", []) if Path(name).name == name]
            for name, (dropped, tail) in info.get("tails", {}).items():
                self.streams[name].gap(dropped)
                self.streams[name].feed(tail)
        elif "image/png" in data:
            self._save_image(data["image/png"])
        elif "text/plain" in data:
            self.streams["stdout"].feed(data["text/plain"] + "\n")

    def _save_image(self, encoded: str) -> None:
        try:
            png = base64.b64decode(encoded, validate=False)
        except (binascii.Error, ValueError):
            return
        if len(png) > self.max_file_bytes:
            return
        n = 1
        while True:
            path = self.workdir / f"image-{n}.png"
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
            except FileExistsError:
                n += 1
                continue
            break
        with os.fdopen(fd, "wb") as f:
            f.write(png)
        self.figures.append(path)

    def execution(self, seconds: float, **flags: Any) -> Execution:
        """Cut everything to ``output_limit`` characters in total, sharing the budget fairly among fields."""
        fields = [self.streams["stdout"], self.streams["stderr"]]
        for text in (self.result, self.error):
            buffer = HeadTail(self.limit)
            buffer.feed(text or "")
            fields.append(buffer)
        shares = fit([len(f) for f in fields], self.limit)
        texts, cut = [], 0
        for field, share in zip(fields, shares, strict=True):
            text, lost = field.render(share)
            texts.append(strip_ansi(text))
            cut += lost
        stdout, stderr, result, error = texts
        return Execution(stdout=stdout, stderr=stderr, result=result if self.result is not None else None,
                         error=error if self.error is not None else None, figures=self.figures,
                         answer=self.answer, truncated_chars=cut, seconds=seconds, **flags)
