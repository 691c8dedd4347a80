"""Through a real sshd on 127.0.0.1, as the README sets it up: the caregiver's forced command, the
dashboard over `ssh -t`, and quick entries over a plain key with painboard on the PATH.

The server is OpenSSH's sshd with its own host key, config and authorized_keys in tmp_path; no
system file is read or written, except the empty privilege-separation folder sshd needs when it
runs as root (/run/sshd, which Debian's own service creates at start). The account's home is
moved into tmp_path with sshd's SetEnv HOME, so the README's lines run as written: the login
shell reads our ~/.bashrc and painboard's default database lands under our ~/.local/share.
"""

from __future__ import annotations

import fcntl
import json
import os
import pty
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.system

README = Path(__file__).resolve().parents[1] / "README.md"
PAINBOARD = Path(sys.executable).with_name("painboard")  # the venv's console script
ESCAPES = re.compile(rb"\x1b(\[[0-9;?<>=]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[()][0-9A-Za-z]|[=>78cDEHMNOZ])")


PATIENCE = 60  # seconds a wait on a state may take before the test fails (only a failing one waits)


def ssh_section() -> str:
    text = README.read_text()
    start = text.index("## On a home server, over SSH")
    return text[start:text.index("\n## ", start + 1) if "\n## " in text[start + 1:] else len(text)]


def readme_code_lines() -> list[str]:
    """Every line inside the SSH section's code blocks, in order."""
    lines, inside = [], False
    for line in ssh_section().splitlines():
        if line.startswith("```"):
            inside = not inside
        elif inside:
            lines.append(line)
    return lines


def readme_line(prefix: str) -> str:
    found = [line for line in readme_code_lines() if line.startswith(prefix)]
    assert len(found) == 1, f"README's SSH section should show one line starting {prefix!r}: {found}"
    return found[0]


def sshd_path() -> str | None:
    return shutil.which("sshd") or next((p for p in ("/usr/sbin/sshd", "/usr/local/sbin/sshd")
                                         if os.access(p, os.X_OK)), None)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def keygen(path: Path, comment: str) -> str:
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", str(path)],
                   check=True, capture_output=True)
    return path.with_suffix(".pub").read_text().strip()


def local_env(home: Path) -> dict[str, str]:
    e = {k: v for k, v in os.environ.items() if not k.startswith(("SSH_", "PAINBOARD_", "XDG_"))}
    e.update(HOME=str(home), TERM="xterm-256color", PAINBOARD_LOAD_PLUGINS="")
    e.pop("NO_COLOR", None)
    return e


def painboard_processes(home: Path) -> list[int]:
    """PIDs of painboard processes running with our fake HOME (other sessions on the machine
    never match, so the test cannot be fooled by them)."""
    mark = f"HOME={home}".encode()
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            environ = (entry / "environ").read_bytes().split(b"\0")
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if mark in environ and b"painboard" in cmdline:
            pids.append(int(entry.name))
    return pids


