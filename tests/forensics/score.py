#!/usr/bin/python3
"""Scores `dokpim locate --json` against a generated corpus's truth.json.

    score.py CORPUS --dokpim BIN --library LIB [--per-clip] [--save FILE]
    score.py CORPUS --locate-json FILE [FILE...]
        [--tolerance 0.25] [--offset-tolerance 0.1] [--strict]
        [--require METRIC=VALUE ...] [--summary-json FILE]

Prints the issue's figures (located right original, offset error,
distractors wrongly matched, edits found per kind, faithful clips called
faithful) and a table of every clip that missed something. With
--require, exits 1 when a threshold is not met (2 on a usage error; a
clip locate fails on counts in `errors`). Metrics: located, offset_ok, found, found_<kind>, faithful (all
percentages, at least VALUE); distractor_matches, false_findings,
errors (counts, at most VALUE); offset_max (seconds, at most VALUE).

A finding counts when matches[0] of the right original reports the same
kind within --tolerance of the truth's clip time. Unless --strict, an edit
next to a pause may be reported anywhere in that pause (truth's `slack`:
sound alone cannot place it) and a reordering at either moved block.
"""

import argparse
import hashlib
import json
import os
import statistics
import subprocess
import sys
import time

HIGHER = ("located", "offset_ok", "found", "faithful")
LOWER = ("distractor_matches", "false_findings", "errors", "offset_max")
SPEED_TOLERANCE = 0.03
# dokpim prints nothing shorter (core/forensics/print_decode.c)
MIN_LOCATABLE_S = 1.0


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def load_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def run_locate(dokpim, library, paths, timeout):
    """`dokpim locate --json` over `paths`; its clips, and seconds taken."""
    cmd = [dokpim, "locate", "--json", "-o", library] + paths
    t = time.monotonic()
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True,
                           timeout=timeout)
    except subprocess.TimeoutExpired:
        return None, "timed out after %d s" % timeout, timeout
    took = time.monotonic() - t
    try:
        doc = json.loads(p.stdout)
        return doc.get("clips", []), None, took
    except ValueError:
        return None, "exit %d, no JSON: %s" % (
            p.returncode, (p.stderr.strip().splitlines() or [""])[-1]), took


def key(path):
    return os.path.basename(path)


