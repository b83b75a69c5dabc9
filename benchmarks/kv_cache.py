"""KV-cache reuse across agent turns with an embedded model.

An agent's history only grows: system prompt, task, then (code, observation) pairs. With the llama.cpp KV prefix
reused, each turn should evaluate only the tokens appended since the model last ran (the observation and the chat
template's framing), not the whole history. This runs a scripted ~6-turn episode (real generations, canned
observations) and prints, per turn, the prompt size, the new tokens, the tokens llama.cpp actually evaluated and
their ratio (target <= 1.2x).

    .venv/bin/python benchmarks/kv_cache.py [--model qwen2.5-coder-0.5b|qwen2.5-coder-1.5b|path.gguf] [--turns 6]
"""

from __future__ import annotations

import argparse
import time

from rich.console import Console
from rich.table import Table

from codeact.formats import CodeFormat
from codeact.formats.base import OBSERVATION_NUDGE
from codeact.models import LlamaCppModel, resolve_model
from codeact.tools import tool

FORMAT = CodeFormat()
"""The agent's own format: its system prompt, stop sequences and history messages, so the cache sees real turns."""


@tool
def read_csv(path: str) -> dict:
    """Read a CSV file from the working directory into a DataFrame."""
    raise RuntimeError("the benchmark feeds canned observations; tools are only listed")


@tool
def web_search(query: str, max_results: int = 5) -> list[dict]:
    """Search the web; each result has "title", "url" and "snippet"."""
    raise RuntimeError("the benchmark feeds canned observations; tools are only listed")


TASK = (
    "Using code, find which product category had the highest total revenue in sales.csv, "
    "and by how much did it beat the second?"
)

OBSERVATIONS = [
    "   order_id    category  units  unit_price\n0      1001  electronics      2      199.99\n1      1002        books"
    "      5       12.50\n2      1003       garden      1       49.00\n3      1004  electronics      1      899.00\n"
    "4      1005        books      3        8.99\n[5 rows x 4 columns]  (total rows: 1200)",
    "Traceback (most recent call last):\n  File \"<cell>\", line 2, in <module>\n"
    "    df['revenue'] = df.units * df.price\nAttributeError: 'DataFrame' object has no attribute 'price'",
    "category\nelectronics    184230.55\ngarden          61210.00\nbooks           20450.75\ntoys            18890.10\n"
    "Name: revenue, dtype: float64",
    "electronics leads by 123020.55 (3.01x garden)",
    "Checked: no missing values in units or unit_price; 1200 rows, 4 categories.",
    "Out[7]: ('electronics', 123020.55)",
    "No output.",
]


def run(model: LlamaCppModel, turns: int) -> None:
    history = [{"role": "system", "content": FORMAT.system_prompt([read_csv, web_search])},
               {"role": "user", "content": TASK}]
    model.count_tokens(history)  # load the model outside the timed turns
    table = Table(
        title=f"KV-cache reuse per turn: {model.name}, {model.n_threads} threads",
        caption="tokens; new = prompt minus what the model evaluated last turn (its prompt and reply)",
    )
    for column in ("turn", "prompt", "new", "evaluated", "evaluated/new", "generated", "seconds"):
        table.add_column(column, justify="right")
    seen = 0
    totals = {"new": 0, "evaluated": 0, "prompt": 0}
    for turn in range(1, turns + 1):
        start = time.perf_counter()
        completion = model.complete(history, stop=FORMAT.stop)
        seconds = time.perf_counter() - start
        usage = completion.usage
        new = usage.prompt_tokens - seen
        evaluated = usage.evaluated_prompt_tokens
        seen = usage.prompt_tokens + usage.completion_tokens
        if turn > 1:
            totals["new"] += new
            totals["evaluated"] += evaluated
            totals["prompt"] += usage.prompt_tokens
        table.add_row(str(turn), str(usage.prompt_tokens), str(new), str(evaluated), f"{evaluated / new:.2f}x",
                      str(usage.completion_tokens), f"{seconds:.2f}")
        observation = f"{OBSERVATIONS[(turn - 1) % len(OBSERVATIONS)]}\n\n{OBSERVATION_NUDGE}"
        history += [FORMAT.assistant_message(completion), FORMAT.observation_message(completion, observation)]
    console = Console()
    console.print(table)
    console.print(
        f"turns 2-{turns}: evaluated {totals['evaluated']} tokens for {totals['new']} new "
        f"(overall {totals['evaluated'] / totals['new']:.2f}x, target <= 1.2x); without prefix reuse they would "
        f"have evaluated {totals['prompt']} prompt tokens ({totals['prompt'] / totals['evaluated']:.1f}x more)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="qwen2.5-coder-0.5b", help="catalogue name or .gguf path")
    parser.add_argument("--turns", type=int, default=6)
    parser.add_argument("--max-tokens", type=int, default=160, help="cap on each generated reply")
    args = parser.parse_args()
    model = resolve_model(args.model, max_tokens=args.max_tokens)
    if not isinstance(model, LlamaCppModel):
        parser.error(f"{args.model} is not an embedded/local GGUF model")
    run(model, args.turns)


if __name__ == "__main__":
    main()
