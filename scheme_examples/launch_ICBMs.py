"""A file schema of the seed's PingTriggerLink example: says what it does, returns an atom."""

import atomtrig


def run(*atoms):
    print("launch_ICBMs.py: ran")
    return atomtrig.current_atomspace().add_node("ConceptNode", "launch_ICBMs done")
