"""Pipeline configuration: ``Prompt`` and ``Internal`` markers, dotted overrides, type conversion.

A configuration is a JSON-serialisable dict with a section (a dict) per stage. A leaf may be a
:class:`Prompt` (the user must supply it) or an :class:`Internal` (the pipeline fills it in while it
initialises). Overrides address a leaf by its dotted path, ``infer.model.name=gpt4o``, and are
converted to the type of the default they replace.

>>> defaults = {"infer": {"model": {"name": Prompt("Model name"), "settings": {"top_p": 0.95}}}}
>>> config = apply_overrides(defaults, ["infer.model.name=gpt4o", "infer.model.settings.top_p=1"])
>>> config["infer"]["model"]
{'name': 'gpt4o', 'settings': {'top_p': 1.0}}
>>> apply_overrides(defaults, {"infer.model.nmae": "x"})
Traceback (most recent call last):
...
atomtrig.pipeline.errors.ConfigError: unknown setting 'infer.model.nmae'; did you mean infer.model.name? (a new key needs allow_new_keys=True, or --allow-new-keys on the command line)
"""

from __future__ import annotations

import copy
import difflib
import json
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from atomtrig.pipeline.errors import ConfigError

__all__ = [
    "Internal",
    "Prompt",
    "apply_overrides",
    "check_prompts",
    "convert_value",
    "flatten",
    "get_setting",
    "merge_replacement",
    "missing_prompts",
    "parse_overrides",
    "resolved_config",
    "validate_config",
]

class Prompt:
    """A setting the user must supply, with a description shown when it is missing.

    ``type`` (``str``, ``int``, ``float``, ``bool`` or ``"json"``) says how a value given as
    text is converted; by default text stays text.

    >>> Prompt("Model name to use for inference stage")
    Prompt('Model name to use for inference stage')
    """

    __slots__ = ("description", "type")

    def __init__(self, description: str, type: type | str | None = None) -> None:
        if not isinstance(description, str) or not description:
            raise ConfigError(f"Prompt needs a non-empty description string, not {description!r}")
        if type is not None and type not in (str, int, float, bool, "json"):
            raise ConfigError(f"Prompt type must be str, int, float, bool or 'json', not {type!r}")
        self.description = description
        self.type = type

    def __repr__(self) -> str:
        return f"Prompt({self.description!r})"

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Prompt)
            and other.description == self.description
            and other.type == self.type
        )

    def __hash__(self) -> int:
        return hash(("Prompt", self.description))


class Internal:
    """A setting the pipeline fills in during initialisation (in ``stages()``), never the user.

    >>> Internal()
    Internal()
    """

    __slots__ = ("description",)

    def __init__(self, description: str = "") -> None:
        self.description = description

    def __repr__(self) -> str:
        return f"Internal({self.description!r})" if self.description else "Internal()"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Internal) and other.description == self.description

    def __hash__(self) -> int:
        return hash(("Internal", self.description))


def _is_section(value: object) -> bool:
    # An empty dict is a JSON leaf (a setting whose value is {}), not a section with keys.
    return isinstance(value, dict) and bool(value)


def _walk(config: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, Any, bool]]:
    """Every (dotted path, value, is_section) of a config, sections before their keys."""
    for key, value in config.items():
        path = f"{prefix}{key}"
        if _is_section(value):
            yield path, value, True
            yield from _walk(value, path + ".")
        else:
            yield path, value, False


def flatten(config: Mapping[str, Any]) -> dict[str, Any]:
    """The leaves of a configuration by dotted path.

    >>> flatten({"a": {"b": 1, "c": {"d": Prompt("x")}}})
    {'a.b': 1, 'a.c.d': Prompt('x')}
    """
    return {path: value for path, value, section in _walk(config) if not section}


