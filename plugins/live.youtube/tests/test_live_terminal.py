"""`dokpim live` on a real terminal (a pseudo-terminal it owns): keys act
without Enter and are not echoed, the status line stays whole and fits the
width, the lower third starts as the config says and `l` toggles it, and the
terminal's mode (stty -g) is the same after Ctrl-C, once or twice, as
before. Lines from a pipe keep working.

    test_live_terminal.py DOKPIM SOURCE_DIR
"""

import fcntl
import os
import re
import select
import struct
import subprocess
import sys
import tempfile
import termios
import time

DOKPIM, SOURCE = sys.argv[1], sys.argv[2]
STATUS = re.compile(r"^(recording|ON AIR|off air) \d\d:\d\d:\d\d \| "
                    r"lower third (on|off) \| ")
# the test source always has its tone: the line ends with its level
STATUS_END = re.compile(r" \| audio -?\d+/-?\d+ dB$")
failures = []


def check(ok, what):
    if not ok:
        failures.append(what)
        print("FAIL:", what, flush=True)


def live_args(library, *sets):
    args = [DOKPIM, "live", os.path.join(SOURCE, "pipelines/live-youtube.conf"),
            "--event", os.path.join(SOURCE, "assets/sample-event/event.ini"),
            "-o", library, "--set", "youtube.url="]
    for s in sets:
        args += ["--set", "youtube." + s]
    return args


def set_columns(fd, columns):
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))


def stty_g(fd):
    return subprocess.run(["stty", "-g"], stdin=fd, capture_output=True,
                          text=True, check=True).stdout.strip()


class Live:
    """dokpim live with a new pseudo-terminal as its controlling terminal,
    stdin, stdout and stderr."""

    def __init__(self, args, columns):
        self.master, self.slave = os.openpty()
        set_columns(self.slave, columns)
        self.before = stty_g(self.slave)
        self.output = b""

        def own_terminal():
            os.setsid()
            fcntl.ioctl(0, termios.TIOCSCTTY, 0)

        self.proc = subprocess.Popen(args, stdin=self.slave, stdout=self.slave,
                                     stderr=self.slave,
                                     preexec_fn=own_terminal)

    def read(self, timeout):
        ready, _, _ = select.select([self.master], [], [], timeout)
        if ready:
            try:
                self.output += os.read(self.master, 65536)
            except OSError:  # EIO: the process is gone
                time.sleep(timeout)

    def wait_for(self, pattern, timeout, since=0):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            text = self.text()[since:]
            if re.search(pattern, text):
                return True
            self.read(0.1)
        return bool(re.search(pattern, self.text()[since:]))

    def text(self):
        return self.output.decode("utf-8", "replace")

    def send(self, keys):
        os.write(self.master, keys)

    def statuses(self):
        """Each redraw of the status line (the text after \\r ESC [K, up to
        the next one or the end of its line)."""
        pieces = self.text().split("\r\x1b[K")[1:]
        return [p.split("\r\n")[0] for p in pieces if p.split("\r\n")[0]]

    def finish(self, timeout):
        end = time.monotonic() + timeout
        while self.proc.poll() is None and time.monotonic() < end:
            self.read(0.1)
        if self.proc.poll() is None:
            self.proc.kill()
        status = self.proc.wait()
        self.read(0.1)
        after = stty_g(self.slave)
        os.close(self.master)
        os.close(self.slave)
        return status, after


def lines_are_whole(live, what):
    """Every line is dokpim's: a status redraw or a "dokpim: " line. A key
    echoed by the terminal would stand at the start of a line or after the
    status text."""
    for line in re.split(r"\r\n|\r\x1b\[K", live.text()):
        if not line:
            continue
        if line.startswith("dokpim: "):
            continue
        check(STATUS.match(line) and STATUS_END.search(line),
              "%s: line not whole: %r" % (what, line))


