"""``scm:`` grounded procedures: ``(GroundedSchema "scm: my-proc")`` calls the Scheme procedure
``my-proc`` defined by the script, as in the classic AtomSpace.

The procedure is looked up when it is called: in the interpreter running a script on the
AtomSpace that is current during the call (the query layer makes the executing space current),
else in that space's own interpreter (``space.eval_atomese``), so each space's scripts see their
own definitions. Only procedures a script defined (or the built-in ones) can
be named; no text is ever evaluated as code.

>>> import atomtrig
>>> space = atomtrig.AtomSpace()
>>> space.eval_atomese('''
... (define (double n) (Number (* 2 (string->number (cog-name n)))))
... (cog-execute! (ExecutionOutput (GroundedSchema "scm: double") (List (Number 21))))''')
(NumberNode "42")
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from atomtrig.atomese.data import sym
from atomtrig.atomese.errors import AtomeseRuntimeError

PREFIX = "scm:"


def scheme_resolver(name: str, node: Any) -> Callable[..., Any] | None:
    """The :func:`atomtrig.query.add_resolver` resolver of ``scm:`` names."""
    if not name.startswith(PREFIX):
        return None
    procedure_name = name[len(PREFIX):].strip()
    if not procedure_name:
        raise AtomeseRuntimeError(f"{node.short()}: no Scheme procedure named after 'scm:'")
    key = sym(procedure_name)

    def call_scheme(*args: Any) -> Any:
        from atomtrig.atomese import interpreter_for
        from atomtrig.atomese.evaluator import running_interpreter
        from atomtrig.core.context import current_atomspace

        space = current_atomspace()
        interp = running_interpreter(space) or interpreter_for(space)
        proc = interp.global_env.vars.get(key)
        if proc is None:
            raise AtomeseRuntimeError(
                f"(GroundedSchemaNode \"{name}\"): no Scheme procedure {procedure_name} is defined"
            )
        return interp.apply(proc, list(args))

    call_scheme.__name__ = procedure_name
    return call_scheme


_installed = False


def install() -> None:
    """Teach the query layer ``scm:`` names (done once, on importing :mod:`atomtrig.atomese`)."""
    global _installed
    if _installed:
        return
    from atomtrig.query.grounded import add_resolver

    add_resolver(scheme_resolver)
    _installed = True
