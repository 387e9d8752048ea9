"""``Select``: the :class:`~atomtrig.feedback.lens.Lens` class plus shortcuts into records.

When a feedback runs, its selectors read one JSON-like document: the ``source_data`` given to
``run``, with the record under ``__record__`` and the app under ``__app__``. The shortcuts
start there:

==========================  =======================================================
``Select.Record``           ``__record__`` — the whole record
``Select.App``              ``__app__`` — the app's description
``Select.RecordInput``      ``__record__.main_input`` — the app's first argument
``Select.RecordOutput``     ``__record__.main_output`` — what the app returned
``Select.RecordCalls``      ``__record__.app`` — calls laid out by component path
``Select.RecordCall``       ``__record__.calls[-1]`` — the last recorded call
``Select.RecordArgs``       ``__record__.calls[-1].args``
``Select.RecordRets``       ``__record__.calls[-1].rets``
==========================  =======================================================

>>> str(Select.RecordCalls.retriever.retrieve.rets[:])
'__record__.app.retriever.retrieve.rets[:]'
>>> Select.of_string("__record__.main_output") == Select.RecordOutput
True
"""

from __future__ import annotations

from atomtrig.feedback.lens import Lens
from atomtrig.feedback.lens import Lens as _Lens

__all__ = ["Select"]


class Select:
    """Namespace of ready-made selectors (see the module docstring). Not instantiated."""

    Lens = Lens
    Query = Lens
    of_string = staticmethod(Lens.of_string)

    Record: _Lens = _Lens().__record__
    App: _Lens = _Lens().__app__

    RecordInput: _Lens = Record.main_input
    RecordOutput: _Lens = Record.main_output
    RecordCalls: _Lens = Record.app
    RecordCall: _Lens = Record.calls[-1]
    RecordArgs: _Lens = RecordCall.args
    RecordRets: _Lens = RecordCall.rets

    def __init__(self) -> None:
        raise TypeError("Select is a namespace of selectors; use Select.Record, Select.Lens() ...")
