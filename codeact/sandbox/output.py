"""Bounded collection of an action's output on the host, and the final cut to ``output_limit`` characters.

The kernel already caps what it sends (``kernel_side.StreamCap``); this side keeps its own bound anyway, so host
memory stays at a few times ``output_limit`` per stream whatever reaches it.
"""

from __future__ import annotations

import re
from collections import deque

ANSI = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[@-Z\\-_])")


def strip_ansi(text: str) -> str:
    """Remove terminal colour and cursor sequences: the model reads plain text."""
    return ANSI.sub("", text)


class HeadTail:
    """The first and last ``cap`` characters of a stream, and how many characters fell between them."""

    def __init__(self, cap: int) -> None:
        self.cap = cap
        self.head: list[str] = []
        self.head_len = 0
        self.tail: deque[str] = deque()
        self.tail_len = 0
        self.dropped = 0
        self.head_open = True

    def feed(self, text: str) -> None:
        room = self.cap - self.head_len
        if room > 0 and self.head_open:
            part = text[:room]
            self.head.append(part)
            self.head_len += len(part)
            text = text[room:]
        if not text:
            return
        self.head_open = False
        if len(text) > self.cap:
            self.dropped += len(text) - self.cap
            text = text[-self.cap:]
        self.tail.append(text)
        self.tail_len += len(text)
        while self.tail_len - len(self.tail[0]) >= self.cap:
            self.tail_len -= len(self.tail[0])
            self.dropped += len(self.tail.popleft())

    def gap(self, missing: int) -> None:
        """``missing`` characters the kernel dropped come next; what the tail holds now is no longer the end."""
        if missing <= 0:
            return
        self.dropped += missing + self.tail_len
        self.tail.clear()
        self.tail_len = 0
        self.head_open = False

    def __len__(self) -> int:
        return self.head_len + self.tail_len + self.dropped

    def render(self, budget: int) -> tuple[str, int]:
        """At most ``budget`` characters (plus a marker) and the number of characters cut."""
        head, tail = "".join(self.head), "".join(self.tail)
        if not self.dropped and len(head) + len(tail) <= budget:
            return head + tail, 0
        keep_tail = min(len(tail), budget - min(len(head), budget // 2))
        keep_head = min(len(head), budget - keep_tail)  # a short tail leaves more room for the head
        cut = len(self) - keep_head - keep_tail
        text = f"{head[:keep_head]}\n[... {cut} characters cut ...]\n{tail[len(tail) - keep_tail:]}"
        return text, cut


def fit(sizes: list[int], budget: int) -> list[int]:
    """Share ``budget`` among fields of these sizes: small fields keep everything, large ones split the rest."""
    shares = [0] * len(sizes)
    order = sorted(range(len(sizes)), key=lambda i: sizes[i])
    left = budget
    for rank, i in enumerate(order):
        shares[i] = min(sizes[i], left // (len(sizes) - rank))
        left -= shares[i]
    return shares
