"""The architecture rules hold, and the checks that guard them really run.

- The import-linter contract passes on a copy of the tree, and fails, naming the broken
  contract, on a copy in which `coop` imports a domain package.
- `.importlinter` covers every domain package in the repository (each joins when it lands).
- `coop` reaches the domains only through `importlib` in its app factory.
- `make check` (scripts/check.sh) runs ruff, mypy, the contracts, the suite on SQLite and on
  PostgreSQL and the browser suite; `.ci/run` runs `make check` with CI=true.
"""

from __future__ import annotations

import ast
import configparser
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from coop.config import DOMAINS

ROOT = Path(__file__).resolve().parent.parent
PLATFORM = "coop"
DOMAIN_PACKAGES = ("teams", "rota", "governance")
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def packages_in_repo() -> list[str]:
    """The platform and every domain package that has landed (a folder with __init__.py)."""
    return [
        name for name in (PLATFORM, *DOMAIN_PACKAGES) if (ROOT / name / "__init__.py").is_file()
    ]


def contract_config() -> configparser.ConfigParser:
    config = configparser.ConfigParser()
    assert config.read(ROOT / ".importlinter"), "no .importlinter at the top of the repository"
    return config


def root_packages() -> list[str]:
    return contract_config()["importlinter"]["root_packages"].split()


def copy_tree(target: Path) -> Path:
    """The repository's packages and contract file, copied to `target`."""
    for name in (PLATFORM, *DOMAIN_PACKAGES):
        if (ROOT / name).is_dir():
            shutil.copytree(
                ROOT / name,
                target / name,
                ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "templates", "static"),
            )
    shutil.copy(ROOT / ".importlinter", target / ".importlinter")
    return target


