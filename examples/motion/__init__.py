"""Motion applications on atomtrig (run each with ``python -m examples.motion.<name>``)."""
