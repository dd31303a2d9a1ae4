#!/usr/bin/python3
"""The Chromaprint contender of bench/forensics/compare.sh: what a
technician could do today with `fpcalc` and a page of Python.

    fpcalc_locate.py print DIR MEDIA...
        fpcalc -raw -json -length 0 of each file into DIR/<name>.json
    fpcalc_locate.py calibrate --prints DIR --originals O... --distractors D...
        [--out FILE]
        the window bit-error threshold (from recordings that are not
        archived and that no clip is made of: compare.py calib-speech)
        and the lag of an edit point in print items (from splices of two
        of them at a known time)
    fpcalc_locate.py locate --prints DIR --originals O... --calibration FILE
        [--apply-lag] [--timings FILE] CLIP...
        prints each clip, finds the best original and offset, and the
        edits; writes `dokpim locate --json`'s shape so score.py scores
        it the same way

Method: a clip's print is cut into windows (WINDOW items, STEP apart);
each window slides over every original and keeps its lowest bit error
rate (popcount of xor, prints packed into big integers so the sliding is
one xor per offset). Windows under the threshold are placed; runs of
windows at one offset are the clip's segments, and where two runs meet
the edit point is the item that best splits the per-item errors between
the two offsets. Jumps classify the edit: forward = cut (or the first
block of a reordering when the skipped part plays later), backward =
reordered, an unplaced stretch = inserted (the original's time stops) or
audio_replaced (it runs on). Stdlib only, like tests/forensics.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

ITEM = 4096 / 3 / 11025  # seconds between Chromaprint raw items (algo 2)
WINDOW = 24  # items, about 3 s
STEP = 4  # items, about 0.5 s
RANDOM_BITS = 16.0  # expected bit errors of an item against an unrelated one
MIN_RUN = 3  # windows: a shorter run at its own offset is chance
JUMP = 0.3  # seconds: a smaller jump in offset is no edit
MASK32 = 0xFFFFFFFF
SKIP = 3.0  # seconds of the second recording left out of a test splice


def fpcalc(path):
    out = subprocess.run(["fpcalc", "-raw", "-json", "-length", "0", path],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True, check=False)
    # fpcalc 1.5 exits 1 with "Error decoding audio frame (End of file)"
    # at the end of most MP4s yet prints the whole print: judge the output
    try:
        items = json.loads(out.stdout).get("fingerprint")
    except ValueError:
        return None
    return [v & MASK32 for v in items] if items else None


def print_name(prints, path):
    return os.path.join(prints, os.path.basename(path) + ".json")


def load_print(prints, path):
    with open(print_name(prints, path), encoding="utf-8") as f:
        return json.load(f)


def pack(items):
    v = 0
    for i, x in enumerate(items):
        v |= x << (32 * i)
    return v


class Original:
    """An original's print with every WINDOW-item slice packed once."""

    def __init__(self, path, items):
        self.path, self.items = path, items
        whole, mask = pack(items), (1 << (32 * WINDOW)) - 1
        self.windows = [(whole >> (32 * j)) & mask
                        for j in range(len(items) - WINDOW + 1)]


def best_window(clip, w, originals):
    """(bit error rate, original index, offset in items) of the clip's
    window at item w against every position of every original."""
    probe = pack(clip[w:w + WINDOW])
    best = (1.0, None, 0)
    bits = 32.0 * WINDOW
    for k, o in enumerate(originals):
        for j, ow in enumerate(o.windows):
            e = (ow ^ probe).bit_count()
            if e < best[0] * bits:
                best = (e / bits, k, j - w)
    return best


def window_starts(n):
    starts = list(range(0, max(1, n - WINDOW + 1), STEP))
    if n > WINDOW and starts[-1] != n - WINDOW:
        starts.append(n - WINDOW)
    return starts


def item_errors(clip, orig, d, lo, hi):
    """Bit errors of clip items lo..hi-1 against the original at offset d
    (RANDOM_BITS where the original has no such item)."""
    out = []
    for i in range(lo, hi):
        j = i + d
        out.append((clip[i] ^ orig[j]).bit_count()
                   if 0 <= j < len(orig) else RANDOM_BITS)
    return out


def split_point(e1, e2):
    """Index k minimising sum(e1[:k]) + sum(e2[k:])."""
    best, k_best = sum(e2), 0
    run = best
    for k in range(len(e1)):
        run += e1[k] - e2[k]
        if run < best:
            best, k_best = run, k + 1
    return k_best


