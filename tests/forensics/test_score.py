#!/usr/bin/python3
"""Unit test of score.py on a hand-written truth and locate output
(fixtures/): every figure it prints, the tolerances, --strict, --require
and a content-digest match; no dokpim needed."""

import copy
import json
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
FIX = os.path.join(HERE, "fixtures")
sys.path.insert(0, HERE)

import score  # noqa: E402


def load(name):
    with open(os.path.join(FIX, name), encoding="utf-8") as f:
        return json.load(f)


def figures(truth, locate, strict=False, corpus=FIX):
    results = {score.key(c["clip"]): c for c in locate["clips"]}
    s = score.Scorer(corpus, truth, 0.25, 0.1, strict).score(results)
    return s, score.metrics(s)


def run(*args):
    return subprocess.run([sys.executable, os.path.join(HERE, "score.py"),
                           FIX, "--locate-json",
                           os.path.join(FIX, "locate.json")] + list(args),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True)


def oracle(truth):
    """The locate output a perfect locator would give for `truth`."""
    clips = []
    for c in truth["clips"]:
        if c["event"] is None:
            clips.append({"clip": c["clip"], "status": "not_in_archive",
                          "matches": []})
            continue
        findings = [{"kind": f["kind"], "clip_start": f["clip_time"],
                     "clip_end": f["clip_end"], "orig_start": f["orig_start"],
                     "orig_end": f["orig_end"], "speed": f.get("speed", 1.0)}
                    for f in c["findings"]]
        clips.append({"clip": c["clip"], "status": "located", "matches": [
            {"file": c["file"], "event": c["event"], "offset": c["offset"],
             "speed": c["speed"], "verdict": c["verdict"], "confidence": 1.0,
             "findings": findings}]})
    return {"clips": clips}


