"""Atomese procedures of the trigger layer and of the indented notation.

- ``(cog-trigger-stats)`` — one association list per registered trigger:
  ``((trigger . "(PingTriggerLink ...)") (fired . 3) (failed . 1) (skipped . 0) (dropped . 0)
  (last-error . "...") (last-fired . 1795000000.5) (mean-duration . 0.0002))``;
  ``(cog-trigger-stats trigger-link)`` the one list of that trigger. (``last-error`` and
  ``last-fired`` are ``#f`` when there is none.)
- ``(cog-wait-for-triggers)`` (in :mod:`atomtrig.atomese.cog`) waits for queued async firings.
- ``(cog-set-trigger-option! trigger-link "mode" "async")`` sets an option, checked (names:
  ``mode``, ``every``, ``full-query``, ``max-depth``; see :mod:`atomtrig.triggers.options`).
- ``(load-indented "file.atomese")`` reads a file of the seed's indented notation
  (:mod:`atomtrig.atomese.indented`), relative to the running script, and returns its top-level
  atoms; ``(atom-label 444)`` is the atom labelled ``[444]`` in a file loaded so.

>>> from atomtrig.space import AtomSpace
>>> from atomtrig.atomese.evaluator import Interpreter
>>> i = Interpreter(AtomSpace())
>>> i.eval_text('(length (cog-trigger-stats))')
0
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from atomtrig.atomese.data import sym, to_write
from atomtrig.atomese.errors import AtomeseRuntimeError
from atomtrig.core.atom import Atom
from atomtrig.core.errors import AtomtrigError

if TYPE_CHECKING:
    from atomtrig.atomese.evaluator import Interpreter

__all__ = ["install"]

_OPTION_NAMES = {"mode": "mode", "every": "every_update", "every-update": "every_update",
                 "full-query": "full_query", "max-depth": "max_depth"}


def _alist(snapshot: Any) -> list[Any]:
    data = snapshot.as_dict()
    return [
        [sym("trigger"), data["trigger"]],
        [sym("fired"), data["fired"]],
        [sym("failed"), data["failed"]],
        [sym("skipped"), data["skipped"]],
        [sym("dropped"), data["dropped"]],
        [sym("last-error"), data["last_error"] if data["last_error"] is not None else False],
        [sym("last-fired"), data["last_fired"] if data["last_fired"] is not None else False],
        [sym("mean-duration"), data["mean_duration"]],
    ]


def install(interp: Interpreter) -> None:
    """Bind the trigger procedures in ``interp``."""
    labels: dict[str, Atom] = {}

    def engine() -> Any:
        found = getattr(interp.space, "triggers", None)
        if found is None:
            raise AtomeseRuntimeError("this AtomSpace has no trigger engine (use atomtrig.AtomSpace)")
        return found

    def trigger_stats(*link: Any) -> Any:
        if link:
            if not isinstance(link[0], Atom):
                raise AtomeseRuntimeError(f"cog-trigger-stats: {to_write(link[0])} is not a trigger link")
            try:
                return _alist(engine().stats(link[0])[0])
            except AtomtrigError as exc:
                raise AtomeseRuntimeError(f"cog-trigger-stats: {exc}") from None
        return [_alist(s) for s in engine().stats()]

    def set_option(link: Any, name: Any, value: Any) -> Any:
        from atomtrig.triggers.options import set_trigger_options

        key = _OPTION_NAMES.get(str(name))
        if key is None:
            raise AtomeseRuntimeError(
                f"cog-set-trigger-option!: unknown option {to_write(name)}; known: "
                + ", ".join(sorted(set(_OPTION_NAMES) - {"every-update"}))
            )
        if not isinstance(link, Atom):
            raise AtomeseRuntimeError(f"cog-set-trigger-option!: {to_write(link)} is not a trigger link")
        try:
            set_trigger_options(link, **{key: value})
        except AtomtrigError as exc:
            raise AtomeseRuntimeError(f"cog-set-trigger-option!: {exc}") from None
        return link

    def load_indented(name: Any) -> Any:
        from atomtrig.atomese.indented import load_indented as load

        if not isinstance(name, str):
            raise AtomeseRuntimeError(f"load-indented needs a file name string, not {to_write(name)}")
        path = Path(name)
        if not path.is_absolute():
            base = interp.current_file.parent if interp.current_file else Path.cwd()
            path = base / path
        if not path.is_file():
            raise AtomeseRuntimeError(f"load-indented: no file {str(path)!r}")
        result = load(interp.space, path)
        labels.update(result.labels)
        return list(result.atoms)

    def atom_label(label: Any) -> Any:
        key = str(label).strip("[]")
        atom = labels.get(key)
        if atom is None:
            raise AtomeseRuntimeError(f"atom-label: no atom is labelled [{key}] in the files loaded with load-indented")
        return atom

    interp.define("cog-trigger-stats", trigger_stats)
    interp.define("cog-set-trigger-option!", set_option)
    interp.define("load-indented", load_indented)
    interp.define("atom-label", atom_label)
