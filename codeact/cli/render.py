"""Live, readable rendering of agent events in the terminal (rich)."""

from __future__ import annotations

from rich.console import Console
from rich.markdown import Markdown
from rich.panel import Panel
from rich.syntax import Syntax
from rich.text import Text

from codeact.agent.events import (
    Event,
    Executed,
    Finished,
    ModelReplied,
    Reminded,
    TurnStarted,
)

_OBSERVATION_LINES = 40


class LiveView:
    """Prints each turn as it happens: the model's thought, its code, the output, then the answer."""

    def __init__(self, console: Console, max_turns: int):
        self.console = console
        self.max_turns = max_turns

    def show(self, event: Event) -> None:
        c = self.console
        if isinstance(event, TurnStarted):
            c.rule(f"[bold]turn {event.turn}/{self.max_turns}", style="dim")
        elif isinstance(event, ModelReplied):
            a, u = event.action, event.completion.usage
            if a.thought:
                c.print(Markdown(a.thought), style="italic")
            if a.code:
                c.print(Panel(Syntax(a.code, "python", theme="monokai", line_numbers=False),
                              title="code", title_align="left", border_style="cyan"))
            c.print(Text(f"{event.seconds:.1f} s · {u.evaluated_prompt_tokens} prompt tokens evaluated "
                         f"({u.cached_tokens} cached) · {u.completion_tokens} generated", style="dim"))
        elif isinstance(event, Executed):
            ex = event.execution
            lines = ex.observation().splitlines()
            shown = "\n".join(lines[:_OBSERVATION_LINES])
            if len(lines) > _OBSERVATION_LINES:
                shown += f"\n… {len(lines) - _OBSERVATION_LINES} more lines (full text in the trajectory)"
            c.print(Panel(Text(shown), title=f"output · {ex.seconds:.2f} s", title_align="left",
                          border_style="green" if ex.ok else "red"))
        elif isinstance(event, Reminded):
            c.print(Text("reply had no code and no answer: format reminder sent", style="yellow"))
        elif isinstance(event, Finished):
            r = event.result
            if r.status == "answered":
                c.print(Panel(Text(r.answer or ""), title="answer", title_align="left", border_style="bold green"))
            else:
                c.print(Panel(Text(r.error or r.status), title=r.status, title_align="left", border_style="bold red"))
            c.print(Text(f"{r.turns} turns · {r.seconds:.1f} s (model {r.model_seconds:.1f} s, code "
                         f"{r.execution_seconds:.1f} s) · {r.usage.prompt_tokens} prompt / "
                         f"{r.usage.completion_tokens} generated tokens · trajectory {r.trajectory_path}",
                         style="dim"))
