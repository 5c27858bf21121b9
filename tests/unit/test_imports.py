"""Static import rules for ``solver/``, read with the standard library only (``ast``, ``pathlib``).

1. No module imports another module's private name: ``from solver.x import _name``,
   ``solver.x._name`` through an imported module, or a private module ``_m`` from
   outside its own package.  Dunder names (``__version__``) are public.
2. No import cycles among ``solver.*`` modules at module level.  Imports inside
   functions and under ``if TYPE_CHECKING:`` run later or never, so they do not
   count.  Importing ``a.b.c`` also runs the ``__init__`` of ``a.b`` (when the
   importer is not inside ``a.b`` already), so that edge counts too.

The scanner is tested on a tiny generated package before it judges the real tree.
"""

from __future__ import annotations

import ast
import textwrap
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Edge:
    """A module-level import of ``target`` by ``source`` (both dotted module names)."""

    source: str
    target: str
    line: int
    implicit: bool = False  # the target is a package whose __init__ runs first


def module_files(root: Path, package: str) -> dict[str, Path]:
    """Map every module of ``package`` (a folder under ``root``) to its file.

    Parameters
    ----------
    root : Path
        Folder that holds the package folder.
    package : str
        Top-level package name, e.g. ``"solver"``.

    Returns
    -------
    dict
        Dotted name -> path; a package's ``__init__.py`` under the package's name.
    """
    out = {}
    for path in sorted((root / package).rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def _is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _is_type_checking(test: ast.expr) -> bool:
    if isinstance(test, ast.Name):
        return test.id == "TYPE_CHECKING"
    return isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"


def _package_of(module: str, path: Path) -> str:
    return module if path.name == "__init__.py" else module.rpartition(".")[0]


def _absolute(node: ast.ImportFrom, module: str, path: Path) -> str:
    """The absolute module named by a (possibly relative) ``from ... import``."""
    if not node.level:
        return node.module or ""
    base = _package_of(module, path).split(".")
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


@dataclass(frozen=True)
class _Import:
    target: str  # a module of the package
    name: str | None  # the name taken from it, when not a submodule
    binds: tuple[str, str] | None  # (local name, module it names), when a module is bound
    line: int
    runtime: bool  # module level, not under TYPE_CHECKING


def _walk_imports(tree: ast.Module, module: str, path: Path, modules: dict[str, Path]):
    """Yield every import of a module of the package, with its context."""

    def visit(node: ast.AST, runtime: bool):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            runtime = False
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.body:
                yield from visit(child, False)
            for child in node.orelse:
                yield from visit(child, runtime)
            return
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in modules:
                    head = alias.name.partition(".")[0]  # `import a.b` binds `a`
                    binds = (alias.asname, alias.name) if alias.asname else (head, head)
                    yield _Import(alias.name, None, binds, node.lineno, runtime)
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(node, module, path)
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                if sub in modules:
                    binds = (alias.asname or alias.name, sub)
                    yield _Import(sub, None, binds, node.lineno, runtime)
                elif base in modules:
                    yield _Import(base, alias.name, None, node.lineno, runtime)
        for child in ast.iter_child_nodes(node):
            yield from visit(child, runtime)

    yield from visit(tree, True)


def _dotted(node: ast.expr) -> str | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    return ".".join([node.id, *reversed(parts)])


def scan(root: Path, package: str) -> tuple[list[str], list[Edge]]:
    """Read every module of ``package``: private-name violations and module-level edges.

    Parameters
    ----------
    root : Path
        Folder that holds the package folder.
    package : str
        Top-level package name.

    Returns
    -------
    (list of str, list of Edge)
        One ``"file:line: message"`` per private import, and the import graph's edges.
    """
    modules = module_files(root, package)
    private, edges = [], []
    for module, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        where = path.relative_to(root).as_posix()
        own_package = _package_of(module, path)
        bound: dict[str, str] = {}  # local name -> module it names (for attribute access)
        for imp in _walk_imports(tree, module, path, modules):
            if imp.target == module:
                continue
            if imp.name is not None and _is_private(imp.name):
                private.append(f"{where}:{imp.line}: imports {imp.name} from {imp.target}")
            parent, _, leaf = imp.target.rpartition(".")
            if _is_private(leaf) and not f"{own_package}.".startswith(f"{parent}."):
                private.append(f"{where}:{imp.line}: imports the private module {imp.target}")
            if imp.binds is not None:
                bound[imp.binds[0]] = imp.binds[1]
            if imp.runtime:
                edges.append(Edge(module, imp.target, imp.line))
                parts = imp.target.split(".")
                for k in range(1, len(parts)):
                    parent = ".".join(parts[:k])
                    if parent in modules and not (module + ".").startswith(parent + "."):
                        edges.append(Edge(module, parent, imp.line, implicit=True))
        private += _private_attributes(tree, where, module, bound, modules)
    return private, edges


def _private_attributes(
    tree: ast.Module, where: str, module: str, bound: dict[str, str], modules: dict[str, Path]
) -> list[str]:
    """``mod._name`` where ``mod`` is another module of the package, however it was bound."""
    out = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Attribute) or not _is_private(node.attr):
            continue
        owner = _dotted(node.value)
        head, _, rest = (owner or "").partition(".")
        if head not in bound:
            continue
        owner = f"{bound[head]}.{rest}" if rest else bound[head]
        if owner in modules and owner != module:
            out.append(f"{where}:{node.lineno}: uses {owner}.{node.attr}")
    return out


