"""The store as a graph for networkx or rustworkx: atoms are graph nodes, and each position of a
link's outgoing set is an edge from the link to the atom there, carrying its ``index``.

>>> from atomtrig.core.atomspace import CoreAtomSpace as AtomSpace
>>> space = AtomSpace()
>>> a, b = space.add_node("Concept", "a"), space.add_node("Concept", "b")
>>> _ = space.add_link("List", [a, b])
>>> g = to_networkx(space)
>>> g.number_of_nodes(), g.number_of_edges()
(3, 2)
>>> len(from_networkx(g))
3
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from atomtrig.core.truthvalue import DEFAULT_TV

if TYPE_CHECKING:
    from atomtrig.core.atomspace import CoreAtomSpace as AtomSpace


def _attributes(atom: Any) -> dict[str, Any]:
    attrs: dict[str, Any] = {"type": atom.type.name, "name": atom.name if atom.is_node() else None}
    if atom.tv != DEFAULT_TV:
        attrs["tv"] = atom.tv
    return attrs


def to_networkx(space: AtomSpace) -> Any:
    """A ``networkx.MultiDiGraph`` whose nodes are the atoms (attributes ``type``, ``name``,
    ``tv`` when not default) and whose edges go from each link to its outgoing atoms, keyed and
    labelled by position (``index``)."""
    import networkx as nx

    graph = nx.MultiDiGraph()
    atoms = list(space)
    for atom in atoms:
        graph.add_node(atom, **_attributes(atom))
    for atom in atoms:
        for index, child in enumerate(atom.out):
            graph.add_edge(atom, child, key=index, index=index)
    return graph


def to_rustworkx(space: AtomSpace) -> Any:
    """A ``rustworkx.PyDiGraph`` (multigraph) whose node payloads are the atoms and whose edge
    payloads are the outgoing positions. Node indices follow :meth:`AtomSpace.__iter__`."""
    import rustworkx as rx

    graph = rx.PyDiGraph(multigraph=True)
    atoms = list(space)
    indices = graph.add_nodes_from(atoms)
    index_of = {id(atom): index for atom, index in zip(atoms, indices)}
    graph.add_edges_from(
        (index_of[id(atom)], index_of[id(child)], position)
        for atom in atoms
        for position, child in enumerate(atom.out)
    )
    return graph


def from_networkx(graph: Any, space: AtomSpace | None = None) -> AtomSpace:
    """Rebuild atoms from a graph made by :func:`to_networkx` (node attributes ``type``, ``name``,
    ``tv``; edge attribute ``index``) into ``space`` (a new one by default)."""
    from atomtrig.core.atomspace import CoreAtomSpace as AtomSpace

    target = space if space is not None else AtomSpace()
    made: dict[Any, Any] = {}

    def build(graph_node: Any) -> Any:
        if graph_node in made:
            return made[graph_node]
        attrs = graph.nodes[graph_node]
        atom: Any
        if attrs.get("name") is not None:
            atom = target.add_node(attrs["type"], attrs["name"], attrs.get("tv"))
        else:
            edges = sorted(graph.out_edges(graph_node, data="index"), key=lambda e: e[2])
            atom = target.add_link(attrs["type"], [build(e[1]) for e in edges], attrs.get("tv"))
        made[graph_node] = atom
        return atom

    for graph_node in graph.nodes:
        build(graph_node)
    return target


def from_rustworkx(graph: Any, space: AtomSpace | None = None) -> AtomSpace:
    """Rebuild atoms from a graph made by :func:`to_rustworkx` into ``space``."""
    from atomtrig.core.atomspace import CoreAtomSpace as AtomSpace

    target = space if space is not None else AtomSpace()
    made: dict[int, Any] = {}

    def build(index: int) -> Any:
        if index in made:
            return made[index]
        payload = graph[index]
        atom: Any
        if payload.is_node():
            atom = target.add_atom(payload)
        else:
            edges = sorted(graph.out_edges(index), key=lambda e: e[2])
            atom = target.add_link(payload.type, [build(e[1]) for e in edges], None)
            if payload.tv != DEFAULT_TV:
                target.set_tv(atom, payload.tv)
        made[index] = atom
        return atom

    for index in graph.node_indices():
        build(index)
    return target