class FixtureFigures(unittest.TestCase):
    def test_oracle_scores_full_marks(self):
        truth = load("truth.json")
        if os.environ.get("DK_FORENSICS_TRUTH"):
            with open(os.environ["DK_FORENSICS_TRUTH"]) as f:
                truth = json.load(f)
        s, m = figures(truth, oracle(truth), strict=True)
        self.assertEqual(s["misses"], [])
        for name in ("located", "offset_ok", "found", "faithful"):
            self.assertEqual(m[name], 100.0, name)
        self.assertEqual(m["offset_max"], 0.0)
        self.assertEqual((m["distractor_matches"], m["false_findings"],
                          m["errors"]), (0, 0, 0))
        # and one that finds nothing scores nothing
        none = {"clips": [{"clip": c["clip"], "status": "not_in_archive",
                           "matches": []} for c in truth["clips"]]}
        s, m = figures(truth, none)
        self.assertEqual((m["located"], m["found"], m["faithful"]),
                         (0.0, 0.0, 0.0))
        self.assertEqual(m["distractor_matches"], 0)

    def setUp(self):
        self.truth, self.locate = load("truth.json"), load("locate.json")

    def test_figures(self):
        s, m = figures(self.truth, self.locate)
        self.assertEqual((s["located"], s["archived"]), (6, 6))
        self.assertAlmostEqual(m["offset_max"], 0.2, places=6)
        self.assertAlmostEqual(m["offset_median"], 0.03, places=6)
        self.assertAlmostEqual(m["offset_ok"], 500 / 6)
        self.assertEqual((s["distractor_matches"], s["distractors"]), (1, 2))
        self.assertEqual(s["kinds"], {"cut": [1, 1], "reordered": [1, 1],
                                      "inserted": [0, 1], "speed": [1, 1]})
        self.assertEqual(m["found"], 75.0)
        # the cut reported in a faithful trim, the cut for the insertion
        self.assertEqual(s["false_findings"], 2)
        self.assertEqual((s["faithful"], s["faithful_total"]), (1, 2))
        missed = {c for c, _, _ in s["misses"]}
        self.assertEqual(missed, {"clips/C002_trim_E02.mp4",
                                  "clips/C005_splice_E02.mp4",
                                  "distractors/D001.mp4"})

    def test_strict_drops_slack_and_alternatives(self):
        s, m = figures(self.truth, self.locate, strict=True)
        self.assertEqual(s["kinds"]["reordered"], [0, 1])
        self.assertEqual(s["false_findings"], 3)

    def test_tolerance_edges(self):
        locate = copy.deepcopy(self.locate)
        cut = locate["clips"][2]["matches"][0]["findings"][0]
        for t, found in ((8.24, 1), (7.76, 1), (8.26, 0), (7.7, 0)):
            cut["clip_start"] = t
            s, _ = figures(self.truth, locate)
            self.assertEqual(s["kinds"]["cut"][0], found, t)
        # 0.6 s of pause before the reordering counts only without --strict
        r = locate["clips"][3]["matches"][0]["findings"][0]
        r["clip_start"] = 5.2
        self.assertEqual(figures(self.truth, locate)[0]["kinds"]
                         ["reordered"][0], 1)
        self.assertEqual(figures(self.truth, locate, True)[0]["kinds"]
                         ["reordered"][0], 0)

    def test_speed_must_match(self):
        locate = copy.deepcopy(self.locate)
        locate["clips"][5]["matches"][0]["findings"][0]["speed"] = 1.2
        self.assertEqual(figures(self.truth, locate)[0]["kinds"]["speed"],
                         [0, 1])

    def test_wrong_original_and_missing_clip(self):
        locate = copy.deepcopy(self.locate)
        locate["clips"][0]["matches"][0].update(event="E02",
                                                file="a/E02.mp4", item="E02")
        del locate["clips"][1]
        s, m = figures(self.truth, locate)
        self.assertEqual(s["located"], 4)
        self.assertEqual(s["errors"], 1)
        self.assertEqual(s["faithful"], 0)

    def test_digest_decides_when_given(self):
        with tempfile.TemporaryDirectory() as d:
            os.makedirs(os.path.join(d, "events"))
            for e in ("E01", "E02"):
                with open(os.path.join(d, "events", e + ".mp4"), "wb") as f:
                    f.write(e.encode() * 100)
            right = score.sha256(os.path.join(d, "events", "E01.mp4"))
            locate = copy.deepcopy(self.locate)
            m0 = locate["clips"][0]["matches"][0]
            m0["sha256"] = right.upper()
            self.assertEqual(figures(self.truth, locate, corpus=d)[0]
                             ["located"], 6)
            m0["sha256"] = score.sha256(os.path.join(d, "events",
                                                     "E02.mp4"))
            self.assertEqual(figures(self.truth, locate, corpus=d)[0]
                             ["located"], 5)


class CommandLine(unittest.TestCase):
    def test_report_and_requirements(self):
        p = run()
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("located right original: 6/6 (100.0 %)", p.stdout)
        self.assertIn("distractors wrongly matched: 1/2", p.stdout)
        self.assertIn("edits found, inserted:       0/1 (0.0 %)", p.stdout)
        self.assertIn("faithful clips called faithful: 1/2 (50.0 %)",
                      p.stdout)
        self.assertIn("clips/C005_splice_E02.mp4", p.stdout)
        ok = run("--require", "located=99", "--require", "found_cut=95",
                 "--require", "found_no_such_kind=95")
        self.assertEqual(ok.returncode, 0, ok.stdout)
        bad = run("--require", "found=95", "--require",
                  "distractor_matches=0")
        self.assertEqual(bad.returncode, 1)
        self.assertIn("REQUIRED: found = 75 < 95", bad.stdout)
        self.assertIn("REQUIRED: distractor_matches = 1 > 0", bad.stdout)
        self.assertEqual(run("--require", "nonsense=1").returncode, 2)

    def test_summary_json(self):
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "s.json")
            self.assertEqual(run("--summary-json", out).returncode, 0)
            with open(out) as f:
                m = json.load(f)
            self.assertEqual(m["distractor_matches"], 1)
            self.assertEqual(len(m["misses"]), 3)


if __name__ == "__main__":
    unittest.main()
