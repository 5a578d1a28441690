"""The layout is the architecture: layers that only import downward (import-linter's contracts
in pyproject.toml), no import circles, no function-level import without the heavy library it
defers, and built-in studies found through the same entry points as plug-ins."""
import ast
import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path

import grimp
import pytest

from suite.analysis.verdicts import RULES
from suite.design import plugins
from suite.design.study import RULE_KINDS

ROOT = Path(__file__).resolve().parents[1]
LINT = [sys.executable, "-c", "import sys; from importlinter.cli import lint_imports_command; "
        "sys.exit(lint_imports_command())"]
HEAVY = ("Keras", "keras-tuner", "TensorFlow", "JAX", "Dask", "matplotlib", "pandas", "scikit-learn", "SciPy",
         "pydantic", "pyarrow", "TensorBoard", "rich", "MLflow")


def test_layer_contracts_hold():
    run = subprocess.run(LINT, cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert "2 kept, 0 broken" in run.stdout


def test_layer_contract_fails_when_a_lower_layer_imports_a_higher_one(tmp_path):
    """The same tool, on a fixture package whose bottom layer imports its top one, reports it."""
    package = tmp_path / "layered"
    for name, text in {"__init__.py": "", "top.py": "X = 1\n", "bottom.py": "from layered import top\n"}.items():
        (package / name).parent.mkdir(exist_ok=True)
        (package / name).write_text(text)
    (tmp_path / ".importlinter").write_text(textwrap.dedent("""\
        [importlinter]
        root_package = layered
        [importlinter:contract:layers]
        name = layered only imports downward
        type = layers
        layers =
            layered.top
            layered.bottom
        """))
    run = subprocess.run(LINT, cwd=tmp_path, capture_output=True, text=True,
                         env={"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"})
    assert run.returncode == 1 and "BROKEN" in run.stdout
    assert "layered.bottom is not allowed to import layered.top" in run.stdout


def _cycles(graph, prefix: str) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), imports inside functions
    included (grimp reads every import statement)."""
    modules = sorted(m for m in graph.modules if m.startswith(prefix))
    edges = {m: [x for x in graph.find_modules_directly_imported_by(m) if x.startswith(prefix)] for m in modules}
    index, low, stack, on, found = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for module in modules:
        if module not in index:
            visit(module)
    return found


def test_no_import_circles():
    assert _cycles(grimp.build_graph("suite", "studies"), "suite") == []


def test_the_circle_check_finds_a_circle():
    graph = grimp.ImportGraph()
    for a, b in (("suite.a", "suite.b"), ("suite.b", "suite.a"), ("suite.b", "suite.c")):
        graph.add_import(importer=a, imported=b)
    assert _cycles(graph, "suite") == [["suite.a", "suite.b"]]


def _function_level_imports():
    for path in sorted((ROOT / "suite").rglob("*.py")):
        lines = path.read_text().splitlines()
        for function in ast.walk(ast.parse("\n".join(lines))):
            if isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
                for node in ast.walk(function):
                    if isinstance(node, (ast.Import, ast.ImportFrom)):
                        yield path.relative_to(ROOT), node.lineno, lines[node.lineno - 1], lines[node.lineno - 2]


def test_function_level_imports_name_the_heavy_library_they_defer():
    unexplained = [f"{path}:{number}: {line.strip()}" for path, number, line, before in _function_level_imports()
                   if not any(name in line.partition("#")[2] + (before if before.strip().startswith("#") else "")
                              for name in HEAVY)]
    assert unexplained == []


def test_no_module_imports_the_studies_package():
    graph = grimp.build_graph("suite", "studies")
    assert not any(graph.chain_exists(importer=m, imported="studies") for m in graph.modules if m.startswith("suite"))


def test_every_builtin_study_is_an_entry_point_and_found_through_it():
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["entry-points"]["suite.studies"]
    modules = {p.stem for p in (ROOT / "studies").glob("*.py") if p.stem != "__init__"}
    assert set(declared) == modules and all(declared[m] == f"studies.{m}:STUDY" for m in modules)
    assert set(plugins.all_studies()) >= modules, "reinstall the package (pip install -e .) to register them"


def test_every_rule_kind_has_its_judge():
    assert set(RULE_KINDS) == set(RULES)


@pytest.mark.parametrize("path", sorted(str(p.relative_to(ROOT)) for p in (ROOT / "suite").rglob("*.py")))
def test_modules_stay_small(path):
    assert len((ROOT / path).read_text().splitlines()) <= 360, "split the module by role"


def test_every_subpackage_says_what_it_owns_and_may_import():
    for init in (ROOT / "suite").glob("*/__init__.py"):
        doc = ast.get_docstring(ast.parse(init.read_text())) or ""
        assert "Layer" in doc or init.parent.name in ("data",), init
