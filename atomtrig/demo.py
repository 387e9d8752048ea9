"""A small tour of the core API: ``python -m atomtrig.demo`` builds a few atoms and prints them.

>>> main()  # doctest: +ELLIPSIS
(InheritanceLink (stv 0.9 0.8)
...
"""

from __future__ import annotations

from atomtrig import AtomSpace, ConceptNode, Inheritance, ListLink, SetLink, stv


def main() -> None:
    space = AtomSpace()
    with space:
        cat, animal = ConceptNode("cat"), ConceptNode("animal")
        link = Inheritance(cat, animal, tv=stv(0.9, 0.8))
        pets = SetLink(ConceptNode("dog"), cat)
        ListLink(pets, animal)
    print(link)
    print(pets)
    print(f"{len(space)} atoms; cat is in {len(cat.incoming)} links:")
    for holder in cat.incoming:
        print(" ", holder.short())


if __name__ == "__main__":
    main()
