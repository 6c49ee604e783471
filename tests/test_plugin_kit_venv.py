"""``docs/how-to/write-a-plugin.md`` followed to the letter, and the plugin template, in a new
virtual environment.

The page is read, not copied: its steps, in order, are

- each ```` ```bash ```` block: run by bash in the working directory, in the environment the
  first block creates and activates (as a reader's shell keeps it activated);
- each ```` ```python ```` block: run in one Python session of that environment (one namespace,
  as ``tests/test_docs.py`` runs them), its printed output compared with the ``<!-- output -->``
  block after it;
- the python blocks marked ``<!-- source: examples/plugin-stale-deals/src/stale_deals/__init__.py
  -->``: also written, as far as read, to the file the page names for them;
- a block after ``<!-- file: PATH -->``: also written to ``PATH``.

One substitution, the only one: ``pip install guided-actions`` (from PyPI) installs the library
from this source tree. Its dependencies and the build backend come from PyPI, through pip's build
isolation as a reader's install would. One environment serves the whole test run (it takes about
a minute): the template's package is then made, installed and tested in it too.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
import textwrap
from pathlib import Path

import attrs
import pytest

ROOT = Path(__file__).resolve().parent.parent
HOWTO = ROOT / "docs" / "how-to" / "write-a-plugin.md"
SOURCE = "examples/plugin-stale-deals/src/stale_deals/__init__.py"
#: Where the page tells the reader to write the blocks marked as the example's module.
MODULE = "plugin-stale-deals/src/stale_deals/__init__.py"

_BLOCK = re.compile(
    r"(?:^<!-- (?P<marker>[\w-]+)(?:: (?P<path>\S+))? -->\n)?^```(?P<lang>\w*)\n(?P<body>.*?)^```$",
    re.MULTILINE | re.DOTALL,
)
_PYPI_INSTALL = re.compile(
    r"^(python -m pip install .*?)(?<![\w./-])guided-actions(?![\w.-])", re.M
)


@attrs.frozen
class Step:
    kind: str  # "bash", "python", "output" or "file"
    body: str
    path: str | None = None


def steps(page: Path = HOWTO) -> list[Step]:
    """The page's steps, in order (see the module's docstring)."""
    found: list[Step] = []
    module: list[str] = []
    for m in _BLOCK.finditer(page.read_text(encoding="utf-8")):
        marker, path, lang, body = m["marker"], m["path"], m["lang"], m["body"]
        if marker == "no-test":
            continue
        if marker == "output":
            found.append(Step("output", body))
        elif lang == "bash":
            found.append(Step("bash", body))
        elif lang == "python":
            if marker == "source" and path == SOURCE:
                module.append(body)
                found.append(Step("file", "\n\n".join(module), MODULE))
            elif marker == "file":
                found.append(Step("file", body, path))
            found.append(Step("python", body))
        elif marker == "file":
            found.append(Step("file", body, path))
    return found


def from_this_tree(command: str) -> str:
    """The reader's ``pip install guided-actions``, installing this source tree instead."""
    replaced, count = _PYPI_INSTALL.subn(lambda m: m[1] + shlex.quote(str(ROOT)), command)
    return replaced if count else command


#: Runs in the new environment: every step after the first, in order, then prints a JSON report.
RUNNER = textwrap.dedent(
    """
    import contextlib, io, json, os, subprocess, sys, traceback
    from pathlib import Path

    steps = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    namespace = {"__name__": "docs_write-a-plugin"}
    report, last = [], None
    for kind, body, path in steps:
        if kind == "bash":
            done = subprocess.run(["bash", "-euo", "pipefail", "-c", body], capture_output=True,
                                  text=True, stdin=subprocess.DEVNULL)
            report.append([kind, body, done.returncode, done.stdout, done.stderr])
            if done.returncode:
                break
        elif kind == "file":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            Path(path).write_text(body, encoding="utf-8")
        elif kind == "python":
            out = io.StringIO()
            try:
                with contextlib.redirect_stdout(out):
                    exec(compile(body, "write-a-plugin.md", "exec"), namespace)
            except BaseException:
                report.append([kind, body, 1, out.getvalue(), traceback.format_exc()])
                break
            last = out.getvalue()
        elif kind == "output":
            if last != body:
                report.append([kind, body, 1, last, "the output differs"])
                break
            last = None
    print(json.dumps(report))
    """
)