class Server:
    """An sshd, a patient key (no forced command) and a caregiver key (the README's line)."""

    def __init__(self, tmp: Path):
        self.tmp = tmp
        self.home = tmp / "home"  # the server account's home, as the shell and painboard see it
        (self.home / ".ssh").mkdir(parents=True)
        self.db = self.home / ".local/share/painboard/painboard.db"  # painboard's default on Linux
        etc = tmp / "etc"
        etc.mkdir()
        keygen(etc / "host_key", "host")
        host_pub = (etc / "host_key.pub").read_text().split()
        patient_pub = keygen(tmp / "patient", "patient")
        caregiver_pub = keygen(tmp / "caregiver", "caregiver")

        # The README's caregiver line, with only the install path and the key made real.
        line = readme_line("restrict,pty,command=")
        m = re.fullmatch(r'(restrict,pty,command=")(\S+)( [^"]*")\s+ssh-ed25519 AAAA\.\.\. caregiver', line)
        assert m, f"unexpected caregiver line in the README: {line}"
        self.forced_line = f"{m[1]}{PAINBOARD}{m[3]} {caregiver_pub}"
        self.forced_command = f"{PAINBOARD}{m[3][:-1]}"
        authorized = etc / "authorized_keys"
        authorized.write_text(f"{patient_pub}\n{self.forced_line}\n")
        authorized.chmod(0o600)

        self.port = free_port()
        user = os.environ.get("USER") or subprocess.run(["id", "-un"], capture_output=True,
                                                        text=True).stdout.strip()
        config = etc / "sshd_config"
        config.write_text("\n".join([
            f"ListenAddress 127.0.0.1:{self.port}",
            f"HostKey {etc / 'host_key'}",
            f"PidFile {etc / 'sshd.pid'}",
            f"AuthorizedKeysFile {authorized}",
            f"AllowUsers {user}",
            "PermitRootLogin prohibit-password",  # tests run as root in CI: keys only
            "PubkeyAuthentication yes",
            "PasswordAuthentication no",
            "KbdInteractiveAuthentication no",
            "UsePAM no",
            "StrictModes no",  # tmp_path's parents are not ours to tighten
            "PermitUserRC no",
            "Subsystem sftp internal-sftp",
            f"SetEnv HOME={self.home}",
            "LogLevel VERBOSE",
            "",
        ]))
        if os.geteuid() == 0:
            Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)
        self.log = etc / "sshd.log"
        self.proc = subprocess.Popen([sshd_path(), "-D", "-e", "-f", str(config)],
                                     stdout=subprocess.DEVNULL, stderr=self.log.open("wb"))
        deadline = time.monotonic() + PATIENCE
        while True:
            if self.proc.poll() is not None:
                raise AssertionError(f"sshd exited {self.proc.returncode}: {self.log.read_text()}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, self.log.read_text()
                time.sleep(0.1)

        known = tmp / "known_hosts"
        known.write_text(f"[127.0.0.1]:{self.port} {host_pub[0]} {host_pub[1]}\n")
        self.client_home = tmp / "client"  # the other machine's HOME: no ~/.ssh of the real one
        self.client_home.mkdir()
        self.configs = {}
        for who in ("patient", "caregiver"):
            cfg = tmp / f"{who}.ssh_config"
            cfg.write_text("\n".join([
                "Host home", "  HostName 127.0.0.1", f"  Port {self.port}", f"  User {user}",
                f"  IdentityFile {tmp / who}", "  IdentitiesOnly yes", "  IdentityAgent none",
                f"  UserKnownHostsFile {known}", "  StrictHostKeyChecking yes", "  BatchMode yes",
                "  LogLevel ERROR", "",
            ]))
            self.configs[who] = cfg

    def ssh_argv(self, who: str, typed: str) -> list[str]:
        """A command line as a person types it (`ssh ... home ...`), run with `who`'s config."""
        argv = shlex.split(typed, comments=True)
        assert argv[0] == "ssh"
        return ["ssh", "-F", str(self.configs[who])] + argv[1:]

    def ssh(self, who: str, typed: str, timeout: float = 60) -> subprocess.CompletedProcess:
        return subprocess.run(self.ssh_argv(who, typed), stdin=subprocess.DEVNULL, capture_output=True,
                              timeout=timeout, env=local_env(self.client_home))

    def painboard(self, *args: str) -> subprocess.CompletedProcess:
        """painboard run on the server itself, on the same default database."""
        return subprocess.run([str(PAINBOARD), *args], capture_output=True, text=True, timeout=60,
                              env=local_env(self.home))

    def state(self) -> dict:
        r = self.painboard("check", "--json")
        assert r.returncode == 0, r.stderr
        data = json.loads(r.stdout)
        assert data["db"] == str(self.db)
        return {"revision": data["revision"], "counts": data["counts"]}

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@pytest.fixture
def server(tmp_path):
    if sshd_path() is None or shutil.which("ssh") is None or shutil.which("ssh-keygen") is None:
        pytest.skip("OpenSSH's sshd, ssh and ssh-keygen are needed (.ci/run installs openssh-server)")
    s = Server(tmp_path)
    try:
        yield s
    finally:
        s.stop()
        for pid in painboard_processes(s.home):  # never leave one behind, even when a test failed
            os.kill(pid, signal.SIGKILL)


def test_the_caregiver_key_without_a_terminal_gets_the_message_and_leaves_nothing_behind(server):
    assert server.painboard("log", "5").returncode == 0
    before = server.state()

    r = server.ssh("caregiver", "ssh -T home painboard log 9")

    assert r.returncode == 2, (r.returncode, r.stderr)  # painboard's status, passed through by ssh
    err = r.stderr.decode()
    assert "needs a terminal" in err and "ssh -t" in err
    for command in ("painboard log 7", "painboard entries", "painboard metrics", "painboard export"):
        assert command in err, command
    assert "'painboard log 9' was not run" in err
    assert r.stdout == b"" and b"\x1b" not in r.stdout + r.stderr
    # none left running: waited for as a state (a fixed 3 s could end before a loaded machine
    # had reaped a refused command's process), failing only if one stays for PATIENCE
    deadline = time.monotonic() + PATIENCE
    while painboard_processes(server.home) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert painboard_processes(server.home) == []
    assert server.state() == before  # neither 9 logged nor anything else changed
    assert server.painboard("log", "4").returncode == 0  # the lock is free


def caregiver_terminal(server):
    """The caregiver types the README's line in a real 80x24 terminal, as the patient does; their
    forced command opens the read-only dashboard. The ssh process and the terminal's master end."""
    typed = readme_line("ssh -t home painboard").split("#")[0].strip()
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, b"\x18\x00\x50\x00\x00\x00\x00\x00")  # 24 rows, 80 columns

    def own_terminal() -> None:
        os.setsid()
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    client = subprocess.Popen(server.ssh_argv("caregiver", typed), stdin=slave, stdout=slave, stderr=slave,
                              env=local_env(server.client_home), preexec_fn=own_terminal, close_fds=True)
    os.close(slave)
    return client, master


