"""The ``Pipeline`` base class: a name, a description, a default configuration and ``stages()``.

A pipeline subclasses :class:`Pipeline`, sets ``name``, ``description`` and ``default_config``
(or passes a default configuration to ``super().__init__``, GoTaglio style), and implements
``stages()``. Optional methods decide what counts as a pass and how runs are shown.

>>> from atomtrig.pipeline import Pipeline, Prompt
>>> class Echo(Pipeline):
...     name = "echo"
...     description = "Repeats the case's text."
...     default_config = {"shout": {"enabled": False}, "model": {"name": Prompt("Model name")}}
...     def stages(self):
...         loud = self.setting("shout.enabled")
...         async def say(context):
...             text = context["case"]["text"]
...             return text.upper() if loud else text
...         return {"say": say}
>>> Echo(flat_config_patch=["shout.enabled=yes", "model.name=m"]).config()["shout"]
{'enabled': True}
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

from atomtrig.pipeline.config import (
    Internal,
    _is_json,
    apply_overrides,
    check_prompts,
    flatten,
    get_setting,
    merge_replacement,
    resolved_config,
    validate_config,
)
from atomtrig.pipeline.errors import ConfigError, PipelineError

__all__ = ["Pipeline"]


class Pipeline:
    """Base class of pipelines.

    Class attributes a subclass sets: ``name`` (how commands and the store refer to it; the class
    name by default), ``description``, ``default_config`` (a dict with a section per stage; leaves
    may be :class:`~atomtrig.pipeline.config.Prompt` or
    :class:`~atomtrig.pipeline.config.Internal`) and ``allow_new_keys`` (accept override keys that
    are not in the defaults).

    The constructor takes the defaults (``default_config``, or the class attribute), a whole
    ``replacement_config`` (used by ``rerun``: every non-internal setting of an earlier run) and
    ``flat_config_patch``, dotted overrides as ``["key=value", ...]`` or ``{"key": value}``.
    """

    name: ClassVar[str] = ""
    description: ClassVar[str] = ""
    default_config: ClassVar[dict[str, Any]] = {}
    allow_new_keys: ClassVar[bool] = False

    def __init__(
        self,
        default_config: Mapping[str, Any] | None = None,
        replacement_config: Mapping[str, Any] | None = None,
        flat_config_patch: Iterable[str] | Mapping[str, Any] | None = None,
        *,
        allow_new_keys: bool | None = None,
    ) -> None:
        defaults = type(self).default_config if default_config is None else default_config
        validate_config(defaults)
        config = copy.deepcopy(dict(defaults))
        if replacement_config is not None:
            config = merge_replacement(config, replacement_config)
        allow = type(self).allow_new_keys if allow_new_keys is None else allow_new_keys
        self._config: dict[str, Any] = apply_overrides(config, flat_config_patch, allow_new_keys=allow)
        self._internal_keys = {k for k, v in flatten(self._config).items() if isinstance(v, Internal)}

    # -- identity ----------------------------------------------------------------------------
    @classmethod
    def pipeline_name(cls) -> str:
        """``name``, or the class name when it is unset."""
        return cls.name or cls.__name__

    @classmethod
    def reference(cls) -> str:
        """``module:QualifiedName``, which :func:`atomtrig.pipeline.registry.load_pipeline` finds
        again (stored in run logs so ``rerun`` can rebuild the pipeline)."""
        return f"{cls.__module__}:{cls.__qualname__}"

    # -- configuration -----------------------------------------------------------------------
    def config(self) -> dict[str, Any]:
        """The patched configuration (the live dict: ``Internal`` markers until set)."""
        return self._config

    def setting(self, key: str) -> Any:
        """The value at a dotted key, e.g. ``self.setting("infer.model.name")``."""
        return get_setting(self._config, key)

    def set_internal(self, key: str, value: Any) -> None:
        """Fill in an ``Internal`` setting (typically at the start of ``stages()``).

        Only keys declared ``Internal()`` in the defaults can be set this way, and the value must
        be JSON-serialisable, since it goes into the run log.
        """
        if key not in self._internal_keys:
            known = ", ".join(sorted(self._internal_keys)) or "none"
            raise ConfigError(
                f"{key} is not an Internal() setting; only those are set by the pipeline "
                f"(internal settings: {known})"
            )
        if not _is_json(value):
            raise ConfigError(f"{key}: {type(value).__name__} {value!r} is not JSON-serialisable")
        parts = key.split(".")
        node: Any = self._config
        for part in parts[:-1]:
            node = node[part]
        node[parts[-1]] = value

    def check_config(self) -> None:
        """Raise a :class:`~atomtrig.pipeline.errors.ConfigError` listing every ``Prompt``
        still unset. The runner calls this before ``stages()``."""
        check_prompts(self._config)

    def final_config(self) -> dict[str, Any]:
        """The configuration as the run log records it (an unset ``Internal`` becomes null)."""
        return resolved_config(self._config)

    # -- the stages --------------------------------------------------------------------------
    def stages(self) -> Any:
        """Return a dict ``{name: async function}`` (a linear pipeline, run in order) or a list
        of ``{"name", "function", "inputs"}`` nodes (a DAG).

        Put expensive set-up (loading models, compiling templates) at the start of this method,
        so its errors surface before any case runs. Each stage function takes the case's
        context ``{"case", "stages", "metadata"}`` and returns a JSON-serialisable result.
        """
        raise PipelineError(f"{type(self).__name__} must implement stages()")

    # -- reporting hooks ---------------------------------------------------------------------
    def passed(self, result: Mapping[str, Any]) -> bool:
        """Whether a case's result counts as a pass (summaries and ``compare``). By default: it
        ran every stage without an exception. Override to check the answer as well."""
        return bool(result.get("succeeded"))

    def format_case(self, result: Mapping[str, Any]) -> str | None:
        """Text for one case in ``format``; None uses the default layout."""
        return None

    def summarize(self, log: Mapping[str, Any]) -> Any:
        """A rich renderable (or text) summarising a run for ``summarize``; None uses the
        default table."""
        return None