class Scorer:
    def __init__(self, corpus, truth, tol, offset_tol, strict):
        self.corpus, self.truth = corpus, truth
        self.tol, self.offset_tol, self.strict = tol, offset_tol, strict
        self.originals = {}
        for e in truth["events"]:
            path = os.path.join(corpus, e["file"])
            digest = sha256(path) if os.path.exists(path) else None
            self.originals[e["event"]] = (digest, e)

    def is_original(self, match, event_id):
        """Whether a reported match names the truth's original: by content
        digest when both are known, else by file name or event title."""
        digest, e = self.originals[event_id]
        if match.get("sha256") and digest:
            return match["sha256"].lower() == digest
        names = {os.path.basename(e["file"]), e["event"], e.get("title")}
        return (os.path.basename(str(match.get("file", ""))) in names
                or match.get("event") in names
                or match.get("item") in names)

    def finding_found(self, f, reported):
        for r in reported:
            if r.get("kind") != f["kind"]:
                continue
            if f["kind"] == "speed" and abs(
                    float(r.get("speed", 0)) - f["speed"]) > SPEED_TOLERANCE:
                continue
            t = float(r.get("clip_start", -1e9))
            times = [f["clip_time"]] + ([] if self.strict else f["also"])
            before, after = (0, 0) if self.strict else f["slack"]
            for c in times:
                if c - before - self.tol <= t <= c + after + self.tol:
                    return True
        return False

    def explained(self, r, findings):
        return any(self.finding_found(f, [r]) for f in findings)

    def score(self, results):
        s = {"archived": 0, "located": 0, "offset_err": [], "distractors": 0,
             "distractor_matches": 0, "errors": 0, "faithful_total": 0,
             "faithful": 0, "false_findings": 0, "kinds": {}, "misses": []}
        for clip in self.truth["clips"]:
            got = results.get(key(clip["clip"]))
            self.score_clip(clip, got, s)
        return s

    def score_clip(self, clip, got, s):
        miss = []
        archived = clip["event"] is not None
        status = got.get("status") if got else None
        matches = (got or {}).get("matches") or []
        if got is None or status == "error":
            message = (got or {}).get("message", "")
            # under a second there is nothing to locate by, and saying so
            # is the answer the issue asks for ("too short to locate")
            if ("too short to locate" in message
                    and clip.get("duration", 1e9) < MIN_LOCATABLE_S):
                self.note(s, clip, miss)
                return
            s["errors"] += 1
            miss.append("no result" if got is None else
                        "error: %s" % message)
        if not archived:
            s["distractors"] += 1
            if status == "located":
                s["distractor_matches"] += 1
                m = matches[0] if matches else {}
                miss.append("distractor matched %s (confidence %s)" % (
                    m.get("file") or m.get("event"), m.get("confidence")))
            self.note(s, clip, miss)
            return
        s["archived"] += 1
        best = matches[0] if matches else None
        right = (status == "located" and best is not None
                 and self.is_original(best, clip["event"]))
        if right:
            s["located"] += 1
            err = abs(float(best.get("offset", 1e9)) - clip["offset"])
            s["offset_err"].append(err)
            if err > self.offset_tol:
                miss.append("offset %.3f, truth %.3f" % (
                    float(best.get("offset", 0)), clip["offset"]))
        elif status == "located":
            miss.append("wrong original %s" % (best or {}).get("file"))
        elif got is not None:
            miss.append("status %s" % status)
        reported = (best.get("findings") or []) if right else []
        for f in clip["findings"]:
            kind = s["kinds"].setdefault(f["kind"], [0, 0])
            kind[1] += 1
            if self.finding_found(f, reported):
                kind[0] += 1
            else:
                miss.append("%s at %.2f s not found" % (f["kind"],
                                                        f["clip_time"]))
        extra = [r for r in reported if not self.explained(r,
                                                           clip["findings"])]
        s["false_findings"] += len(extra)
        for r in extra:
            miss.append("false %s at %s s" % (r.get("kind"),
                                              r.get("clip_start")))
        if clip["verdict"] == "faithful":
            s["faithful_total"] += 1
            if right and best.get("verdict") == "faithful" and not reported:
                s["faithful"] += 1
            elif right:
                miss.append("verdict %s, truth faithful" % best.get("verdict"))
        self.note(s, clip, miss)

    @staticmethod
    def note(s, clip, miss):
        if miss:
            s["misses"].append((clip["clip"], clip["kind"], "; ".join(miss)))


def pct(n, d):
    return 100.0 * n / d if d else 100.0


def metrics(s):
    found = sum(v[0] for v in s["kinds"].values())
    total = sum(v[1] for v in s["kinds"].values())
    err = s["offset_err"]
    m = {"located": pct(s["located"], s["archived"]),
         "offset_ok": pct(sum(1 for e in err if e <= 0.1), len(err)),
         "offset_median": statistics.median(err) if err else None,
         "offset_max": max(err) if err else None,
         "distractor_matches": s["distractor_matches"],
         "found": pct(found, total),
         "faithful": pct(s["faithful"], s["faithful_total"]),
         "false_findings": s["false_findings"], "errors": s["errors"]}
    for kind, (f, t) in sorted(s["kinds"].items()):
        m["found_" + kind] = pct(f, t)
    return m


def report(s, m, timings, out=sys.stdout):
    w = out.write
    w("located right original: %d/%d (%.1f %%)\n" % (
        s["located"], s["archived"], m["located"]))
    if s["offset_err"]:
        w("offset error: median %.3f s, max %.3f s, <= 0.1 s in %.1f %%\n"
          % (m["offset_median"], m["offset_max"], m["offset_ok"]))
    w("distractors wrongly matched: %d/%d\n" % (s["distractor_matches"],
                                                s["distractors"]))
    for kind, (f, t) in sorted(s["kinds"].items()):
        w("edits found, %-15s %d/%d (%.1f %%)\n" % (kind + ":", f, t,
                                                    pct(f, t)))
    w("edits found, all:            %.1f %%\n" % m["found"])
    w("faithful clips called faithful: %d/%d (%.1f %%)\n" % (
        s["faithful"], s["faithful_total"], m["faithful"]))
    w("false findings: %d; errors: %d\n" % (s["false_findings"],
                                            s["errors"]))
    if timings:
        w("locate time per call: median %.3f s, max %.3f s (%d calls)\n" % (
            statistics.median(timings), max(timings), len(timings)))
    if s["misses"]:
        w("\n%-42s %-22s %s\n" % ("clip", "kind", "miss"))
        for clip, kind, why in s["misses"]:
            w("%-42s %-22s %s\n" % (clip, kind, why))


