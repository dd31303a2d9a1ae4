#!/usr/bin/python3
"""Builds the generated speech-forensics corpus (issue 13) in OUTDIR.

    corpus.py OUTDIR [--size SMALL|FULL] [--threads N] [--jobs N]

OUTDIR/events/E01.mp4 ...   archived originals (Indonesian espeak-ng speech
                            over generated moving pictures, H.264 + AAC 128k)
OUTDIR/meta/E01.ini         their event files ([event] group, for dokpim run)
OUTDIR/meta/E01.words.json  their sentence and word time tables
OUTDIR/meta/events.tsv      event file and original per line (archive.sh)
OUTDIR/distractors/D001.mp4 recordings that are NOT archived
OUTDIR/clips/C001_*.mp4     circulating clips (edited copies, distractors)
OUTDIR/truth.json           what `dokpim locate` should say about each clip

Deterministic (fixed seeds, bit-exact encodes). A file already there is
kept, so a second run only finishes what an interrupted one left; delete
OUTDIR to rebuild after changing this script.
"""

import argparse
import array
import concurrent.futures
import json
import os
import random
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import edits  # noqa: E402
import media  # noqa: E402
import phrases  # noqa: E402
import speech  # noqa: E402

SIZES = {
    # events, seconds of speech per event, distractors, their seconds,
    # picture size of the originals, clips per kind per event (see PLANS)
    # TINY: a quick run for CTest, with the shortest recordings possible
    "TINY": dict(events=2, event_s=(28, 32), distractors=4,
                 distractor_s=(2, 5), size=(640, 360), preset="ultrafast",
                 clip_preset="ultrafast"),
    "SMALL": dict(events=3, event_s=(60, 78), distractors=50,
                  distractor_s=(9, 14), size=(640, 360), preset="veryfast",
                  clip_preset="superfast"),
    "FULL": dict(events=6, event_s=(170, 230), distractors=60,
                 distractor_s=(15, 30), size=(1280, 720), preset="veryfast",
                 clip_preset="veryfast"),
}

# Which kinds each size makes: SMALL spreads the kinds over its 3 events;
# FULL makes every kind for every event (twice for the commonest edits).
SMALL_PLAN = [
    ["faithful", "trim", "word_cut", "sentence_cut", "swap", "splice",
     "crop916", "music", "word_cut_crop916"],
    ["faithful", "trim", "word_cut", "audio_replaced", "speed", "letterbox",
     "sentence_cut", "swap_letterbox"],
    ["faithful", "trim", "word_cut", "splice_distractor", "speed", "music",
     "crop916", "letterbox", "audio_replaced"],
]
FULL_KINDS = ["faithful", "trim", "trim", "word_cut", "word_cut",
              "word_cut", "sentence_cut", "sentence_cut", "swap", "swap",
              "splice", "splice_distractor", "audio_replaced",
              "audio_replaced_all", "speed", "speed", "crop916", "crop916",
              "letterbox", "music", "music", "word_cut_crop916",
              "swap_letterbox", "sentence_cut_music", "splice_speed"]
TINY_PLAN = [["faithful", "word_cut", "swap", "speed"],
             ["sentence_cut", "splice_distractor", "audio_replaced",
              "crop916"]]
DISTRACTOR_CHANGES = {"TINY": ["plain", "speed", "music"],
                      "SMALL": ["plain", "plain", "music", "crop916",
                                "speed"],
                      "FULL": ["plain"] * 6 + ["music", "music", "crop916",
                                               "crop916", "letterbox",
                                               "letterbox", "speed"]}

VOICES = ["id+m3", "id+f2", "id+m1", "id+f4", "id+m7", "id+f1", "id+m5",
          "id+f3", "id", "id+m2"]
STYLES = ["plasma", "testsrc2", "gradients", "plasma", "mandelbrot",
          "gradients"]
LEADERS = [("Bupati", "Drs. H. Sutrisno Wibowo"),
           ("Gubernur", "Ir. Ratna Kusumawardani"),
           ("Wali Kota", "Hendra Saputra, S.H."),
           ("Menteri Keuangan", "Dr. Ayu Lestari"),
           ("Bupati", "H. Rahmat Hidayat, M.Si."),
           ("Gubernur", "Prof. Dr. Made Suarjana")]
TITLES = ["Konferensi Pers Rancangan Anggaran Daerah",
          "Pidato Penanganan Banjir dan Tanah Longsor",
          "Peresmian Jalan Lingkar dan Jembatan Desa",
          "Keterangan Pers Kebijakan Pajak Daerah",
          "Rapat Paripurna Pendidikan dan Kesehatan",
          "Sambutan Hari Jadi Provinsi"]
