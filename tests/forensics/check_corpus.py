#!/usr/bin/python3
"""Checks a generated corpus against its own truth.json, from the media:

    check_corpus.py CORPUS [-v]

- every clip, original and distractor exists, has sound and picture, and
  lasts what truth.json says (within 0.1 s);
- every sound segment of at least 1.5 s that truth.json says came from a
  recording really is that recording's sound at that time: the loudness
  envelopes (10 ms steps) of the clip and the source line up best within
  20 ms of the stated times. This is what would catch a wrong offset, an
  encoder delay or an inexact cut in the truth the scorer trusts.

Exits 1 listing what is wrong.
"""

import array
import json
import math
import os
import subprocess
import sys

STEP = 80  # samples of 8 kHz per envelope value: 10 ms
SEARCH = 30  # +- 0.3 s of lag searched
WORST_LAG = 2  # 20 ms


def probe(path):
    p = subprocess.run(["ffprobe", "-v", "error", "-show_entries",
                        "format=duration:stream=codec_type", "-of", "json",
                        path], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True)
    if p.returncode != 0:
        return None
    doc = json.loads(p.stdout)
    kinds = {s.get("codec_type") for s in doc.get("streams", [])}
    return float(doc["format"]["duration"]), kinds


def envelope(path, cache):
    if path in cache:
        return cache[path]
    p = subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-i", path,
                        "-vn", "-ac", "1", "-ar", "8000", "-f", "s16le", "-"],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    pcm = array.array("h", p.stdout[:len(p.stdout) // 2 * 2])
    env = array.array("d")
    for i in range(0, len(pcm) - STEP + 1, STEP):
        block = pcm[i:i + STEP]
        env.append(math.log10(1.0 + sum(x * x for x in block) / STEP))
    cache[path] = env
    return env


def best_lag(clip_env, c0, src_env, s0, n):
    """The lag (in steps) at which src_env[s0+lag:] best matches
    clip_env[c0:c0+n], by normalised correlation."""
    a = clip_env[c0:c0 + n]
    ma = sum(a) / n
    a = [x - ma for x in a]
    na = math.sqrt(sum(x * x for x in a)) or 1.0
    best, best_r = None, -2.0
    for lag in range(-SEARCH, SEARCH + 1):
        lo = s0 + lag
        if lo < 0 or lo + n > len(src_env):
            continue
        b = src_env[lo:lo + n]
        mb = sum(b) / n
        num = sum(x * (y - mb) for x, y in zip(a, b))
        nb = math.sqrt(sum((y - mb) ** 2 for y in b)) or 1.0
        r = num / (na * nb)
        if r > best_r:
            best, best_r = lag, r
    return best, best_r


def source_path(corpus, truth, rid):
    for e in truth["events"]:
        if e["event"] == rid:
            return os.path.join(corpus, e["file"])
    for d in truth["distractors"]:
        if d["recording"] == rid:
            return os.path.join(corpus, d["file"])
    return None


def check_segments(corpus, truth, clip, cache, problems, verbose):
    if clip["speed"] != 1.0:
        return 0
    path = os.path.join(corpus, clip["clip"])
    checked = 0
    for seg in clip["segments"]:
        if seg["track"] != "audio" or not seg["source"]:
            continue
        length = seg["clip_end"] - seg["clip_start"]
        if length < 1.5:
            continue
        src = source_path(corpus, truth, seg["source"])
        ce, se = envelope(path, cache), envelope(src, cache)
        # the middle of the segment, away from the cut's own transient
        n = int(min(length - 0.6, 4.0) * 100)
        mid = (length - n / 100.0) / 2
        c0 = int(round((seg["clip_start"] + mid) * 100))
        s0 = int(round((seg["orig_start"] + mid) * 100))
        lag, r = best_lag(ce, c0, se, s0, n)
        checked += 1
        if verbose:
            print("%s %.2f s <- %s %.2f s: lag %s ms, r %.3f" % (
                clip["clip"], seg["clip_start"], seg["source"],
                seg["orig_start"], None if lag is None else lag * 10, r))
        # music 12 dB under the speech blurs the envelope, not its timing
        least = 0.4 if "music" in clip["kind"] else 0.8
        if lag is None or abs(lag) > WORST_LAG or r < least:
            problems.append("%s: sound at %.2f s is not %s at %.2f s "
                            "(best lag %s ms, r %.2f)" % (
                                clip["clip"], seg["clip_start"],
                                seg["source"], seg["orig_start"],
                                None if lag is None else lag * 10, r))
    return checked


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: check_corpus.py CORPUS [-v]")
    corpus, verbose = sys.argv[1], "-v" in sys.argv[2:]
    with open(os.path.join(corpus, "truth.json"), encoding="utf-8") as f:
        truth = json.load(f)
    problems = []
    files = [(os.path.join(corpus, c["clip"]), c["duration"])
             for c in truth["clips"]]
    files += [(os.path.join(corpus, e["file"]), e["duration"])
              for e in truth["events"] + truth["distractors"]]
    for path, duration in files:
        got = probe(path)
        if got is None:
            problems.append("%s: missing or unreadable" % path)
        elif got[1] != {"audio", "video"}:
            problems.append("%s: streams %s" % (path, sorted(got[1])))
        elif abs(got[0] - duration) > 0.1:
            problems.append("%s: lasts %.3f s, truth says %.3f s" % (
                path, got[0], duration))
    cache = {}
    checked = sum(check_segments(corpus, truth, c, cache, problems, verbose)
                  for c in truth["clips"] if c["event"] or c["segments"])
    for p in problems:
        print(p)
    print("%d files, %d sound segments checked, %d problems" % (
        len(files), checked, len(problems)))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