def _environ(work: Path) -> dict[str, str]:
    """The environment of a reader's shell in ``work``: none of this test run's Python or
    pytest settings."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PYTHON", "PYTEST", "VIRTUAL_ENV", "HYPOTHESIS", "COV_"))
    }
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    env["PATH"] = os.pathsep.join(
        [str(work / ".venv" / "bin")]
        + [
            p
            for p in env.get("PATH", "").split(os.pathsep)
            if Path(sys.prefix) not in Path(p).parents
        ]
    )
    return env


@attrs.frozen
class Followed:
    work: Path
    env: dict[str, str]
    setup: subprocess.CompletedProcess[str]
    report: list[list[object]]

    def bash(self, command: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["bash", "-euo", "pipefail", "-c", command],
            cwd=self.work,
            env=self.env,
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            timeout=900,
        )


@pytest.fixture(scope="session")
def followed(tmp_path_factory: pytest.TempPathFactory) -> Followed:
    """The how-to followed in a new directory: its first block (which creates the environment)
    by bash here, the rest by the runner inside the environment."""
    work = tmp_path_factory.mktemp("reader")
    env = _environ(work)
    first, *rest = steps()
    assert first.kind == "bash"
    assert "python -m venv .venv" in first.body
    setup = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", from_this_tree(first.body)],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=900,
    )
    report: list[list[object]] = []
    if setup.returncode == 0:
        plan = work / "steps.json"
        plan.write_text(json.dumps([[s.kind, s.body, s.path] for s in rest]), encoding="utf-8")
        runner = work / "runner.py"
        runner.write_text(RUNNER, encoding="utf-8")
        done = subprocess.run(
            [str(work / ".venv" / "bin" / "python"), str(runner), str(plan)],
            cwd=work,
            env=env,
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            timeout=1800,
        )
        assert done.returncode == 0, done.stderr
        report = json.loads(done.stdout.splitlines()[-1])
    return Followed(work, env, setup, report)


class TestParsing:
    """The steps are read from the page as a reader reads it (no environment needed)."""

    def test_the_page_has_the_steps_of_a_reader(self) -> None:
        """Set-up, module, tests file, install, run the tests, list the rules: in that order."""
        found = steps()
        kinds = [s.kind for s in found]
        assert kinds[0] == "bash"
        assert "python -m pip install guided-actions pytest" in found[0].body
        files = [s.path for s in found if s.kind == "file"]
        assert set(files) == {MODULE, "plugin-stale-deals/tests/test_stale_deals.py"}
        bash = [s.body for s in found if s.kind == "bash"]
        assert [line for body in bash for line in body.splitlines()] == [
            "python -m venv .venv",
            ". .venv/bin/activate",
            "python -m pip install guided-actions pytest",
            "guided-actions new-plugin stale_deals --dir plugin-stale-deals",
            "python -m pip install -e plugin-stale-deals",
            "python -m pytest plugin-stale-deals",
            "guided-actions rules",
        ]
        install = kinds.index("bash", 1)
        assert kinds.index("file") < install
        assert (
            "plugin-stale-deals/tests/test_stale_deals.py" in files[: kinds[:install].count("file")]
        )

    def test_the_module_is_said_where_to_go(self) -> None:
        """The page names the module's file in words, and the last version written is the
        example's module."""
        text = HOWTO.read_text(encoding="utf-8")
        assert f"are the file `{MODULE}`" in text
        written = [s.body for s in steps() if s.path == MODULE]
        assert written[-1] == (ROOT / SOURCE).read_text(encoding="utf-8")

    @pytest.mark.parametrize(
        ("command", "expected"),
        [
            ("python -m pip install guided-actions pytest", f"python -m pip install {ROOT} pytest"),
            ("python -m pip install pytest guided-actions", f"python -m pip install pytest {ROOT}"),
            ("python -m pip install guided-actions-stale-deals", None),
            ("python -m pip install -e plugin-stale-deals", None),
            ("guided-actions rules", None),
        ],
    )
    def test_only_the_librarys_install_is_replaced(
        self, command: str, expected: str | None
    ) -> None:
        assert from_this_tree(command) == (command if expected is None else expected)


class TestFollowed:
    """In a new virtual environment, every step of the page works."""

    def test_every_step_succeeds(self, followed: Followed) -> None:
        """Set-up, every python block with its output, the install and the plugin's tests."""
        assert followed.setup.returncode == 0, followed.setup.stderr[-3000:]
        failed = [r for r in followed.report if r[2] != 0]
        assert not failed, failed
        assert len(followed.report) == 1  # the bash blocks after the first

    def test_the_plugins_tests_pass(self, followed: Followed) -> None:
        """`python -m pytest plugin-stale-deals` ran the page's test file, and it passed."""
        [(_, _, code, out, _)] = followed.report
        assert code == 0
        assert re.search(r"^plugin-stale-deals/tests/test_stale_deals\.py \.{5} ", str(out), re.M)
        assert re.search(r"^=+ 5 passed\b", str(out), re.M), out

    def test_the_rule_is_listed(self, followed: Followed) -> None:
        """`guided-actions rules` lists stale_deals, from the plugin, as the page shows."""
        [(_, _, _, out, _)] = followed.report
        printed = str(out)[str(out).index("19 rules: ") :]
        assert printed.splitlines()[0] == "19 rules: 18 built-in, 1 from plugin stale_deals"
        assert re.search(r"^stale_deals +Stale deals", printed, re.M), printed
        assert re.search(r"^  plugin +stale_deals$", printed, re.M), printed

    def test_the_environment_was_new(self, followed: Followed) -> None:
        """The environment's library is this tree's, installed (not this run's editable one),
        and pytest is the one the page installed."""
        done = followed.bash(
            "python -c 'import guided_actions, pytest, sys; "
            "print(sys.prefix); print(guided_actions.__file__); print(pytest.__file__)'"
        )
        prefix, library, pytest_file = done.stdout.splitlines()
        assert Path(prefix) == followed.work / ".venv"
        assert "site-packages" in library
        assert pytest_file.startswith(str(followed.work / ".venv"))


class TestTemplate:
    """The package of ``guided-actions new-plugin``, installed in that environment."""

    def test_its_tests_pass_and_it_is_listed(self, followed: Followed) -> None:
        assert followed.setup.returncode == 0
        done = followed.bash(
            "guided-actions new-plugin overdue_deals --dir template-check\n"
            "python -m pip install --quiet -e 'template-check[test]'\n"
            "python -m pytest -p no:cacheprovider template-check\n"
        )
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
        assert re.search(r"\b7 passed\b", done.stdout), done.stdout
        listed = followed.bash("guided-actions rules --format json")
        assert listed.returncode == 0, listed.stderr
        listing = json.loads(listed.stdout)
        [entry] = [e for e in listing if e["id"] == "overdue_deals"]
        assert entry["plugin"] == "overdue_deals"
