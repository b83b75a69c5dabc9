"""Final answers, the same way in every format: ``<solution>...</solution>``, or LaTeX ``\\boxed{...}``.

Math-tuned models answer with ``\\boxed{}`` whatever the prompt says; accepting it in every format (not only in
``code``) keeps the format comparison controlled.
"""

from __future__ import annotations

import re

from codeact.formats.base import Action

_SOLUTION = re.compile(r"<solution>(.*?)(?:</solution>|\Z)", re.DOTALL | re.IGNORECASE)


def find_solution(text: str) -> re.Match[str] | None:
    """The first ``<solution>`` block; an unclosed one runs to the end of the reply."""
    return _SOLUTION.search(text)


def without_solutions(text: str) -> str:
    """``text`` with every ``<solution>`` block blanked out (same length), so a call quoted inside an answer is
    never taken for an action while offsets into the text stay valid."""
    return _SOLUTION.sub(lambda m: " " * len(m.group(0)), text)


def answer_action(text: str) -> Action | None:
    """The reply's non-empty ``<solution>``, else its last non-empty ``\\boxed{}``, as an answer."""
    if (match := find_solution(text)) and (answer := match.group(1).strip()):
        return Action(thought=text[: match.start()].strip(), answer=answer)
    if boxed := _boxed(text):
        return Action(thought=text[: boxed[0]].strip(), answer=boxed[1])
    return None


def _boxed(text: str) -> tuple[int, str] | None:
    """(offset, content) of the last non-empty ``\\boxed{...}``, braces balanced."""
    start = text.rfind("\\boxed{")
    while start != -1:
        depth, i = 0, start + len("\\boxed")
        for j in range(i, len(text)):
            depth += {"{": 1, "}": -1}.get(text[j], 0)
            if depth == 0:
                answer = text[i + 1 : j].strip()
                if answer:
                    return start, answer
                break
        start = text.rfind("\\boxed{", 0, start)
    return None
