"""``guided-actions new-plugin NAME [--dir DIR]``: a plugin package from the template, whole or
not at all. (Its tests passing is checked in tests/plugins/test_pytest_plugin.py in-process, and
in a fresh virtual environment in tests/test_plugin_kit_venv.py.)"""

from __future__ import annotations

import importlib.util
import keyword
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from guided_actions import load_rules
from guided_actions._adapters.cli import main, scaffold
from guided_actions._adapters.cli.diagnostics import CliError
from guided_actions.testing import at, build, deal, run_rule

FILES = ["README.md", "pyproject.toml", "src/{n}/__init__.py", "tests/test_{n}.py"]


def listing(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*"))


def new_plugin(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(["new-plugin", *argv])
    out, err = capsys.readouterr()
    return code, out, err


class TestCreates:
    def test_default_directory_is_the_name(self, capsys, monkeypatch, tmp_path: Path) -> None:
        """Without --dir the package is ./NAME, with the four files, and the output says what
        to run next."""
        monkeypatch.chdir(tmp_path)
        code, out, err = new_plugin(capsys, "stale_deals")
        assert (code, err) == (0, "")
        root = tmp_path / "stale_deals"
        assert sorted(p for p in listing(root) if "." in Path(p).name) == sorted(
            f.format(n="stale_deals") for f in FILES
        )
        assert out.splitlines() == [
            "Created the plugin stale_deals in stale_deals:",
            "  README.md",
            "  pyproject.toml",
            "  src/stale_deals/__init__.py",
            "  tests/test_stale_deals.py",
            "Next, install it with its tests' requirements and run them:",
            "  cd stale_deals",
            "  python -m pip install -e '.[test]'",
            "  python -m pytest",
        ]
        assert listing(tmp_path) == ["stale_deals", *(f"stale_deals/{p}" for p in listing(root))]

    def test_into_an_empty_directory(self, capsys, tmp_path: Path) -> None:
        """An existing empty directory is filled."""
        target = tmp_path / "my plugin"
        target.mkdir()
        code, out, _ = new_plugin(capsys, "idle", "--dir", str(target))
        assert code == 0
        assert (target / "src" / "idle" / "__init__.py").is_file()
        assert f"  cd '{target}'" in out.splitlines()  # quoted for the shell

    def test_the_package(self, tmp_path: Path) -> None:
        """pyproject declares the entry point and a test extra; the module's rule has the
        name as its id and loads; the rule fires as its docstring says."""
        root, written = scaffold.new_plugin("overdue_deals", tmp_path / "pkg")
        assert written == sorted(f.format(n="overdue_deals") for f in FILES)
        project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
        assert project["project"]["name"] == "guided-actions-overdue-deals"
        assert project["project"]["entry-points"]["guided_actions"] == {
            "overdue_deals": "overdue_deals"
        }
        assert project["project"]["optional-dependencies"]["test"] == ["pytest>=8"]
        assert "guided-actions" in project["project"]["dependencies"]
        spec = importlib.util.spec_from_file_location(
            "overdue_deals", root / "src" / "overdue_deals" / "__init__.py"
        )
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        ruleset = load_rules([module], entry_points=False)
        assert ruleset.plugin_of("overdue_deals") == "overdue_deals"
        cls = module.OverdueDeals
        assert (cls.id, cls.title) == ("overdue_deals", "Overdue deals")
        fires = build(deal("d1", created_at=at(days=-2)))
        assert [a.subjects for a in run_rule(cls, fires)] == [(("deal", "d1"),)]
        assert run_rule(cls, build(deal("d1", created_at=at(days=-2), amount=1))) == []

    def test_lint_clean(self, tmp_path: Path) -> None:
        """The generated code passes ruff check and ruff format with the package's own config."""
        root, _ = scaffold.new_plugin("lint_me", tmp_path / "lint_me")
        ruff = shutil.which("ruff") or "ruff"
        for argv in ([ruff, "check", "."], [ruff, "format", "--check", "."]):
            done = subprocess.run(argv, cwd=root, capture_output=True, text=True)
            assert done.returncode == 0, done.stdout + done.stderr

    @given(st.from_regex(r"[a-z][a-z0-9_]{0,20}", fullmatch=True))
    def test_every_valid_name_renders(self, name: str) -> None:
        """For any name accepted, every template field is filled and the module compiles."""
        try:
            scaffold.check_name(name)
        except CliError:
            return
        files = scaffold._rendered(name)
        assert all("${" not in text for text in files.values())
        compile(files[f"src/{name}/__init__.py"], "module", "exec")
        compile(files[f"tests/test_{name}.py"], "tests", "exec")


class TestRefuses:
    """A clear error, exit status 2, and nothing written."""

    @pytest.mark.parametrize(
        ("name", "reason"),
        [
            ("", "is not a plugin name"),
            ("1st", "is not a plugin name"),
            ("_private", "is not a plugin name"),
            ("Stale", "is not a plugin name"),
            ("stale-deals", "is not a plugin name"),
            ("stale deals", "is not a plugin name"),
            ("café", "is not a plugin name"),
            ("class", "is not a plugin name"),
            ("a" * 65, "is not a plugin name"),
            ("email", "would hide the module of the same name"),
            ("guided_actions", "would hide the module of the same name"),
            ("pytest", "would hide the module of the same name"),
        ],
    )
    def test_bad_name(self, capsys, monkeypatch, tmp_path: Path, name: str, reason: str) -> None:
        monkeypatch.chdir(tmp_path)
        code, out, err = new_plugin(capsys, name)
        assert (code, out) == (2, "")
        assert err.startswith(f"guided-actions: error: {name!r} {reason}")
        assert listing(tmp_path) == []

    @pytest.mark.parametrize("name", ["a", "a" * 64, "stale_deals", "deals2", "a_"])
    def test_boundaries_of_a_good_name(self, name: str) -> None:
        scaffold.check_name(name)

    @given(st.text(max_size=12))
    def test_a_name_is_good_iff(self, name: str) -> None:
        """Accepted exactly when a lower-case ASCII identifier, not a keyword, hiding nothing."""
        good = (
            name.isascii()
            and name.isidentifier()
            and name == name.lower()
            and not name.startswith("_")
            and not keyword.iskeyword(name)
            and name not in sys.stdlib_module_names
            and name not in {"guided_actions", "pytest", "tests", "conftest"}
        )
        try:
            scaffold.check_name(name)
        except CliError:
            assert not good
        else:
            assert good

    def test_not_empty(self, capsys, tmp_path: Path) -> None:
        target = tmp_path / "taken"
        target.mkdir()
        (target / "notes.txt").write_text("mine", encoding="utf-8")
        code, _, err = new_plugin(capsys, "fine", "--dir", str(target))
        assert code == 2
        assert err == f"guided-actions: error: directory {target} is not empty\n"
        assert listing(tmp_path) == ["taken", "taken/notes.txt"]

    def test_a_file(self, capsys, tmp_path: Path) -> None:
        target = tmp_path / "file"
        target.write_text("mine", encoding="utf-8")
        code, _, err = new_plugin(capsys, "fine", "--dir", str(target))
        assert code == 2
        assert err == f"guided-actions: error: {target} exists and is not a directory\n"
        assert target.read_text(encoding="utf-8") == "mine"

    def test_no_parent(self, capsys, tmp_path: Path) -> None:
        code, _, err = new_plugin(capsys, "fine", "--dir", str(tmp_path / "no" / "pkg"))
        assert code == 2
        assert err == f"guided-actions: error: directory {tmp_path / 'no'} does not exist\n"
        assert listing(tmp_path) == []

    def test_a_failed_write_leaves_nothing(self, capsys, monkeypatch, tmp_path: Path) -> None:
        """The third file cannot be written: no package, no staging directory, exit 2."""
        real = Path.write_text
        calls = []

        def failing(self: Path, *args: object, **kwargs: object) -> int:
            calls.append(self)
            if len(calls) == 3:
                raise OSError(28, "No space left on device")
            return real(self, *args, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(Path, "write_text", failing)
        code, out, err = new_plugin(capsys, "fine", "--dir", str(tmp_path / "pkg"))
        assert (code, out) == (2, "")
        assert (
            err
            == f"guided-actions: error: cannot write {tmp_path / 'pkg'}: No space left on device\n"
        )
        assert len(calls) == 3
        assert os.listdir(tmp_path) == []

    def test_a_directory_name_is_escaped(self, capsys, tmp_path: Path) -> None:
        """A terminal escape in --dir is shown escaped, on success and in an error."""
        target = tmp_path / "x\x1b[2Jy"
        code, out, _ = new_plugin(capsys, "fine", "--dir", str(target))
        assert code == 0
        assert "\x1b" not in out
        assert "x\\x1b[2Jy" in out
        code, _, err = new_plugin(capsys, "fine", "--dir", str(target))
        assert code == 2
        assert "\x1b" not in err


def test_help_has_examples(capsys) -> None:
    """new-plugin --help documents NAME and --dir and ends with examples."""
    code, out, _ = new_plugin(capsys, "--help")
    assert code == 0
    assert "--dir DIR" in out
    assert "guided-actions new-plugin stale_deals --dir plugins/stale-deals" in out
