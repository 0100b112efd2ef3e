"""Issue 14, setting up: `make` finds Python 3.12 the usual ways or says what to install, and
`make run` installs the runtime only."""

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FIND = ROOT / "tools" / "find_python.sh"
TEST_ONLY = ("pytest", "ruff", "scikit-learn", "rouge-score", "hypothesis")


def _find(path: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {"PATH": path, "HOME": str(home)}
    return subprocess.run(["/bin/sh", str(FIND)], capture_output=True, text=True, env=env)


def _tools_dir(folder: Path, *names: str) -> str:
    """A PATH of the shell's basic tools only, plus `names` linked to this Python."""
    folder.mkdir()
    for tool in ("ls", "sort"):
        os.symlink(shutil.which(tool), folder / tool)
    for name in names:
        os.symlink(sys.executable, folder / name)
    return str(folder)


def test_python_312_is_found_on_the_path_or_in_pyenv(tmp_path: Path) -> None:
    on_path = _find(_tools_dir(tmp_path / "bin", "python3.12"), tmp_path)
    assert on_path.returncode == 0 and on_path.stdout.strip().endswith("bin/python3.12")
    pyenv = tmp_path / "home" / ".pyenv" / "versions" / "3.12.9" / "bin"
    pyenv.mkdir(parents=True)
    os.symlink(sys.executable, pyenv / "python")
    found = _find(_tools_dir(tmp_path / "bare"), tmp_path / "home")
    assert found.returncode == 0 and found.stdout.strip() == str(pyenv / "python")


def test_without_python_312_make_says_what_to_install(tmp_path: Path) -> None:
    assert _find(_tools_dir(tmp_path / "bare"), tmp_path).returncode == 1
    clone = tmp_path / "clone"
    clone.mkdir()
    for name in ("Makefile", "pyproject.toml"):
        shutil.copy(ROOT / name, clone / name)
    shutil.copytree(ROOT / "tools", clone / "tools")
    shutil.copytree(ROOT / "requirements", clone / "requirements")
    tools = _tools_dir(tmp_path / "tools")
    os.symlink(shutil.which("make"), Path(tools) / "make")
    env = {"PATH": tools, "HOME": str(tmp_path)}
    done = subprocess.run(["make", "run"], cwd=clone, capture_output=True, text=True, env=env)
    assert done.returncode != 0
    assert "sourcecheck needs Python 3.12 and found none" in done.stderr
    assert "make run PYTHON=/path/to/python3.12" in done.stderr


def test_make_run_installs_the_runtime_and_make_test_the_rest() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime = " ".join(project["dependencies"])
    assert not [name for name in TEST_ONLY if name in runtime]
    extras = project["optional-dependencies"]
    assert all(any(name in " ".join(extras[x]) for x in ("dev", "eval")) for name in TEST_ONLY)
    makefile = (ROOT / "Makefile").read_text()
    assert "run: $(RUNTIME)" in makefile and "test: $(DEV)" in makefile
    assert "pip install --quiet -e .\n" in makefile