def runs_of(placed):
    """Groups consecutive windows (start, ber, orig, d) with the same
    original and an offset within 2 items of the previous window's;
    unplaced windows (orig None) group together."""
    runs = []
    for w in placed:
        last = runs[-1] if runs else None
        if last and last["orig"] == w[2] and (
                w[2] is None or abs(w[3] - last["wins"][-1][3]) <= 2):
            last["wins"].append(w)
        else:
            runs.append({"orig": w[2], "wins": [w]})
    # a lone placed window at its own offset is a chance likeness (the
    # same words said elsewhere in the speech): unplaced
    for r in runs:
        if r["orig"] is not None and len(r["wins"]) < MIN_RUN:
            r["orig"] = None
    merged = []
    for r in runs:
        if merged and r["orig"] is None and merged[-1]["orig"] is None:
            merged[-1]["wins"].extend(r["wins"])
        else:
            merged.append(r)
    runs = merged
    # a lone unplaced window between two runs at one offset is a pause
    # or a noisy spot, not an edit
    out = []
    for r in runs:
        if (out and r["orig"] is not None and len(out) >= 2
                and out[-1]["orig"] is None and len(out[-1]["wins"]) == 1
                and out[-2]["orig"] == r["orig"]
                and abs(out[-2]["wins"][-1][3] - r["wins"][0][3]) <= 2):
            out.pop()
            out[-1]["wins"].extend(r["wins"])
            continue
        out.append(r)
    return out


def fit_run(run):
    """Offset at item 0 and drift per item of a run (least squares over its
    windows), so a sped-up clip's offset follows it."""
    xs = [w[0] + WINDOW / 2 for w in run["wins"]]
    ys = [w[3] for w in run["wins"]]
    if len(xs) < 4:
        return statistics.median(ys), 0.0
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    sxx = sum((x - mx) ** 2 for x in xs)
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx
    return my - slope * mx, slope


def run_offset(run, i):
    return int(round(run["d0"] + run["slope"] * i))


def refine_offset(clip, orig, run, lo, hi):
    """Sub-item offset at clip item lo: a parabola through the bit errors
    at the best whole offset and its two neighbours."""
    if run["slope"] != 0.0:
        return run["d0"]
    d = run_offset(run, lo)
    e = [sum(item_errors(clip, orig, d + k, lo, hi)) for k in (-1, 0, 1)]
    den = e[0] - 2 * e[1] + e[2]
    if den <= 0:
        return float(d)
    return d + max(-0.5, min(0.5, 0.5 * (e[0] - e[2]) / den))


def segments_of(clip, originals, runs, lag):
    """Clip item ranges of the runs, their edges at the per-item split
    points; each gets the original's item range it plays."""
    n = len(clip)
    for r in runs:
        if r["orig"] is not None:
            r["d0"], r["slope"] = fit_run(r)
        r["lo"], r["hi"] = r["wins"][0][0], r["wins"][-1][0] + WINDOW
    edges = [0]
    for a, b in zip(runs, runs[1:]):
        lo, hi = max(a["wins"][-1][0], edges[-1]), min(b["wins"][0][0] +
                                                       WINDOW, n)
        if hi <= lo:
            edges.append(lo)
            continue

        def errs(r):
            if r["orig"] is None:
                return [RANDOM_BITS] * (hi - lo)
            o = originals[r["orig"]].items
            return [item_errors(clip, o, run_offset(r, i), i, i + 1)[0]
                    for i in range(lo, hi)]
        edges.append(lo + split_point(errs(a), errs(b)))
    edges.append(n)
    segs = []
    for r, s, e in zip(runs, edges, edges[1:]):
        # the lag moves an edit point from where the items change to
        # where the sound changes; the clip's own ends stay put
        cs = 0.0 if s == 0 else (s + lag) * ITEM
        ce = n * ITEM if e == n else (e + lag) * ITEM
        seg = {"orig": r["orig"], "cs": max(0.0, cs), "ce": ce, "lo": s,
               "hi": e}
        if r["orig"] is not None:
            # clip item i plays original item i + d0 + slope * i
            seg["os"] = seg["cs"] * (1 + r["slope"]) + r["d0"] * ITEM
            seg["oe"] = ce * (1 + r["slope"]) + r["d0"] * ITEM
            seg["run"] = r
        segs.append(seg)
    return segs


def covered(span, segs, pred):
    lo, hi = span
    got = 0.0
    for s in segs:
        if pred(s):
            got += max(0.0, min(hi, s["oe"]) - max(lo, s["os"]))
    return got >= 0.5 * (hi - lo)


def finding(kind, s_clip, e_clip, s_orig, e_orig, **extra):
    f = {"kind": kind, "clip_start": round(s_clip, 3),
         "clip_end": round(e_clip, 3), "orig_start": round(s_orig, 3),
         "orig_end": round(e_orig, 3)}
    f.update(extra)
    return f


