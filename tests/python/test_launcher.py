"""python3 -m rankpool SCRIPT: the script runs as __main__ with its arguments, its exit
status is the job's, and the same script runs as plain python3 SCRIPT (one process)."""
import subprocess
import sys
import textwrap

import pytest

SCRIPT = textwrap.dedent("""
    import sys
    import rankpool

    def cube(x):  # defined in __main__: travels by value
        return x ** 3

    if __name__ == "__main__":
        with rankpool.Executor() as ex:
            print("cubes", sum(ex.map(cube, range(int(sys.argv[1])))), "ranks", ex.ranks, flush=True)
        sys.exit(int(sys.argv[2]))
""")


@pytest.mark.parametrize("launcher", [["-m", "rankpool"], []], ids=["python3 -m rankpool", "python3"])
@pytest.mark.parametrize("status", [0, 3])
def test_a_script_runs_alone_with_its_arguments_and_exit_status(tmp_path, launcher, status, child_env):
    script = tmp_path / "cubes.py"
    script.write_text(SCRIPT)
    done = subprocess.run([sys.executable, *launcher, str(script), "10", str(status)], env=child_env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == status, done.stderr
    assert "cubes 2025 ranks 1" in done.stdout
