#!/usr/bin/python3
"""dokpim speaks the crew's language, from the catalogue in the tree.

  test_i18n.py DOKPIM LOCALE_DIR

The Indonesian line a broken photo gives is not written here: the English
line of a LANG=C run is matched against the msgids of the compiled
catalogue (msgunfmt), and the matching msgstr, with the same arguments, is
the line expected when the crew reads Indonesian: by LANGUAGE=id, or by the
event's language=id under LANG=C; language=en gives English back whatever
LANGUAGE says. --json is the same document in every language, and numbers
keep their "." under a decimal-comma locale (id_ID.UTF-8, compiled with
localedef into a temporary LOCPATH: no generated system locale is needed).
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from checks import check, finish  # noqa: E402

DOKPIM, LOCALE_DIR = sys.argv[1], sys.argv[2]


def catalogue():
    """{msgid: msgstr} of the built id catalogue, as msgunfmt reads it."""
    mo = os.path.join(LOCALE_DIR, "id", "LC_MESSAGES", "dokpim.mo")
    text = subprocess.run(["msgunfmt", "--no-wrap", mo], check=True,
                          capture_output=True, text=True).stdout
    table, key, cur = {}, None, {}
    for line in text.splitlines() + [""]:
        if not line:
            if cur.get("msgid"):
                table[cur["msgid"]] = cur.get("msgstr", cur.get("msgstr[0]", ""))
            cur, key = {}, None
        elif line.startswith('"'):
            cur[key] += unescape(line[1:-1])
        elif not line.startswith("#"):
            key, _, rest = line.partition(" ")
            cur[key] = unescape(rest[1:-1])
    return table


def unescape(s):
    return re.sub(r'\\(.)', lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), s)


DIRECTIVE = re.compile(r"%[-+ #0-9.]*(?:hh|h|ll|l|z)?[diouxXeEfgGcs%]")


def translate(english, table):
    """The Indonesian text of a whole English message: the longest msgid
    whose fixed text matches it, arguments carried over in order."""
    best = None
    for msgid, msgstr in table.items():
        if "%" not in msgid or len(msgid) < 12 or "<" in msgid:
            continue
        parts = DIRECTIVE.split(msgid)
        pattern = "(.*?)".join(re.escape(p) for p in parts)
        m = re.fullmatch(pattern, english, re.S)
        if m and (best is None or len(msgid) > len(best[0])):
            best = (msgid, msgstr, m.groups())
    if not best:
        return None
    args = iter(best[2])
    return DIRECTIVE.sub(lambda d: "%" if d.group(0) == "%%" else next(args), best[1])


def run(args, env_extra, cwd):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("LC_") and k not in ("LANG", "LANGUAGE", "DOKPIM_LANGUAGE")}
    env.update(env_extra)
    env["DOKPIM_NO_BAR"] = "1"
    return subprocess.run([DOKPIM] + args, env=env, cwd=cwd,
                          capture_output=True, text=True, timeout=60)


def main():
    table = catalogue()
    tmp = tempfile.mkdtemp(prefix="dokpim-i18n-")
    try:
        with open(os.path.join(tmp, "rusak.jpg"), "wb") as f:
            f.write(b"this is not a photo, only text\n")
        event = "[event]\ntitle=Rapat Koordinasi\ndate=2025-03-14\ntimezone=Asia/Makassar\n"
        for name, extra in (("event.ini", ""), ("acara-id.ini", "language=id\n"),
                            ("acara-en.ini", "language=en\n")):
            with open(os.path.join(tmp, name), "w") as f:
                f.write(event + extra)
        with open(os.path.join(tmp, "p.conf"), "w") as f:
            f.write("[pipeline]\nname=t\nstages=ingest\n\n[ingest]\nplugin=ingest.photo\n")

        def failure_line(event_file, env, json=False):
            lib = os.path.join(tmp, "lib")
            shutil.rmtree(lib, ignore_errors=True)
            r = run(["run", "p.conf", "--event", event_file, "-o", lib, "rusak.jpg"]
                    + (["--json"] if json else []), env, tmp)
            lines = [l for l in r.stderr.splitlines() if "rusak.jpg" in l]
            return r, (lines[0] if lines else "")

        r, english = failure_line("event.ini", {"LANG": "C"})
        check(r.returncode == 1 and english.startswith("dokpim: error: "),
              f"LANG=C: the broken photo fails in English: {english!r}")
        prefix = "dokpim: error: " + os.path.join(tmp, "rusak.jpg") + ": "
        message = english[len(prefix):] if english.startswith(prefix) else english
        # "ingest: not a JPEG ...": the stage name, then the plugin's message
        stage, _, detail = message.partition(": ")
        wanted = translate(detail, table)
        check(wanted is not None and wanted != detail,
              f"the catalogue has the message in Indonesian: {wanted!r}")
        indonesian = prefix + stage + ": " + (wanted or "")

        _, line = failure_line("event.ini", {"LANG": "C.UTF-8", "LANGUAGE": "id"})
        check(line == indonesian, f"LANGUAGE=id: {line!r}")
        _, line = failure_line("acara-id.ini", {"LANG": "C"})
        check(line == indonesian, f"LANG=C, event language=id: {line!r}")
        _, line = failure_line("acara-en.ini", {"LANG": "C.UTF-8", "LANGUAGE": "id"})
        check(line == english, f"LANGUAGE=id, event language=en: {line!r}")
        _, line = failure_line("acara-id.ini", {"LANG": "C", "DOKPIM_LANGUAGE": "en"})
        check(line == english, f"DOKPIM_LANGUAGE=en over the event's language=id: {line!r}")
        r = run(["--help"], {"LANG": "C", "LANGUAGE": "id"}, tmp)
        usage = table["Usage: dokpim COMMAND [OPTIONS...]\n\nCommands:\n"]
        check(usage.split("\n")[0] in r.stdout,
              "LANG=C LANGUAGE=id: --help in Indonesian (gettext's C-locale rule does not hide it)")

        outs = []
        for env in ({"LANG": "C"}, {"LANG": "C.UTF-8", "LANGUAGE": "id"}):
            r, _ = failure_line("acara-id.ini", env, json=True)
            outs.append(r.stdout)
        check(outs[0] == outs[1] and '"status" : "failed"' in outs[0],
              "--json is the same document in English and Indonesian")

        # a decimal-comma locale: messages in Indonesian, numbers with "."
        locpath = os.path.join(tmp, "locales")
        os.mkdir(locpath)
        made = subprocess.run(["localedef", "-i", "id_ID", "-f", "UTF-8",
                               os.path.join(locpath, "id_ID.utf8")],
                              capture_output=True, text=True)
        check(made.returncode in (0, 1) and os.path.isdir(os.path.join(locpath, "id_ID.utf8")),
              "localedef compiles id_ID.UTF-8 into a temporary LOCPATH")
        env = {"LANG": "id_ID.UTF-8", "LOCPATH": locpath}
        r = run(["run", "p.conf", "--event", "event.ini", "-o", "lib-ok", "rusak.jpg"], env, tmp)
        r = run(["audit", "lib-ok"], env, tmp)
        numbers = re.findall(r"\d+[.,]\d+ MB", r.stdout)
        check(numbers and all("." in n for n in numbers),
              f"LANG=id_ID.UTF-8: audit's figures keep '.': {r.stdout.strip()!r}")
        fixed = DIRECTIVE.split(table["%s: %s and %s, %.1f MB hashed in %.2f s"])[-2]
        check(fixed in r.stdout, f"LANG=id_ID.UTF-8 alone gives Indonesian messages ({fixed!r})")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    finish()


main()