def edits(segs, main):
    """Findings from the jumps between the main original's segments."""
    mains = [k for k, s in enumerate(segs) if s["orig"] == main]
    out = []
    for a, b in zip(mains, mains[1:]):
        s1, s2 = segs[a], segs[b]
        hole = s2["cs"] - s1["ce"]
        gap = s2["os"] - s1["oe"]
        if hole >= JUMP:
            if abs(gap - hole) < JUMP:
                out.append(finding("audio_replaced", s1["ce"], s2["cs"],
                                   s1["oe"], s2["os"]))
                continue
            out.append(finding("inserted", s1["ce"], s2["cs"], s1["oe"],
                               s1["oe"]))
            if abs(gap) < JUMP:
                continue
        if gap >= JUMP:
            skipped = (s1["oe"], s2["os"])
            later = covered(skipped, segs[b:], lambda s: s["orig"] == main)
            earlier = covered(skipped, segs[:a + 1],
                              lambda s: s["orig"] == main)
            if later:
                out.append(finding("reordered", s2["cs"], s2["ce"],
                                   s2["os"], s2["oe"]))
            elif not earlier:
                out.append(finding("cut", s2["cs"], s2["cs"], s1["oe"],
                                   s2["os"]))
        elif gap <= -JUMP:
            out.append(finding("reordered", s2["cs"], s2["ce"], s2["os"],
                               s2["oe"]))
    # a long unplaced stretch at either end of the clip
    for k in (0, len(segs) - 1):
        s = segs[k]
        if s["orig"] != main and s["ce"] - s["cs"] >= WINDOW * ITEM:
            out.append(finding("inserted", s["cs"], s["ce"], 0.0, 0.0))
    return out


def locate_one(path, clip, originals, cal):
    n = len(clip)
    rec = {"clip": path, "duration": round(n * ITEM, 3), "has_audio": n > 0,
           "has_video": None, "warnings": [], "matches": []}
    if n < WINDOW:
        rec.update(status="not_in_archive", message="clip print too short")
        return rec
    thr = cal["threshold"]
    placed = []
    for w in window_starts(n):
        ber, k, d = best_window(clip, w, originals)
        placed.append((w, ber, k if ber <= thr else None, d))
    votes = {}
    for w in placed:
        if w[2] is not None:
            votes[w[2]] = votes.get(w[2], 0) + 1
    if not votes or max(votes.values()) < 2:
        rec.update(status="not_in_archive",
                   message="no original under bit error rate %.3f" % thr)
        return rec
    main = max(votes, key=lambda k: (votes[k], -statistics.fmean(
        w[1] for w in placed if w[2] == k)))
    runs = runs_of(placed)
    segs = segments_of(clip, originals, runs, cal.get("apply_lag", 0.0))
    first = next(s for s in segs if s["orig"] == main)
    orig = originals[main].items
    d = refine_offset(clip, orig, first["run"], first["lo"],
                      min(first["hi"], first["lo"] + 4 * WINDOW))
    # the drift of the longest run says the speed; short runs are noisy
    longest = max((s["run"] for s in segs if s["orig"] == main),
                  key=lambda r: len(r["wins"]))
    slope = longest["slope"] if len(longest["wins"]) >= 8 else 0.0
    speed = 1.0 + slope
    findings = edits(segs, main)
    if abs(slope) > 0.03:
        findings.insert(0, finding("speed", 0.0, n * ITEM, d * ITEM,
                                   (d + n * speed) * ITEM,
                                   speed=round(speed, 3)))
    mean_ber = statistics.fmean(w[1] for w in placed if w[2] == main)
    rec.update(status="located", message="")
    rec["matches"].append({
        "file": originals[main].path,
        "item": os.path.basename(originals[main].path),
        "confidence": round(max(0.0, 1.0 - 2.0 * mean_ber), 3),
        "verdict": "edited" if findings else "faithful",
        "speed": round(speed, 3),
        "offset": round(d * ITEM, 3),
        "segments": [{"track": "audio", "clip_start": round(s["cs"], 3),
                      "clip_end": round(s["ce"], 3),
                      "orig_start": round(s["os"], 3),
                      "orig_end": round(s["oe"], 3),
                      "similarity": None}
                     for s in segs if s["orig"] == main],
        "findings": findings})
    return rec


def cmd_print(args):
    os.makedirs(args.dir, exist_ok=True)
    bad = 0
    for path in args.media:
        items = fpcalc(path)
        if items is None:
            print("fpcalc failed on %s" % path, file=sys.stderr)
            bad += 1
            continue
        with open(print_name(args.dir, path), "w", encoding="utf-8") as f:
            json.dump(items, f)
    return 1 if bad else 0