def _is_json(value: object) -> bool:
    if value is None or isinstance(value, (str, int, float, bool)):
        return True
    if isinstance(value, (list, tuple)):
        return all(_is_json(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _is_json(v) for k, v in value.items())
    return False


def validate_config(config: object, what: str = "default configuration") -> None:
    """Check that a configuration is a dict of sections whose keys are dot-free strings and whose
    leaves are JSON values, :class:`Prompt` or :class:`Internal`.

    >>> validate_config({"infer": {"model.name": "x"}})
    Traceback (most recent call last):
    ...
    atomtrig.pipeline.errors.ConfigError: default configuration: key 'model.name' under 'infer' contains a '.'; keys are joined with dots in overrides, so they cannot contain one
    """
    if not isinstance(config, dict):
        raise ConfigError(f"{what} must be a dict with a section per stage, not {type(config).__name__}")

    def check(node: Mapping[str, Any], where: str) -> None:
        for key, value in node.items():
            if not isinstance(key, str) or not key:
                raise ConfigError(f"{what}: keys must be non-empty strings, not {key!r} under {where}")
            if "." in key:
                raise ConfigError(
                    f"{what}: key {key!r} under {where} contains a '.'; keys are joined with dots "
                    "in overrides, so they cannot contain one"
                )
            path = key if where == "the top level" else f"{where.strip(chr(39))}.{key}"
            if isinstance(value, dict):
                check(value, f"'{path}'")
            elif not isinstance(value, (Prompt, Internal)) and not _is_json(value):
                raise ConfigError(
                    f"{what}: {path} is {type(value).__name__} {value!r}, which is not "
                    "JSON-serialisable (use JSON values, Prompt(...) or Internal())"
                )

    check(config, "the top level")


def parse_overrides(overrides: Iterable[str] | Mapping[str, Any] | None) -> dict[str, Any]:
    """Dotted overrides as a dict: ``["a.b=1"]`` (command-line form) or ``{"a.b": 1}``.

    >>> parse_overrides(["infer.model.name=gpt4o", "prepare.template=a=b.txt"])
    {'infer.model.name': 'gpt4o', 'prepare.template': 'a=b.txt'}
    >>> parse_overrides(["infer.model.name"])
    Traceback (most recent call last):
    ...
    atomtrig.pipeline.errors.ConfigError: override 'infer.model.name' must have the form key=value
    """
    if overrides is None:
        return {}
    if isinstance(overrides, Mapping):
        items = list(overrides.items())
    elif isinstance(overrides, str):
        raise ConfigError(f"overrides must be a list of key=value strings or a dict, not the string {overrides!r}")
    else:
        items = []
        for item in overrides:
            if not isinstance(item, str) or "=" not in item:
                raise ConfigError(f"override {item!r} must have the form key=value")
            key, _, value = item.partition("=")
            items.append((key.strip(), value))
    result: dict[str, Any] = {}
    for key, value in items:
        if not isinstance(key, str) or not key or any(not part for part in key.split(".")):
            raise ConfigError(f"override key {key!r} must be a dotted path such as infer.model.name")
        result[key] = value
    return result


_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off"}


def _type_name(t: object) -> str:
    return {str: "str", int: "int", float: "float", bool: "bool"}.get(t, "JSON value")  # type: ignore[call-overload]


def convert_value(key: str, value: Any, default: Any) -> Any:
    """Convert an override to the type of the default it replaces.

    Text (from the command line) is parsed: ``int``, ``float``, ``bool`` (true/false, yes/no,
    on/off, 1/0) and JSON for lists, dicts and ``None`` defaults. A Python value must already have
    the default's type (an int is accepted for a float).

    >>> convert_value("a", "3", 800), convert_value("b", "0.5", 0.7), convert_value("c", "no", True)
    (3, 0.5, False)
    >>> convert_value("d", '["x", 2]', ["y"])
    ['x', 2]
    >>> convert_value("a", "lots", 800)
    Traceback (most recent call last):
    ...
    atomtrig.pipeline.errors.ConfigError: a=lots: expected an int (like the default 800), got 'lots'
    """
    target: object
    if isinstance(default, Prompt):
        target = default.type
        if target is None:
            target = str if isinstance(value, str) else "json"
    elif isinstance(default, bool):
        target = bool
    elif isinstance(default, int):
        target = int
    elif isinstance(default, float):
        target = float
    elif isinstance(default, str):
        target = str
    else:  # None, list, {} or a new key: any JSON value
        target = "json"

    original = value
    shown = "" if isinstance(default, Prompt) or default is None else f" (like the default {json.dumps(default)})"

    def fail(expected: str) -> ConfigError:
        return ConfigError(f"{key}={original}: expected {expected}{shown}, got {original!r}")

    if target is bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
            return value.strip().lower() in _TRUE
        raise fail("a bool (true/false, yes/no, on/off, 1/0)")
    if target is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str):
            try:
                return int(value.strip())
            except ValueError:
                pass
        raise fail("an int")
    if target is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        if isinstance(value, str):
            try:
                return float(value.strip())
            except ValueError:
                pass
        raise fail("a float")
    if target is str:
        if isinstance(value, str):
            return value
        raise fail("a str")
    # A JSON value: text is parsed as JSON when it is JSON, and kept as text otherwise (so
    # key=hello works for a None default); the result must match a list/dict default's kind.
    if isinstance(value, str):
        try:
            parsed = json.loads(value)
        except ValueError:
            if isinstance(default, (list, dict)):
                raise fail(f"JSON text for a {type(default).__name__}") from None
            parsed = value
        value = parsed
    if not _is_json(value):
        raise ConfigError(f"{key}: {type(value).__name__} {value!r} is not JSON-serialisable")
    if isinstance(default, list) and not isinstance(value, list):
        raise fail("a JSON list")
    if isinstance(default, dict) and not isinstance(value, dict):
        raise fail("a JSON object")
    return value


