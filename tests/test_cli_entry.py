"""The `edge` console script's entry: a Ctrl-C while the command line's modules load."""

from __future__ import annotations

import signal
import subprocess
import sys
from importlib.metadata import entry_points

INTERRUPTED_IMPORT = (
    "import sys\n"
    "class CtrlC:\n"  # a Ctrl-C arriving while edge.cli.serve (and the server stack) is imported
    "    def find_spec(self, name, path=None, target=None):\n"
    "        if name == 'edge.cli.serve':\n"
    "            raise KeyboardInterrupt\n"
    "        return None\n"
    "sys.meta_path.insert(0, CtrlC())\n"
    "from edge.cli.entry import main\n"
    "main()\n"
)


def test_a_ctrl_c_while_the_modules_load_ends_as_a_sigint_stop_without_a_traceback() -> None:
    done = subprocess.run([sys.executable, "-c", INTERRUPTED_IMPORT], capture_output=True, text=True, timeout=60,
                          check=False)
    assert done.returncode == -signal.SIGINT, (done.returncode, done.stderr)
    assert done.stderr == "edge: stopped while starting\n"


def test_the_console_script_runs_the_command_line_through_the_entry() -> None:
    scripts = {ep.name: ep.value for ep in entry_points(group="console_scripts")}
    assert scripts.get("edge") == "edge.cli.entry:main"
    code = "import sys; from edge.cli.entry import main; sys.argv = ['edge', '--version']; main()"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("edge, version ")
