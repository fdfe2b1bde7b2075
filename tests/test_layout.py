"""The project's layout, checked in-process from the source (no server, no database):

- the socket runtime (`sockets/`) imports no domain app;
- no import cycle between the application's modules;
- no module over 400 lines.

Every import counts, function-level and nested ones included (`ast.walk`), relative ones resolved.
The checker works on any root (its functions take one), so the self-test below runs it on a fake
tree to show each check can fail."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

APP_PACKAGES = ("sockets", "players", "game_channels", "presence", "talo_project")
PROJECT_PACKAGES = APP_PACKAGES + ("bench", "tests", "examples")
DOMAIN_PACKAGES = ("players", "game_channels", "presence", "talo_project")
MAX_LINES = 400
EXCLUDED_DIRS = frozenset({"migrations", ".venv", "__pycache__"})


# --- the checker -----------------------------------------------------------------------------------


def iter_modules(root, packages):
    """(dotted module name, path) of every .py file of `packages` under `root` (absent packages
    skipped; migrations excluded), sorted by name."""
    modules = []
    for package in packages:
        base = Path(root) / package
        if not base.is_dir():
            continue
        for path in base.rglob("*.py"):
            parts = path.relative_to(root).with_suffix("").parts
            if EXCLUDED_DIRS.intersection(parts):
                continue
            if parts[-1] == "__init__":
                parts = parts[:-1]
            modules.append((".".join(parts), path))
    return sorted(modules)


def resolve_from(module, is_package, level, target):
    """The absolute module of `from <level dots><target> import ...` written in `module`; None when
    the dots climb above the top level."""
    if level == 0:
        return target
    parts = module.split(".") if is_package else module.split(".")[:-1]
    if level - 1 >= len(parts):
        return None
    base = parts[: len(parts) - (level - 1)]
    return ".".join(base + ([target] if target else []))


def imports_of(module, path):
    """[(imported module, [imported names] or None, line)] of every import in the file; for
    `import a.b` the names are None, for `from a import x, y` they are ["x", "y"]."""
    tree = ast.parse(Path(path).read_text(encoding="utf-8"), filename=str(path))
    is_package = Path(path).name == "__init__.py"
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, None, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            target = resolve_from(module, is_package, node.level, node.module or "")
            if target:
                found.append((target, [alias.name for alias in node.names], node.lineno))
    return sorted(found, key=lambda item: item[2])


def forbidden_imports(root, package="sockets", forbidden=DOMAIN_PACKAGES):
    """["module:line imports target"] for each import in `package` of a module of `forbidden`."""
    offences = []
    for module, path in iter_modules(root, (package,)):
        for target, names, line in imports_of(module, path):
            if target.split(".")[0] in forbidden:
                shown = target if names is None else f"{target} ({', '.join(names)})"
                offences.append(f"{module}:{line} imports {shown}")
    return offences


def _deepest(known, dotted):
    parts = dotted.split(".")
    for end in range(len(parts), 0, -1):
        candidate = ".".join(parts[:end])
        if candidate in known:
            return candidate
    return None


def import_graph(root, packages=APP_PACKAGES):
    """{module: {module it imports}} over the project modules of `packages`: an import names the
    deepest project module it reaches (`from pkg import name` with pkg/name.py → pkg.name)."""
    modules = dict(iter_modules(root, packages))
    graph = {module: set() for module in modules}
    for module, path in modules.items():
        for target, names, _ in imports_of(module, path):
            if names is None:
                targets = [_deepest(modules, target)]
            else:
                targets = [_deepest(modules, f"{target}.{name}") for name in names]
            graph[module].update(t for t in targets if t is not None and t != module)
    return graph


def strongly_connected(graph):
    """Tarjan's strongly connected components, iteratively (no recursion limit)."""
    index, low, on_stack, stack, components = {}, {}, set(), [], []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, successors = work[-1]
            advanced = False
            for successor in successors:
                if successor not in index:
                    index[successor] = low[successor] = counter
                    counter += 1
                    stack.append(successor)
                    on_stack.add(successor)
                    work.append((successor, iter(sorted(graph.get(successor, ())))))
                    advanced = True
                    break
                if successor in on_stack:
                    low[node] = min(low[node], index[successor])
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                components.append(sorted(component))
    return components


def import_cycles(root, packages=APP_PACKAGES):
    """Each group of modules that import one another in a cycle, with the edges inside it."""
    graph = import_graph(root, packages)
    cycles = []
    for component in strongly_connected(graph):
        if len(component) > 1:
            members = set(component)
            edges = [f"{a} -> {b}" for a in component for b in sorted(graph[a] & members)]
            cycles.append(f"{' <-> '.join(component)}: {'; '.join(edges)}")
    return sorted(cycles)


