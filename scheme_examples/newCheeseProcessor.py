"""The file schema of the seed's "Triggering schema execution" example. A RelationshipTriggerLink
target with no arguments calls run(source, new_link)."""


def run(cheese, new_link):
    kind = new_link.out[0]
    print(f"newCheeseProcessor.py: new cheese link {new_link.type.short_name} about {kind.name}")
    return new_link.space.add_link("EvaluationLink", [
        new_link.space.add_node("PredicateNode", "processed"), kind])
