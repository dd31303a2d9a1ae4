"""Seeds for the forensics harnesses, written from the format descriptions
(core/forensics/print_file.c, core/forensics/index_private.h) rather
than by dokpim itself, so the seeds also check that the C code reads what
the documents say:
  OUT/print_parse/*.dkfp     print files
  OUT/index_segment/*.dkix   index segments
Usage: forensics_seeds.py OUT"""
import os
import random
import struct
import sys
import zlib


def print_file(rng, audio, pictures, has_audio=True, has_video=True):
    flags = (1 if has_audio else 0) | (2 if has_video else 0)
    head = b"DKFP" + struct.pack("<HHddd", 1, flags, audio * 0.016 + 1,
                                 0.016 if has_audio else 0.0,
                                 0.5 if has_audio else 0.0)
    head += struct.pack("<QQ", audio, pictures)
    body = b"".join(struct.pack("<I", rng.getrandbits(32))
                    for _ in range(audio))
    body += bytes(rng.random() < 0.1 for _ in range(audio))
    for k in range(pictures):
        body += struct.pack("<dQQfB", 2.0 * k, rng.getrandbits(64),
                            rng.getrandbits(64), 16 / 9, k % 5 == 3)
    data = head + body
    return data + struct.pack("<I", zlib.crc32(data))


def picture_keys(whole, centre, aspect):
    for c in range(4):
        yield c << 29 | ((whole >> (16 * c)) & 0xFFFF) << 13
    if aspect > 1.33:
        for c in range(4):
            yield (4 + c) << 29 | ((centre >> (16 * c)) & 0xFFFF) << 13


def buckets(entries, bits):
    counts = [0] * ((1 << bits) + 1)
    for key, _ in entries:
        counts[(key >> (32 - bits)) + 1 if bits else 1] += 1
    for b in range(1, len(counts)):
        counts[b] += counts[b - 1]
    return b"".join(struct.pack("<I", c) for c in counts)


def segment(rng, items, audio_bits, picture_bits, stride=2):
    """items: list of (audio frames, picture frames)."""
    table = b""
    frames = b""
    audio, pictures = [], []
    first_audio = first_picture = 0
    for n_audio, n_pict in items:
        sha = bytes(rng.getrandbits(8) for _ in range(32))
        table += sha + struct.pack("<QQQQddd", first_audio, first_picture,
                                   n_audio, n_pict, 0.0, 0.016,
                                   n_audio * 0.016)
        for j in range(0, n_audio, stride):
            if rng.random() > 0.1:
                audio.append((rng.getrandbits(32), first_audio + j))
        for j in range(n_pict):
            whole, centre = rng.getrandbits(64), rng.getrandbits(64)
            aspect, flat = 16 / 9, j % 7 == 4
            frames += struct.pack("<dQQfB3x", 2.0 * j, whole, centre, aspect,
                                  flat)
            if not flat:
                for key in picture_keys(whole, centre, aspect):
                    pictures.append((key, first_picture + j))
        first_audio += n_audio
        first_picture += n_pict
    audio.sort()
    pictures.sort()
    header = b"DKIX" + struct.pack("<IIIII", 1, stride, audio_bits,
                                   picture_bits, len(items))
    header += struct.pack("<QQQQ", first_audio, len(audio), first_picture,
                          len(pictures))
    audio_buckets = buckets(audio, audio_bits)
    picture_buckets = buckets(pictures, picture_bits)
    crc = zlib.crc32(header)
    crc = zlib.crc32(table + audio_buckets, crc)
    crc = zlib.crc32(picture_buckets, crc)
    tables = table + audio_buckets + frames + picture_buckets
    pad = b"\0" * (-(64 + len(tables)) % 8)
    entries = b"".join(struct.pack("<Q", k << 32 | r)
                       for k, r in audio + pictures)
    return header + struct.pack("<II", crc, 0) + tables + pad + entries


def main():
    out = sys.argv[1]
    rng = random.Random(13)
    prints = os.path.join(out, "print_parse")
    os.makedirs(prints, exist_ok=True)
    for name, data in {
        "both": print_file(rng, 60, 4),
        "audio-only": print_file(rng, 40, 0, has_video=False),
        "video-only": print_file(rng, 0, 3, has_audio=False),
        "empty": print_file(rng, 0, 0, has_audio=False, has_video=False),
    }.items():
        with open(os.path.join(prints, name + ".dkfp"), "wb") as f:
            f.write(data)
    segments = os.path.join(out, "index_segment")
    os.makedirs(segments, exist_ok=True)
    for name, data in {
        "one-item": segment(rng, [(80, 4)], 0, 0),
        "three-items": segment(rng, [(50, 2), (0, 3), (70, 0)], 2, 3),
        "empty": segment(rng, [], 0, 0),
    }.items():
        with open(os.path.join(segments, name + ".dkix"), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