def lint_imports(tree: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(tree), "COLUMNS": "200", "NO_COLOR": "1"}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def flat(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_tree(tmp_path_factory.mktemp("tree"))


def test_the_contracts_pass_on_a_copy_of_the_tree(tree: Path) -> None:
    done = lint_imports(tree)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in flat(done.stdout)


def test_the_contracts_fail_when_coop_imports_a_domain(
    tree: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    domains = [p for p in packages_in_repo() if p != PLATFORM]
    assert domains, "no domain package has landed yet"
    domain = "governance" if "governance" in domains else domains[0]
    broken = copy_tree(tmp_path_factory.mktemp("broken"))
    policy = broken / PLATFORM / "policy.py"
    policy.write_text(policy.read_text() + f"\nimport {domain}  # noqa\n")

    done = lint_imports(broken)
    output = flat(done.stdout + done.stderr)
    assert done.returncode != 0, output
    layers = contract_config()["importlinter:contract:layers"]["name"]
    assert f"{flat(layers)} BROKEN" in output
    assert f"coop is not allowed to import {domain}" in output
    assert f"coop.policy -> {domain}" in output


def test_the_contracts_fail_when_teams_imports_matching(
    tree: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """`teams.matching` is a layer of its own above the rest of teams: the teams models
    importing it (as they once did, for its tables) breaks the contract."""
    broken = copy_tree(tmp_path_factory.mktemp("broken-matching"))
    models = broken / "teams" / "models.py"
    models.write_text(models.read_text() + "\nfrom teams.matching import models as _m  # noqa\n")

    done = lint_imports(broken)
    output = flat(done.stdout + done.stderr)
    assert done.returncode != 0, output
    matching = contract_config()["importlinter:contract:matching"]["name"]
    assert f"{flat(matching)} BROKEN" in output
    assert "teams.models is not allowed to import teams.matching" in output


def test_every_domain_package_is_in_the_contract() -> None:
    roots = root_packages()
    assert set(packages_in_repo()) <= set(roots), (
        "add each package that has landed to .importlinter's root_packages and layers"
    )
    layers = contract_config()["importlinter:contract:layers"]["layers"]
    layered = set(re.findall(r"[\w.]+", layers))
    assert set(packages_in_repo()) <= layered
    # Every domain the app loads by default is a checked package.
    assert set(DOMAINS) <= set(roots)


def test_governance_may_not_reach_care_activity_directly() -> None:
    """DESIGN: governance imports neither teams nor rota; the layers alone allow it to import a
    lower layer, so a forbidden contract says so once either has landed."""
    landed = [p for p in ("teams", "rota") if p in packages_in_repo()]
    if "governance" not in packages_in_repo() or not landed:
        return
    config = contract_config()
    forbidding = [
        config[s]
        for s in config.sections()
        if s.startswith("importlinter:contract:")
        and config[s].get("type") == "forbidden"
        and "governance" in config[s].get("source_modules", "").split()
    ]
    forbidden = {m for c in forbidding for m in c.get("forbidden_modules", "").split()}
    assert set(landed) <= forbidden


def _imports_in(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
    return found


def _dynamic_imports_in(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = ast.unparse(node.func)
            if name in {"importlib.import_module", "import_module", "__import__"}:
                found.append((node.lineno, ast.unparse(node)))
    return found


def test_coop_never_imports_a_domain_except_through_importlib_in_the_app_factory() -> None:
    offending = []
    for path in sorted((ROOT / PLATFORM).rglob("*.py")):
        where = path.relative_to(ROOT)
        for line, module in _imports_in(path):
            if module.split(".")[0] in DOMAIN_PACKAGES:
                offending.append(f"{where}:{line} imports {module}")
        if where != Path("coop/app.py"):
            offending.extend(f"{where}:{line} {call}" for line, call in _dynamic_imports_in(path))
    assert offending == []

    # The factory loads the domains by the names in the config, never by a literal name.
    for _line, call in _dynamic_imports_in(ROOT / "coop" / "app.py"):
        assert not any(f"'{d}" in call or f'"{d}' in call for d in DOMAIN_PACKAGES), call


def test_the_import_check_sees_imports_anywhere_in_a_module(tmp_path: Path) -> None:
    """The scan above also finds imports inside functions and `TYPE_CHECKING` blocks."""
    module = tmp_path / "m.py"
    module.write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from teams.models import Team\n"
        "def f():\n    import rota.models\n    return importlib.import_module('governance')\n"
    )
    assert [m for _l, m in _imports_in(module)] == ["typing", "teams.models", "rota.models"]
    assert _dynamic_imports_in(module) == [(6, "importlib.import_module('governance')")]


# make check and CI


def _commands(script: Path) -> list[str]:
    """The script's lines without comments, whitespace collapsed."""
    lines = []
    for line in script.read_text().splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            lines.append(flat(stripped))
    return lines


def test_make_check_runs_lint_types_contracts_both_databases_and_the_browser_suite() -> None:
    makefile = (ROOT / "Makefile").read_text()
    check_target = re.search(r"^check:.*\n((?:\t.*\n)+)", makefile, re.M)
    assert check_target, "no check target in the Makefile"
    assert "scripts/check.sh" in check_target.group(1)

    lines = _commands(ROOT / "scripts" / "check.sh")
    script = "\n".join(lines)

    def runs(pattern: str) -> bool:
        return any(re.search(pattern, line) for line in lines)

    assert runs(r"\bruff check\b")
    assert runs(r"\bmypy\b")
    assert runs(r"\blint-imports\b")
    sqlite_suite = [
        line
        for line in lines
        if re.search(r"\bpytest\b.*-m \"not browser\"", line) and "with-postgres" not in line
    ]
    assert sqlite_suite, "the suite on SQLite"
    assert runs(r"scripts/with-postgres\.sh .*\bpytest\b.*-m \"not browser\""), "on PostgreSQL"
    assert runs(r"\bpytest\b.*-m browser\b"), "the browser suite"
    assert runs(r"scripts/check-dates\.sh 400\b") and runs(r"scripts/check-dates\.sh 1096\b")
    assert "ensure-system.sh postgres" in script
    assert "ensure-system.sh chromium" in script
    # A part that cannot run fails the run under CI, and the script's status says so.
    assert re.search(r'"\$CI" = "true"', script)
    assert re.search(r"exit 1", script)


def test_ci_runs_make_check_with_ci_true() -> None:
    run = ROOT / ".ci" / "run"
    assert os.access(run, os.X_OK), ".ci/run must be executable"
    lines = _commands(run)
    ci_set = [i for i, line in enumerate(lines) if re.search(r"\bCI=true\b", line)]
    make_check = [i for i, line in enumerate(lines) if re.search(r"\bmake check\b", line)]
    assert make_check, "no `make check` in .ci/run"
    assert any(re.search(r"\bCI=true\b.*\bmake check\b", lines[i]) for i in make_check) or (
        ci_set and min(ci_set) < min(make_check) and any("export" in lines[i] for i in ci_set)
    ), "make check must run with CI=true"
    assert "set -e" in "\n".join(lines) or all("||" not in lines[i] for i in make_check)


REAL_CLOCK = re.compile(r"\b(?:datetime\.now|datetime\.utcnow|date\.today|time\.time)\(")


def test_only_the_apps_clock_reads_the_real_time() -> None:
    """Every service takes `now` from its caller; the views, API, commands and timed jobs get
    it from `coop.web.now()`, which tests set through CARECOOP_CLOCK. So nothing else in the
    packages may read the real clock: a test could not move it."""
    readers = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for package in ("coop", "teams", "rota", "governance")
        for path in sorted((ROOT / package).rglob("*.py"))
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if REAL_CLOCK.search(line)
    ]
    assert len(readers) == 1 and readers[0].startswith("coop/web.py:"), readers


# No module-level mutable state -----------------------------------------------------------------

MUTATORS = frozenset(
    {
        "append",
        "add",
        "clear",
        "discard",
        "extend",
        "insert",
        "pop",
        "popitem",
        "remove",
        "setdefault",
        "update",
        "__setitem__",
    }
)


CONTEXT_LOCALS = frozenset({"g"})


def module_state_changes(source: str) -> list[str]:
    """Where code changes a name the module holds at its top level (defined or imported there):
    `NAME[...] = `, `NAME.attr = `, `NAME.update(...)` and the like, `global NAME`, and `del`.
    A name bound anew inside a function (a parameter, a local) is that function's own, and
    Flask's `g` is the request's (a context-local proxy), not the module's."""
    tree = ast.parse(source)
    held: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            held |= {t.id for t in targets if isinstance(t, ast.Name)}
        elif isinstance(node, ast.ImportFrom):
            held |= {a.asname or a.name for a in node.names}
    held -= CONTEXT_LOCALS
    found = []
    for function in ast.walk(tree):
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            continue
        args = function.args
        own = {a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)}
        own |= {a.arg for a in (args.vararg, args.kwarg) if a is not None}
        for node in ast.walk(function):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                own.add(node.id)
        outside = held - own

        def root(expr: ast.expr, outside: set[str] = outside) -> str | None:
            while isinstance(expr, ast.Attribute | ast.Subscript):
                expr = expr.value
            return expr.id if isinstance(expr, ast.Name) and expr.id in outside else None

        for node in ast.walk(function):
            name = None
            if isinstance(node, ast.Global | ast.Nonlocal):
                found += [f"{node.lineno}: global {n}" for n in node.names]
            elif isinstance(node, ast.Assign | ast.AugAssign | ast.Delete):
                targets = (
                    node.targets if isinstance(node, ast.Assign | ast.Delete) else [node.target]
                )
                for target in targets:
                    if isinstance(target, ast.Attribute | ast.Subscript) and (name := root(target)):
                        found.append(f"{node.lineno}: {name} changed")
            elif (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in MUTATORS
                and (name := root(node.func.value))
            ):
                found.append(f"{node.lineno}: {name}.{node.func.attr}()")
    return found


def test_no_module_holds_state_that_code_changes() -> None:
    """What an app owns lives on the app (`coop.extension`): no code in the packages changes
    a module's own dict, list or object, so two apps in one process never share one."""
    changes = [
        f"{path.relative_to(ROOT)}:{change}"
        for package in ("coop", "teams", "rota", "governance")
        for path in sorted((ROOT / package).rglob("*.py"))
        if "migrations" not in path.parts
        for change in module_state_changes(path.read_text())
    ]
    assert changes == []


@pytest.mark.parametrize(
    "source",
    [
        "TABS = {}\ndef register(tab):\n    TABS[tab.name] = tab\n",
        "WORDS = {}\ndef register(words):\n    WORDS.update(words)\n",
        "from coop.x import registry\ndef add(card):\n    registry.cards.append(card)\n",
        "class S: pass\nstate = S()\ndef configure(z):\n    state.zone = z\n",
        "hook = None\ndef set_hook(f):\n    global hook\n    hook = f\n",
    ],
)
def test_the_state_check_sees_each_way_of_changing_a_module(source: str) -> None:
    assert module_state_changes(source)


def test_the_state_check_leaves_a_functions_own_names_alone() -> None:
    source = "TABS = {}\ndef build(TABS):\n    TABS['a'] = 1\ndef other():\n    found = {}\n    found['a'] = 1\n"
    assert module_state_changes(source) == []


def test_application_code_never_relies_on_assert() -> None:
    """`python -O` drops every `assert`: a check the app relies on is an `if` and a `raise`."""
    found = [
        f"{path.relative_to(ROOT)}:{node.lineno}"
        for package in ("coop", "teams", "rota", "governance")
        for path in sorted((ROOT / package).rglob("*.py"))
        if "migrations" not in path.parts
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Assert)
    ]
    assert found == []


# One way to wire a domain -------------------------------------------------------------------------

WIRED = ("coop", "teams", "teams/matching", "rota", "governance")


def test_each_package_lists_its_url_rules_in_its_blueprint_module() -> None:
    """A package's addresses are read in one place: its `blueprint.py`. No view registers its
    own route by decorator."""
    assert [p for p in WIRED if not (ROOT / p / "blueprint.py").is_file()] == []
    by_decorator = [
        f"{path.relative_to(ROOT)}:{node.lineno}"
        for package in ("coop", "teams", "rota", "governance")
        for path in sorted((ROOT / package).rglob("*.py"))
        if "migrations" not in path.parts
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
        for decorator in node.decorator_list
        if isinstance(decorator, ast.Call)
        and isinstance(decorator.func, ast.Attribute)
        and decorator.func.attr in ("route", "get", "post", "put", "patch", "delete")
    ]
    assert by_decorator == []


@pytest.mark.parametrize(
    "module",
    ["teams/__init__.py", "teams/matching/setup.py", "rota/__init__.py", "governance/__init__.py"],
)
def test_each_domain_wires_itself_in_one_short_init_app(module: str) -> None:
    tree = ast.parse((ROOT / module).read_text())
    [init] = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "init_app"]
    assert init.end_lineno is not None
    assert init.end_lineno - init.lineno + 1 <= 35, (
        "keep init_app short: constants go beside what they describe"
    )