def _suggest(key: str, known: list[str]) -> str:
    # Only the keys nearly as close as the best one: sibling keys share a long dotted prefix,
    # so every one of them looks "close" to difflib.
    scored = sorted(((difflib.SequenceMatcher(None, key, k).ratio(), k) for k in known), reverse=True)
    close = [k for score, k in scored[:3] if score >= max(0.7, scored[0][0] - 0.05)] if scored else []
    if not close:
        # Compare the last part too: "infer.modle" vs "infer.model" is close, but
        # "settings.top_p" against the full paths may not be.
        tail = key.rsplit(".", 1)[-1]
        tails = {k.rsplit(".", 1)[-1]: k for k in known}
        close = [tails[t] for t in difflib.get_close_matches(tail, list(tails), n=3, cutoff=0.7)]
    if close:
        return "did you mean " + " or ".join(close) + "?"
    if not known:
        return "the configuration has no settings"
    listed = ", ".join(known[:20]) + (", ..." if len(known) > 20 else "")
    return f"known settings: {listed}"


def apply_overrides(
    config: Mapping[str, Any],
    overrides: Iterable[str] | Mapping[str, Any] | None,
    *,
    allow_new_keys: bool = False,
) -> dict[str, Any]:
    """A copy of ``config`` with dotted ``overrides`` applied and converted.

    Refused, with a :class:`ConfigError`: a key that names a whole section (the message lists the
    keys beneath it), an ``Internal`` key, and a key that is not in ``config`` unless
    ``allow_new_keys`` (the message suggests the closest existing keys).
    """
    patches = parse_overrides(overrides)
    result = copy.deepcopy(dict(config))
    if not patches:
        return result
    known = [path for path, _, section in _walk(result) if not section]
    for key, value in patches.items():
        parts = key.split(".")
        node: Any = result
        for i, part in enumerate(parts[:-1]):
            child = node.get(part) if isinstance(node, dict) else None
            if child is None and isinstance(node, dict) and part not in node and allow_new_keys:
                child = node[part] = {}
            elif not isinstance(child, dict):
                if isinstance(node, dict) and part in node:
                    where = ".".join(parts[: i + 1])
                    raise ConfigError(f"cannot set {key}: {where} is a setting, not a section")
                raise ConfigError(f"unknown setting {key!r}; {_new_key_hint(key, known)}")
            node = child
        last = parts[-1]
        if last not in node:
            if not allow_new_keys:
                raise ConfigError(f"unknown setting {key!r}; {_new_key_hint(key, known)}")
            node[last] = convert_value(key, value, None)
            continue
        current = node[last]
        if _is_section(current):
            beneath = [f"{key}.{path}" for path, _, section in _walk(current) if not section]
            raise ConfigError(
                f"{key} is a section, not a setting; an override cannot replace it whole. "
                f"Set the keys beneath it instead: {', '.join(beneath)}"
            )
        if isinstance(current, Internal):
            raise ConfigError(
                f"{key} is internal: the pipeline fills it in during initialisation, so it cannot "
                "be overridden"
            )
        node[last] = convert_value(key, value, current)
    return result


