"""The file schema of the seed's StrengthTriggerLink example: eat the thing found."""


def run(thing):
    print(f"eat.py: eating {thing.name}")
    space = thing.space
    return space.add_link("EvaluationLink", [space.add_node("PredicateNode", "ate"), thing])
