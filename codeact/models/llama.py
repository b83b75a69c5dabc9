"""Local GGUF models on llama.cpp (llama-cpp-python), reusing the KV cache across turns.

An agent's prompt grows by a few hundred tokens per turn while everything before stays byte-identical, and on a
CPU prompt evaluation dominates the cost of a turn. So the chat is rendered with the GGUF's own template and
tokenized here, keeping the tokens the model already evaluated (its own replies included) wherever the text still
matches, and the tokens go to ``Llama.create_completion``, whose ``generate`` keeps the longest common prefix of
what the context holds: a turn only evaluates its new tokens. ``Usage.cached_tokens`` is measured from what
llama.cpp actually evaluated, so a broken prefix shows up in the numbers instead of hiding.
"""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from codeact.models.base import Completion, Message, ModelError, Usage

if TYPE_CHECKING:
    from llama_cpp import Llama
    from llama_cpp.llama_chat_format import Jinja2ChatFormatter
    from llama_cpp.llama_types import CreateCompletionResponse

    class _CountingLlama(Llama):
        prompt_evaluated: int | None

PathSource = str | os.PathLike[str] | Callable[[], Path]
"""A GGUF path, or a callable returning one: embedded models pass ``fetch_model`` so the download happens on
first use, not when the model object is built."""


class LlamaCppModel:
    """A chat model from a local ``.gguf`` file, loaded once on first use (loading takes seconds)."""

    def __init__(
        self,
        path: PathSource,
        *,
        name: str | None = None,
        n_ctx: int = 8192,
        n_threads: int | None = None,
        max_tokens: int = 1024,
        temperature: float = 0.0,
        seed: int = 0,
    ) -> None:
        if callable(path):
            if name is None:
                raise ValueError("a deferred model path needs a name")
            self._path_source: Callable[[], Path] = path
            self.name = name
        else:
            fixed = Path(path).expanduser()
            self._path_source = lambda: fixed
            self.name = name or fixed.stem
        self.n_ctx = n_ctx
        self.n_threads = n_threads or _available_cores()
        self.max_tokens = max_tokens
        self.temperature = temperature
        self.seed = seed
        self._lock = threading.Lock()
        self._loaded: _Engine | None = None

    def complete(
        self,
        messages: list[Message],
        stop: list[str] | None = None,
        tools: list[dict[str, Any]] | None = None,
    ) -> Completion:
        if tools:
            raise ModelError(
                f"{self.name} runs on llama.cpp, which has no native tool calling here: use a text action format "
                "(e.g. code or json), or an OpenAI-compatible server (--base-url) for the tool_calls format"
            )
        with self._lock:
            engine = self._engine()
            prompt = engine.tokenize(messages)
            if len(prompt) >= self.n_ctx:
                raise ModelError(
                    f"history too long: {len(prompt)} tokens > n_ctx {self.n_ctx} of {self.name}; "
                    "use --max-turns or a bigger context"
                )
            return engine.complete(
                prompt,
                stop=list(stop or []),
                max_tokens=min(self.max_tokens, self.n_ctx - len(prompt)),
                temperature=self.temperature,
                seed=self.seed,
            )

    def count_tokens(self, messages: list[Message]) -> int:
        """Prompt length of ``messages`` as this model would see it (loads the model)."""
        with self._lock:
            return len(self._engine().tokenize(messages))

    def load(self) -> None:
        """Fetch (if needed) and load the weights now instead of at the first completion, so a model that is
        missing, offline or corrupt fails before the agent starts, with the progress bar shown up front."""
        with self._lock:
            self._engine()

    def close(self) -> None:
        """Free the model's memory now instead of at garbage collection; a later call loads it again."""
        with self._lock:
            if self._loaded is not None:
                self._loaded.close()
                self._loaded = None

    def _engine(self) -> _Engine:
        if self._loaded is None:
            self._loaded = _Engine.load(self._path_source(), n_ctx=self.n_ctx, n_threads=self.n_threads, seed=self.seed)
        return self._loaded


