"""A file schema of the seed's PingTriggerLink example: says what it does, returns an atom."""

import atomtrig


def run(*atoms):
    print("notify_president_of_unauthorized_use.py: ran")
    return atomtrig.current_atomspace().add_node("ConceptNode", "notify_president_of_unauthorized_use done")