def check(m, requires):
    failed = []
    for name, value in requires:
        if name not in m:
            if name.startswith("found_"):
                continue  # the corpus has no edit of that kind
            print("score.py: unknown metric %s" % name, file=sys.stderr)
            sys.exit(2)
        got = m[name]
        if got is None:
            continue
        if name in LOWER and got > value:
            failed.append("%s = %g > %g" % (name, got, value))
        elif name not in LOWER and got < value:
            failed.append("%s = %g < %g" % (name, got, value))
    return failed


def parse_require(text):
    name, _, value = text.partition("=")
    try:
        return name.strip(), float(value)
    except ValueError:
        raise argparse.ArgumentTypeError("want METRIC=NUMBER: %s" % text)


def gather(args, truth):
    """Results keyed by clip file name, errors, and the call timings."""
    results, timings = {}, []
    if args.locate_json:
        for path in args.locate_json:
            for c in load_json(path).get("clips", []):
                results[key(c.get("clip", ""))] = c
        return results, timings
    paths = [os.path.join(args.corpus, c["clip"]) for c in truth["clips"]]
    batches = [[p] for p in paths] if args.per_clip else [paths]
    saved = []
    for batch in batches:
        clips, err, took = run_locate(args.dokpim, args.library, batch,
                                      args.timeout)
        timings.append(took)
        if clips is None:
            clips = [{"clip": p, "status": "error", "message": err}
                     for p in batch]
        for c in clips:
            results[key(c.get("clip", ""))] = c
        saved.extend(clips)
    if args.save:
        with open(args.save, "w", encoding="utf-8") as f:
            json.dump({"clips": saved}, f, indent=1)
    return results, timings


def main():
    ap = argparse.ArgumentParser(
        description="Score dokpim locate against a corpus's truth.json")
    ap.add_argument("corpus", help="the corpus folder (with truth.json)")
    ap.add_argument("--dokpim", help="the dokpim binary to run")
    ap.add_argument("--library", help="the library holding the originals")
    ap.add_argument("--locate-json", nargs="+",
                    help="read these locate outputs instead of running")
    ap.add_argument("--per-clip", action="store_true",
                    help="one locate call per clip (times each)")
    ap.add_argument("--timeout", type=int, default=600)
    ap.add_argument("--save", help="write the locate output here")
    ap.add_argument("--tolerance", type=float, default=0.25)
    ap.add_argument("--offset-tolerance", type=float, default=0.1)
    ap.add_argument("--strict", action="store_true",
                    help="edit times exactly as cut: no pause slack")
    ap.add_argument("--require", type=parse_require, action="append",
                    default=[], metavar="METRIC=VALUE")
    ap.add_argument("--summary-json", help="write the figures here")
    args = ap.parse_args()
    if not args.locate_json and not (args.dokpim and args.library):
        ap.error("give --dokpim and --library, or --locate-json")
    truth = load_json(os.path.join(args.corpus, "truth.json"))
    results, timings = gather(args, truth)
    scorer = Scorer(args.corpus, truth, args.tolerance,
                    args.offset_tolerance, args.strict)
    s = scorer.score(results)
    m = metrics(s)
    report(s, m, timings)
    if args.summary_json:
        with open(args.summary_json, "w", encoding="utf-8") as f:
            json.dump(dict(m, locate_seconds=timings,
                           misses=s["misses"]), f, indent=1)
    failed = check(m, args.require)
    for f in failed:
        print("REQUIRED: %s" % f)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
