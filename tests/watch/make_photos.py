"""Writes N distinct small JPEGs: one photo from ImageMagick, each copy with
its own COM segment (so each has its own sha256 and is a new item).

    make_photos.py BASE.jpg DIR PREFIX N [--slow CHUNKS PAUSE]

--slow writes each file through one open descriptor in CHUNKS pieces with
PAUSE seconds between them, as a copy over a slow link does."""
import os
import sys
import time


def variant(base, tag):
    comment = tag.encode()
    segment = b"\xff\xfe" + (len(comment) + 2).to_bytes(2, "big") + comment
    return base[:2] + segment + base[2:]


def main():
    base_path, folder, prefix, count = sys.argv[1:5]
    slow = None
    if len(sys.argv) > 5 and sys.argv[5] == "--slow":
        slow = (int(sys.argv[6]), float(sys.argv[7]))
    with open(base_path, "rb") as f:
        base = f.read()
    os.makedirs(folder, exist_ok=True)
    for i in range(int(count)):
        data = variant(base, f"{prefix}-{i}")
        path = os.path.join(folder, f"{prefix}{i:04d}.jpg")
        with open(path, "wb") as f:
            if not slow:
                f.write(data)
                continue
            chunks, pause = slow
            step = (len(data) + chunks - 1) // chunks
            for start in range(0, len(data), step):
                f.write(data[start:start + step])
                f.flush()
                if start + step < len(data):
                    time.sleep(pause)


main()
