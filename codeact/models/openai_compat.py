"""Any OpenAI-compatible chat endpoint (OpenAI, vLLM, llama-server, Ollama, LM Studio...) via the ``openai`` SDK.

The SDK already does what a client needs (env config, retries with backoff on connection errors, 408/409/429/5xx),
so this backend only maps requests and responses and turns API failures into one-line messages that say what to
do next.
"""

from __future__ import annotations

import json
import os
from typing import Any

import openai

from codeact.models.base import (
    INVALID_ARGUMENTS_KEY,
    Completion,
    Message,
    ModelError,
    ToolCall,
    Usage,
)
from codeact.models.stops import cut_at_stop

MAX_SERVER_STOPS = 4
"""OpenAI (and servers copying its validation) reject more than 4 stop sequences; the rest are applied here."""


_NO_KEY = "no-key"
"""Placeholder key for local servers that need none; the SDK refuses to start without one."""


class OpenAICompatibleModel:
    """Chat completions from ``model`` at ``base_url`` (default ``$OPENAI_BASE_URL``, else OpenAI's API)."""

    def __init__(
        self,
        model: str,
        base_url: str | None = None,
        api_key: str | None = None,
        *,
        temperature: float | None = 0.0,
        max_tokens: int | None = None,
        seed: int | None = None,
        max_retries: int = 3,
        timeout: float = 600.0,
    ) -> None:
        self.name = model
        self.temperature = temperature
        self.max_tokens = max_tokens
        self.seed = seed
        base_url = base_url or os.environ.get("OPENAI_BASE_URL") or None
        api_key = api_key or os.environ.get("OPENAI_API_KEY")
        if not api_key and base_url is None:
            raise ModelError(
                f"no API key for OpenAI model {model!r}: set OPENAI_API_KEY, or pass --base-url for a local server"
            )
        self._client = openai.OpenAI(
            base_url=base_url, api_key=api_key or _NO_KEY, max_retries=max_retries, timeout=timeout
        )

    @property
    def base_url(self) -> str:
        return str(self._client.base_url).rstrip("/")

    def complete(
        self,
        messages: list[Message],
        stop: list[str] | None = None,
        tools: list[dict[str, Any]] | None = None,
    ) -> Completion:
        request: dict[str, Any] = {"model": self.name, "messages": messages}
        optional = {
            "temperature": self.temperature,
            "max_tokens": self.max_tokens,
            "seed": self.seed,
            "stop": (stop or [])[:MAX_SERVER_STOPS] or None,
            "tools": tools or None,
        }
        request.update({key: value for key, value in optional.items() if value is not None})
        try:
            response = self._client.chat.completions.create(**request)
        except openai.APIError as exc:
            raise self._explain(exc) from None
        if not response.choices:
            raise ModelError(f"{self.base_url} returned no choices for model {self.name!r}")
        choice = response.choices[0]
        text, stopped = cut_at_stop(choice.message.content or "", stop)
        return Completion(
            text=text,
            usage=_usage(response.usage),
            finish_reason="stop" if stopped else (choice.finish_reason or "stop"),
            tool_calls=[_tool_call(call) for call in choice.message.tool_calls or [] if call.type == "function"],
        )

    def _explain(self, exc: openai.APIError) -> ModelError:
        """One actionable line per failure a user can fix."""
        if isinstance(exc, openai.APITimeoutError):
            return ModelError(f"{self.base_url} did not answer in time: is the server overloaded? (raise the timeout)")
        if isinstance(exc, openai.APIConnectionError):
            return ModelError(f"cannot reach {self.base_url}: is the server running?")
        if isinstance(exc, openai.AuthenticationError):
            return ModelError(f"{self.base_url} rejected the API key (401): set OPENAI_API_KEY or pass --api-key")
        if isinstance(exc, openai.NotFoundError):
            return ModelError(self._not_found())
        status = getattr(exc, "status_code", "error")
        return ModelError(f"{self.base_url} returned {status} for model {self.name!r}: {_api_message(exc)}")

    def _not_found(self) -> str:
        try:
            offered = sorted(model.id for model in self._client.models.list())
        except openai.APIError:
            return (
                f"model {self.name!r} not found at {self.base_url} (404): check the model name and that the base "
                "URL is the API root (usually ending in /v1)"
            )
        offers = ", ".join(offered) or "none"
        return f"unknown model {self.name!r} at {self.base_url} (404); the server offers: {offers}"


def _api_message(exc: openai.APIError) -> str:
    body = exc.body
    message = body.get("message") if isinstance(body, dict) else None
    return message if isinstance(message, str) else exc.message


def _usage(usage: Any) -> Usage:
    if usage is None:
        return Usage()
    details = getattr(usage, "prompt_tokens_details", None)
    return Usage(
        prompt_tokens=usage.prompt_tokens or 0,
        completion_tokens=usage.completion_tokens or 0,
        cached_tokens=(getattr(details, "cached_tokens", None) or 0) if details else 0,
    )


def _tool_call(call: Any) -> ToolCall:
    raw = call.function.arguments or "{}"
    try:
        arguments = json.loads(raw)
    except json.JSONDecodeError:
        arguments = None
    if not isinstance(arguments, dict):
        arguments = {INVALID_ARGUMENTS_KEY: raw}
    return ToolCall(name=call.function.name, arguments=arguments, id=call.id or "")
