"""The query layer: the pattern matcher (``match``), substitution, and the execution and
evaluation of executable links.

Modules: :mod:`~atomtrig.query.pattern` (compiling a pattern), :mod:`~atomtrig.query.matcher`
(searching the store), :mod:`~atomtrig.query.typecheck` (variable declarations),
:mod:`~atomtrig.query.substitute` (putting groundings into a template) and
:mod:`~atomtrig.query.errors`.
"""
