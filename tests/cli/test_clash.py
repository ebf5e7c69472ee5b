import subprocess
import sys

import pytest

from watchdog.clash import distribution_clash


def test_no_clash_in_this_environment():
    assert distribution_clash() is None


def test_clash_when_another_distribution_provides_watchdog():
    message = distribution_clash({"watchdog": ["flex-watchdog", "watchdog"]})
    assert message is not None
    assert "also provided by watchdog" in message
    assert len(message.splitlines()) == 1


@pytest.mark.slow
def test_start_up_fails_when_the_other_package_is_installed(tmp_path):
    # A real (minimal) installed distribution named "watchdog" claiming the same import name.
    info = tmp_path / "watchdog-6.0.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: watchdog\nVersion: 6.0.0\n")
    (info / "top_level.txt").write_text("watchdog\n")
    (info / "RECORD").write_text("")
    code = (f"import sys; sys.path.append({str(tmp_path)!r}); from watchdog.cli import main; "
            "raise SystemExit(main(['rules']))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert "also provided by watchdog" in proc.stderr