def load_originals(args):
    return [Original(p, load_print(args.prints, p)) for p in args.originals]


def spliced_print(pa, pb, at, tmp):
    """fpcalc of recording pa's first `at` seconds then pb from SKIP s on
    (so both sides of the join have their own print to compare with)."""
    out = os.path.join(tmp, "splice.wav")
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", pa, "-i", pb,
                    "-filter_complex",
                    "[0:a]atrim=0:%.3f,aresample=11025,aformat=channel_"
                    "layouts=mono[x];[1:a]aresample=11025,aformat="
                    "channel_layouts=mono,atrim=start=%.3f[y];[x][y]concat=n=2:v=0:a=1"
                    % (at, SKIP), out], check=True)
    return fpcalc(out)


def cmd_calibrate(args):
    originals = load_originals(args)
    worst = []
    for p in args.distractors:
        clip = load_print(args.prints, p)
        for w in window_starts(len(clip)):
            worst.append(best_window(clip, w, originals)[0])
    floor = min(worst)
    lags = []
    with tempfile.TemporaryDirectory() as tmp:
        pairs = list(zip(args.distractors, args.distractors[1:]))
        for pa, pb in pairs:
            a, b = load_print(args.prints, pa), load_print(args.prints, pb)
            at = min(6.0, 0.5 * len(a) * ITEM)
            clip = spliced_print(pa, pb, at, tmp)
            if not clip:
                continue
            k = int(round(at / ITEM))
            lo, hi = max(0, k - 2 * WINDOW), min(len(clip), k + 2 * WINDOW)
            e1 = item_errors(clip, a, 0, lo, hi)
            # b's print at the join: offset by the items it skipped
            d2 = int(round(SKIP / ITEM - at / ITEM))
            e2 = item_errors(clip, b, d2, lo, hi)
            lags.append(at / ITEM - (lo + split_point(e1, e2)))
    cal = {"threshold": round(floor - args.margin, 4),
           "distractor_min_ber": round(floor, 4),
           "distractor_median_ber": round(statistics.median(worst), 4),
           "distractor_windows": len(worst),
           "lag": round(statistics.median(lags), 2) if lags else 0.0,
           "lags": [round(x, 2) for x in lags]}
    text = json.dumps(cal, indent=1)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            f.write(text + "\n")
    print(text)
    return 0


def cmd_locate(args):
    originals = load_originals(args)
    with open(args.calibration, encoding="utf-8") as f:
        cal = json.load(f)
    # the lag measured on test splices of two recordings did not carry
    # over to cuts inside one speech (it moved them later, not nearer):
    # the raw split point is used unless asked
    cal["apply_lag"] = cal["lag"] if args.apply_lag else 0.0
    clips = []
    took = {"fpcalc_s": 0.0, "match_s": 0.0, "match_cpu_s": 0.0}
    for path in args.clips:
        t = time.monotonic()
        items = fpcalc(path)
        took["fpcalc_s"] += time.monotonic() - t
        if items is None:
            clips.append({"clip": path, "status": "error",
                          "message": "fpcalc failed", "matches": []})
            continue
        t, c = time.monotonic(), time.process_time()
        clips.append(locate_one(path, items, originals, cal))
        took["match_s"] += time.monotonic() - t
        took["match_cpu_s"] += time.process_time() - c
    json.dump({"clips": clips}, sys.stdout, indent=1)
    print()
    if args.timings:
        # the search grows with the archive, the clip's own print does not
        with open(args.timings, "w", encoding="utf-8") as f:
            json.dump(took, f)
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("print")
    p.add_argument("dir")
    p.add_argument("media", nargs="+")
    c = sub.add_parser("calibrate")
    c.add_argument("--prints", required=True)
    c.add_argument("--originals", nargs="+", required=True)
    c.add_argument("--distractors", nargs="+", required=True)
    c.add_argument("--margin", type=float, default=0.02)
    c.add_argument("--out")
    loc = sub.add_parser("locate")
    loc.add_argument("--prints", required=True)
    loc.add_argument("--originals", nargs="+", required=True)
    loc.add_argument("--calibration", required=True)
    loc.add_argument("--apply-lag", action="store_true",
                     help="move edit points by the calibrated lag")
    loc.add_argument("--timings", help="write seconds in fpcalc and in "
                     "the search here")
    loc.add_argument("clips", nargs="+")
    args = ap.parse_args()
    return {"print": cmd_print, "calibrate": cmd_calibrate,
            "locate": cmd_locate}[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main())
