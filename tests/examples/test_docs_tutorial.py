"""docs/writing-controllers.md runs as written: the steps build the complete file from an empty
one, each step's file is complete, the commands work against the embedded server, and the
complete files are a working, tested project; docs/testing.md's "Is my ClusterRole enough?"
example is a passing test too."""

from __future__ import annotations

import ast
import os
import re
import shlex
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
TUTORIAL = (REPO / "docs" / "writing-controllers.md").read_text()
FILE_BLOCK = re.compile(r"<!-- file: (?P<name>[\w.]+) -->\n```\w*\n(?P<body>.*?)```", re.DOTALL)
STEP_BLOCK = re.compile(r"<!-- step -->\n```python\n(?P<body>.*?)```", re.DOTALL)
COMMANDS_BLOCK = re.compile(r"<!-- commands -->\n```bash\n(?P<body>.*?)```", re.DOTALL)


def tutorial_files() -> dict[str, str]:
    return {m["name"]: m["body"] for m in FILE_BLOCK.finditer(TUTORIAL)}


def definitions(source: str) -> dict[str, str]:
    """Top-level statements by what they define: ``imports`` (the whole import block), a class,
    function or constant name, ``__main__``; docstrings are left out."""
    found: dict[str, str] = {}
    imports: list[str] = []
    for node in ast.parse(source).body:
        segment = ast.get_source_segment(source, node) or ""
        if isinstance(node, ast.Import | ast.ImportFrom):
            imports.append(segment)
        elif isinstance(node, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            found[node.name] = segment
        elif isinstance(node, ast.Assign):
            found[ast.unparse(node.targets[0])] = segment
        elif isinstance(node, ast.If):
            found["__main__"] = segment
        elif not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)):
            raise AssertionError(f"unexpected top-level statement: {segment}")
    if imports:
        found["imports"] = "\n".join(imports)
    return found


def render(state: dict[str, str]) -> str:
    body = [v for k, v in state.items() if k not in ("imports", "__main__")]
    parts = [state.get("imports", ""), *body, state.get("__main__", "")]
    return "\n\n\n".join(p for p in parts if p) + "\n"


def same(a: dict[str, str], b: dict[str, str]) -> bool:
    dump = {k: ast.dump(ast.parse(v)) for k, v in a.items()}
    return dump == {k: ast.dump(ast.parse(v)) for k, v in b.items()}


def test_tutorial_ships_the_controller_its_test_their_configuration_and_the_manifest() -> None:
    assert set(tutorial_files()) == {"exposer.py", "pytest.ini", "test_exposer.py", "web.yaml"}


def test_the_manifest_the_tutorial_applies_is_in_the_repository() -> None:
    assert tutorial_files()["web.yaml"] == (REPO / "examples" / "exposer" / "web.yaml").read_text()


@pytest.mark.timeout(120)
def test_the_steps_build_the_complete_file_from_an_empty_one(tmp_path: Path) -> None:
    # A step is a section ("## 3. ..."): all its snippets together make the file complete again.
    steps = [[m["body"] for m in STEP_BLOCK.finditer(section)]
             for section in re.split(r"(?m)^## ", TUTORIAL.split("## The complete files")[0])]
    steps = [snippets for snippets in steps if snippets]
    assert len(steps) >= 4
    state: dict[str, str] = {}
    for number, snippets in enumerate(steps, 1):
        for snippet in snippets:
            state = {**state, **definitions(snippet)}
        (tmp_path / "exposer.py").write_text(render(state))
        lint = subprocess.run(
            [sys.executable, "-m", "ruff", "check", "--isolated", "--no-cache", "--select", "F",
             "exposer.py"], cwd=tmp_path, capture_output=True, text=True, check=False,
        )
        assert lint.returncode == 0, f"after step {number}:\n{lint.stdout}{render(state)}"
        imported = subprocess.run([sys.executable, "-c", "import exposer"], cwd=tmp_path,
                                  capture_output=True, text=True, check=False, timeout=60)
        assert imported.returncode == 0, f"after step {number}:\n{imported.stderr}"
    assert same(state, definitions(tutorial_files()["exposer.py"]))


@pytest.mark.timeout(120)
def test_the_tutorial_commands_work_against_the_embedded_server(tmp_path: Path) -> None:
    for name, body in tutorial_files().items():
        (tmp_path / name).write_text(body)
    kubeconfig = tmp_path / "kubeconfig"
    env = {k: v for k, v in os.environ.items() if k not in ("KUBECONFIG", "PYTHONPATH")}
    server = subprocess.Popen(
        [sys.executable, "-m", "kubeflow_informer", "apiserver", "--kubeconfig-out",
         str(kubeconfig)], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env,
    )
    background: list[subprocess.Popen[str]] = [server]
    try:
        assert server.stdout is not None
        server.stdout.readline()
        assert server.stdout.readline().strip() == f"export KUBECONFIG={kubeconfig}"
        outputs: dict[str, str] = {}
        for block in COMMANDS_BLOCK.finditer(TUTORIAL):
            for line in block["body"].splitlines():
                line = line.replace("/tmp/kubeconfig", str(kubeconfig))
                words = shlex.split(line, comments=True)
                if words[0] == "export":
                    key, _, value = words[1].partition("=")
                    env[key] = value
                elif words[-1] == "&":
                    assert words[:2] == ["python", "exposer.py"], line
                    background.append(subprocess.Popen(
                        [sys.executable, *words[1:-1]], cwd=tmp_path, env=env,
                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
                else:
                    outputs[line] = _until_it_works(words, tmp_path, env)
        assert "default.web: web.default.svc:80" in outputs["kubectl get configmap routes -o yaml"]
        assert "web" in outputs["kubectl get services web"]
    finally:
        for process in reversed(background):
            process.terminate()
            process.wait(timeout=30)


def _until_it_works(words: list[str], cwd: Path, env: dict[str, str]) -> str:
    """Run a command until it exits 0 (the controller is asynchronous); its output."""
    assert words[0] == "kubectl", words
    deadline = time.monotonic() + 30  # bounds a failure; not a performance assertion
    while True:
        done = subprocess.run(words, cwd=cwd, env=env, capture_output=True, text=True,
                              timeout=30, check=False)
        if done.returncode == 0:
            return done.stdout
        if time.monotonic() > deadline:
            raise AssertionError(f"{shlex.join(words)} kept failing: {done.stderr}")
        time.sleep(0.2)


def _run_tests(files: dict[str, str], folder: Path) -> str:
    """Write ``files`` into ``folder`` and run pytest there as a user would; its output, once
    it passed."""
    for name, body in files.items():
        (folder / name).write_text(body)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly",
         "-W", "error"],
        cwd=folder, env=env, capture_output=True, text=True, timeout=80, check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.mark.timeout(90)
def test_tutorial_test_passes_against_the_embedded_server(tmp_path: Path) -> None:
    assert "1 passed" in _run_tests(tutorial_files(), tmp_path)


@pytest.mark.timeout(90)
def test_the_testing_guides_rbac_example_passes(tmp_path: Path) -> None:
    guide = (REPO / "docs" / "testing.md").read_text()
    files = {m["name"]: m["body"] for m in FILE_BLOCK.finditer(guide)}
    assert set(files) == {"test_rbac.py"}
    files["pytest.ini"] = tutorial_files()["pytest.ini"]
    assert "1 passed" in _run_tests(files, tmp_path)
