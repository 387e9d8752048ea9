"""Grounded procedures: registration, the allow-list, resolution, resolvers and calling."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import atomtrig
from atomtrig.core.atomspace import CoreAtomSpace as AtomSpace
from atomtrig.core.context import current_atomspace
from atomtrig.core.truthvalue import FALSE_TV, TRUE_TV, stv
from atomtrig.core.values import FloatValue
from atomtrig.query.errors import (
    ExecutionError,
    GroundedProcedureError,
    ProcedureNotAllowedError,
)
from atomtrig.query.evaluate import evaluate
from atomtrig.query.execute import execute
from atomtrig.query.grounded import (
    add_resolver,
    allow_module,
    allowed_modules,
    call_predicate,
    call_schema,
    disallow_module,
    grounded,
    registered,
    remove_resolver,
    resolve,
    unregister,
)


@pytest.fixture(autouse=True)
def clean_registry() -> Iterator[None]:
    """Leave the process-wide registry, allow-list and resolvers as they were."""
    import atomtrig.query.grounded as g  # noqa: F401

    import atomtrig.query.allowlist as allowlist

    mod = __import__("sys").modules["atomtrig.query.grounded"]
    saved = (dict(mod._registry), dict(mod._registered_as), set(allowlist._modules), list(mod._resolvers))
    with mod._lock:  # other layers' resolvers (e.g. for "scm:" names) are not under test here
        mod._resolvers.clear()
        mod._invalidate()
    yield
    with mod._lock:
        mod._registry.clear()
        mod._registry.update(saved[0])
        mod._registered_as.clear()
        mod._registered_as.update(saved[1])
        allowlist._modules.clear()
        allowlist._modules.update(saved[2])
        mod._resolvers[:] = saved[3]
        mod._invalidate()


@pytest.fixture
def space() -> Iterator[AtomSpace]:
    s = AtomSpace()
    with s:
        yield s


def gsn(space: AtomSpace, name: str):  # type: ignore[no-untyped-def]
    return space.add_node("GroundedSchemaNode", name)


def gpn(space: AtomSpace, name: str):  # type: ignore[no-untyped-def]
    return space.add_node("GroundedPredicateNode", name)


def exout(space: AtomSpace, schema, *args):  # type: ignore[no-untyped-def]
    return space.add_link("ExecutionOutput", [schema, space.add_link("List", list(args))])


def evaluation(space: AtomSpace, predicate, *args):  # type: ignore[no-untyped-def]
    return space.add_link("Evaluation", [predicate, space.add_link("List", list(args))])


# -- registration -----------------------------------------------------------------------------
def test_bare_decorator_registers_under_name_and_dotted_path(space: AtomSpace) -> None:
    @grounded
    def shout(a):  # type: ignore[no-untyped-def]
        return space.add_node("Concept", a.name.upper())

    assert registered()["shout"] is shout
    result = execute(space, exout(space, gsn(space, "py:shout"), space.add_node("Concept", "hi")))
    assert result is space.add_node("Concept", "HI")
    # A function defined inside a test has "<locals>" in its qualname: no dotted alias for it.
    assert not any("<locals>" in name for name in registered())


def test_module_level_function_also_resolves_by_dotted_path(space: AtomSpace) -> None:
    import grounded_procs

    grounded(grounded_procs.concat)
    a, b = space.add_node("Concept", "a"), space.add_node("Concept", "b")
    # The module is NOT allowed, yet the registered function resolves under its path.
    assert "grounded_procs" not in allowed_modules()
    result = execute(space, exout(space, gsn(space, "py:grounded_procs.concat"), a, b))
    assert result is space.add_node("Concept", "ab")


def test_named_decorator_and_py_prefix_in_name(space: AtomSpace) -> None:
    @grounded("my-double")
    def double(n):  # type: ignore[no-untyped-def]
        return space.add_node("Number", 2 * float(n.name))

    @grounded("py:triple")
    def triple(n):  # type: ignore[no-untyped-def]
        return space.add_node("Number", 3 * float(n.name))

    four = space.add_node("Number", 4)
    assert execute(space, exout(space, gsn(space, "py:my-double"), four)) is space.add_node("Number", 8)
    assert execute(space, exout(space, gsn(space, "py:triple"), four)) is space.add_node("Number", 12)


def test_decorator_returns_the_function_unchanged() -> None:
    def f(*a):  # type: ignore[no-untyped-def]
        return a

    assert grounded(f) is f
    assert grounded("other-f")(f) is f


def test_conflicting_registration_is_refused_but_same_function_is_fine() -> None:
    @grounded("dup")
    def one(*a):  # type: ignore[no-untyped-def]
        return True

    grounded("dup")(one)  # the same function again: harmless

    def two(*a):  # type: ignore[no-untyped-def]
        return False

    with pytest.raises(GroundedProcedureError, match="already registered"):
        grounded("dup")(two)
    assert registered()["dup"] is one


def test_unnamed_lambda_and_non_callables_are_refused() -> None:
    with pytest.raises(GroundedProcedureError, match="no usable name"):
        grounded(lambda a: a)
    with pytest.raises(GroundedProcedureError, match="needs a callable"):
        grounded("x")(42)  # type: ignore[arg-type]
    with pytest.raises(GroundedProcedureError, match="non-empty string"):
        grounded("  ")(print)


def test_unregister(space: AtomSpace) -> None:
    @grounded("gone-soon")
    def f(a):  # type: ignore[no-untyped-def]
        return a

    node = gsn(space, "py:gone-soon")
    assert resolve(node) is f
    assert unregister("py:gone-soon") is f
    assert unregister("gone-soon") is None
    with pytest.raises(GroundedProcedureError, match="gone-soon"):
        resolve(node)


# -- the allow-list ---------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["py:os.system", "py:subprocess.run", "py:os.path.join"])
def test_dangerous_modules_are_refused_by_default(space: AtomSpace, name: str) -> None:
    node = gsn(space, name)
    with pytest.raises(ProcedureNotAllowedError) as info:
        execute(space, exout(space, node, space.add_node("Concept", "echo hi")))
    message = str(info.value)
    assert name in message  # names the node
    assert "allow_module(" in message and "--allow-module" in message  # says how to allow it


def test_refusal_happens_before_any_import(space: AtomSpace) -> None:
    import sys

    assert "grounded_procs_never_imported" not in sys.modules
    with pytest.raises(ProcedureNotAllowedError):
        resolve(gsn(space, "py:grounded_procs_never_imported.f"))
    assert "grounded_procs_never_imported" not in sys.modules


def test_allowed_module_resolves_by_import(space: AtomSpace) -> None:
    allow_module("grounded_procs")
    a, b = space.add_node("Concept", "x"), space.add_node("Concept", "y")
    assert execute(space, exout(space, gsn(space, "py:grounded_procs.concat"), a, b)) is space.add_node("Concept", "xy")
    assert evaluate(space, evaluation(space, gpn(space, "py:grounded_procs.is_cat"), space.add_node("Concept", "cat"))) == TRUE_TV
    # A static method of a class of the module.
    assert execute(space, exout(space, gsn(space, "py:grounded_procs.Box.first"), a, b)) is a


def test_allowing_a_package_allows_its_submodules(space: AtomSpace) -> None:
    import json.decoder

    allow_module("json")
    assert resolve(gsn(space, "py:json.decoder.JSONDecoder")) is json.decoder.JSONDecoder
    # os.path is really posixpath: allowing "os" does not reach it.
    allow_module("os")
    with pytest.raises(ProcedureNotAllowedError, match="posixpath"):
        resolve(gsn(space, "py:os.path.join"))


def test_allowing_a_stdlib_module(space: AtomSpace) -> None:
    allow_module("math")
    assert resolve(gsn(space, "py:math.sqrt"))(16) == 4


def test_disallow_takes_effect_at_once(space: AtomSpace) -> None:
    allow_module("grounded_procs")
    node = gsn(space, "py:grounded_procs.concat")
    resolve(node)  # cached now
    disallow_module("grounded_procs")
    with pytest.raises(ProcedureNotAllowedError):
        resolve(node)


def test_reexported_function_of_a_disallowed_module_is_refused(space: AtomSpace) -> None:
    allow_module("grounded_procs")
    with pytest.raises(ProcedureNotAllowedError, match="defined in module"):
        resolve(gsn(space, "py:grounded_procs.getcwd"))


def test_dunder_paths_are_refused(space: AtomSpace) -> None:
    allow_module("grounded_procs")
    with pytest.raises(GroundedProcedureError, match="dunder"):
        resolve(gsn(space, "py:grounded_procs.__builtins__.eval"))


def test_bad_paths(space: AtomSpace) -> None:
    allow_module("grounded_procs")
    allow_module("no_such_module_here")
    with pytest.raises(GroundedProcedureError, match="no attribute 'missing'"):
        resolve(gsn(space, "py:grounded_procs.missing"))
    with pytest.raises(GroundedProcedureError, match="not a function"):
        resolve(gsn(space, "py:grounded_procs.NOT_CALLABLE"))
    with pytest.raises(GroundedProcedureError, match="cannot import"):
        resolve(gsn(space, "py:no_such_module_here.f"))
    with pytest.raises(GroundedProcedureError, match="not registered|no grounded procedure"):
        resolve(gsn(space, "py:nothing_registered_by_this_name"))
    with pytest.raises(GroundedProcedureError, match="unknown kind"):
        resolve(gsn(space, "scm:foo"))
    with pytest.raises(GroundedProcedureError, match="module.function"):
        resolve(gsn(space, "py:has space.f"))


def test_allow_module_checks_its_argument() -> None:
    for bad in ("", "os system", "1abc", None, 3):
        with pytest.raises(GroundedProcedureError, match="dotted Python name"):
            allow_module(bad)  # type: ignore[arg-type]


def test_top_level_exports() -> None:
    assert atomtrig.grounded is grounded
    assert atomtrig.allow_module is allow_module
    assert {"grounded", "allow_module"} <= set(atomtrig.__all__)


# -- resolvers (the extension point) ----------------------------------------------------------
def test_resolver_extension_point(space: AtomSpace) -> None:
    seen: list[str] = []

    def files(name: str, node):  # type: ignore[no-untyped-def]
        seen.append(name)
        if name.endswith(".py:main"):
            return lambda *atoms: node.space.add_node("Concept", "ran " + name)
        return None

    add_resolver(files)
    result = execute(space, exout(space, gsn(space, "scripts/hello.py:main")))
    assert result is space.add_node("Concept", "ran scripts/hello.py:main")
    # A name the resolver passes on still goes through the normal rules.
    with pytest.raises(ProcedureNotAllowedError):
        resolve(gsn(space, "py:os.system"))
    assert "py:os.system" in seen
    remove_resolver(files)
    remove_resolver(files)  # absent: no error
    with pytest.raises(GroundedProcedureError, match="unknown kind"):
        resolve(gsn(space, "scripts/other.py:main"))


def test_registered_functions_win_over_resolvers(space: AtomSpace) -> None:
    @grounded("shadowed")
    def f(*a):  # type: ignore[no-untyped-def]
        return space.add_node("Concept", "registered")

    add_resolver(lambda name, node: (lambda *a: space.add_node("Concept", "resolver")))
    assert execute(space, exout(space, gsn(space, "py:shadowed"))) is space.add_node("Concept", "registered")


def test_resolver_returning_a_non_callable_is_an_error(space: AtomSpace) -> None:
    add_resolver(lambda name, node: 42)
    with pytest.raises(GroundedProcedureError, match="not a callable"):
        resolve(gsn(space, "whatever"))


# -- calling ----------------------------------------------------------------------------------
def test_arguments_are_the_list_members_and_the_space_is_current(space: AtomSpace) -> None:
    got: list[object] = []

    @grounded("spy")
    def spy(*atoms):  # type: ignore[no-untyped-def]
        got.append((atoms, current_atomspace()))
        return atomtrig.ConceptNode("made inside")  # constructors work: the space is current

    other = AtomSpace()  # a different current space outside the call
    a, b = space.add_node("Concept", "a"), space.add_node("Concept", "b")
    link = exout(space, gsn(space, "py:spy"), a, b)
    with other:
        result = execute(space, link)
    assert got == [((a, b), space)]
    assert result is space.add_node("Concept", "made inside")


def test_single_argument_without_list(space: AtomSpace) -> None:
    @grounded("one-arg")
    def one(a):  # type: ignore[no-untyped-def]
        return a

    a = space.add_node("Concept", "a")
    assert execute(space, space.add_link("ExecutionOutput", [gsn(space, "py:one-arg"), a])) is a
    assert execute(space, space.add_link("ExecutionOutput", [gsn(space, "py:one-arg"), space.add_link("List", [a])])) is a


def test_schema_may_return_a_value_or_an_atom_of_another_space(space: AtomSpace) -> None:
    elsewhere = AtomSpace()

    @grounded("vec")
    def vec(*a):  # type: ignore[no-untyped-def]
        return FloatValue(1, 2)

    @grounded("foreign")
    def foreign(*a):  # type: ignore[no-untyped-def]
        return elsewhere.add_node("Concept", "far")

    assert execute(space, exout(space, gsn(space, "py:vec"))) == FloatValue(1, 2)
    result = execute(space, exout(space, gsn(space, "py:foreign")))
    assert result is space.add_node("Concept", "far") and result._space is space


@pytest.mark.parametrize("returned", [None, 3, "text", True, stv(1, 1)])
def test_schema_wrong_return_kind(space: AtomSpace, returned: object) -> None:
    grounded("bad-schema")(lambda *a: returned)
    node = gsn(space, "py:bad-schema")
    with pytest.raises(GroundedProcedureError) as info:
        call_schema(space, node, [])
    assert 'GroundedSchemaNode "py:bad-schema"' in str(info.value)
    assert "must return an atom or a Value" in str(info.value)


def test_predicate_returns_bool_or_truth_value(space: AtomSpace) -> None:
    grounded("yes")(lambda *a: True)
    grounded("no")(lambda *a: False)
    allow_module("grounded_procs")
    assert call_predicate(space, gpn(space, "py:yes"), []) == TRUE_TV
    assert call_predicate(space, gpn(space, "py:no"), []) == FALSE_TV
    assert call_predicate(space, gpn(space, "py:grounded_procs.half_true"), []) == stv(0.5, 0.9)


@pytest.mark.parametrize("returned", [None, 1, 0.5, "true", FloatValue(1)])
def test_predicate_wrong_return_kind(space: AtomSpace, returned: object) -> None:
    grounded("bad-predicate")(lambda *a: returned)
    with pytest.raises(GroundedProcedureError, match="must return a truth value"):
        evaluate(space, evaluation(space, gpn(space, "py:bad-predicate")))


def test_exception_inside_the_function_is_wrapped_with_its_cause(space: AtomSpace) -> None:
    @grounded("boom")
    def boom(*a):  # type: ignore[no-untyped-def]
        raise ValueError("kaput")

    with pytest.raises(GroundedProcedureError) as info:
        execute(space, exout(space, gsn(space, "py:boom")))
    assert "ValueError: kaput" in str(info.value)
    assert '"py:boom"' in str(info.value)
    assert isinstance(info.value.__cause__, ValueError)
    assert isinstance(info.value, ExecutionError)


def test_resolution_is_cached_until_the_registry_changes(space: AtomSpace) -> None:
    grounded("cached")(lambda *a: True)
    node = gpn(space, "py:cached")
    first = resolve(node)
    assert resolve(node) is first
    unregister("cached")
    replacement = lambda *a: False
    grounded("cached")(replacement)
    assert resolve(node) is replacement
