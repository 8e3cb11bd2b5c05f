"""YAML read with the position of every key, and with YAML 1.2 scalars.

PyYAML implements YAML 1.1, where unquoted ``NO``/``yes``/``off`` are booleans, ``16:9`` is the
sexagesimal integer 969 and ``2024-01-02`` a date object. A config file is read with YAML 1.2 core rules
instead: only ``true``/``false`` are booleans, only plain decimal (or ``0x``/``0o``) numbers are numbers,
``~``/``null``/empty are null, and everything else stays the string that was written. The node tree is
composed first so that every value keeps the line and column of its key.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import yaml

Path_ = tuple[str | int, ...]


@dataclass(frozen=True)
class Mark:
    line: int  # 1-based
    column: int  # 1-based
    plain: bool = False  # an unquoted scalar (its type came from YAML's implicit rules)
    text: str | None = None  # the scalar as written, for messages


class YamlSyntaxError(Exception):
    def __init__(self, message: str, line: int | None, column: int | None) -> None:
        super().__init__(message)
        self.line = line
        self.column = column


class DuplicateKey(Exception):
    pass


class _Loader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 core schema implicit types."""


_Loader.yaml_implicit_resolvers = {}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:int", re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$"), list("-+0123456789")
)
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$"
    ),
    list("-+0123456789."),
)
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:null", re.compile(r"^(?:~|null|Null|NULL|)$"), ["~", "n", "N", ""]
)


def _scalar(node: yaml.ScalarNode) -> Any:
    value: str = node.value
    tag = node.tag
    if tag == "tag:yaml.org,2002:null":
        return None
    if tag == "tag:yaml.org,2002:bool":
        return value.lower() == "true"
    if tag == "tag:yaml.org,2002:int":
        if value.startswith("0o"):
            return int(value[2:], 8)
        if value.startswith("0x"):
            return int(value[2:], 16)
        return int(value)
    if tag == "tag:yaml.org,2002:float":
        lowered = value.lower()
        if lowered.endswith("inf"):
            return float("-inf") if lowered.startswith("-") else float("inf")
        if lowered == ".nan":
            return float("nan")
        return float(value)
    return value


@dataclass
class Document:
    data: Any
    marks: dict[Path_, Mark]  # path → position of its key (list items: of the item)
    duplicates: list[tuple[Path_, Mark]]


def _build(node: yaml.Node, path: Path_, doc: Document, key_mark: Mark, active: tuple[int, ...] = ()) -> Any:
    if id(node) in active:
        raise YamlSyntaxError("an alias refers to a node that contains it", key_mark.line, key_mark.column)
    active = (*active, id(node))
    if isinstance(node, yaml.ScalarNode):
        plain = node.style is None
        doc.marks[path] = Mark(key_mark.line, key_mark.column, plain=plain, text=node.value)
        return _scalar(node)
    doc.marks[path] = key_mark
    if isinstance(node, yaml.SequenceNode):
        items = []
        for index, item in enumerate(node.value):
            mark = Mark(item.start_mark.line + 1, item.start_mark.column + 1)
            items.append(_build(item, (*path, index), doc, mark, active))
        return items
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        merged: list[tuple[Path_, dict[Any, Any]]] = []
        for key_node, value_node in node.value:
            mark = Mark(key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            if isinstance(key_node, yaml.ScalarNode):
                key = _scalar(key_node)
                if not isinstance(key, str):
                    key = key_node.value
            else:
                key = f"<{key_node.id} key>"
            if key == "<<" and isinstance(key_node, yaml.ScalarNode) and key_node.style is None:
                merged.extend(_merge_sources(value_node, (*path, "<<"), doc, mark, active))
                continue
            if key in result:
                doc.duplicates.append(((*path, key), mark))
            result[key] = _build(value_node, (*path, key), doc, mark, active)
        for source_path, source in merged:
            for key, value in source.items():
                if key not in result:
                    result[key] = value
                    _copy_marks(doc, (*source_path, key), (*path, key))
        return result
    raise YamlSyntaxError(f"unsupported YAML node {node.tag}", None, None)  # pragma: no cover


def _merge_sources(
    node: yaml.Node, path: Path_, doc: Document, mark: Mark, active: tuple[int, ...]
) -> list[tuple[Path_, dict[Any, Any]]]:
    """``<<: *anchor`` or ``<<: [*a, *b]``: the mappings merged in (earlier ones win)."""
    nodes = node.value if isinstance(node, yaml.SequenceNode) else [node]
    out: list[tuple[Path_, dict[Any, Any]]] = []
    for index, item in enumerate(nodes):
        if not isinstance(item, yaml.MappingNode):
            raise YamlSyntaxError("'<<' merges mappings only", mark.line, mark.column)
        item_path = (*path, index)
        out.append((item_path, _build(item, item_path, doc, mark, active)))
    return out


def _copy_marks(doc: Document, source: Path_, target: Path_) -> None:
    size = len(source)
    for path, mark in list(doc.marks.items()):
        if path[:size] == source:
            doc.marks[(*target, *path[size:])] = mark


def parse(text: str) -> Document:
    """Compose ``text`` and build plain Python data plus the position of every path."""
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or "invalid YAML"
        context = f" ({exc.context})" if exc.context else ""
        raise YamlSyntaxError(
            f"{problem}{context}",
            mark.line + 1 if mark else None,
            mark.column + 1 if mark else None,
        ) from None
    except yaml.YAMLError as exc:
        raise YamlSyntaxError(str(exc), None, None) from None
    doc = Document(data=None, marks={}, duplicates=[])
    if root is None:
        doc.data = {}
        doc.marks[()] = Mark(1, 1)
        return doc
    doc.data = _build(root, (), doc, Mark(root.start_mark.line + 1, root.start_mark.column + 1))
    return doc


def nearest_mark(marks: dict[Path_, Mark], path: Path_) -> Mark:
    """The mark of ``path``, or of its closest existing ancestor."""
    for end in range(len(path), -1, -1):
        mark = marks.get(path[:end])
        if mark is not None:
            return mark
    return Mark(1, 1)
