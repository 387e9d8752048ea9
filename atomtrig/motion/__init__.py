"""Motion on atomtrig: ML pipelines of relations and triggers whose records, derived records and
routes are ordinary atoms.

``import atomtrig.motion as motion`` gives what a Motion application uses: ``create_store``,
``Trigger``, ``Route``, ``TriggeredBy``, ``Cursor`` and the errors. Modules: :mod:`.schema`
(relations as atom types), :mod:`.codec` (values), :mod:`.cursor`, :mod:`.trigger`,
:mod:`.routes` (routes as trigger links), :mod:`.fits` (the background fit queue),
:mod:`.sql`, :mod:`.store` (the store and its life cycle).

>>> import atomtrig.motion as motion
>>> from dataclasses import dataclass
>>> @dataclass
... class Query:
...     id: int
...     prompt: str
...     length: int
>>> class Measure(motion.Trigger):
...     def routes(self):
...         return [motion.Route(relation="query", key="prompt", infer=self.measure)]
...     def measure(self, cursor, triggered_by):
...         cursor.set(relation="query", identifier=triggered_by.identifier,
...                    key_values={"length": len(triggered_by.value)})
>>> store = motion.create_store("demo", schemas={"query": Query}, memory=True,
...                             triggers=[Measure])
>>> qid = store.cursor.set(relation="query", key_values={"prompt": "hello"})
>>> store.cursor.get(relation="query", identifier=qid, keys=["length"])
{'length': 5}
>>> store.close()
"""

from atomtrig.motion import routes as _routes
from atomtrig.motion.cursor import Cursor
from atomtrig.motion.errors import (
    FitError,
    MotionCycleError,
    MotionError,
    MotionKeyError,
    MotionQueryError,
    MotionRelationError,
    MotionSchemaError,
    MotionTriggerError,
    MotionTypeError,
)
from atomtrig.motion.store import Store, create_store
from atomtrig.motion.trigger import Route, Trigger, TriggeredBy

_routes.install()

__all__ = [
    "Cursor",
    "FitError",
    "MotionCycleError",
    "MotionError",
    "MotionKeyError",
    "MotionQueryError",
    "MotionRelationError",
    "MotionSchemaError",
    "MotionTriggerError",
    "MotionTypeError",
    "Route",
    "Store",
    "Trigger",
    "TriggeredBy",
    "create_store",
]
