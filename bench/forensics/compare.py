#!/usr/bin/python3
"""bench/forensics/compare.sh's Python side: lists of the corpus's files,
ffmpeg `signature` logs into `dokpim locate --json`'s shape, and the
side-by-side table, every contender scored by tests/forensics/score.py.

    compare.py lists CORPUS WORK
    compare.py calib-speech WORK N
    compare.py signature CORPUS WORK/sig > signature.json
    compare.py table CORPUS WORK
"""

import json
import os
import re
import statistics
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "forensics"))
import score  # noqa: E402  (tests/forensics/score.py, the one scorer)

KINDS = ("cut", "inserted", "reordered", "audio_replaced", "speed")
MATCH = re.compile(r"matching of video 0 at ([0-9.]+) and 1 at ([0-9.]+), "
                   r"(\d+) frames matching")


def truth_of(corpus):
    return score.load_json(os.path.join(corpus, "truth.json"))


def write_lines(path, lines):
    with open(path, "w", encoding="utf-8") as f:
        f.write("".join(x + "\n" for x in lines))


def cmd_lists(corpus, work):
    """clips.txt (every clip of truth.json, the unarchived recordings
    included) and originals.txt."""
    t = truth_of(corpus)
    clips = [os.path.join(corpus, c["clip"]) for c in t["clips"]]
    origs = [os.path.join(corpus, e["file"]) for e in t["events"]]
    write_lines(os.path.join(work, "clips.txt"), clips)
    write_lines(os.path.join(work, "originals.txt"), origs)
    print("%d clips (%d not archived), %d originals" % (
        len(clips), sum(1 for c in t["clips"] if c["event"] is None),
        len(origs)))


def cmd_calib_speech(work, count):
    """Calibration recordings for the fpcalc contender that no clip is
    made of: espeak-ng speech of the corpus's own sentence templates
    (event and distractor topics alike, so chance likenesses to the
    originals are as likely as in the clips) with another seed, each in a
    voice of the corpus, as AAC like the clips."""
    import random
    import subprocess
    import phrases
    rng = random.Random(4242)
    src = phrases.SentenceSource(
        phrases.EVENT_TEMPLATES + phrases.DISTRACTOR_TEMPLATES, rng)
    voices = ["id+m3", "id+f2", "id+m1", "id+f4", "id+m7", "id+f1"]
    out = os.path.join(work, "calibration")
    os.makedirs(out, exist_ok=True)
    paths = []
    for k in range(count):
        wav = os.path.join(out, "K%02d.wav" % k)
        m4a = os.path.join(out, "K%02d.m4a" % k)
        subprocess.run(["espeak-ng", "-v", voices[k % len(voices)], "-s",
                        str(rng.randrange(140, 176)), "-w", wav,
                        " ".join(src.speech(6))], check=True)
        subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", wav, "-c:a",
                        "aac", "-b:a", "64k", m4a], check=True)
        paths.append(m4a)
    write_lines(os.path.join(work, "calibration.txt"), paths)


def parse_pair(path):
    """(frames matching, clip time, original time, whole) of one pairwise
    log, or None when the filter found no match."""
    best = None
    whole = False
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            m = MATCH.search(line)
            if m:
                got = (int(m.group(3)), float(m.group(1)), float(m.group(2)))
                if best is None or got[0] > best[0]:
                    best = got
            if "whole video matching" in line:
                whole = True
    return None if best is None else best + (whole,)


def cmd_signature(corpus, sigdir):
    """Best original of each clip = the pair with the most matching
    frames; the filter reports one matching stretch per pair, so no
    edit is ever found and only a whole-video match counts as faithful."""
    t = truth_of(corpus)
    origs = [e["file"] for e in t["events"]]
    out = []
    for c in t["clips"]:
        name = os.path.basename(c["clip"])
        rec = {"clip": os.path.join(corpus, c["clip"]), "matches": []}
        best = None
        missing = 0
        for o in origs:
            log = os.path.join(sigdir, "%s--%s.log" % (
                name, os.path.basename(o)))
            if not os.path.exists(log):
                missing += 1
                continue
            got = parse_pair(log)
            if got and (best is None or got[0] > best[0][0]):
                best = (got, o)
        if missing == len(origs):
            continue  # not in the sample
        if best is None:
            rec.update(status="not_in_archive", message="no pair matched")
        else:
            (frames, t0, t1, whole), o = best
            rec.update(status="located", message="%d frames" % frames)
            rec["matches"].append({
                "file": os.path.join(corpus, o), "confidence": None,
                "verdict": "faithful" if whole else "edited", "speed": 1.0,
                "offset": round(t1 - t0, 3), "segments": [],
                "findings": []})
        out.append(rec)
    json.dump({"clips": out}, sys.stdout, indent=1)
    print()


def read_times(work):
    times = {}
    with open(os.path.join(work, "times.tsv"), encoding="utf-8") as f:
        for line in f:
            name, wall, cpu = line.split("\t")
            times[name] = (float(wall), float(cpu))
    return times


def scored(corpus, truth, path, only=None):
    results = {}
    for c in score.load_json(path).get("clips", []):
        results[score.key(c.get("clip", ""))] = c
    t = dict(truth)
    if only is not None:
        t["clips"] = [c for c in truth["clips"]
                      if score.key(c["clip"]) in only]
    s = score.Scorer(corpus, t, 0.25, 0.1, False).score(results)
    return s, score.metrics(s), len(t["clips"])


def fmt_pct(v):
    return "%.0f" % v if v is not None else "-"