CITIES = ["Mangupura", "Semarang", "Medan", "Jakarta", "Makassar",
          "Denpasar"]
ZONES = ["Asia/Makassar", "Asia/Jakarta", "Asia/Jakarta", "Asia/Jakarta",
         "Asia/Makassar", "Asia/Makassar"]

RATE = speech.RATE
FRAME = RATE // edits.FPS  # samples per video frame (882)


class Sentence:
    def __init__(self, text, start, end, words):
        self.text, self.start, self.end, self.words = text, start, end, words


class Recording:
    def __init__(self, rid, rel, archived):
        self.rid, self.rel, self.archived = rid, rel, archived
        self.sentences = []
        self.duration = 0.0
        self.src = None


def speak(speaker, texts, voice, rng, lead=0.8, tail=1.2, seconds=None):
    """Sentences one after another with natural pauses; each sentence
    starts on a video frame so sentence edits cut picture and sound at the
    same instant. `texts` is a list, or with `seconds` a function giving
    the next sentence until the speech is that long. Returns the samples
    and the sentence table."""
    speaker.voice(*voice)
    pcm = array.array("h", bytes(2 * int(lead * RATE)))
    table = []
    k = 0
    while (k < len(texts)) if seconds is None else (len(pcm) <
                                                    seconds * RATE):
        text = texts[k] if seconds is None else texts()
        gap = (-len(pcm)) % FRAME
        pcm.extend(array.array("h", bytes(2 * gap)))
        samples, words = speaker.sentence(text)
        t0 = len(pcm)
        pcm.extend(samples)
        table.append(Sentence(
            text, t0 / RATE, len(pcm) / RATE,
            [(w, (t0 + s) / RATE, (t0 + e) / RATE) for w, s, e in words]))
        # a longer pause now and then, as between paragraphs
        pause = rng.uniform(1.1, 1.6) if k % 4 == 3 else rng.uniform(0.45,
                                                                       0.9)
        pcm.extend(array.array("h", bytes(2 * int(pause * RATE))))
        k += 1
    pcm.extend(array.array("h", bytes(2 * int(tail * RATE))))
    pcm.extend(array.array("h", bytes(2 * ((-len(pcm)) % FRAME))))
    return pcm, table


def voice_for(rng, k):
    return (VOICES[k % len(VOICES)], rng.randrange(140, 176),
            rng.randrange(30, 71), rng.randrange(30, 80))


class Context:
    """What clip plans need beyond their own recording."""

    def __init__(self, out, tools, speaker, events, distractors, phrases_src,
                 music_path):
        self.out, self.tools, self.speaker = out, tools, speaker
        self.events, self.distractors = events, distractors
        self.phrases = phrases_src
        self.music_path = music_path
        self.music_rms = None
        self.crop = media.CROP_916
        self.replacements = 0
        self.rms = {}

    def other_event(self, rec, rng):
        return rng.choice([e for e in self.events if e is not rec])

    def distractor(self, rng):
        return rng.choice([d for d in self.distractors
                           if len(d.sentences) >= 3] or self.distractors)

    def letterbox(self):
        return media.letterbox_filters(
            "BERITA TERKINI  Pemerintah daerah menyampaikan keterangan pers "
            "hari ini  Ikuti terus perkembangannya")

    def music_gain(self, rec, below_db):
        if self.music_rms is None:
            self.music_rms = media.sox_rms_db(self.tools, self.music_path)
        if rec.rid not in self.rms:
            self.rms[rec.rid] = media.sox_rms_db(self.tools, rec.wav)
        return self.rms[rec.rid] + below_db - self.music_rms

    def new_speech(self, rec, rng, seconds):
        """Other words in the recording's own voice, exactly `seconds` long,
        for a replaced sound track."""
        self.replacements += 1
        texts = self.phrases.speech(max(2, int(seconds / 3.5) + 1))
        pcm, _ = speak(self.speaker, texts, rec.voice, rng, lead=0.0,
                       tail=0.0)
        n = int(round(seconds * RATE))
        pcm = pcm[:n]
        pcm.extend(array.array("h", bytes(2 * (n - len(pcm)))))
        path = os.path.join(self.out, "work", "replace%02d.wav" %
                            self.replacements)
        media.write_wav(path, pcm, RATE)
        return edits.Source(path, None, False)


