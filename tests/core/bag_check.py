#!/usr/bin/python3
"""bag_check.py BAG [LABEL=VALUE...] -- judges a BagIt bag by RFC 8493
alone, independently of dokpim's own reader: bagit.txt is exactly the two
lines of a 1.0 bag in UTF-8; every bag-info.txt line is "Label: value" (a
label without colon or surrounding white space, one space or tab after the
colon) or an indented continuation; Payload-Oxum appears once and matches
the payload; every manifest line is "CHECKSUM WHITESPACE PATH" with CR, LF
and % percent-encoded, and the decoded path names a file (hashlib, not
dokpim, computes the checksums); every payload file is listed exactly once
in every payload manifest; the tag manifests list every payload manifest,
no tag manifest and no payload file. Each LABEL=VALUE must be a bag-info
element (one of the label's values). Prints one line per problem and
exits 1 if there was any; on success prints the number of files checked
and how many of them had names that needed percent-encoding."""
import hashlib
import os
import re
import sys

problems = []


def problem(text):
    problems.append(text)


def decode(path):
    # only %0D, %0A and %25 are encoded (RFC 8493 2.1.3); either case
    return re.sub(r"%(0[dD]|0[aA]|25)",
                  lambda m: {"0d": "\r", "0a": "\n", "25": "%"}[m.group(1).lower()],
                  path)


def check_bagit_txt(bag):
    raw = open(os.path.join(bag, "bagit.txt"), "rb").read()
    if raw.startswith(b"\xef\xbb\xbf"):
        problem("bagit.txt: starts with a byte-order mark")
    if raw != b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n":
        problem("bagit.txt: not exactly the two lines of a BagIt 1.0 bag: %r" % raw)


def parse_bag_info(bag):
    raw = open(os.path.join(bag, "bag-info.txt"), "rb").read()
    text = raw.decode("utf-8")  # a UnicodeDecodeError fails the test loudly
    elements = []
    for number, line in enumerate(text.split("\n")[:-1], 1):
        if line.endswith("\r"):
            line = line[:-1]
        if line[:1] in (" ", "\t"):
            if not elements:
                problem("bag-info.txt:%d: continuation without an element" % number)
                continue
            label, value = elements[-1]
            elements[-1] = (label, value + "\n" + line.lstrip(" \t"))
            continue
        m = re.match(r"^([^:\r\n]+):[ \t](.*)$", line)
        if not m or m.group(1) != m.group(1).strip():
            problem("bag-info.txt:%d: not 'Label: value': %r" % (number, line))
            continue
        elements.append((m.group(1), m.group(2)))
    if not text.endswith("\n"):
        problem("bag-info.txt: last line has no line break")
    return elements


def payload_files(bag):
    found = {}
    for root, dirs, files in os.walk(os.path.join(bag, "data")):
        for name in files:
            full = os.path.join(root, name)
            rel = os.path.relpath(full, bag).replace(os.sep, "/")
            found[rel] = os.lstat(full).st_size
    return found


def read_manifest(bag, name):
    entries = {}
    raw = open(os.path.join(bag, name), "rb").read()
    for number, line in enumerate(raw.split(b"\n")[:-1], 1):
        m = re.match(rb"^([0-9a-fA-F]+)[ \t]+(.+)$", line)
        if not m:
            problem("%s:%d: not CHECKSUM PATH: %r" % (name, number, line))
            continue
        encoded = m.group(2).decode("utf-8", "surrogateescape")
        if "\r" in encoded or "\n" in encoded:
            problem("%s:%d: raw CR or LF in a path" % (name, number))
        path = decode(encoded)
        if path in entries:
            problem("%s: %r listed twice" % (name, path))
        entries[path] = (m.group(1).decode().lower(), encoded != path)
    return entries


def main():
    bag = sys.argv[1]
    check_bagit_txt(bag)
    elements = parse_bag_info(bag)
    found = payload_files(bag)
    oxum = [v for (k, v) in elements if k.lower() == "payload-oxum"]
    want = "%d.%d" % (sum(found.values()), len(found))
    if oxum != [want]:
        problem("bag-info.txt: Payload-Oxum %r, payload is %s" % (oxum, want))
    dates = [v for (k, v) in elements if k == "Bagging-Date"]
    if len(dates) != 1 or not re.match(r"^\d{4}-\d{2}-\d{2}$", dates[0]):
        problem("bag-info.txt: Bagging-Date %r" % dates)
    for expected in sys.argv[2:]:
        label, value = expected.split("=", 1)
        values = [v for (k, v) in elements if k == label]
        if value not in values:
            problem("bag-info.txt: no %s: %r (has %r)" % (label, value, values))
    names = sorted(os.listdir(bag))
    payload = [n for n in names if re.match(r"^manifest-\w+\.txt$", n)]
    tags = [n for n in names if re.match(r"^tagmanifest-\w+\.txt$", n)]
    if not payload:
        problem("no payload manifest")
    checked = encoded_names = 0
    for name in payload + tags:
        algorithm = name.split("-", 1)[1][:-4]
        entries = read_manifest(bag, name)
        if name in payload:
            for path in found:
                if path not in entries:
                    problem("%s: does not list %r" % (name, path))
        else:
            for path in entries:
                if path.startswith("data/") or path.startswith("tagmanifest-"):
                    problem("%s: must not list %r" % (name, path))
            for listed in payload:
                if listed not in entries:
                    problem("%s: does not list %s" % (name, listed))
        for path, (checksum, was_encoded) in entries.items():
            if name in payload and not path.startswith("data/"):
                problem("%s: %r is outside data/" % (name, path))
            full = os.path.join(os.fsencode(bag), path.encode("utf-8", "surrogateescape"))
            try:
                digest = hashlib.new(algorithm, open(full, "rb").read()).hexdigest()
            except OSError as error:
                problem("%s: %r: %s" % (name, path, error))
                continue
            if digest != checksum:
                problem("%s: %r: checksum differs" % (name, path))
            checked += 1
            encoded_names += was_encoded
    for text in problems:
        print(text)
    if problems:
        return 1
    print("checked %d entries, %d with percent-encoded names" % (checked, encoded_names))
    return 0


if __name__ == "__main__":
    sys.exit(main())
