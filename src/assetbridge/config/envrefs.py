"""``${VAR}`` references in config values.

Rules (the README repeats them):

- Any string value may contain ``${VAR}``; it is replaced by the environment variable ``VAR``. An unset
  variable is an error naming the variable and the key.
- A non-secret key may give a default: ``${VAR:-default}`` is ``default`` when ``VAR`` is unset or empty.
- A secret key (``auth_token``, ``client_secret``, ``password``, ``token``, ``refresh_token``,
  ``authorization_code``) must be exactly one ``${VAR}`` reference, without a default: a secret written
  into the file (or as a default) is an error naming the key. A password inside a database URL must be a
  reference too.
- ``$${`` writes a literal ``${``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

SECRET_KEYS = frozenset(
    {"auth_token", "client_secret", "password", "token", "refresh_token", "authorization_code"}
)

_REF = re.compile(r"\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")
_WHOLE_REF = re.compile(r"^\$\{[A-Za-z_][A-Za-z0-9_]*\}$")
_BROKEN = re.compile(r"\$\{(?![A-Za-z_][A-Za-z0-9_]*(?::-[^}]*)?\})")
_URL_PASSWORD = re.compile(r"^[a-z][a-z0-9+.-]*://[^/@:]*:([^/@]+)@", re.IGNORECASE)

Path_ = tuple[str | int, ...]


@dataclass(frozen=True)
class EnvProblem:
    path: Path_
    message: str
    value: str | None  # None when showing it could leak a secret


@dataclass
class Expanded:
    data: Any
    problems: list[EnvProblem] = field(default_factory=list)
    secret_paths: set[Path_] = field(default_factory=set)
    secret_values: set[str] = field(default_factory=set)
    sources: dict[Path_, list[str]] = field(default_factory=dict)  # path → variables it was read from


RECEIVER_SECRET_KEYS = frozenset({"iconik_secret", "orangelogic_secrets"})


def _is_secret(path: Path_) -> bool:
    if len(path) >= 2 and path[0] == "receiver":
        return path[1] in RECEIVER_SECRET_KEYS
    return bool(path) and path[0] == "connections" and isinstance(path[-1], str) and path[-1] in SECRET_KEYS


def _suggest(path: Path_) -> str:
    parts = ["ASSETBRIDGE", *(str(p) for p in path[1:2]), str(path[-1])]
    return "_".join(parts).upper()


def _expand_string(value: str, path: Path_, env: Mapping[str, str], out: Expanded) -> str:
    secret = _is_secret(path)
    if secret:
        out.secret_paths.add(path)
        if not _WHOLE_REF.match(value):
            out.problems.append(
                EnvProblem(
                    path,
                    "secrets must not be written into the file: use an environment variable reference "
                    "such as ${" + _suggest(path) + "} (no inline value, no default)",
                    None,
                )
            )
            return value
    elif path == ("state", "url"):
        match = _URL_PASSWORD.match(value)
        if match and not _WHOLE_REF.match(match.group(1)):
            out.problems.append(
                EnvProblem(
                    path,
                    "the database password must not be written into the file: "
                    "use a reference such as ${ASSETBRIDGE_DB_PASSWORD}",
                    None,
                )
            )
            return value
    if _BROKEN.search(value):
        out.problems.append(
            EnvProblem(
                path, "malformed reference: write ${NAME} or ${NAME:-default}", None if secret else value
            )
        )
        return value
    used: list[str] = []

    def replace(match: re.Match[str]) -> str:
        if match.group(0) == "$${":
            return "${"
        name, default = match.group(1), match.group(2)
        used.append(name)
        current = env.get(name)
        if default is not None and not current:
            return default
        if current is None:
            out.problems.append(
                EnvProblem(path, f"environment variable {name} is not set (referenced by this key)", value)
            )
            return ""
        return current

    result = _REF.sub(replace, value)
    if used:
        out.sources[path] = used
    if secret and result:
        out.secret_values.add(result)
    return result


def _walk(node: Any, path: Path_, env: Mapping[str, str], out: Expanded) -> Any:
    if isinstance(node, dict):
        return {k: _walk(v, (*path, k), env, out) for k, v in node.items()}
    if isinstance(node, list):
        return [_walk(v, (*path, i), env, out) for i, v in enumerate(node)]
    if isinstance(node, str):
        return _expand_string(node, path, env, out)
    if _is_secret(path) and node is not None:
        out.secret_paths.add(path)
        out.problems.append(
            EnvProblem(path, "secrets must be an environment variable reference such as ${VAR}", None)
        )
    return node


def expand(data: Any, env: Mapping[str, str]) -> Expanded:
    """Replace references in every string of ``data``; collect every problem."""
    out = Expanded(data=None)
    out.data = _walk(data, (), env, out)
    return out
