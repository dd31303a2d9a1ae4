#!/usr/bin/python3
"""clone-library.py SRC DST N: a library of N photo items made from the
items of SRC (a library `dokpim run` made of a few real photos), fast.

Each clone is a real item as far as the gallery can tell: its own
manifest under a sha256 of its own, its own original name, a capture time
one second after the previous one, and its own copy of the thumbnail (a
new path, so a browser fetches every one). The web and stamped copies
are shared with the item cloned, which only the preview opens. Pixels
repeat; nothing the gallery shows or times depends on them."""
import hashlib
import os
import re
import shutil
import sys
from datetime import datetime, timedelta


def main():
    if len(sys.argv) != 4:
        sys.exit("usage: clone-library.py SRC DST N")
    src, dst, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    items = sorted(f for f in os.listdir(os.path.join(src, "items"))
                   if f.endswith(".ini"))
    if not items:
        sys.exit(f"{src}: no items/*.ini")
    manifests = [open(os.path.join(src, "items", f), encoding="utf-8").read()
                 for f in items]
    os.makedirs(os.path.join(dst, "items"), exist_ok=True)
    start = datetime(2025, 3, 14, 8, 0, 0)
    path_re = re.compile(r"^(path\.\d+|current)=(derived/\S.*)$", re.M)
    for i in range(n):
        text = manifests[i % len(manifests)]
        sha = hashlib.sha256(b"dokpim-bench-%d" % i).hexdigest()
        text = re.sub(r"^sha256=.*$", "sha256=" + sha, text, count=1, flags=re.M)
        text = re.sub(r"^sources=.*$", "sources=/bench/DSC%05d.JPG;" % i,
                      text, count=1, flags=re.M)
        when = (start + timedelta(seconds=i)).strftime("%Y-%m-%dT%H:%M:%S")
        text = re.sub(r"^meta\.capture\.time=s:.*$",
                      "meta.capture.time=s:%s+08:00" % when, text, flags=re.M)
        copied = {}

        def copy_once(rel):
            out = os.path.join(dst, rel)
            if not os.path.exists(out):
                os.makedirs(os.path.dirname(out), exist_ok=True)
                shutil.copyfile(os.path.join(src, rel), out)

        def clone(m):
            rel = m.group(2)
            if "/thumbs/" not in rel:
                copy_once(rel)
                return m.group(0)
            if rel not in copied:
                base, ext = os.path.splitext(rel)
                new = "%s_c%05d%s" % (base, i, ext)
                os.makedirs(os.path.dirname(os.path.join(dst, new)), exist_ok=True)
                shutil.copyfile(os.path.join(src, rel), os.path.join(dst, new))
                copied[rel] = new
            return "%s=%s" % (m.group(1), copied[rel])

        text = path_re.sub(clone, text)
        tmp = os.path.join(dst, "items", ".%s.tmp" % sha)
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text)
        os.rename(tmp, os.path.join(dst, "items", sha + ".ini"))


if __name__ == "__main__":
    main()