def _new_key_hint(key: str, known: list[str]) -> str:
    return (
        _suggest(key, known)
        + " (a new key needs allow_new_keys=True, or --allow-new-keys on the command line)"
    )


def missing_prompts(config: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The ``(dotted key, description)`` of every :class:`Prompt` still unset.

    >>> missing_prompts({"prepare": {"template": Prompt("Template file")}, "x": {"y": 1}})
    [('prepare.template', 'Template file')]
    """
    return [(path, value.description) for path, value in flatten(config).items() if isinstance(value, Prompt)]


def check_prompts(config: Mapping[str, Any]) -> None:
    """Raise a :class:`ConfigError` listing every required setting still unset, with its
    description.

    >>> check_prompts({"infer": {"model": {"name": Prompt("Model name to use")}}})
    Traceback (most recent call last):
    ...
    atomtrig.pipeline.errors.ConfigError: 1 required setting is not set:
      infer.model.name: Model name to use
    Supply each as key=value, e.g. infer.model.name=...
    """
    missing = missing_prompts(config)
    if not missing:
        return
    width = max(len(key) for key, _ in missing)
    lines = [f"  {key + ':':<{width + 1}} {description}" for key, description in missing]
    count = len(missing)
    head = f"{count} required setting{'s are' if count != 1 else ' is'} not set:"
    example = missing[0][0]
    raise ConfigError("\n".join([head, *lines, f"Supply each as key=value, e.g. {example}=..."]))


def merge_replacement(defaults: Mapping[str, Any], replacement: Mapping[str, Any]) -> dict[str, Any]:
    """The defaults with every non-internal setting taken from ``replacement`` (a whole earlier
    configuration, e.g. from a run log). Internal settings stay markers, so the pipeline computes
    them again; keys only in ``replacement`` are kept.

    >>> merge_replacement({"p": {"t": Prompt("T"), "text": Internal()}}, {"p": {"t": "a.j2", "text": "old"}})
    {'p': {'t': 'a.j2', 'text': Internal()}}
    """
    if not isinstance(replacement, Mapping):
        raise ConfigError(f"a replacement configuration must be a dict, not {type(replacement).__name__}")
    result = copy.deepcopy(dict(defaults))
    internal = {path for path, value in flatten(result).items() if isinstance(value, Internal)}
    for path, value in flatten(replacement).items():
        if path in internal:
            continue
        node = result
        parts = path.split(".")
        for part in parts[:-1]:
            child = node.get(part)
            if not isinstance(child, dict):
                child = node[part] = {}
            node = child
        node[parts[-1]] = copy.deepcopy(value)
    return result


def get_setting(config: Mapping[str, Any], key: str) -> Any:
    """The value at a dotted path.

    >>> get_setting({"infer": {"model": {"name": "gpt4o"}}}, "infer.model.name")
    'gpt4o'
    """
    node: Any = config
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            known = [path for path, _, _ in _walk(config)]
            raise ConfigError(f"no setting {key!r}; {_suggest(key, known)}")
        node = node[part]
    return node


def resolved_config(config: Mapping[str, Any]) -> dict[str, Any]:
    """A JSON-serialisable copy for the run log: an ``Internal`` still unset becomes ``None``
    (``Prompt`` markers must be gone: :func:`check_prompts` runs first).

    >>> resolved_config({"p": {"text": Internal(), "n": 2}})
    {'p': {'text': None, 'n': 2}}
    """

    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            return {k: resolve(v) for k, v in node.items()}
        if isinstance(node, list):
            return [resolve(v) for v in node]
        if isinstance(node, Internal):
            return None
        if isinstance(node, Prompt):
            return None
        return node

    return resolve(config)  # type: ignore[no-any-return]
