"""A file predicate of the seed's PingTriggerLink example: true when the store holds
(EvaluationLink (PredicateNode "authorised") (ConceptNode "president"))."""

import atomtrig


def run(*atoms):
    space = atomtrig.current_atomspace()
    authorised = space.get_node("PredicateNode", "authorised")
    president = space.get_node("ConceptNode", "president")
    found = authorised is not None and president is not None and \
        space.get_link("EvaluationLink", [authorised, president]) is not None
    print(f"Presidential_Authority_Received.py: {'yes' if found else 'no'}")
    return found
