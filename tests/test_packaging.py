"""`pip install -e .` makes the project's packages importable from any directory.

The install goes into a new virtual environment whose only other path is this test
run's site-packages (for Django and the rest, so nothing is downloaded but the build
backend), and the imports run from a directory outside the checkout: they can only
come from what the install declared, with the data files and migrations they read,
and the metadata names the licences.
"""

import os
import subprocess
import sysconfig
import venv
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parent.parent

PROBE = """
import codecs, importlib.metadata, importlib.util, sys
from pathlib import Path
import django
django.setup()
import bench.run, classroom.settings, quizzes.models
from classroom import confusables, nicknames
from django.core.management import get_commands
from django.db.migrations.loader import MigrationLoader

project = Path(sys.argv[1])
cwd = Path.cwd()
assert not (cwd / "classroom").exists() and str(cwd) not in sys.path[1:], sys.path
for name in ("classroom", "quizzes", "bench"):
    origin = Path(importlib.util.find_spec(name).origin)
    assert origin.is_relative_to(project), (name, origin)
# classroom/data/*.txt, read at import: Unicode's confusables, the nickname blocklist.
assert confusables.confusable("paypal", "\u0440\u0430\u0443\u0440\u0430l")
assert nicknames.is_offensive(codecs.decode("fuvg", "rot13"))
graph = MigrationLoader(None, ignore_no_migrations=True).graph
assert ("quizzes", "0001_timeline_quiz_questions") in graph.nodes
assert ("classroom", "0001_games_players_answers") in graph.nodes
assert {"load_seeds", "export_quiz", "create_teacher", "purge_games"} <= set(get_commands())
# The Urdu catalogue (locale/, compiled .mo files in the checkout) is found from anywhere.
from django.utils import translation
with translation.override("ur"):
    joined = translation.gettext("Join")
assert joined == "\u0634\u0627\u0645\u0644 \u06c1\u0648\u06ba", joined
# The licences travel with the install (LICENSE; Unicode's for confusables.txt; the
# SIL OFL for the Urdu font).
meta = importlib.metadata.metadata("classroom-quiz")
expression = meta["License-Expression"]
assert expression == "MIT AND Unicode-DFS-2016 AND OFL-1.1", expression
assert set(meta.get_all("License-File")) == {
    "LICENSE", "LICENSES/Unicode-DFS-2016.txt", "LICENSES/OFL-1.1.txt"
}
print("ok")
"""


@pytest.mark.process
def test_an_editable_install_imports_the_packages_from_any_directory(tmp_path):
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    site = next((env_dir / "lib").glob("python3*/site-packages"))
    # Django, pip and the rest from this run's environment; not its .pth files, so not
    # an editable install of the project it may already have.
    (site / "this-run.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")

    env = {
        key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "PYTHON"))
    }
    install = subprocess.run(
        [python, "-m", "pip", "install", "-q", "--no-deps", "--ignore-installed", "-e", PROJECT],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert install.returncode == 0, install.stdout + install.stderr

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env |= {"DJANGO_SETTINGS_MODULE": "classroom.settings", "DJANGO_SECRET_KEY": "x" * 60}
    probe = subprocess.run(
        [python, "-c", PROBE, PROJECT],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert probe.returncode == 0 and probe.stdout.strip() == "ok", probe.stdout + probe.stderr
