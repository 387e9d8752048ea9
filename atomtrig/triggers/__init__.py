"""The trigger layer: trigger links that fire queries and grounded schemas when the store
changes, and scheduled execution.

Modules: :mod:`.definitions` (what each trigger link means), :mod:`.registry` (registration by
adding and removing links), :mod:`.dispatch` (events to firings), :mod:`.runner` (sync/async
execution, cascades), :mod:`.targets` (how each target kind runs), :mod:`.revision`,
:mod:`.equivalence`, :mod:`.schema_files`, :mod:`.schedule`, :mod:`.stats`, :mod:`.options`,
:mod:`.firing` (firing identity and the journal), :mod:`.engine` (it all, for one AtomSpace),
:mod:`.scheduler` (the durable runner behind ``atomtrig schedule``).

>>> from atomtrig.triggers import TriggerEngine, ManualClock
>>> ManualClock().now()
0.0
"""

from atomtrig.triggers import equivalence as _equivalence
from atomtrig.triggers import schema_files as _schema_files
from atomtrig.triggers.engine import TriggerEngine
from atomtrig.triggers.errors import (
    CascadeError,
    SchemaFileError,
    TriggerDefinitionError,
    TriggerError,
    TriggerOptionError,
    TriggerTargetError,
)
from atomtrig.triggers.firing import Firing, FiringJournal, InMemoryFiringJournal
from atomtrig.triggers.options import TriggerOptions, set_trigger_options
from atomtrig.triggers.runner import current_firing
from atomtrig.triggers.schedule import ManualClock, MonotonicClock
from atomtrig.triggers.schema_files import add_schema_path, using_folder
from atomtrig.triggers.stats import StatsSnapshot

_schema_files.install()
_equivalence.install()

__all__ = [
    "CascadeError",
    "Firing",
    "FiringJournal",
    "InMemoryFiringJournal",
    "ManualClock",
    "MonotonicClock",
    "SchemaFileError",
    "StatsSnapshot",
    "TriggerDefinitionError",
    "TriggerEngine",
    "TriggerError",
    "TriggerOptionError",
    "TriggerOptions",
    "TriggerTargetError",
    "add_schema_path",
    "current_firing",
    "set_trigger_options",
    "using_folder",
]
