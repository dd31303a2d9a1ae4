#!/usr/bin/python3
"""The pages' words come out of the same catalogue as the command line.

  test_web_i18n.py PO_WEB BUILT_I18N_DIR

A page's t("...") and data-i18n="..." strings are found (msgctxt "web"), a
.po translating them gives {"English": "translation"}, an untranslated or
fuzzy entry falls back to the English, and the build's id.json/en.json are
JSON objects of strings (en.json maps each key to itself).
"""
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from checks import check, finish  # noqa: E402

PO_WEB, BUILT = sys.argv[1], sys.argv[2]


with tempfile.TemporaryDirectory() as tmp:
    web = os.path.join(tmp, "web")
    os.mkdir(web)
    with open(os.path.join(web, "gallery.js"), "w") as f:
        f.write('const a = t("Pick");\nconst b = t(\'Reject "x"\');\nt(name);\n'
                'x(`${dk.t("queue.job", "Job")} ${id}`);\n')
    with open(os.path.join(web, "gallery.html"), "w") as f:
        f.write('<button data-i18n="Caption">Caption</button>\n'
                '<input data-i18n-placeholder="Names of the people shown">\n')
    pot = os.path.join(tmp, "web.pot")
    subprocess.run([PO_WEB, "extract", web, pot], check=True)
    text = open(pot, encoding="utf-8").read()
    for s in ("Pick", 'Reject \\"x\\"', "Caption", "Names of the people shown"):
        check(f'msgctxt "web"\nmsgid "{s}"' in text, f"extracted {s!r}")
    check('#. key: queue.job\n#: web/gallery.js:4\nmsgctxt "web"\nmsgid "Job"' in text,
          "dk.t(key, English): the English is the msgid, the key a comment")
    check(text.count("msgid ") == 6, "nothing else extracted (t(name) has no literal)")
    po = os.path.join(tmp, "id.po")
    with open(po, "w", encoding="utf-8") as f:
        f.write(text.replace('msgid "Pick"\nmsgstr ""', 'msgid "Pick"\nmsgstr "Pilih"')
                    .replace('#: web/gallery.html:1\nmsgctxt "web"\nmsgid "Caption"\nmsgstr ""',
                             '#: web/gallery.html:1\n#, fuzzy\nmsgctxt "web"\nmsgid "Caption"\nmsgstr "Keterangan?"'))
    check("Keterangan?" in open(po, encoding="utf-8").read(), "the test's .po has its fuzzy entry")
    out = os.path.join(tmp, "id.json")
    subprocess.run([PO_WEB, "json", po, out], check=True)
    table = json.load(open(out, encoding="utf-8"))
    check(table.get("Pick") == "Pilih", "a translated entry gives its translation")
    check(table.get("queue.job") == "Job" and table.get("Job") == "Job",
          "a keyed entry is found by its key and by its English")
    check(table.get("Caption") == "Caption", "a fuzzy entry gives the English")
    check(table.get('Reject "x"') == 'Reject "x"', "an untranslated entry gives the English")

for lang in ("id", "en"):
    path = os.path.join(BUILT, lang + ".json")
    try:
        built = json.load(open(path, encoding="utf-8"))
        good = isinstance(built, dict) and all(isinstance(v, str) for v in built.values())
    except (OSError, ValueError):
        built, good = None, False
    check(good, f"the build made {path}")
    if lang == "en" and good:
        # a text is looked up by its English or by its key (dk.t("queue.job",
        # "Job")): either way the value is English that maps to itself
        check(all(k == v or built.get(v) == v for k, v in built.items()),
              "en.json is the English itself")
finish()
