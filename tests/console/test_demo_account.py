"""`make run`'s demo console login (scripts/run.sh) is readable by this user only."""
import os
import stat
import subprocess

from bot.config import PROJECT_ROOT

RUN_SCRIPT = PROJECT_ROOT / "scripts" / "run.sh"


def test_the_demo_login_file_is_written_for_this_user_only(tmp_path):
    """Runs run.sh's own lines that write var/demo-staff.txt, under the usual umask 022: the file must not be
    readable by others (the bug: it was 0644, with the coordinator's password in it)."""
    lines = [line.strip() for line in RUN_SCRIPT.read_text(encoding="utf-8").splitlines()
             if "> var/demo-staff.txt" in line]
    assert lines, "run.sh no longer writes var/demo-staff.txt"
    (tmp_path / "var").mkdir()
    script = "umask 022\npassword=not-a-real-one\n" + "\n".join(lines) + "\n"
    subprocess.run(["bash", "-euc", script], cwd=tmp_path, check=True, timeout=30)
    written = tmp_path / "var" / "demo-staff.txt"
    assert written.read_text(encoding="utf-8") == "username: demo\npassword: not-a-real-one\n"
    assert stat.S_IMODE(os.stat(written).st_mode) == 0o600


def test_a_demo_login_file_from_before_is_made_private_too(tmp_path):
    (tmp_path / "var").mkdir()
    written = tmp_path / "var" / "demo-staff.txt"
    written.write_text("username: demo\npassword: old\n", encoding="utf-8")
    written.chmod(0o644)
    chmod = [line.strip() for line in RUN_SCRIPT.read_text(encoding="utf-8").splitlines()
             if line.startswith("chmod") and "var/demo-staff.txt" in line]
    assert chmod, "run.sh does not make an existing var/demo-staff.txt private"
    subprocess.run(["bash", "-euc", chmod[0]], cwd=tmp_path, check=True, timeout=30)
    assert stat.S_IMODE(os.stat(written).st_mode) == 0o600
