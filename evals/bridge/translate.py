"""OpenAI chat-completions JSON <-> Inspect messages, tools, config and output (the bridge's wire format).

Only what memory libraries send is supported: system / developer / user / assistant / tool messages with
text content (string or text parts), function tools and tool_choice, max_tokens / max_completion_tokens,
temperature, top_p, stop, seed and response_format (json_schema becomes Inspect's ResponseSchema;
json_object has no Inspect equivalent and is passed on as an instruction-free request). A request
outside that (images, n > 1, audio) is refused with a 400 naming the field, never half-served.
"""

from __future__ import annotations

import json
import time
from typing import Any

from inspect_ai.model import (
    ChatMessage,
    ChatMessageAssistant,
    ChatMessageSystem,
    ChatMessageTool,
    ChatMessageUser,
    GenerateConfig,
    ModelOutput,
)
from inspect_ai.model._generate_config import ResponseSchema
from inspect_ai.tool import ToolCall, ToolChoice, ToolFunction, ToolInfo, ToolParams
from inspect_ai.util import JSONSchema

FINISH_REASONS = {"stop": "stop", "max_tokens": "length", "model_length": "length", "tool_calls": "tool_calls",
                  "content_filter": "content_filter", "unknown": "stop"}


class BadRequest(ValueError):
    """A request the bridge cannot serve faithfully (answered with HTTP 400 and this message)."""


def _text(content: Any, where: str) -> str:
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = []
        for part in content:
            if not isinstance(part, dict) or part.get("type") != "text":
                kind = part.get("type") if isinstance(part, dict) else type(part).__name__
                raise BadRequest(f"{where}: content part of type {kind!r} is not supported (text only)")
            parts.append(str(part.get("text", "")))
        return "".join(parts)
    raise BadRequest(f"{where}: content must be a string or a list of text parts")


def _tool_call(call: dict[str, Any], where: str) -> ToolCall:
    function = call.get("function") or {}
    raw = function.get("arguments") or "{}"
    try:
        arguments = json.loads(raw) if isinstance(raw, str) else dict(raw)
    except (json.JSONDecodeError, TypeError, ValueError):
        arguments = {}
    if not isinstance(arguments, dict):
        arguments = {"value": arguments}
    if not function.get("name"):
        raise BadRequest(f"{where}: tool call without a function name")
    return ToolCall(id=str(call.get("id") or function["name"]), function=str(function["name"]), arguments=arguments)


def to_messages(raw: Any) -> list[ChatMessage]:
    if not isinstance(raw, list) or not raw:
        raise BadRequest("messages: expected a non-empty list")
    messages: list[ChatMessage] = []
    for i, message in enumerate(raw):
        where = f"messages[{i}]"
        if not isinstance(message, dict):
            raise BadRequest(f"{where}: expected an object")
        role = message.get("role")
        text = _text(message.get("content"), where)
        if role in ("system", "developer"):
            messages.append(ChatMessageSystem(content=text))
        elif role == "user":
            messages.append(ChatMessageUser(content=text))
        elif role == "assistant":
            calls = [_tool_call(c, f"{where}.tool_calls") for c in message.get("tool_calls") or []]
            messages.append(ChatMessageAssistant(content=text, tool_calls=calls or None))
        elif role == "tool":
            messages.append(ChatMessageTool(content=text, tool_call_id=message.get("tool_call_id")))
        else:
            raise BadRequest(f"{where}: unsupported role {role!r}")
    return messages