def make_recordings(out, cfg, speaker, src_events, src_distractors, rng):
    events, distractors = [], []
    for k in range(cfg["events"]):
        rid = "E%02d" % (k + 1)
        rec = Recording(rid, "events/%s.mp4" % rid, True)
        rec.voice = voice_for(rng, k)
        rec.style = STYLES[k % len(STYLES)]
        seconds = rng.uniform(*cfg["event_s"])
        uses = {}
        rec.pcm, rec.sentences = speak(
            speaker, lambda: src_events.take(uses, 2), rec.voice, rng,
            seconds=seconds)
        events.append(rec)
    # and two short ones: room tone only (0.8 s), and one sentence
    for k in range(cfg["distractors"] + 2):
        rid = "D%03d" % (k + 1)
        rec = Recording(rid, "distractors/%s.mp4" % rid, False)
        rec.voice = voice_for(rng, k + 3)
        rec.style = "noise"
        seconds = rng.uniform(*cfg["distractor_s"])
        if k >= cfg["distractors"]:
            seconds = 0.5 * (k - cfg["distractors"])
        uses = {}
        rec.pcm, rec.sentences = speak(
            speaker, lambda: src_distractors.take(uses), rec.voice, rng,
            lead=0.3, tail=0.5, seconds=seconds)
        distractors.append(rec)
    for rec in events + distractors:
        rec.duration = len(rec.pcm) / RATE
        rec.path = os.path.join(out, rec.rel)
        rec.wav = os.path.join(out, "work", rec.rid + ".wav")
        rec.src = edits.Source(rec.path, rec.rid, rec.archived)
    return events, distractors


def write_event_file(out, rec, k):
    role, leader = LEADERS[k % len(LEADERS)]
    title = "%s %s" % (TITLES[k % len(TITLES)], rec.rid)
    lines = ["# Generated by tests/forensics/corpus.py: fictional event, "
             "synthetic speech.", "[event]",
             "title=%s" % title, "leader=%s" % leader, "role=%s" % role,
             "agency=Bagian Protokol dan Komunikasi Pimpinan",
             "place=Pendopo %s" % CITIES[k % len(CITIES)],
             "city=%s" % CITIES[k % len(CITIES)],
             "date=2026-%02d-%02d" % (1 + k % 12, 3 + 4 * k % 25),
             "timezone=%s" % ZONES[k % len(ZONES)],
             "tags=pidato;%s;forensik;korpus uji" % role.lower(),
             "language=id", ""]
    write_text(os.path.join(out, "meta", rec.rid + ".ini"), "\n".join(lines))
    return title


def table_json(rec):
    return {"recording": rec.rid, "file": rec.rel, "archived": rec.archived,
            "duration": round(rec.duration, 4),
            "voice": {"name": rec.voice[0], "rate": rec.voice[1],
                      "pitch": rec.voice[2], "range": rec.voice[3]},
            "picture": rec.style,
            "sentences": [{"text": s.text, "start": round(s.start, 4),
                           "end": round(s.end, 4),
                           "words": [{"word": w, "start": round(a, 4),
                                      "end": round(b, 4)}
                                     for w, a, b in s.words]}
                          for s in rec.sentences]}


def write_text(path, text):
    tmp = os.path.join(os.path.dirname(path), ".tmp." +
                       os.path.basename(path))
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)


