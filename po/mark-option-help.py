#!/usr/bin/python3
"""mark-option-help.py FILE.c...: wraps each GOptionEntry row's help text
in N_(), so xgettext takes it; GLib translates it through the domain that
cli_parse sets. A mechanical edit: run clang-format -i on the files after.

  {"json", 0, 0, G_OPTION_ARG_NONE, &json, "print JSON", NULL}
  {"json", 0, 0, G_OPTION_ARG_NONE, &json, N_("print JSON"), NULL}
"""
import re
import sys

ROW = re.compile(r'(G_OPTION_ARG_[A-Z_]+,\s*[^,]+,\s*)((?:"(?:[^"\\]|\\.)*"\s*)+)(,)', re.S)

for path in sys.argv[1:]:
    with open(path, encoding="utf-8") as f:
        text = f.read()
    marked, count = ROW.subn(lambda m: m.group(1) + "N_(" + m.group(2).rstrip() + ")" + m.group(3), text)
    with open(path, "w", encoding="utf-8") as f:
        f.write(marked)
    print(f"{path}: {count} help texts marked")