def test_the_caregiver_dashboard_draws_over_ssh_t_and_ends_when_the_connection_drops(server):
    assert server.painboard("log", "6", "--site", "left hip").returncode == 0
    before = server.state()
    client, master = caregiver_terminal(server)
    try:
        seen, screen, deadline = b"", "", time.monotonic() + PATIENCE
        while not ("painboard" in screen and "read-only" in screen and "6/10" in screen):
            assert time.monotonic() < deadline, (screen[-2000:], server.log.read_text()[-2000:])
            try:
                seen += os.read(master, 65536)
            except OSError:
                break
            screen = ESCAPES.sub(b"", seen).decode("utf-8", "replace")
        assert "read-only" in screen and "6/10" in screen, screen[-2000:]
        # the server-side dashboard, found by its HOME; its first-read child ends once it has sent
        # the metrics, so wait for that state
        deadline = time.monotonic() + PATIENCE
        while len(running := painboard_processes(server.home)) > 1 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(running) == 1, running

        client.kill()  # the connection drops, as when a laptop lid closes
        client.wait(timeout=10)
        deadline = time.monotonic() + PATIENCE
        while painboard_processes(server.home) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert painboard_processes(server.home) == [], "the dashboard stayed behind after the connection dropped"
    finally:
        if client.poll() is None:
            client.kill()
        os.close(master)
    assert server.state() == before
    started = time.monotonic()
    assert server.painboard("log", "4").returncode == 0
    assert time.monotonic() - started < 5  # not after waiting out a held lock