def cycles(edges: list[Edge]) -> list[list[Edge]]:
    """One cycle through each strongly connected component with more than one module.

    Tarjan's algorithm, iteratively (no recursion limit), then a breadth-first
    search inside each component for a shortest way back to its first module.

    Parameters
    ----------
    edges : list of Edge
        The import graph.

    Returns
    -------
    list of list of Edge
        Each cycle as the imports that close it, in order.
    """
    graph: dict[str, list[Edge]] = {}
    for e in edges:
        out = graph.setdefault(e.source, [])
        if all(f.target != e.target for f in out):  # the first import of a module is enough
            out.append(e)
        graph.setdefault(e.target, [])
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, 0)]
        while work:
            v, i = work.pop()
            if i == 0:
                index[v] = low[v] = len(index)
                stack.append(v)
                on_stack.add(v)
            succ = graph[v]
            if i < len(succ):
                work.append((v, i + 1))
                w = succ[i].target
                if w not in index:
                    work.append((w, 0))
                elif w in on_stack:
                    low[v] = min(low[v], index[w])
                continue
            if low[v] == index[v]:
                comp = []
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    comp.append(w)
                    if w == v:
                        break
                if len(comp) > 1 or any(e.target == v for e in graph[v]):
                    components.append(sorted(comp))
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[v])
    return [_cycle_in(graph, set(comp), comp[0]) for comp in components]


def _cycle_in(graph: dict[str, list[Edge]], comp: set[str], start: str) -> list[Edge]:
    """A shortest cycle through ``start`` using only modules of ``comp``."""
    prev: dict[str, Edge] = {}
    frontier = [start]
    while frontier:
        nxt = []
        for v in frontier:
            for e in graph[v]:
                if e.target not in comp or e.target in prev:
                    continue
                prev[e.target] = e
                if e.target == start:
                    path = [e]
                    while path[-1].source != start:
                        path.append(prev[path[-1].source])
                    return path[::-1]
                nxt.append(e.target)
        frontier = nxt
    raise AssertionError(f"no cycle through {start}")  # cannot happen in a component


def describe(cycle: list[Edge]) -> str:
    """``a -> b (line 3) -> a (line 7)``, marking imports that run a package ``__init__``."""
    steps = [cycle[0].source]
    for e in cycle:
        steps.append(f"{e.target} (line {e.line}{', package __init__' if e.implicit else ''})")
    return " -> ".join(steps)


# --- the scanner itself ------------------------------------------------------------


def _package(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return tmp_path


def test_scanner_finds_a_private_import_and_a_cycle(tmp_path: Path) -> None:
    root = _package(
        tmp_path,
        {
            "pkg/__init__.py": '"""Top."""\n__version__ = "1"\n',
            "pkg/a.py": """\
                from pkg.b import _hidden, shown
                from pkg import __version__
                """,
            "pkg/b.py": """\
                import pkg.c

                shown = _hidden = 1
                """,
            "pkg/c.py": """\
                from pkg import a
                """,
            "pkg/d.py": """\
                import pkg.b as bee
                from pkg import b

                x = bee._hidden + b._hidden
                """,
        },
    )
    private, edges = scan(root, "pkg")
    assert private == [
        "pkg/a.py:1: imports _hidden from pkg.b",
        "pkg/d.py:4: uses pkg.b._hidden",
        "pkg/d.py:4: uses pkg.b._hidden",
    ]
    (cycle,) = cycles(edges)
    assert describe(cycle) == "pkg.a -> pkg.b (line 1) -> pkg.c (line 1) -> pkg.a (line 1)"


def test_scanner_ignores_deferred_imports_and_sees_package_inits(tmp_path: Path) -> None:
    root = _package(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/a.py": """\
                from typing import TYPE_CHECKING

                import pkg.sub.b

                if TYPE_CHECKING:
                    from pkg.c import C
                """,
            "pkg/c.py": """\
                import pkg.a

                class C:
                    pass

                def later():
                    from pkg.a import thing
                    from pkg.sub.b import _deferred
                """,
            "pkg/sub/__init__.py": "from pkg.sub import _impl\n",
            "pkg/sub/_impl.py": "from pkg import c\n",
            "pkg/sub/b.py": "",
        },
    )
    private, edges = scan(root, "pkg")
    # A deferred import still may not take a private name; pkg.sub may use pkg.sub._impl.
    assert private == ["pkg/c.py:8: imports _deferred from pkg.sub.b"]
    assert ("pkg.c", "pkg.a") in {(e.source, e.target) for e in edges}
    assert ("pkg.a", "pkg.c") not in {(e.source, e.target) for e in edges}  # TYPE_CHECKING
    (cycle,) = cycles(edges)
    assert describe(cycle) == (
        "pkg.a -> pkg.sub (line 3, package __init__) -> pkg.sub._impl (line 1)"
        " -> pkg.c (line 1) -> pkg.a (line 1)"
    )


def test_scanner_flags_a_private_module_from_outside_its_package(tmp_path: Path) -> None:
    root = _package(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/sub/__init__.py": "",
            "pkg/sub/_impl.py": "",
            "pkg/other.py": "from pkg.sub import _impl\n",
        },
    )
    private, edges = scan(root, "pkg")
    assert private == ["pkg/other.py:1: imports the private module pkg.sub._impl"]
    assert cycles(edges) == []


# --- the real tree -----------------------------------------------------------------


def test_no_module_imports_another_modules_private_names() -> None:
    private, _ = scan(ROOT, "solver")
    assert not private, "private names used across modules:\n" + "\n".join(private)


def test_no_import_cycles_among_solver_modules() -> None:
    _, edges = scan(ROOT, "solver")
    found = [describe(c) for c in cycles(edges)]
    assert not found, "module-level import cycles:\n" + "\n".join(found)
