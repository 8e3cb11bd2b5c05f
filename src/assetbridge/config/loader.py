"""``load_config``: read, expand, validate and convert ``assetbridge.yaml`` — every problem at once."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pydantic

from assetbridge.config.envrefs import expand
from assetbridge.config.issues import ConfigIssue, InvalidConfigError, dotted, locate, show, translate
from assetbridge.config.models import AssetBridgeConfig, FieldConfig, Policies, TransformConfig
from assetbridge.config.yamlsource import Path_, YamlSyntaxError, parse
from assetbridge.domain.fieldmap import FieldMap, FieldSpec, Transform
from assetbridge.errors import ConfigError


@dataclass(frozen=True)
class LoadedConfig:
    """A validated config: the model, its field map, and what callers need to stay safe."""

    path: Path
    config: AssetBridgeConfig
    field_map: FieldMap
    state_url: str  # relative SQLite paths resolved against the config file's folder
    secret_values: frozenset[str] = field(default=frozenset(), repr=False)
    env_sources: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # dotted key → variables

    def redact(self, text: str) -> str:
        """``text`` with every secret value of this config replaced by ``***``."""
        for secret in sorted(self.secret_values, key=len, reverse=True):
            if secret:
                text = text.replace(secret, "***")
        return text


def _transform(model: TransformConfig) -> Transform:
    return Transform(kind=model.kind, args=model.model_dump(exclude={"kind"}))


def field_spec(name: str, model: FieldConfig, policies: Policies) -> FieldSpec:
    """One domain ``FieldSpec``; missing direction/owner/policy come from ``policies``."""
    return FieldSpec(
        name=name,
        orangelogic=model.orangelogic,
        iconik=model.iconik,
        kind=model.kind,
        direction=model.direction or policies.direction,
        owner=model.owner or policies.owner,
        policy=model.policy or policies.policy,
        multi=model.multi,
        transforms=tuple(_transform(t) for t in model.transforms),
    )


_DOMAIN_KEY = re.compile(r"^fields(?:\.(?P<name>[^\[]+?))?(?:\.transforms\[(?P<index>\d+)\])?$")


def _domain_path(error: ConfigError, config: AssetBridgeConfig) -> Path_:
    base: Path_ = ("field_map", "fields")
    match = _DOMAIN_KEY.match(error.key or "")
    if not match or not match.group("name"):
        return base
    path: Path_ = (*base, match.group("name"))
    if match.group("index") is not None:
        index = int(match.group("index"))
        path = (*path, "transforms", index)
        spec = config.field_map.fields.get(match.group("name"))
        if spec is not None and index < len(spec.transforms) and spec.transforms[index].kind == "value_map":
            path = (*path, "map")
    return path


def _domain_message(error: ConfigError) -> str:
    text = str(error)
    prefix = f"{error.key}: " if error.key else ""
    return text[len(prefix) :] if prefix and text.startswith(prefix) else text


def build_field_map(config: AssetBridgeConfig) -> tuple[FieldMap | None, list[tuple[Path_, str]]]:
    """The domain field map, or the located problems (each field checked on its own)."""
    problems: list[tuple[Path_, str]] = []
    specs: list[FieldSpec] = []
    for name, model in config.field_map.fields.items():
        try:
            specs.append(field_spec(name, model, config.policies))
        except ConfigError as exc:
            problems.append((_domain_path(exc, config), _domain_message(exc)))
    if problems:
        return None, problems
    try:
        return FieldMap(fields=tuple(specs), iconik_view=config.field_map.iconik_view), []
    except ConfigError as exc:
        return None, [(_domain_path(exc, config), _domain_message(exc))]


def to_field_map(config: AssetBridgeConfig) -> FieldMap:
    """The validated config's field map as the domain ``FieldMap`` (raises ``InvalidConfigError``)."""
    field_map, problems = build_field_map(config)
    if field_map is None:
        raise InvalidConfigError(ConfigIssue("", None, None, ".".join(map(str, p)), m) for p, m in problems)
    return field_map


def _state_url(url: str, folder: Path) -> str:
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url.startswith(prefix + "/"):
        relative = url[len(prefix) :]
        if relative and relative != ":memory:" and not Path(relative).is_absolute():
            return prefix + str((folder / relative).resolve())
    return url


def load_text(text: str, file: str, env: Mapping[str, str] | None = None) -> LoadedConfig:
    """Validate config ``text`` (shown as ``file`` in messages)."""
    env = os.environ if env is None else env
    try:
        doc = parse(text)
    except YamlSyntaxError as exc:
        raise InvalidConfigError(
            [ConfigIssue(file, exc.line, exc.column, "", f"invalid YAML: {exc}")]
        ) from None
    marks = doc.marks
    issues: list[ConfigIssue] = [
        ConfigIssue(file, mark.line, mark.column, dotted(path), "duplicate key: an earlier line sets it too")
        for path, mark in doc.duplicates
    ]
    if isinstance(doc.data, dict):  # x-… top-level keys hold YAML anchors for reuse, like docker compose's
        doc.data = {k: v for k, v in doc.data.items() if not (isinstance(k, str) and k.startswith("x-"))}
    expanded = expand(doc.data, env)
    for problem in expanded.problems:
        shown = None if problem.value is None else show(problem.value)
        issues.append(locate(file, marks, problem.path, problem.message, shown))
    env_paths = {problem.path for problem in expanded.problems}
    config: AssetBridgeConfig | None = None
    try:
        config = AssetBridgeConfig.model_validate(expanded.data)
    except pydantic.ValidationError as exc:
        for error in exc.errors(include_url=False):
            path, message, value = translate(
                error, AssetBridgeConfig, expanded.data, expanded.secret_paths, marks
            )
            if path in env_paths:
                continue  # already reported: an unset variable or an inline secret
            variables = expanded.sources.get(path)
            if value is not None and variables:
                value = f"{show(error.get('input'))} from {', '.join('$' + v for v in variables)}"
            issues.append(locate(file, marks, path, message, value))
    field_map: FieldMap | None = None
    if config is not None:
        field_map, problems = build_field_map(config)
        issues.extend(locate(file, marks, path, message, None) for path, message in problems)
    if issues or config is None or field_map is None:
        issues.sort(key=lambda i: (i.line or 0, i.column or 0))
        raise InvalidConfigError(issues)
    folder = Path(file).resolve().parent
    return LoadedConfig(
        path=Path(file),
        config=config,
        field_map=field_map,
        state_url=_state_url(config.state.url, folder),
        secret_values=frozenset(expanded.secret_values),
        env_sources={".".join(map(str, p)): tuple(v) for p, v in expanded.sources.items()},
    )


def load_config(path: str | os.PathLike[str], env: Mapping[str, str] | None = None) -> LoadedConfig:
    """Read and validate the config file at ``path``; raises ``InvalidConfigError`` listing every issue."""
    file = os.fspath(path)
    try:
        text = Path(file).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InvalidConfigError([ConfigIssue(file, None, None, "", "file not found")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise InvalidConfigError([ConfigIssue(file, None, None, "", f"cannot read: {reason}")]) from None
    return load_text(text, file, env)