class _Engine:
    """One loaded llama.cpp context plus the chat formatter from its GGUF metadata."""

    def __init__(self, llm: _CountingLlama, formatter: Jinja2ChatFormatter) -> None:
        self._llm = llm
        self._formatter = formatter
        self._pieces: dict[int, bytes] = {}

    @classmethod
    def load(cls, path: Path, *, n_ctx: int, n_threads: int, seed: int) -> _Engine:
        if not path.is_file():
            raise ModelError(f"model file not found: {path}")
        try:
            from llama_cpp.llama_chat_format import Jinja2ChatFormatter

            llama_class = _counting_llama()
        except ImportError as exc:
            raise ModelError(
                f"llama-cpp-python is not installed ({exc}): pip install 'llama-cpp-python==0.3.36'"
            ) from None
        try:
            llm = llama_class(model_path=str(path), n_ctx=n_ctx, n_threads=n_threads, seed=seed, verbose=False)
        except ValueError as exc:
            raise ModelError(f"cannot load {path} with llama.cpp ({exc}): is it a valid GGUF model?") from None
        template = llm.metadata.get("tokenizer.chat_template")
        if not template:
            raise ModelError(f"{path} has no chat template in its metadata: use an instruct/chat GGUF model")
        formatter = Jinja2ChatFormatter(
            template=template, eos_token=_token_text(llm, llm.token_eos()), bos_token=_token_text(llm, llm.token_bos())
        )
        return cls(llm, formatter)

    def tokenize(self, messages: list[Message]) -> list[int]:
        """The prompt tokens for ``messages``, reusing the tokens already in the KV cache where the text matches.

        Re-tokenizing the history does not always give back the tokens the model generated (it may have written
        ``<`` ``solution`` where the tokenizer would produce ``<s`` ``olution``), which would break the cached
        prefix right after the first reply. So the longest run of evaluated tokens whose text is a prefix of the
        new prompt is kept as is, and only the rest is tokenized.
        """
        text = self._formatter(messages=cast(Any, messages)).prompt.encode("utf-8")
        kept, offset = self._evaluated_prefix(text)
        rest = text[offset:]
        rest_tokens = self._llm.tokenize(rest, add_bos=False, special=True) if rest else []
        if self._llm.detokenize(rest_tokens, special=True) != rest:
            # A tokenizer that adds a space prefix to every call cannot be spliced; tokenize the whole text.
            return self._llm.tokenize(text, add_bos=False, special=True)
        return kept + rest_tokens

    def _evaluated_prefix(self, text: bytes) -> tuple[list[int], int]:
        """Evaluated tokens whose concatenated text starts ``text``, and the number of bytes they cover."""
        evaluated = self._llm.input_ids[: self._llm.n_tokens].tolist()
        offset = 0
        for count, token in enumerate(evaluated):
            piece = self._pieces.get(token)
            if piece is None:
                piece = self._pieces[token] = self._llm.detokenize([token], special=True)
            if not text.startswith(piece, offset):
                return evaluated[:count], offset
            offset += len(piece)
        return evaluated, offset

    def complete(
        self, prompt: list[int], *, stop: list[str], max_tokens: int, temperature: float, seed: int
    ) -> Completion:
        self._llm.prompt_evaluated = None
        result = cast(
            "CreateCompletionResponse",
            self._llm.create_completion(
                prompt, max_tokens=max_tokens, temperature=temperature, stop=stop, seed=seed, repeat_penalty=1.0
            ),
        )
        choice = result["choices"][0]
        evaluated = len(prompt) if self._llm.prompt_evaluated is None else self._llm.prompt_evaluated
        return Completion(
            text=choice["text"],
            usage=Usage(
                prompt_tokens=len(prompt),
                completion_tokens=result["usage"]["completion_tokens"],
                cached_tokens=len(prompt) - evaluated,
            ),
            finish_reason=choice["finish_reason"] or "stop",
        )

    def close(self) -> None:
        self._llm.close()


@functools.cache
def _counting_llama() -> type[_CountingLlama]:
    """``Llama`` that records how many tokens the first ``eval`` of a completion decodes: the part of the prompt
    that was not already in the KV cache. Built on first use so importing codeact does not load llama.cpp."""
    from llama_cpp import Llama

    class CountingLlama(Llama):
        prompt_evaluated: int | None = None

        def eval(self, tokens: Sequence[int]) -> None:
            if self.prompt_evaluated is None:
                self.prompt_evaluated = len(tokens)
            super().eval(tokens)

    return cast("type[_CountingLlama]", CountingLlama)


def _token_text(llm: Llama, token: int) -> str:
    return llm.detokenize([token], special=True).decode("utf-8", errors="replace") if token != -1 else ""


def _available_cores() -> int:
    """Cores this process may run on (respects affinity/cgroup pinning, unlike ``os.cpu_count``)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1