def plan_clips(size, events, distractors, ctx, rng):
    plans = []
    per_event = {"TINY": TINY_PLAN, "SMALL": SMALL_PLAN}.get(
        size, [FULL_KINDS] * len(events))
    for rec, kinds in zip(events, per_event):
        for kind in kinds:
            plans.append(edits.KINDS[kind](rec, rng, ctx))
    for change in DISTRACTOR_CHANGES[size]:
        rec = rng.choice(distractors)
        plans.append(edits.distractor_clip(rec, rng, ctx, change))
    for n, p in enumerate(plans):
        p.name = "clips/C%03d_%s_%s.mp4" % (n + 1, p.kind.replace("+", "_"),
                                            p.rec.rid)
    return plans


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    ap.add_argument("out")
    ap.add_argument("--size", choices=sorted(SIZES), default="SMALL")
    ap.add_argument("--threads", type=int, default=1,
                    help="threads per ffmpeg (default 1)")
    ap.add_argument("--plan-only", action="store_true",
                    help="speech tables, event files and truth.json only: "
                    "no pictures, no encodes")
    ap.add_argument("--jobs", type=int, default=1,
                    help="ffmpeg runs at once (default 1)")
    args = ap.parse_args()
    cfg = SIZES[args.size]
    out = os.path.abspath(args.out)
    for d in ("events", "meta", "distractors", "clips", "work"):
        os.makedirs(os.path.join(out, d), exist_ok=True)
    t0, cpu0 = time.monotonic(), cpu_seconds()
    rng = random.Random(13 if args.size == "SMALL" else 1313)
    tools = media.Tools(args.threads)
    speaker = speech.Speaker()
    src_e = phrases.SentenceSource(phrases.EVENT_TEMPLATES, rng)
    src_d = phrases.SentenceSource(phrases.DISTRACTOR_TEMPLATES, rng)
    events, distractors = make_recordings(out, cfg, speaker, src_e, src_d,
                                          rng)
    for rec in events + distractors:
        media.write_wav(rec.wav, rec.pcm, RATE)
    music = os.path.join(out, "work", "music.wav")
    if not os.path.exists(music):
        media.make_music(tools, music, 90.0)
    # replacement speech must not reuse any recording's sentences
    ctx = Context(out, tools, speaker, events, distractors, src_e, music)
    plans = plan_clips(args.size, events, distractors, ctx, rng)
    t_plan, cpu_plan = time.monotonic(), cpu_seconds()

    jobs = []
    for k, rec in enumerate(events + distractors):
        size = cfg["size"] if rec.archived else (640, 360)
        preset = cfg["preset"] if rec.archived else "ultrafast"
        jobs.append((rec.path, lambda rec=rec, size=size, preset=preset:
                     media.encode_recording(tools, rec.path, rec.wav,
                                            rec.style, 1 + k, rec.duration,
                                            size, os.path.join(out, "work"),
                                            preset,
                                            23 if rec.archived else 30)))
    run_jobs(jobs, 0 if args.plan_only else args.jobs)
    t_rec, cpu_rec = time.monotonic(), cpu_seconds()
    jobs = [(os.path.join(out, p.name),
             lambda p=p: media.render_clip(tools, os.path.join(out, p.name),
                                           p, music, cfg["clip_preset"]))
            for p in plans]
    run_jobs(jobs, 0 if args.plan_only else args.jobs)
    t_clips, cpu_clips = time.monotonic(), cpu_seconds()

    titles = {}
    for k, rec in enumerate(events):
        titles[rec.rid] = write_event_file(out, rec, k)
    write_text(os.path.join(out, "meta", "events.tsv"),
               "".join("meta/%s.ini\t%s\n" % (r.rid, r.rel) for r in events))
    for rec in events + distractors:
        write_text(os.path.join(out, "meta", rec.rid + ".words.json"),
                   json.dumps(table_json(rec), ensure_ascii=False, indent=1))
    clips = [p.truth(p.name) for p in plans]
    clips += [{"clip": d.rel, "kind": "distractor",
               "description": "unarchived recording, as recorded",
               "event": None, "file": None, "recording": d.rid,
               "offset": None, "speed": 1.0, "duration": round(d.duration, 4),
               "verdict": None, "findings": [], "segments": []}
              for d in distractors]
    truth = {
        "size": args.size, "generator": "tests/forensics/corpus.py",
        "events": [{"event": r.rid, "title": titles[r.rid], "file": r.rel,
                    "event_file": "meta/%s.ini" % r.rid,
                    "words": "meta/%s.words.json" % r.rid,
                    "duration": round(r.duration, 4)} for r in events],
        "distractors": [{"recording": d.rid, "file": d.rel,
                         "words": "meta/%s.words.json" % d.rid,
                         "duration": round(d.duration, 4)}
                        for d in distractors],
        "clips": clips,
    }
    write_text(os.path.join(out, "truth.json"),
               json.dumps(truth, ensure_ascii=False, indent=1))
    t_end, cpu_end = time.monotonic(), cpu_seconds()
    print("corpus %s in %s: %d events (%.0f s), %d distractors (%.0f s), "
          "%d clips; wall (CPU) seconds: speech+plans %.1f (%.1f), "
          "recordings %.1f (%.1f), clips %.1f (%.1f), total %.1f (%.1f)" % (
              args.size, out, len(events), sum(e.duration for e in events),
              len(distractors), sum(d.duration for d in distractors),
              len(plans), t_plan - t0, cpu_plan - cpu0, t_rec - t_plan,
              cpu_rec - cpu_plan, t_clips - t_rec, cpu_clips - cpu_rec,
              t_end - t0, cpu_end - cpu0))


def cpu_seconds():
    """CPU time of this process and its finished children (the tools)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def run_jobs(jobs, parallel):
    """Runs the jobs whose output is not there yet; none when parallel is
    0 (--plan-only)."""
    todo = [fn for path, fn in jobs if not os.path.exists(path)]
    if parallel == 0:
        return
    if parallel <= 1:
        for fn in todo:
            fn()
        return
    with concurrent.futures.ThreadPoolExecutor(parallel) as pool:
        for f in [pool.submit(fn) for fn in todo]:
            f.result()


if __name__ == "__main__":
    try:
        main()
    except RuntimeError as e:
        sys.exit("corpus.py: %s" % e)
