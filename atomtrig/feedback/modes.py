"""When feedbacks registered for an app run on its new records.

>>> FeedbackMode("deferred") is FeedbackMode.DEFERRED
True
"""

from __future__ import annotations

import enum

__all__ = ["FeedbackMode"]


class FeedbackMode(str, enum.Enum):
    """The evaluation mode of the feedbacks registered for an app."""

    NONE = "none"
    """Records are stored; feedbacks run only when asked (``evaluate_records``)."""
    WITH_APP = "with_app"
    """In the thread that added the record, before the recorded call returns."""
    WITH_APP_THREAD = "with_app_thread"
    """In a background thread pool (the default); ``wait()`` waits for them."""
    DEFERRED = "deferred"
    """Queued durably in the store; a long-running ``atomtrig feedback serve`` evaluates them,
    retrying results stuck running and failed ones."""
