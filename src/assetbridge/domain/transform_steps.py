"""Applying transforms to canonical values: ``forward`` (Orange Logic → iconik) and ``backward``.

``case`` and ``strip`` normalize and keep no memory of the original spelling: backward they are the
identity. ``timezone`` reads an Orange Logic wall-clock time in the given zone; in the hour a DST change
repeats, Orange Logic's wall time cannot say which of the two instants it was, and the first is taken.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime

from assetbridge.domain.errors import FieldValueError
from assetbridge.domain.fieldmap import FieldSpec, Transform
from assetbridge.domain.timezones import zone_info
from assetbridge.domain.values import Canonical, normalize_datetime, normalize_multi, normalize_text


def _per_item(value: Canonical, step: Callable[[str], str]) -> Canonical:
    if value is None:
        return None
    if isinstance(value, tuple):
        return normalize_multi(step(item) for item in value)
    if isinstance(value, str):
        return normalize_text(step(value))
    return value


def _case(mode: str) -> Callable[[str], str]:
    if mode == "upper":
        return str.upper
    if mode == "lower":
        return str.lower
    return str.title


def _value_map(spec: FieldSpec, transform: Transform, value: Canonical, *, forward: bool) -> Canonical:
    mapping: dict[str, str] = dict(transform.args["map"])
    default = transform.args.get("default")
    if not forward:
        mapping = {target: source for source, target in mapping.items()}
        default = None
    # The value is rejected by the side it is going to.
    side = "iconik" if forward else "orangelogic"

    def step(item: str) -> str:
        if item in mapping:
            return mapping[item]
        if default is not None:
            return str(default)
        raise FieldValueError(spec.name, side, item, sorted(mapping), "not in the value map")

    return _per_item(value, step)


def _date_format(spec: FieldSpec, transform: Transform, value: Canonical, *, forward: bool) -> Canonical:
    fmt = str(transform.args["format"])
    if value is None:
        return None
    if forward:
        if not isinstance(value, str):
            raise FieldValueError(spec.name, "orangelogic", value, f"text formatted {fmt}", "not text")
        try:
            parsed = datetime.strptime(value.strip(), fmt)
        except ValueError:
            raise FieldValueError(
                spec.name, "orangelogic", value, f"dates formatted {fmt}", "not a date"
            ) from None
        return parsed.date() if spec.kind == "date" else normalize_datetime(parsed)
    if isinstance(value, datetime):
        return normalize_text(value.astimezone(UTC).strftime(fmt))
    if isinstance(value, date):
        return normalize_text(value.strftime(fmt))
    raise FieldValueError(spec.name, "orangelogic", value, "a date", "not a date")


def _split(spec: FieldSpec, separator: str, value: Canonical, side: str) -> Canonical:
    if value is None:
        return None
    if not isinstance(value, str):
        raise FieldValueError(spec.name, side, value, "text", "cannot split a value that is not text")
    return normalize_multi(part.strip() for part in value.split(separator))


def _join(spec: FieldSpec, separator: str, value: Canonical, side: str) -> Canonical:
    if value is None:
        return None
    if not isinstance(value, tuple):
        raise FieldValueError(spec.name, side, value, "a multi-value", "cannot join a single value")
    marker = separator.strip() or separator
    for item in value:
        if marker in item:
            raise FieldValueError(
                spec.name, side, item, f"items without {marker!r}", f"{marker!r} separates the joined items"
            )
    return normalize_text(separator.join(value))


def _timezone(transform: Transform, value: Canonical, *, forward: bool) -> Canonical:
    if not isinstance(value, datetime):
        return value
    zone = zone_info(str(transform.args["zone"]))
    if forward:
        return normalize_datetime(value.replace(tzinfo=zone))
    return value.astimezone(zone).replace(tzinfo=UTC)


def apply_step(spec: FieldSpec, transform: Transform, value: Canonical, *, forward: bool) -> Canonical:
    kind = transform.kind
    args = transform.args
    if kind == "value_map":
        return _value_map(spec, transform, value, forward=forward)
    if kind == "date_format":
        return _date_format(spec, transform, value, forward=forward)
    if kind == "timezone":
        return _timezone(transform, value, forward=forward)
    if kind in ("split", "join"):
        separator = str(args["separator"])
        joiner = str(args.get("joiner") or separator)
        splitting = (kind == "split") == forward
        side = "iconik" if forward else "orangelogic"
        if splitting:
            return _split(spec, separator.strip() or separator, value, side)
        return _join(spec, joiner, value, side)
    if not forward:
        return value
    if kind == "case":
        return _per_item(value, _case(str(args["mode"])))
    return _per_item(value, str.strip)


def forward(spec: FieldSpec, value: Canonical) -> Canonical:
    """The Orange Logic meaning of a value → its canonical (iconik) meaning."""
    for transform in spec.transforms:
        value = apply_step(spec, transform, value, forward=True)
    return value


def backward(spec: FieldSpec, value: Canonical) -> Canonical:
    """A canonical value → its Orange Logic meaning, undoing the transforms in reverse order."""
    for transform in reversed(spec.transforms):
        value = apply_step(spec, transform, value, forward=False)
    return value