def test_a_plain_key_logs_an_entry_with_painboard_on_the_path_as_the_readme_says(server):
    # On the server, as the README says: the link in ~/.local/bin and the PATH line at the top of
    # a stock ~/.bashrc (Debian's, which returns early when not interactive).
    link = readme_line("mkdir -p ~/.local/bin && ln -s ~/painboard/.venv/bin/painboard ~/.local/bin/")
    link = link.replace("~/painboard/.venv/bin/painboard", shlex.quote(str(PAINBOARD)))
    subprocess.run(["bash", "-c", link], check=True, env=local_env(server.home), capture_output=True)
    assert (server.home / ".local/bin/painboard").resolve() == PAINBOARD.resolve()
    skel = Path("/etc/skel/.bashrc")
    stock = skel.read_text() if skel.exists() else "case $- in\n    *i*) ;;\n      *) return;;\nesac\n"
    path_line = readme_line("export PATH=")
    (server.home / ".bashrc").write_text(path_line + "\n" + stock)
    shell = subprocess.run(["getent", "passwd", str(os.getuid())], capture_output=True, text=True).stdout
    if not shell.strip().endswith("/bash"):
        pytest.skip(f"the account's login shell is not bash ({shell.strip()}); the README's PATH line is for bash")

    r = server.ssh("patient", "ssh home command -v painboard")
    assert r.returncode == 0 and r.stdout.decode().strip() == str(server.home / ".local/bin/painboard"), r

    typed = readme_line("ssh home 'painboard log").split("  #")[0].strip()
    r = server.ssh("patient", typed)
    assert r.returncode == 0, r.stderr.decode()
    assert b"logged 7/10" in r.stdout
    entries = json.loads(server.painboard("entries", "--json").stdout)
    assert [(e["intensity"], e["sites"]) for e in entries] == [(7, ["left hip"])]

    # Why the README quotes the whole command: typed without the quotes, the server's shell splits
    # the site into two words and painboard refuses it, changing nothing.
    r = server.ssh("patient", """ssh home painboard log 7 --site "left hip" """)
    assert r.returncode == 2 and b"hip" in r.stderr, r
    assert len(json.loads(server.painboard("entries", "--json").stdout)) == 1


def test_a_warning_sign_logged_as_the_patient_shows_to_the_caregiver_over_ssh_who_cannot_clear_it(server):
    assert server.painboard("log", "6", "--site", "left hip").returncode == 0
    client, master = caregiver_terminal(server)
    seen = [b""]  # everything the caregiver's terminal received, escapes and all

    def screen_since(mark: int) -> str:
        return ESCAPES.sub(b"", seen[0][mark:]).decode("utf-8", "replace")

    def wait_for(mark: int, *words: str) -> str:
        deadline = time.monotonic() + PATIENCE
        while not all(w in screen_since(mark) for w in words):
            assert time.monotonic() < deadline, (words, screen_since(mark)[-2000:], server.log.read_text()[-2000:])
            seen[0] += os.read(master, 65536)
        return screen_since(mark)

    try:
        wait_for(0, "read-only", "6/10")
        mark = len(seen[0])
        # The patient, in their own session on the server, logs a warning sign in their words.
        r = server.painboard("symptom", "new weakness in the left leg", "--warning")
        assert r.returncode == 0, r.stderr
        assert "Your care team asked you to report this today" in r.stdout
        symptom_id = json.loads(server.painboard("symptoms", "--json").stdout)[0]["id"]

        # At the dashboard's next refresh the banner shows in the caregiver's session, above all.
        # (all its words waited for: under load the banner may reach the terminal in two frames)
        wait_for(mark, "Warning sign logged", "new weakness in the left leg",
                 "marked as reported from the person's own session")

        mark = len(seen[0])
        os.write(master, b"!")  # the key that marks it reported, in a session that can write
        refused = wait_for(mark, "read-only session:", "marking a warning")
        assert "Who was told" not in refused  # no form to say who was told opened

        # The banner stays: a resize makes the dashboard draw the whole screen again.
        mark = len(seen[0])
        fcntl.ioctl(master, termios.TIOCSWINSZ, b"\x28\x00\x78\x00\x00\x00\x00\x00")  # 40 rows, 120 columns
        wait_for(mark, "Warning sign logged", "new weakness in the left leg", "6/10")
    finally:
        client.kill()
        client.wait(timeout=10)
        os.close(master)

    rows = json.loads(server.painboard("symptoms", "--json").stdout)
    assert [(s["id"], s["name"], s["reported_at"], s["reported_to"]) for s in rows] == [
        (symptom_id, "new weakness in the left leg", None, None)]
