#!/usr/bin/python3
"""The web pages' share of the dokpim catalogue (msgctxt "web").

  po_web.py extract WEB_DIR OUT.pot   strings of t("...") in *.js and
                                      data-i18n="..." in *.html, as a .pot
  po_web.py json PO OUT.json          the "web" entries of PO as
                                      {"english": "translation"}; a .pot
                                      (or an untranslated entry) gives the
                                      English text itself

One catalogue serves the command line and the pages, so a crew reads the
same words in both and a translator edits one file.
"""
import json
import pathlib
import re
import sys

JS_CALL = re.compile(r"""\bt\(\s*(?:"((?:[^"\\\n]|\\.)*)"|'((?:[^'\\\n]|\\.)*)')""")
HTML_ATTR = re.compile(r"""\bdata-i18n(?:-[a-z]+)?="([^"]*)\"""")
ESCAPES = {"n": "\n", "t": "\t", '"': '"', "'": "'", "\\": "\\"}


def unescape(text):
    return re.sub(r"\\(.)", lambda m: ESCAPES.get(m.group(1), m.group(1)), text)


def po_quote(text):
    out = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return '"' + out.replace("\t", "\\t") + '"'


def extract(web_dir, out_path):
    found = {}  # msgid -> ["file:line", ...], in order of first use
    root = pathlib.Path(web_dir)
    files = sorted(root.glob("*.js")) + sorted(root.glob("*.html")) if root.is_dir() else []
    for path in files:
        pattern = JS_CALL if path.suffix == ".js" else HTML_ATTR
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for match in pattern.finditer(line):
                raw = next(g for g in match.groups() if g is not None)
                text = unescape(raw) if path.suffix == ".js" else raw
                if text:
                    found.setdefault(text, []).append(f"web/{path.name}:{number}")
    with open(out_path, "w", encoding="utf-8") as out:
        out.write('msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n')
        for text, places in found.items():
            out.write(f"\n#: {' '.join(places)}\nmsgctxt \"web\"\nmsgid {po_quote(text)}\nmsgstr \"\"\n")


def entries(po_path):
    """(msgctxt, msgid, msgstr, fuzzy) of each entry; plural forms are left out
    (the pages have none)."""
    entry, key, fuzzy = {}, None, False
    for line in list(open(po_path, encoding="utf-8")) + [""]:
        line = line.strip()
        if not line:  # entries are separated by blank lines
            if entry.get("msgid") is not None and not entry.get("plural"):
                yield entry.get("msgctxt"), entry["msgid"], entry.get("msgstr", ""), fuzzy
            entry, key, fuzzy = {}, None, False
        elif line.startswith("#,"):
            fuzzy = "fuzzy" in line
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            if key:
                entry[key] += unescape(line[1:-1])
        else:
            word, _, rest = line.partition(" ")
            key = word if word in ("msgctxt", "msgid", "msgstr") else None
            if key:
                entry[key] = unescape(rest.strip()[1:-1])
            else:
                entry["plural"] = True  # msgid_plural, msgstr[N]


def to_json(po_path, out_path):
    table, seen = {}, set()
    for ctxt, msgid, msgstr, fuzzy in entries(po_path):
        if ctxt != "web" or (ctxt, msgid) in seen:
            continue
        seen.add((ctxt, msgid))
        table[msgid] = msgstr if msgstr and not fuzzy else msgid
    tmp = pathlib.Path(str(out_path) + ".tmp")
    tmp.write_text(json.dumps(table, ensure_ascii=False, indent=1, sort_keys=True) + "\n",
                   encoding="utf-8")
    tmp.replace(out_path)


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "extract":
        extract(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 4 and sys.argv[1] == "json":
        to_json(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)
