"""Reading and judging raw webhook bodies without trusting them.

Bodies are read with a size cap (the request is refused before the cap is passed), and JSON nesting is
measured on the raw bytes before any parser sees them, so a hostile body can neither exhaust memory nor
blow the parser's recursion limit.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from starlette.requests import Request

_ESCAPED = re.compile(rb"\\.", re.DOTALL)
_STRING = re.compile(rb'"[^"]*"')
_BRACKET = re.compile(rb"[\[\]{}]")
MAX_EVENT_ID = 200


class BodyTooLarge(Exception):
    pass


async def read_body(request: Request, limit: int) -> bytes:
    """The raw body, or ``BodyTooLarge`` as soon as it is known to exceed ``limit`` bytes."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        chunks.append(chunk)
    return b"".join(chunks)


def too_deep(body: bytes, max_depth: int) -> bool:
    """True when arrays/objects in ``body`` nest deeper than ``max_depth`` (strings do not count).

    Linear time on any input: escaped backslashes, then escaped characters, then strings are removed
    (all at C speed) before the brackets are counted, stopping at the first level past the limit.
    """
    if body.count(b"[") + body.count(b"{") <= max_depth:
        return False
    bare = _STRING.sub(b"", _ESCAPED.sub(b"", body.replace(b"\\\\", b"")))
    depth = 0
    for match in _BRACKET.finditer(bare):
        if match.group() in (b"[", b"{"):
            depth += 1
            if depth > max_depth:
                return True
        else:
            depth -= 1
    return False


def parse_object(body: bytes, max_depth: int) -> tuple[dict[str, Any] | None, str]:
    """``(object, "")`` for a JSON object body, else ``(None, why it cannot be processed)``."""
    if too_deep(body, max_depth):
        return None, f"JSON nested deeper than {max_depth} levels"
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        return None, "body is not valid UTF-8 JSON"
    if not isinstance(data, dict):
        return None, f"JSON body is {type(data).__name__}, not an object"
    return data, ""


def usable_id(value: object) -> str | None:
    """``value`` as an event id when it is a short non-empty string or integer."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    text = str(value).strip()
    return text if 0 < len(text) <= MAX_EVENT_ID and text.isprintable() else None


def body_id(body: bytes) -> str:
    """A stable id for a payload that carries none, so a redelivery of it is still a duplicate."""
    return "sha256:" + hashlib.sha256(body).hexdigest()
