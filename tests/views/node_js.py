"""Running the browser scripts' pure parts in Node, when the machine has it."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings

NODE = shutil.which("node")
JS = Path(settings.BASE_DIR) / "static" / "js"

needs_node = pytest.mark.skipif(NODE is None, reason="Node.js is not installed on this machine")


def run_js(body: str, scripts: tuple[str, ...] = ("common.js",)):
    """What `body` (a function body) returns, as JSON, after loading `scripts` in order
    with a bare `window` (Quiz's helpers are `Q`)."""
    script = (
        "global.window = {}; global.document = {};\n"
        + "".join((JS / name).read_text() for name in scripts)
        + "\nconst Q = window.Quiz;\n"
        + "const out = (function () {"
        + body
        + "})();\nprocess.stdout.write(JSON.stringify(out));\n"
    )
    done = subprocess.run(
        [NODE, "-e", script], capture_output=True, text=True, timeout=30, check=True
    )
    return json.loads(done.stdout)
