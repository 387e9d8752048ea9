"""Grounded procedures: the Python functions behind GroundedSchemaNode and GroundedPredicateNode.

A node named ``"py:NAME"`` resolves, in this order, to

1. a function registered under ``NAME`` with :func:`grounded` (``@atomtrig.grounded`` or
   ``@atomtrig.grounded("NAME")``), or under its dotted path ``module.qualname``;
2. whatever a resolver added with :func:`add_resolver` returns for the node's name (the
   extension point for other kinds of names, e.g. script files);
3. an importable dotted path ``package.module.function`` — only if the module was allowed with
   :func:`allow_module` (``--allow-module NAME`` on the command line).

Grounded procedures are code execution, so they are opt-in: a script from elsewhere cannot reach
``py:os.system`` unless the user allowed ``os``. Names are resolved with ``importlib`` and
``getattr``, never ``eval``; a path component that starts with ``__`` is refused, and so is a
callable that is only re-exported by an allowed module from a module that is not allowed.

The function receives the atoms of the ListLink as positional arguments, with the AtomSpace
current (so the type constructors work inside it; ``atom.space`` works too). A schema returns
an atom (or a Value); a predicate returns a truth value or a bool.

>>> import atomtrig
>>> @atomtrig.grounded
... def twice(n):
...     return n.space.add_node("Number", 2 * float(n.name))
>>> space = atomtrig.AtomSpace()
>>> schema = space.add_node("GroundedSchemaNode", "py:twice")
>>> call_schema(space, schema, [space.add_node("Number", "21")])
(NumberNode "42")
>>> _ = unregister("twice")
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, overload

from atomtrig.core.truthvalue import FALSE_TV, TRUE_TV, TruthValue
from atomtrig.core.values import Value
from atomtrig.query.allowlist import (
    allow_module,
    allowed_modules,
    disallow_module,
    import_allowed,
    on_change,
)
from atomtrig.query.errors import GroundedProcedureError

if TYPE_CHECKING:
    from atomtrig.core.atom import Atom
    from atomtrig.core.atomspace import CoreAtomSpace as AtomSpace

__all__ = [
    "Resolver",
    "add_resolver",
    "allow_module",
    "allowed_modules",
    "call_predicate",
    "call_schema",
    "disallow_module",
    "grounded",
    "registered",
    "remove_resolver",
    "resolve",
    "unregister",
]

F = TypeVar("F", bound=Callable[..., Any])

PY_PREFIX = "py:"


class Resolver(Protocol):
    """Turns a grounded node's name into a callable, or returns None when the name is not its
    kind (the next resolver is then asked). It may raise :class:`GroundedProcedureError` (or a
    subclass) with a message naming the node when the name is its kind but is wrong."""

    def __call__(self, name: str, node: Atom) -> Callable[..., Any] | None: ...


_lock = threading.RLock()
_registry: dict[str, Callable[..., Any]] = {}
_registered_as: dict[str, str] = {}  # registered name -> "module.qualname" of its function
_resolvers: list[Resolver] = []
_cache: dict[str, Callable[..., Any]] = {}


def _invalidate() -> None:
    _cache.clear()


on_change(_invalidate)


# -- registration -----------------------------------------------------------------------------
def _qualified(fn: Callable[..., Any]) -> str:
    module = getattr(fn, "__module__", None) or "?"
    qualname = getattr(fn, "__qualname__", None) or getattr(fn, "__name__", None) or repr(fn)
    return f"{module}.{qualname}"


def _register(fn: Callable[..., Any], name: str | None) -> None:
    if not callable(fn):
        raise GroundedProcedureError(f"@grounded needs a callable, not {type(fn).__name__} {fn!r}")
    qualified = _qualified(fn)
    names = []
    if name is not None:
        if not isinstance(name, str) or not name.strip():
            raise GroundedProcedureError(f"a grounded procedure's name must be a non-empty string, not {name!r}")
        names.append(name.removeprefix(PY_PREFIX))
    else:
        short = getattr(fn, "__name__", None)
        if not isinstance(short, str) or short == "<lambda>":
            raise GroundedProcedureError(
                f"{fn!r} has no usable name; register it with @atomtrig.grounded(\"name\")"
            )
        names.append(short)
    if "<" not in qualified:  # not a lambda or a function defined inside another one
        names.append(qualified)
    with _lock:
        for n in names:
            previous = _registered_as.get(n)
            if previous is not None and previous != qualified:
                raise GroundedProcedureError(
                    f"the grounded procedure name {n!r} is already registered to {previous}; "
                    f"register {qualified} under another name (@atomtrig.grounded(\"name\")) "
                    "or unregister the first one"
                )
        for n in dict.fromkeys(names):
            _registry[n] = fn
            _registered_as[n] = qualified
        _invalidate()


@overload
def grounded(fn: F, /) -> F: ...


@overload
def grounded(name: str | None = None, /) -> Callable[[F], F]: ...


def grounded(arg: Any = None, /) -> Any:
    """Register a Python function as a grounded procedure, for ``(GroundedSchemaNode "py:NAME")``
    and ``(GroundedPredicateNode "py:NAME")``.

    Use it bare (``@atomtrig.grounded``: the name is the function's ``__name__``; its dotted path
    ``module.qualname`` resolves too) or with a name (``@atomtrig.grounded("my-name")``). It
    returns the function unchanged. Registering a different function under a name already taken
    raises :class:`GroundedProcedureError`; registering the same function again is harmless.

    >>> @grounded("always-true")
    ... def yes(*atoms):
    ...     return True
    >>> registered()["always-true"] is yes
    True
    >>> _ = unregister("always-true")
    """
    if arg is None or isinstance(arg, str):

        def decorate(fn: F) -> F:
            _register(fn, arg)
            return fn

        return decorate
    _register(arg, None)
    return arg


def unregister(name: str) -> Callable[..., Any] | None:
    """Forget the procedure registered under ``name`` (and under its other registered names);
    returns it, or None when there was none."""
    key = name.removeprefix(PY_PREFIX)
    with _lock:
        fn = _registry.get(key)
        if fn is None:
            return None
        for n in [n for n, f in _registry.items() if f is fn]:
            del _registry[n]
            _registered_as.pop(n, None)
        _invalidate()
        return fn


def registered() -> dict[str, Callable[..., Any]]:
    """A copy of the registry: name -> function."""
    with _lock:
        return dict(_registry)


# -- resolvers --------------------------------------------------------------------------------
def add_resolver(resolver: Resolver) -> None:
    """Add a resolver, asked (most recently added first) for every name the registry does not
    hold, before the ``py:`` import path. This is how other layers teach grounded nodes new kinds
    of names, e.g. a script file resolved against a script folder. Resolved callables are cached
    by name until the registry, the allow-list or the resolvers change."""
    with _lock:
        _resolvers.insert(0, resolver)
        _invalidate()


def remove_resolver(resolver: Resolver) -> None:
    """Remove a resolver added with :func:`add_resolver` (no error if absent)."""
    with _lock:
        if resolver in _resolvers:
            _resolvers.remove(resolver)
        _invalidate()


# -- resolution -------------------------------------------------------------------------------
def resolve(node: Atom) -> Callable[..., Any]:
    """The Python callable a GroundedSchemaNode or GroundedPredicateNode names.

    Raises :class:`ProcedureNotAllowedError` for a module that is not allowed and
    :class:`GroundedProcedureError` for anything else that does not resolve; both name the node.
    """
    name = node.name
    fn = _cache.get(name)
    if fn is not None:
        return fn
    with _lock:
        fn = _resolve_uncached(name, node)
        _cache[name] = fn
    return fn


def _resolve_uncached(name: str, node: Atom) -> Callable[..., Any]:
    key = name[len(PY_PREFIX) :] if name.startswith(PY_PREFIX) else None
    if key is not None and key in _registry:
        return _registry[key]
    for resolver in tuple(_resolvers):  # a snapshot (resolution holds the lock anyway)
        found = resolver(name, node)
        if found is not None:
            if not callable(found):
                raise GroundedProcedureError(
                    f"{node.short()}: the resolver {resolver!r} returned {type(found).__name__}, "
                    "not a callable"
                )
            return found
    if key is None:
        raise GroundedProcedureError(
            f"{node.short()}: unknown kind of grounded procedure name; expected \"py:NAME\" "
            "(a function registered with @atomtrig.grounded, or module.function of a module "
            "allowed with atomtrig.allow_module)"
        )
    return _import_path(key, node)


def _import_path(path: str, node: Atom) -> Callable[..., Any]:
    parts = path.split(".")
    if len(parts) < 2 or not all(p.isidentifier() for p in parts):
        raise GroundedProcedureError(
            f"{node.short()}: no grounded procedure is registered as {path!r} and it is not a "
            "module.function path; register the function with @atomtrig.grounded or name it "
            "as \"py:module.function\""
        )
    obj = import_allowed(path, what=node.short())
    if not callable(obj):
        raise GroundedProcedureError(
            f"{node.short()}: {path!r} is a {type(obj).__name__}, not a function"
        )
    return obj  # type: ignore[no-any-return]


# -- calling ----------------------------------------------------------------------------------
def _call(space: AtomSpace, node: Atom, args: Sequence[Atom]) -> Any:
    fn = resolve(node)
    try:
        with space:
            return fn(*args)
    except GroundedProcedureError:
        raise
    except Exception as exc:
        raise GroundedProcedureError(
            f"{node.short()} raised {type(exc).__name__}: {exc}"
        ) from exc


def call_schema(space: AtomSpace, node: Atom, args: Sequence[Atom]) -> Atom | Value:
    """Call the function of a GroundedSchemaNode with ``args``; its result must be an atom (added
    to ``space`` if it belongs to another one) or a Value."""
    from atomtrig.core.atom import Atom as AtomClass

    result = _call(space, node, args)
    if isinstance(result, AtomClass):
        if result._space is not space:
            result = space.add_atom(result)
        return result
    if isinstance(result, Value):
        return result
    hint = " (a predicate? use a GroundedPredicateNode)" if isinstance(result, (bool, TruthValue)) else ""
    raise GroundedProcedureError(
        f"{node.short()} returned {type(result).__name__} {result!r}; a grounded schema must "
        f"return an atom or a Value{hint}"
    )


def call_predicate(space: AtomSpace, node: Atom, args: Sequence[Atom]) -> TruthValue:
    """Call the function of a GroundedPredicateNode with ``args``; its result must be a truth
    value or a bool (True is ``(stv 1 1)``, False ``(stv 0 1)``)."""
    result = _call(space, node, args)
    if isinstance(result, TruthValue):
        return result
    if isinstance(result, bool):
        return TRUE_TV if result else FALSE_TV
    raise GroundedProcedureError(
        f"{node.short()} returned {type(result).__name__} {result!r}; a grounded predicate must "
        "return a truth value (stv) or a bool"
    )
