"""The CodeAct format: think in prose, act with ``<execute>`` code, answer with ``<solution>``.

Small models drift from the protocol, so the parser also accepts fenced ```python blocks and an ``<execute>``
left unclosed (the usual case: ``</execute>`` is a stop sequence, so the model stops right before writing it).
Code wins over an answer in the same reply: an answer written before seeing the code's output is a guess.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Sequence
from typing import Any

from codeact.formats.answers import answer_action
from codeact.formats.base import Action, format_reminder, observation_message
from codeact.models.base import Completion, Message
from codeact.tools import Tool

_EXECUTE = re.compile(r"<execute>(.*?)(?:</execute>|\Z)", re.DOTALL | re.IGNORECASE)
_PYTHON_FENCES = {"", "python", "python3", "py", "ipython"}

SYSTEM_PROMPT = """\
You are a helpful assistant that solves tasks by writing and running Python code.
You have a stateful Python interpreter (a Jupyter kernel): variables, imports and files persist between turns.
Each turn, think briefly in plain words, then do exactly one of:
- run code: write it between <execute> and </execute>, then stop; its output comes back in the next message:
<execute>
print(2 ** 10)
</execute>
- give the final answer once an output has confirmed it, between <solution> and </solution>, e.g. <solution>1024</solution>
  (or call final_answer(value) inside your code).
Never guess or invent outputs: compute with code, print what you need to see, and fix your code when it fails.
"""

TOOLS_HEADER = "\nThese tools are already defined as Python functions in the interpreter; call them in your code:\n"


class CodeFormat:
    name = "code"
    stop = ["</execute>", "```output"]
    """``</execute>`` ends an action; ```` ```output ```` is where models trained on notebooks start inventing the
    output of the code they just wrote, so they stop there and get the real one."""

    def system_prompt(self, tools: Sequence[Tool]) -> str:
        return SYSTEM_PROMPT + TOOLS_HEADER + self.tool_listing(tools) + "\n" if tools else SYSTEM_PROMPT

    def tool_listing(self, tools: Sequence[Tool]) -> str:
        return "\n\n".join(t.python_stub() for t in tools)

    def offer(self, tools: Sequence[Tool]) -> None:
        """Nothing to do: the interpreter defines every tool of the episode from the start."""

    def model_tools(self, tools: Sequence[Tool]) -> list[dict[str, Any]] | None:
        return None

    def parse(self, completion: Completion) -> Action:
        return parse_code_reply(completion.text)

    def assistant_message(self, completion: Completion) -> Message:
        text = completion.text
        last_open = text.lower().rfind("<execute>")
        if last_open != -1 and "</execute>" not in text.lower()[last_open:]:
            text = text.rstrip() + "\n</execute>"
        return {"role": "assistant", "content": text}

    def observation_message(self, completion: Completion, observation: str) -> Message:
        return observation_message(observation)


REMINDER = format_reminder("To run code, write it inside <execute>...</execute>.")


def parse_code_reply(text: str) -> Action:
    """Total parser: any string gives an Action (code, answer, or a reminder)."""
    if match := _EXECUTE.search(text):
        code = _dedent_code(match.group(1))
        if code:
            return Action(thought=text[: match.start()].strip(), code=code)
    blocks = _python_fences(text)
    if blocks:
        code = "\n".join(_dedent_code(body) for _, body in blocks).strip()
        if code:
            return Action(thought=text[: blocks[0][0]].strip(), code=code)
    if answer := answer_action(text):
        return answer
    return Action(thought=text.strip(), reminder=REMINDER)


def _python_fences(text: str) -> list[tuple[int, str]]:
    """(offset, body) of each fenced block tagged python (or untagged); an unclosed last fence runs to the end.

    Fences are paired line by line, so the closing fence of a ```json block is never mistaken for an opening one.
    """
    blocks: list[tuple[int, str]] = []
    offset, start, lang, body = 0, -1, "", []
    for line in text.splitlines(keepends=True):
        stripped = line.strip()
        if stripped.startswith("```"):
            if start == -1:
                start, lang, body = offset, stripped[3:].strip().lower(), []
            else:
                if lang in _PYTHON_FENCES:
                    blocks.append((start, "".join(body)))
                start = -1
        elif start != -1:
            body.append(line)
        offset += len(line)
    if start != -1 and lang in _PYTHON_FENCES:
        blocks.append((start, "".join(body)))
    return blocks


def _dedent_code(code: str) -> str:
    return textwrap.dedent(code.strip("\n")).strip()