def cmd_table(corpus, work):
    truth = truth_of(corpus)
    times = read_times(work)
    with open(os.path.join(work, "facts.json"), encoding="utf-8") as f:
        facts = json.load(f)
    sig_json = os.path.join(work, "signature.json")
    sampled = {score.key(c["clip"])
               for c in score.load_json(sig_json)["clips"]}
    rows = [("dokpim locate", "dokpim.json", "dokpim_locate", None),
            ("fpcalc + slide", "fpcalc.json", "fpcalc_locate", None),
            ("ffmpeg signature", "signature.json", "signature_sweep",
             sampled)]
    kinds = sorted({f["kind"] for c in truth["clips"]
                    for f in c["findings"]})
    head = ("| contender | clips | located % | offset err median / max s | "
            + " | ".join("%s found %%" % k for k in kinds)
            + " | faithful ok % | distractors matched | false findings "
            "| wall s | CPU s |")
    print(head)
    print("|" + "---|" * (head.count("|") - 1))
    summary = {}
    for label, js, tname, only in rows:
        s, m, nclips = scored(corpus, truth, os.path.join(work, js), only)
        wall, cpu = times[tname]
        per_kind = []
        for k in kinds:
            f, n = s["kinds"].get(k, [0, 0])
            per_kind.append("%s (%d/%d)" % (fmt_pct(score.pct(f, n)), f, n)
                            if n else "-")
        off = ("%.3f / %.3f" % (m["offset_median"], m["offset_max"])
               if m["offset_median"] is not None else "-")
        print("| %s | %d | %s (%d/%d) | %s | %s | %s (%d/%d) | %d/%d | %d "
              "| %.1f | %.1f |" % (
                  label, nclips, fmt_pct(m["located"]), s["located"],
                  s["archived"], off, " | ".join(per_kind),
                  fmt_pct(m["faithful"]), s["faithful"], s["faithful_total"],
                  s["distractor_matches"], s["distractors"],
                  s["false_findings"], wall, cpu))
        summary[label] = (s, m, nclips, wall, cpu)
    clips = len(truth["clips"])
    hours = facts["footage_seconds"] / 3600.0
    n_orig = len(truth["events"])
    d_wall = times["dokpim_locate"][0]
    f_wall = times["fpcalc_locate"][0]
    s_wall = facts["signature_total_estimate"]
    print()
    print("Archive: %d originals, %.1f s of footage (%.3f h); %d clips."
          % (n_orig, facts["footage_seconds"], hours, clips))
    print("Time ratios over all %d clips: fpcalc / dokpim = %.1f, "
          "signature / dokpim = %.1f%s" % (
              clips, f_wall / d_wall, s_wall / d_wall,
              "" if facts["signature_pairs"] == facts["signature_all_pairs"]
              else " (signature extrapolated from %d of %d pairs)" % (
                  facts["signature_pairs"], facts["signature_all_pairs"])))
    # pairwise methods: every clip is compared with every original, so
    # the time per clip grows with the archive's hours
    with open(os.path.join(work, "fpcalc-timings.json"),
              encoding="utf-8") as f:
        ft = json.load(f)
    f_clip = ft["fpcalc_s"] / clips
    f_match = ft["match_s"] / clips / hours
    print("fpcalc + slide inside: %.1f s in fpcalc of the clips, %.1f s "
          "wall / %.1f s CPU in the search" % (ft["fpcalc_s"], ft["match_s"],
                                               ft["match_cpu_s"]))
    s_pair_hour = s_wall / clips / hours
    print("ffmpeg signature: %d of %d pairs run, %d of them crashed "
          "(counted as no match)" % (facts["signature_pairs"],
                                     facts["signature_all_pairs"],
                                     facts["signature_crashes"]))
    print("Per clip, projected linearly from this archive (%.3f h):"
          % hours)
    for h in (10, 100):
        print("  %4d h archive: fpcalc + slide %.0f s, ffmpeg signature "
              "%.0f s (%.1f h)" % (h, f_clip + f_match * h, s_pair_hour * h,
                                   s_pair_hour * h / 3600))
    print("  dokpim locate here: %.2f s per clip (whole run / clips); the "
          "index lookup is all that grows with the archive: "
          "bench/forensics/run.sh" % (d_wall / clips))
    print("Indexing (one worker, -j 1): %.1f s of footage in %.1f s wall "
          "= %.1fx real time (%.1f s CPU); ingest.video alone %.1f s wall, "
          "so the fingerprint stage is %.1f s; fpcalc of the originals "
          "%.1f s wall = %.1fx real time" % (
              facts["footage_seconds"], times["archive"][0],
              facts["footage_seconds"] / times["archive"][0],
              times["archive"][1], times["archive_ingest_only"][0],
              times["archive"][0] - times["archive_ingest_only"][0],
              times["fpcalc_index"][0],
              facts["footage_seconds"] / times["fpcalc_index"][0]))
    for label, (s, m, _, _, _) in summary.items():
        if s["misses"]:
            print("\n%s misses:" % label)
            for clip, kind, why in s["misses"]:
                print("  %-36s %-20s %s" % (clip, kind, why))


def main():
    cmd = sys.argv[1] if len(sys.argv) > 1 else ""
    if cmd == "lists" and len(sys.argv) == 4:
        return cmd_lists(sys.argv[2], sys.argv[3])
    if cmd == "calib-speech" and len(sys.argv) == 4:
        return cmd_calib_speech(sys.argv[2], int(sys.argv[3]))
    if cmd == "signature" and len(sys.argv) == 4:
        return cmd_signature(sys.argv[2], sys.argv[3])
    if cmd == "table" and len(sys.argv) == 4:
        return cmd_table(sys.argv[2], sys.argv[3])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main() or 0)
