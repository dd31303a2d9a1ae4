#!/usr/bin/python3
"""The web pages' share of the dokpim catalogue (msgctxt "web").

  po_web.py extract WEB_DIR OUT.pot   strings of t("...") or
                                      dk.t("key", "...") in *.js and
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

_LIT = r"""(?:"((?:[^"\\\n]|\\.)*)"|'((?:[^'\\\n]|\\.)*)')"""
# t("English") or dk.t("queue.key", "English"): the English is the msgid; a
# key, when given, is kept as an extracted comment "#. key: queue.key"
JS_CALL = re.compile(r"\bt\(\s*" + _LIT + r"(?:\s*,\s*" + _LIT + r")?\s*[,)]")
HTML_ATTR = re.compile(r"""\bdata-i18n(?:-[a-z]+)?="([^"]*)\"""")
ESCAPES = {"n": "\n", "t": "\t", '"': '"', "'": "'", "\\": "\\"}


def unescape(text):
    return re.sub(r"\\(.)", lambda m: ESCAPES.get(m.group(1), m.group(1)), text)


def po_quote(text):
    out = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return '"' + out.replace("\t", "\\t") + '"'


def extract(web_dir, out_path):
    found = {}  # msgid -> {"places": [...], "keys": [...]}, in order of first use
    root = pathlib.Path(web_dir)
    files = sorted(root.glob("*.js")) + sorted(root.glob("*.html")) if root.is_dir() else []
    for path in files:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if path.suffix == ".js":
                for m in JS_CALL.finditer(line):
                    first = unescape(m.group(1) if m.group(1) is not None else m.group(2))
                    second = m.group(3) if m.group(3) is not None else m.group(4)
                    key, text = (first, unescape(second)) if second is not None else (None, first)
                    add(found, text, key, f"web/{path.name}:{number}")
            else:
                for m in HTML_ATTR.finditer(line):
                    add(found, m.group(1), None, f"web/{path.name}:{number}")
    with open(out_path, "w", encoding="utf-8") as out:
        out.write('msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n')
        for text, where in found.items():
            keys = "".join(f"#. key: {k}\n" for k in where["keys"])
            out.write(f"\n{keys}#: {' '.join(where['places'])}\nmsgctxt \"web\"\n"
                      f"msgid {po_quote(text)}\nmsgstr \"\"\n")


def add(found, text, key, place):
    if not text:
        return
    where = found.setdefault(text, {"places": [], "keys": []})
    where["places"].append(place)
    if key and key not in where["keys"]:
        where["keys"].append(key)


def entries(po_path):
    """(msgctxt, msgid, msgstr, fuzzy, keys) of each entry; plural forms are
    left out (the pages have none)."""
    entry, key, fuzzy, keys = {}, None, False, []
    for line in list(open(po_path, encoding="utf-8")) + [""]:
        line = line.strip()
        if not line:  # entries are separated by blank lines
            if entry.get("msgid") is not None and not entry.get("plural"):
                yield (entry.get("msgctxt"), entry["msgid"], entry.get("msgstr", ""), fuzzy,
                       keys)
            entry, key, fuzzy, keys = {}, None, False, []
        elif line.startswith("#,"):
            fuzzy = "fuzzy" in line
        elif line.startswith("#. key: "):
            keys.append(line[len("#. key: "):].strip())
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
    for ctxt, msgid, msgstr, fuzzy, keys in entries(po_path):
        if ctxt != "web" or (ctxt, msgid) in seen:
            continue
        seen.add((ctxt, msgid))
        text = msgstr if msgstr and not fuzzy else msgid
        # looked up by its English (t("Pick")) or by its key (dk.t("queue.job", "Job"))
        for name in [msgid] + keys:
            table[name] = text
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