def long_modules(root, packages=PROJECT_PACKAGES, limit=MAX_LINES):
    """["path: N lines"] for each module over `limit` lines."""
    offenders = []
    for _, path in iter_modules(root, packages):
        count = len(path.read_text(encoding="utf-8").splitlines())
        if count > limit:
            offenders.append(f"{path.relative_to(root)}: {count} lines")
    return offenders


# --- the project -----------------------------------------------------------------------------------


def test_the_socket_runtime_imports_no_domain_app():
    offences = forbidden_imports(ROOT)
    assert not offences, "sockets/ imports a domain app:\n" + "\n".join(offences)


def test_no_import_cycle_between_project_modules():
    cycles = import_cycles(ROOT)
    assert not cycles, "import cycles:\n" + "\n".join(cycles)


def test_no_module_over_400_lines():
    offenders = long_modules(ROOT)
    assert not offenders, f"modules over {MAX_LINES} lines:\n" + "\n".join(offenders)


# --- the checker on a fake tree: each check can fail ------------------------------------------------


def _write(root, files):
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def test_the_checker_finds_offences_in_a_fake_tree(tmp_path):
    _write(tmp_path, {
        "sockets/__init__.py": "",
        "sockets/hub.py": "import json\n\n\ndef later():\n    if True:\n        from players.models import Player\n",
        "sockets/clean.py": "from . import hub\nfrom .hub import later\n",
        "players/__init__.py": "",
        "players/models.py": "",
        # A two-module cycle through relative imports.
        "players/a.py": "from . import b\n",
        "players/b.py": "def f():\n    from .a import thing\n",
        # A package that imports its own submodule, which does not import it back: no cycle.
        "game_channels/__init__.py": "from .props import merge\n",
        "game_channels/props.py": "import json\n",
        # A submodule importing its package back: a cycle.
        "talo_project/__init__.py": "from talo_project import settings\n",
        "talo_project/settings.py": "import talo_project\n",
        "players/migrations/__init__.py": "",
        "players/migrations/0001.py": "from players import a\n" + "x = 1\n" * 500,
        "tests/long.py": "x = 1\n" * 401,
        "tests/ok.py": "x = 1\n" * 400,
    })

    assert forbidden_imports(tmp_path) == ["sockets.hub:6 imports players.models (Player)"]

    graph = import_graph(tmp_path)
    assert graph["sockets.clean"] == {"sockets.hub"}
    assert graph["sockets.hub"] == {"players.models"}
    assert graph["game_channels"] == {"game_channels.props"}
    assert "players.migrations" not in graph
    assert import_cycles(tmp_path) == [
        "players.a <-> players.b: players.a -> players.b; players.b -> players.a",
        "talo_project <-> talo_project.settings: talo_project -> talo_project.settings; "
        "talo_project.settings -> talo_project",
    ]
    assert long_modules(tmp_path) == ["tests/long.py: 401 lines"]


def test_the_checker_passes_a_clean_tree(tmp_path):
    _write(tmp_path, {
        "sockets/__init__.py": "import json\nfrom .wire import dumps\n",
        "sockets/wire.py": "import orjson\n",
        "players/__init__.py": "",
        "players/models.py": "from sockets.wire import dumps\nfrom . import groups\n",
        "players/groups.py": "import operator\n",
    })
    assert forbidden_imports(tmp_path) == []
    assert import_cycles(tmp_path) == []
    assert long_modules(tmp_path) == []


def test_tarjan_is_iterative_and_finds_long_cycles():
    chain = {f"m{i}": {f"m{i + 1}"} for i in range(5000)}
    chain["m5000"] = {"m0"}
    components = strongly_connected(chain)
    assert len(components) == 1 and len(components[0]) == 5001
    acyclic = {f"m{i}": {f"m{i + 1}"} for i in range(5000)}
    acyclic["m5000"] = set()
    assert all(len(c) == 1 for c in strongly_connected(acyclic))


def test_relative_imports_resolve():
    assert resolve_from("players.services", False, 1, "models") == "players.models"
    assert resolve_from("players.services", False, 1, "") == "players"
    assert resolve_from("players", True, 1, "models") == "players.models"
    assert resolve_from("tests.players.test_rest", False, 2, "support") == "tests.support"
    assert resolve_from("players.services", False, 3, "x") is None
