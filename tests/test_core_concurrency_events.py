"""Thread safety, the change-event hook and graph interop."""

from __future__ import annotations

import threading

import networkx as nx
import pytest

from atomtrig import AtomNotInSpaceError, AtomSpace, ChangeKind, stv
from atomtrig.core.graph_export import from_networkx, from_rustworkx


def test_concurrent_adds_of_the_same_atoms_yield_one_atom_each():
    space = AtomSpace()
    results: list[list[object]] = []
    barrier = threading.Barrier(8)

    def work() -> None:
        barrier.wait()
        made = []
        for i in range(300):
            a = space.add_node("Concept", f"n{i}")
            b = space.add_node("Concept", f"n{i % 7}")
            made.append(space.add_link("Set", [a, b]))
        results.append(made)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for made in results[1:]:
        assert all(x is y for x, y in zip(made, results[0]))
    assert len(space) == 300 + len({tuple(sorted((f"n{i}", f"n{i % 7}"))) for i in range(300)})
    # incoming sets are consistent: every link is once in each member's bucket
    for link in space.get_atoms_by_type("SetLink"):
        for member in set(link.out):
            assert member.incoming_by_type("SetLink").count(link) == 1


def test_concurrent_add_and_remove_keep_the_store_consistent():
    space = AtomSpace()
    hub = space.add_node("Concept", "hub")

    refused: list[int] = []

    def adder() -> None:
        for i in range(500):
            node = space.add_node("Concept", f"x{i}")
            try:
                space.add_link("List", [hub, node])
            except AtomNotInSpaceError:  # the remover took the node first: a clear refusal
                refused.append(i)

    def remover() -> None:
        for i in range(500):
            atom = space.get_node("Concept", f"x{i}")
            if atom is not None:
                space.remove(atom, recursive=True)

    threads = [threading.Thread(target=adder), threading.Thread(target=remover)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for link in hub.incoming:
        assert link in space and link.out[1] in space
    for i in refused:
        assert space.get_node("Concept", f"x{i}") is None
    assert len(space) == 1 + sum(1 for a in space.get_atoms_by_type("Concept") if a is not hub) + len(hub.incoming)


class Recorder:
    def __init__(self) -> None:
        self.events: list[tuple[ChangeKind, str]] = []

    def changes_applied(self, space, events):
        for e in events:
            self.events.append((e.kind, e.atom.short() if e.atom._space else e.atom.name))


def test_watched_atoms_report_every_kind_of_change():
    space = AtomSpace()
    rec = Recorder()
    space.add_listener(rec)
    a = space.add_node("Concept", "a")
    b = space.add_node("Concept", "b")
    space.set_watch(a, ChangeKind.ANY)
    link = space.add_link("List", [a, b])
    space.add_link("List", [a, b])  # existing: no new event
    a.tv = stv(0.5, 0.5)
    a.set_value("k", [1.0])
    space.ping(a)
    b.tv = stv(0.1, 0.1)  # b is not watched
    space.remove(a, recursive=True)
    kinds = [k for k, _ in rec.events]
    assert kinds == [
        ChangeKind.INCOMING_ADDED,
        ChangeKind.TV_CHANGED,
        ChangeKind.VALUE_CHANGED,
        ChangeKind.PING,
        ChangeKind.ATOM_REMOVED,
    ]
    assert link not in space


def test_type_watch_covers_subtypes_and_new_atoms():
    space = AtomSpace()
    rec = Recorder()
    space.add_listener(rec)
    space.set_type_watch("SchemaNode", ChangeKind.ATOM_ADDED | ChangeKind.TV_CHANGED)
    space.add_node("GroundedSchemaNode", "py:f", tv=stv(0.5, 0.5))
    space.add_node("Concept", "c")
    assert [k for k, _ in rec.events] == [ChangeKind.ATOM_ADDED, ChangeKind.TV_CHANGED]
    space.set_type_watch("SchemaNode", 0)
    space.add_node("SchemaNode", "s")
    assert len(rec.events) == 2


def test_unwatched_atoms_never_reach_listeners():
    space = AtomSpace()
    rec = Recorder()
    space.add_listener(rec)
    a = space.add_node("Concept", "a")
    space.add_link("List", [a])
    a.tv = stv(0.5, 0.5)
    space.ping(a)
    assert rec.events == []


def test_listener_may_write_the_store_without_deadlock():
    space = AtomSpace()
    a = space.add_node("Concept", "a")

    class Writer:
        def changes_applied(self, space, events):
            for e in events:
                if e.kind is ChangeKind.INCOMING_ADDED:
                    space.add_link("Evaluation", [space.add_node("Predicate", "seen"), e.link])

    space.add_listener(Writer())
    space.set_watch(a, ChangeKind.INCOMING_ADDED)
    done = threading.Event()

    def go() -> None:
        space.add_link("List", [a])
        done.set()

    threading.Thread(target=go).start()
    assert done.wait(5)
    assert len(space.get_atoms_by_type("EvaluationLink")) == 1


@pytest.mark.parametrize("direction", ["networkx", "rustworkx"])
def test_graph_export_round_trips(direction):
    space = AtomSpace()
    a, b = space.add_node("Concept", "a"), space.add_node("Concept", "b", tv=stv(0.2, 0.4))
    space.add_link("Inheritance", [a, b], tv=stv(0.5, 0.5))
    space.add_link("List", [a, a, b])
    space.add_link("Set", [space.add_link("List", [b]), a])
    if direction == "networkx":
        graph = space.to_networkx()
        assert isinstance(graph, nx.MultiDiGraph)
        assert graph.number_of_nodes() == len(space)
        copy = from_networkx(graph)
    else:
        graph = space.to_rustworkx()
        assert graph.num_nodes() == len(space)
        copy = from_rustworkx(graph)
    assert copy.to_atomese() == space.to_atomese()
    assert sorted(repr(x) for x in copy) == sorted(repr(x) for x in space)


def test_export_edges_carry_positions():
    space = AtomSpace()
    a, b = space.add_node("Concept", "a"), space.add_node("Concept", "b")
    link = space.add_link("List", [b, a, b])
    graph = space.to_networkx()
    positions = sorted((d["index"], v.name) for _, v, d in graph.out_edges(link, data=True))
    assert positions == [(0, "b"), (1, "a"), (2, "b")]
