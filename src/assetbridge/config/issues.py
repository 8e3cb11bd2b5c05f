"""Config problems as located, human-readable issues (file:line:column: key: message)."""

from __future__ import annotations

import difflib
import json
import types
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel
from pydantic_core import ErrorDetails

from assetbridge.config.yamlsource import Mark, Path_, nearest_mark
from assetbridge.errors import ConfigError

_HIDDEN = "***"


@dataclass(frozen=True)
class ConfigIssue:
    file: str
    line: int | None
    column: int | None
    key: str  # dotted path, list indexes as [n]
    message: str
    value: str | None = None  # the bad value as written (never a secret)

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        value = f" (got {self.value})" if self.value is not None else ""
        key = f" {self.key}:" if self.key else ""
        return f"{where}:{key} {self.message}{value}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "key": self.key,
            "message": self.message,
            "value": self.value,
        }


class InvalidConfigError(ConfigError):
    """Every problem found in one config file (``issues``); ``str()`` lists them one per line."""

    def __init__(self, issues: Iterable[ConfigIssue]) -> None:
        self.issues = list(issues)
        first = self.issues[0] if self.issues else None
        super().__init__("\n".join(str(i) for i in self.issues))
        self.file = first.file if first else None
        self.key = first.key if first else None


def dotted(path: Path_) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def show(value: Any, mark: Mark | None = None) -> str:
    if mark is not None and mark.plain and mark.text is not None and not isinstance(value, (dict, list)):
        return mark.text if mark.text else "an empty value"
    text = json.dumps(value, ensure_ascii=False, default=str) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _unwrap(tp: Any) -> Any:
    while get_origin(tp) is Annotated:
        tp = get_args(tp)[0]
    return tp


def _members(tp: Any) -> list[Any]:
    tp = _unwrap(tp)
    if get_origin(tp) in (Union, types.UnionType):
        return [_unwrap(a) for a in get_args(tp) if a is not type(None)]
    return [tp]


def _tag_of(model: type[BaseModel]) -> set[str]:
    tags: set[str] = set()
    for name in ("mode", "kind"):
        info = model.model_fields.get(name)
        if info is not None and get_origin(info.annotation) is Literal:
            tags.update(str(a) for a in get_args(info.annotation))
    return tags


def _descend(tp: Any, comp: str | int) -> Any | None:
    members = _members(tp)
    if len(members) > 1:
        for member in members:
            if isinstance(member, type) and issubclass(member, BaseModel) and comp in _tag_of(member):
                return member
        for member in members:
            found = _descend(member, comp)
            if found is not None:
                return found
        return None
    tp = members[0]
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        info = tp.model_fields.get(str(comp))
        return info.annotation if info is not None else None
    origin = get_origin(tp)
    if origin is dict:
        return get_args(tp)[1]
    if origin is list:
        return get_args(tp)[0]
    return None


def allowed_keys(root: type[BaseModel], loc: tuple[str | int, ...]) -> list[str]:
    """The keys a mapping at pydantic location ``loc`` may have (empty when unknown)."""
    tp: Any = root
    for comp in loc:
        tp = _descend(tp, comp)
        if tp is None:
            return []
    for member in _members(tp):
        if isinstance(member, type) and issubclass(member, BaseModel):
            return list(member.model_fields)
    return []


def data_path(data: Any, loc: tuple[str | int, ...]) -> Path_:
    """Map a pydantic ``loc`` onto the data: drop union tags and ``[key]`` markers."""
    path: list[str | int] = []
    node = data
    for comp in loc:
        in_list = isinstance(node, list) and isinstance(comp, int) and 0 <= comp < len(node)
        if in_list or (isinstance(node, dict) and comp in node):
            path.append(comp)
            node = node[comp]
        elif (
            isinstance(node, dict)
            and isinstance(comp, str)
            and not comp.startswith("[")
            and comp
            not in (
                "function-after",
                "function-before",
            )
        ):
            # a key that is missing (or a union tag): keep it only if it is the last component
            if comp is loc[-1]:
                path.append(comp)
            continue
    return tuple(path)


_PATTERN_HELP = {
    "iconik": "asset.title or metadata.<field_name> (match_key: external_id or metadata.<field_name>)",
    "base_url": "an http:// or https:// URL",
    "url": "a SQLAlchemy URL starting with sqlite:// or postgresql://",
}
_KIND_NAMES = {bool: "boolean", int: "number", float: "number", dict: "a mapping", list: "a list"}


def translate(
    error: ErrorDetails,
    root: type[BaseModel],
    data: Any,
    secret_paths: set[Path_],
    marks: dict[Path_, Mark],
) -> tuple[Path_, str, str | None]:
    """(path, message, shown value) for one pydantic error."""
    loc = tuple(error["loc"])
    kind = error["type"]
    path = data_path(data, loc)
    raw = error.get("input")
    mark = marks.get(path)
    value: str | None = None if path in secret_paths else show(raw, mark)
    ctx = error.get("ctx") or {}
    if kind == "extra_forbidden":
        key = str(path[-1]) if path else str(loc[-1])
        allowed = allowed_keys(root, loc[:-1])
        close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        return path, f"unknown key {key!r}{hint} (allowed here: {', '.join(allowed)})", None
    if kind == "missing":
        return path, f"required key {str(loc[-1])!r} is missing", None
    if kind == "string_type" and isinstance(raw, (bool, int, float)):
        noun = _KIND_NAMES.get(type(raw), "value")
        written = mark.text if mark and mark.text else str(raw)
        return path, f'expected text, got a {noun}: write it in quotes, e.g. "{written}"', value
    if kind == "literal_error":
        return path, f"not allowed; allowed: {ctx.get('expected', '')}", value
    if kind == "union_tag_invalid":
        tag = str(ctx.get("discriminator", "")).strip("'")
        return (*path, tag), f"{ctx.get('tag')!r} is not allowed; allowed: {ctx.get('expected_tags')}", None
    if kind == "union_tag_not_found":
        tag = str(ctx.get("discriminator", "")).strip("'")
        tags = ", ".join(sorted(t for m in _members(_descend_all(root, loc)) for t in _tag_of(m)))
        return path, f"required key {tag!r} is missing; allowed: {tags}", None
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        got = _KIND_NAMES.get(type(raw), "text" if isinstance(raw, str) else "nothing")
        return path, f"expected a mapping of keys, got {got}", value
    if kind in ("bool_parsing", "bool_type"):
        return path, "expected true or false", value
    if kind == "list_type":
        return path, "expected a list", value
    if kind == "string_pattern_mismatch":
        last = str(loc[-1]) if loc else ""
        form = _PATTERN_HELP.get(last, f"the allowed form {ctx.get('pattern')}")
        return path, f"must be {form}", value
    return path, str(error["msg"]), value


def _descend_all(root: type[BaseModel], loc: tuple[str | int, ...]) -> Any:
    tp: Any = root
    for comp in loc:
        nxt = _descend(tp, comp)
        if nxt is None:
            return tp
        tp = nxt
    return tp


def locate(file: str, marks: dict[Path_, Mark], path: Path_, message: str, value: str | None) -> ConfigIssue:
    mark = nearest_mark(marks, path)
    return ConfigIssue(file, mark.line, mark.column, dotted(path), message, value)
