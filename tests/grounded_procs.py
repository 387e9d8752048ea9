"""Functions the grounded-procedure tests reach by dotted path ("py:grounded_procs.NAME")."""

from __future__ import annotations

from os import getcwd  # noqa: F401  (re-exported on purpose: resolving it must be refused)

from atomtrig.core.truthvalue import stv

NOT_CALLABLE = 42


def concat(a, b):  # type: ignore[no-untyped-def]
    return a.space.add_node("Concept", a.name + b.name)


def is_cat(a):  # type: ignore[no-untyped-def]
    return a.name == "cat"


def half_true(*atoms):  # type: ignore[no-untyped-def]
    return stv(0.5, 0.9)


class Box:
    @staticmethod
    def first(*atoms):  # type: ignore[no-untyped-def]
        return atoms[0]