def to_tools(raw: Any) -> list[ToolInfo]:
    tools = []
    for i, tool in enumerate(raw or []):
        function = tool.get("function") if isinstance(tool, dict) else None
        if not isinstance(function, dict) or not function.get("name"):
            raise BadRequest(f"tools[{i}]: expected a function tool with a name")
        schema = dict(function.get("parameters") or {"type": "object", "properties": {}})
        schema.setdefault("type", "object")
        try:
            params = ToolParams.model_validate(schema)
        except ValueError:  # a schema ToolParams cannot hold exactly: keep the properties loosely
            params = ToolParams(properties={k: JSONSchema.model_validate(v) if isinstance(v, dict) else JSONSchema()
                                            for k, v in (schema.get("properties") or {}).items()},
                                required=list(schema.get("required") or []))
        tools.append(ToolInfo(name=str(function["name"]), description=str(function.get("description") or ""),
                              parameters=params))
    return tools


def to_tool_choice(raw: Any) -> ToolChoice | None:
    if raw is None:
        return None
    if raw in ("auto", "none"):
        return raw
    if raw == "required":
        return "any"
    if isinstance(raw, dict) and isinstance(raw.get("function"), dict) and raw["function"].get("name"):
        return ToolFunction(name=str(raw["function"]["name"]))
    raise BadRequest(f"tool_choice: unsupported value {raw!r}")


def to_config(body: dict[str, Any]) -> GenerateConfig:
    if int(body.get("n") or 1) != 1:
        raise BadRequest("n: only 1 completion per request is supported")
    stop = body.get("stop")
    fields: dict[str, Any] = {
        "max_tokens": body.get("max_completion_tokens") or body.get("max_tokens"),
        "temperature": body.get("temperature"),
        "top_p": body.get("top_p"),
        "seed": body.get("seed"),
        "stop_seqs": [stop] if isinstance(stop, str) else list(stop) if stop else None,
    }
    response_format = body.get("response_format") or {}
    if response_format.get("type") == "json_schema":
        spec = response_format.get("json_schema") or {}
        try:
            fields["response_schema"] = ResponseSchema(
                name=str(spec.get("name") or "response"), json_schema=JSONSchema.model_validate(spec.get("schema") or {}),
                strict=spec.get("strict"))
        except ValueError as err:
            raise BadRequest(f"response_format: schema not understood: {str(err).splitlines()[0]}") from None
    return GenerateConfig(**{k: v for k, v in fields.items() if v is not None})


def completion_json(output: ModelOutput, model_name: str, request_id: str) -> dict[str, Any]:
    """An OpenAI chat.completion object for one Inspect output."""
    message = output.message
    calls = [{"id": call.id, "type": "function",
              "function": {"name": call.function, "arguments": json.dumps(call.arguments)}}
             for call in (message.tool_calls or [])]
    reply: dict[str, Any] = {"role": "assistant", "content": output.completion if output.completion or not calls else None}
    if calls:
        reply["tool_calls"] = calls
    usage = output.usage
    prompt = ((usage.input_tokens or 0) + (usage.input_tokens_cache_read or 0)
              + (usage.input_tokens_cache_write or 0)) if usage else 0
    completion = (usage.output_tokens or 0) if usage else 0
    finish = "tool_calls" if calls else FINISH_REASONS.get(output.stop_reason, "stop")
    return {"id": request_id, "object": "chat.completion", "created": int(time.time()), "model": model_name,
            "choices": [{"index": 0, "message": reply, "finish_reason": finish, "logprobs": None}],
            "usage": {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}}


def stream_chunks(completion: dict[str, Any]) -> list[dict[str, Any]]:
    """The same completion as chat.completion.chunk events (one content delta, then the finish)."""
    choice = completion["choices"][0]
    delta = {"role": "assistant", **{k: v for k, v in choice["message"].items() if k != "role"}}
    if "tool_calls" in delta:
        delta["tool_calls"] = [{"index": i, **call} for i, call in enumerate(delta["tool_calls"])]
    base = {"id": completion["id"], "object": "chat.completion.chunk", "created": completion["created"],
            "model": completion["model"]}
    return [{**base, "choices": [{"index": 0, "delta": delta, "finish_reason": None}]},
            {**base, "choices": [{"index": 0, "delta": {}, "finish_reason": choice["finish_reason"]}],
             "usage": completion["usage"]}]
