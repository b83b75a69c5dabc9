"""Client-side stop sequences, for backends that cannot (fully) apply them server-side."""

from __future__ import annotations


def cut_at_stop(text: str, stop: list[str] | None) -> tuple[str, bool]:
    """Cut ``text`` before the earliest occurrence of any stop string, as a model would have stopped there.

    Returns the text and whether a stop string was found. The stop string itself is not included, matching the
    OpenAI API and llama.cpp.
    """
    positions = [i for i in (text.find(s) for s in stop or [] if s) if i >= 0]
    if not positions:
        return text, False
    return text[: min(positions)], True
