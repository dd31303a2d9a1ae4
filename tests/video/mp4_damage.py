#!/usr/bin/python3
"""Makes the broken MP4s of the ingest.video / stamp.video corpus from good
ones, each with exactly the defect named, by walking top-level boxes.

  mp4_damage.py cut-mdat IN OUT          cut halfway into the first mdat
                                         (a recording stopped before moov)
  mp4_damage.py cut-fragment IN OUT N    cut halfway into the Nth mdat of a
                                         fragmented MP4 (N from 1)
  mp4_damage.py cut-box IN OUT TYPE PCT  cut PCT % into the first TYPE box
                                         (power lost while writing it)
  mp4_damage.py open-mdat IN OUT PCT     the first mdat marked "to the end of
                                         the file" (size 0), then cut PCT %
                                         into it: no box runs past the end
  mp4_damage.py fourcc IN OUT OLD NEW    rename the sample entry OLD in stsd
  mp4_damage.py garbage OUT SIZE SEED    SIZE pseudo-random bytes
  mp4_damage.py flip IN OUT SEED COUNT   COUNT random bytes of the moov box
                                         (the index) set to random values
"""
import random
import struct
import sys


def boxes(data):
    """(offset, size, type) of each top-level box."""
    offset = 0
    while offset + 8 <= len(data):
        size, kind = struct.unpack(">I4s", data[offset:offset + 8])
        if size == 1:
            size = struct.unpack(">Q", data[offset + 8:offset + 16])[0]
        elif size == 0:
            size = len(data) - offset
        yield offset, size, kind.decode("latin-1")
        offset += size


def nth_mdat(data, n):
    found = [b for b in boxes(data) if b[2] == "mdat"]
    if len(found) < n:
        sys.exit("only %d mdat boxes" % len(found))
    return found[n - 1]


def main(argv):
    command = argv[1]
    if command == "garbage":
        rng = random.Random(int(argv[4]))
        with open(argv[2], "wb") as out:
            out.write(bytes(rng.getrandbits(8) for _ in range(int(argv[3]))))
        return
    data = open(argv[2], "rb").read()
    if command == "cut-mdat":
        offset, size, _ = nth_mdat(data, 1)
        if any(b[2] == "moov" and b[0] < offset for b in boxes(data)):
            sys.exit("moov comes before mdat: nothing to cut")
        data = data[:offset + size // 2]
    elif command == "cut-box":
        found = [b for b in boxes(data) if b[2] == argv[4]]
        if not found:
            sys.exit("no %s box" % argv[4])
        offset, size, _ = found[0]
        data = data[:offset + size * int(argv[5]) // 100]
    elif command == "open-mdat":
        offset, size, _ = nth_mdat(data, 1)
        data = (data[:offset] + b"\0\0\0\0" +
                data[offset + 4:offset + size * int(argv[4]) // 100])
    elif command == "cut-fragment":
        offset, size, _ = nth_mdat(data, int(argv[4]))
        data = data[:offset + size // 2]
    elif command == "flip":
        moov = [b for b in boxes(data) if b[2] == "moov"]
        if not moov:
            sys.exit("no moov box")
        offset, size, _ = moov[0]
        rng = random.Random(int(argv[4]))
        data = bytearray(data)
        for _ in range(int(argv[5])):
            # past the moov header itself, so the box is still found
            data[offset + 8 + rng.randrange(size - 8)] = rng.getrandbits(8)
        data = bytes(data)
    elif command == "fourcc":
        stsd = data.find(b"stsd")
        at = data.find(argv[4].encode(), stsd)
        if stsd < 0 or at < 0:
            sys.exit("no %s sample entry" % argv[4])
        data = data[:at] + argv[5].encode() + data[at + 4:]
    else:
        sys.exit(__doc__)
    open(argv[3], "wb").write(data)


if __name__ == "__main__":
    main(sys.argv)
