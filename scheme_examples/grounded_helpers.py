"""Python functions that scheme_examples/grounded_python.scm calls through GroundedSchemaNodes
and GroundedPredicateNodes. The script runs with ``--allow-module grounded_helpers`` (see
grounded_python.args): without it, ``py:grounded_helpers.*`` names are refused.
"""

from atomtrig import ConceptNode, NumberNode, stv


def total_legs(*animals):
    """A schema: the sum of the "legs" values of the animals, as a NumberNode."""
    total = 0.0
    for animal in animals:
        legs = animal.get_value("legs")
        total += legs[0] if legs is not None else 0.0
    return NumberNode(total)


def shout(word):
    """A schema: a new ConceptNode with the upper-cased name."""
    return ConceptNode(word.name.upper() + "!")


def is_heavy(animal):
    """A predicate: true when the animal's "weight" value is over 100."""
    weight = animal.get_value("weight")
    return stv(1, 1) if weight is not None and weight[0] > 100 else stv(0, 1)