def test_keys(tmp):
    live = Live(live_args(os.path.join(tmp, "keys"), "lower-third-every=0"),
                160)
    check(live.wait_for(r"dokpim: .*started", 60), "keys: never started")
    mode = termios.tcgetattr(live.slave)
    check(not mode[3] & termios.ICANON and not mode[3] & termios.ECHO,
          "keys: the terminal is still canonical or echoes")
    # lower-third-every=0: the config says off
    check(live.wait_for(r"lower third off", 5), "keys: no status line")
    check("lower third off" in live.statuses()[0],
          "keys: first status %r" % live.statuses()[0])
    mark = len(live.text())
    live.send(b"l")  # no Enter
    check(live.wait_for(r"dokpim: \d\d:\d\d:\d\d lower third on\r\n", 5, mark),
          "keys: l without Enter did nothing")
    check(live.wait_for(r"\r\x1b\[K[^\r]* lower third on", 3, mark),
          "keys: status does not say lower third on")
    mark = len(live.text())
    live.send(b"z")
    check(live.wait_for(r"dokpim: keys: l lower third, s slate", 5, mark),
          "keys: no hint for an unknown key")
    check(live.wait_for(r"\r\x1b\[K", 3, mark), "keys: no redraw after hint")
    live.send(b"l")
    check(live.wait_for(r"lower third off\r\n", 5, mark),
          "keys: the second l did not turn it off")
    time.sleep(1.2)
    lines_are_whole(live, "keys")
    # a narrow terminal: the status line is cut to fit, never wrapped
    set_columns(live.slave, 40)
    live.wait_for(r"no such text", 1.2)  # what was drawn before the resize
    mark = len(live.text())
    live.wait_for(r"\r\x1b\[K.*\r\x1b\[K", 3, mark)
    narrow = live.text()[mark:].split("\r\x1b[K")[1:]
    check(narrow and all(len(p.split("\r\n")[0]) <= 39 for p in narrow),
          "keys: status wider than 40 columns: %r" % narrow)
    live.send(b"\x03")  # Ctrl-C: the live ends cleanly
    status, after = live.finish(20)
    check(status == 0, "keys: exit %s after Ctrl-C" % status)
    check(after == live.before,
          "keys: terminal mode not restored:\n%s\n%s" % (live.before, after))
    check(re.search(r"recorded .*\.mkv", live.text()),
          "keys: no recording reported")


def test_config_on_and_second_ctrl_c(tmp):
    # the shipped pipeline: the lower third's schedule starts with it shown
    live = Live(live_args(os.path.join(tmp, "on")), 160)
    check(live.wait_for(r"lower third (on|off)", 60), "on: no status line")
    check("lower third on" in live.statuses()[0],
          "on: first status %r" % live.statuses()[0])
    mark = len(live.text())
    live.send(b"l")
    check(live.wait_for(r"dokpim: \d\d:\d\d:\d\d lower third off\r\n", 5,
                        mark), "on: the first l did not turn it off")
    live.send(b"\x03")
    live.wait_for(r"Ctrl-C again", 5)
    live.send(b"\x03")  # at once: _exit, no atexit
    status, after = live.finish(10)
    check(status == 130, "on: exit %s after two Ctrl-C" % status)
    check(after == live.before,
          "on: terminal mode not restored after two Ctrl-C:\n%s\n%s"
          % (live.before, after))


def test_pipe(tmp):
    """stdin from a pipe: whole lines, as before."""
    proc = subprocess.Popen(
        live_args(os.path.join(tmp, "pipe"), "lower-third-every=0")
        + ["--json", "--duration", "4"], stdin=subprocess.PIPE,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    time.sleep(2.5)
    proc.stdin.write(b"lower-third on\n")
    proc.stdin.flush()
    out, err = proc.communicate(timeout=60)
    check(proc.returncode == 0, "pipe: exit %d: %s" % (proc.returncode, err))
    check(b'"message":"lower third on"' in out,
          "pipe: the line did nothing:\n%s" % out.decode())


with tempfile.TemporaryDirectory(prefix="dokpim-live-term-") as tmp:
    test_keys(tmp)
    test_config_on_and_second_ctrl_c(tmp)
    test_pipe(tmp)
if failures:
    sys.exit("%d failure(s)" % len(failures))
print("test_live_terminal: ok")
