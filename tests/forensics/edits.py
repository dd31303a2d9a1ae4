"""Clip plans: which pieces of which recordings a clip is made of, what is
done to its picture and sound, and what `dokpim locate` should find.

A plan's times are in the recording's timeline; every cut is on the frame
grid (1/25 s) so picture and sound are cut at the same instant. Findings are
kept in the clip's timeline before any speed change and scaled at the end.

`slack` of a finding: seconds of pause next to the edit point in the clip
in which the sound alone cannot tell where the edit is (the pause matches
the original on either side); the picture can, so a scorer may choose to
ignore it.
"""

import math

FPS = 25


def snap(t):
    return round(t * FPS) / FPS


def floor_frame(t):
    return math.floor(t * FPS + 1e-6) / FPS


def ceil_frame(t):
    return math.ceil(t * FPS - 1e-6) / FPS


class Source:
    """A file a clip takes pieces from; `rid` None when it is no recording
    (new speech laid over a picture)."""

    def __init__(self, path, rid, archived):
        self.path, self.rid, self.archived = path, rid, archived


class Plan:
    def __init__(self, kind, desc, rec, offset):
        self.kind, self.desc, self.rec, self.offset = kind, desc, rec, offset
        self.vsegs, self.asegs = [], []
        self.post_v = []
        self.speed = 1.0
        self.music_gain_db = None
        self.findings = []
        self.name = None

    def both(self, src, start, end):
        self.vsegs.append((src, start, end))
        self.asegs.append((src, start, end))

    def clip_length(self):
        return sum(e - s for _, s, e in self.vsegs) / self.speed

    def verdict(self):
        if not self.rec.archived:
            return None
        return "edited" if self.findings else "faithful"

    def truth(self, name):
        sp = self.speed
        segs = []
        for track, parts in (("picture", self.vsegs), ("audio", self.asegs)):
            t = 0.0
            for src, s, e in parts:
                segs.append({"track": track, "clip_start": r4(t / sp),
                             "clip_end": r4((t + e - s) / sp),
                             "source": src.rid, "orig_start": r4(s),
                             "orig_end": r4(e)})
                t += e - s
        findings = []
        for f in self.findings:
            g = dict(f)
            for k in ("clip_time", "clip_end"):
                g[k] = r4(g[k] / sp)
            g["also"] = [r4(x / sp) for x in g.get("also", [])]
            g["slack"] = [r4(x / sp) for x in g.get("slack", [0, 0])]
            for k in ("orig_start", "orig_end"):
                g[k] = r4(g[k])
            findings.append(g)
        archived = self.rec.archived
        return {"clip": name, "kind": self.kind, "description": self.desc,
                "event": self.rec.rid if archived else None,
                "file": self.rec.rel if archived else None,
                "recording": self.rec.rid,
                "offset": r4(self.offset) if archived else None,
                "speed": self.speed, "duration": r4(self.clip_length()),
                "verdict": self.verdict(),
                "findings": findings if archived else [],
                "segments": segs}


def r4(x):
    return round(x, 4)


def pause_before(rec, i):
    s = rec.sentences
    return s[i].start - (s[i - 1].end if i > 0 else 0.0)


def slot_end(rec, i):
    """Where sentence i's slot ends: the next sentence's start, so a slot
    is the sentence and the pause after it."""
    s = rec.sentences
    return s[i + 1].start if i + 1 < len(s) else rec.duration


def excerpt(rec, rng, first, last):
    """Clip bounds holding sentences first..last with about two sentences
    either side, starting and ending at arbitrary points (mid-word)."""
    s = rec.sentences
    lo = s[max(0, first - 2)].start
    hi = s[first - 1].start if first >= 1 else s[first].start
    a = snap(rng.uniform(lo, max(lo, hi)))
    k = min(len(s) - 1, last + 2)
    b = snap(rng.uniform(s[k].start, s[k].end))
    if b <= slot_end(rec, last):
        b = snap(min(rec.duration, slot_end(rec, last) + 3.0))
    return a, min(b, floor_frame(rec.duration))


def pick_sentence(rec, rng, need_after=1):
    n = len(rec.sentences)
    if n < 4 + need_after:
        raise RuntimeError("%s: %d sentences are too few for this edit" % (
            rec.rid, n))
    return rng.randrange(2, max(3, n - 2 - need_after))


def _finding(kind, clip_time, clip_end, orig_start, orig_end, slack=0.0,
             **extra):
    f = {"kind": kind, "clip_time": clip_time, "clip_end": clip_end,
         "orig_start": orig_start, "orig_end": orig_end,
         "slack": [slack, 0.0]}
    f.update(extra)
    return f


def faithful(rec, rng, ctx):
    p = Plan("faithful", "whole original re-encoded, 360p, AAC 64 kb/s", rec,
             0.0)
    p.both(rec.src, 0.0, floor_frame(rec.duration))
    return p


def trim(rec, rng, ctx):
    length = rng.uniform(16.0, 28.0)
    a = snap(rng.uniform(1.0, max(1.0, rec.duration - length - 1.0)))
    b = snap(min(rec.duration, a + length))
    p = Plan("trim", "excerpt %.2f-%.2f s" % (a, b), rec, a)
    p.both(rec.src, a, b)
    return p


def word_cut(rec, rng, ctx):
    for _ in range(100):
        i = pick_sentence(rec, rng)
        words = [w for w in rec.sentences[i].words[1:]
                 if w[2] - w[1] >= 0.3]
        if words:
            break
    word, ws, we = rng.choice(words)
    ws, we = floor_frame(ws), ceil_frame(we)
    a, b = excerpt(rec, rng, i, i)
    p = Plan("word_cut", "word '%s' (%.2f-%.2f s) removed" % (word, ws, we),
             rec, a)
    p.both(rec.src, a, ws)
    p.both(rec.src, we, b)
    p.findings.append(_finding("cut", ws - a, ws - a, ws, we))
    return p


def sentence_cut(rec, rng, ctx):
    i = pick_sentence(rec, rng)
    s = rec.sentences[i]
    cs, ce = s.start, slot_end(rec, i)
    a, b = excerpt(rec, rng, i, i + 1)
    p = Plan("sentence_cut", "sentence %d '%s' (%.2f-%.2f s) removed"
             % (i, s.text, cs, ce), rec, a)
    p.both(rec.src, a, cs)
    p.both(rec.src, ce, b)
    p.findings.append(_finding("cut", cs - a, cs - a, cs, ce,
                               pause_before(rec, i)))
    return p


def swap(rec, rng, ctx):
    i = pick_sentence(rec, rng, need_after=2)
    s1, s2 = rec.sentences[i], rec.sentences[i + 1]
    a1, a2, a3 = s1.start, s2.start, slot_end(rec, i + 1)
    a, b = excerpt(rec, rng, i, i + 2)
    p = Plan("swap", "sentences %d and %d swapped (%.2f-%.2f, %.2f-%.2f s)"
             % (i, i + 1, a1, a2, a2, a3), rec, a)
    p.both(rec.src, a, a1)
    p.both(rec.src, a2, a3)
    p.both(rec.src, a1, a2)
    p.both(rec.src, a3, b)
    t = a1 - a
    # either moved block may be the one reported as out of order
    p.findings.append(_finding("reordered", t, t + a3 - a1, a1, a3,
                               pause_before(rec, i), also=[t + a3 - a2]))
    return p


def splice(rec, rng, ctx, donor=None):
    donor = donor or ctx.other_event(rec, rng)
    n = len(donor.sentences)
    j = rng.randrange(1, n - 1) if n >= 3 else rng.randrange(n)
    ds, de = donor.sentences[j].start, slot_end(donor, j)
    i = pick_sentence(rec, rng)
    at = rec.sentences[i].start
    a, b = excerpt(rec, rng, i, i)
    p = Plan("splice", "sentence %d of %s ('%s', %.2f-%.2f s) inserted at "
             "%.2f s" % (j, donor.rid, donor.sentences[j].text, ds, de, at),
             rec, a)
    p.both(rec.src, a, at)
    p.both(donor.src, ds, de)
    p.both(rec.src, at, b)
    t = at - a
    p.findings.append(_finding("inserted", t, t + de - ds, at, at,
                               pause_before(rec, i), source=donor.rid,
                               source_start=ds, source_end=de))
    return p


def splice_distractor(rec, rng, ctx):
    p = splice(rec, rng, ctx, donor=ctx.distractor(rng))
    p.kind = "splice_distractor"
    return p


def audio_replaced(rec, rng, ctx, whole=False):
    i = pick_sentence(rec, rng, need_after=2)
    a, b = excerpt(rec, rng, i, i + 1)
    r0, r1 = (a, b) if whole else (rec.sentences[i].start,
                                   slot_end(rec, i + 1))
    src = ctx.new_speech(rec, rng, r1 - r0)
    p = Plan("audio_replaced_all" if whole else "audio_replaced",
             "sound %.2f-%.2f s replaced by other speech in the same voice"
             % (r0, r1), rec, a)
    p.vsegs.append((rec.src, a, b))
    if r0 > a:
        p.asegs.append((rec.src, a, r0))
    p.asegs.append((src, 0.0, r1 - r0))
    if r1 < b:
        p.asegs.append((rec.src, r1, b))
    p.findings.append(_finding("audio_replaced", r0 - a, r1 - a, r0, r1,
                               0.0 if whole else pause_before(rec, i)))
    return p


def audio_replaced_all(rec, rng, ctx):
    return audio_replaced(rec, rng, ctx, whole=True)


def speed(rec, rng, ctx, factor=1.1):
    p = trim(rec, rng, ctx)
    p.kind = "speed"
    p.speed = factor
    a, b = p.vsegs[0][1], p.vsegs[0][2]
    p.desc = "excerpt %.2f-%.2f s played at %.2fx (setpts, atempo)" % (
        a, b, factor)
    p.findings.append(_finding("speed", 0.0, (b - a), a, b, speed=factor))
    return p


def crop916(rec, rng, ctx):
    p = trim(rec, rng, ctx)
    p.kind = "crop916"
    p.desc += ", 9:16 centre crop"
    p.post_v = list(ctx.crop)
    return p


def letterbox(rec, rng, ctx):
    p = trim(rec, rng, ctx)
    p.kind = "letterbox"
    p.desc += ", letterboxed with a logo and a ticker"
    p.post_v = ctx.letterbox()
    return p


def music(rec, rng, ctx):
    p = trim(rec, rng, ctx)
    p.kind = "music"
    p.desc += ", music mixed 12 dB under the speech"
    p.music_gain_db = ctx.music_gain(rec, -12.0)
    return p


def word_cut_crop916(rec, rng, ctx):
    p = word_cut(rec, rng, ctx)
    p.kind = "word_cut+crop916"
    p.desc += ", 9:16 centre crop"
    p.post_v = list(ctx.crop)
    return p


def swap_letterbox(rec, rng, ctx):
    p = swap(rec, rng, ctx)
    p.kind = "swap+letterbox"
    p.desc += ", letterboxed with a logo and a ticker"
    p.post_v = ctx.letterbox()
    return p


def sentence_cut_music(rec, rng, ctx):
    p = sentence_cut(rec, rng, ctx)
    p.kind = "sentence_cut+music"
    p.desc += ", music mixed 12 dB under the speech"
    p.music_gain_db = ctx.music_gain(rec, -12.0)
    return p


def splice_speed(rec, rng, ctx):
    p = splice(rec, rng, ctx)
    p.kind = "splice+speed"
    p.speed = 1.1
    a, b = p.offset, p.asegs[-1][2]
    p.desc += ", played at 1.10x"
    p.findings.append(_finding("speed", 0.0, p.clip_length() * 1.1, a, b,
                               speed=1.1))
    return p


KINDS = {f.__name__: f for f in (
    faithful, trim, word_cut, sentence_cut, swap, splice, splice_distractor,
    audio_replaced, audio_replaced_all, speed, crop916, letterbox, music,
    word_cut_crop916, swap_letterbox, sentence_cut_music, splice_speed)}


def distractor_clip(rec, rng, ctx, change):
    """An excerpt of a recording that is not archived, re-encoded and
    maybe changed like the archived ones."""
    # a recording may be shorter than a second (silence only)
    length = max(0.4, min(rec.duration - 0.2, rng.uniform(8.0, 14.0)))
    a = snap(rng.uniform(0.0, max(0.0, rec.duration - length - 0.2)))
    b = snap(min(floor_frame(rec.duration), a + length))
    p = Plan("distractor_" + change, "excerpt %.2f-%.2f s of %s (not "
             "archived), %s" % (a, b, rec.rid, change), rec, a)
    p.both(rec.src, a, b)
    if change == "crop916":
        p.post_v = list(ctx.crop)
    elif change == "letterbox":
        p.post_v = ctx.letterbox()
    elif change == "music":
        p.music_gain_db = ctx.music_gain(rec, -12.0)
    elif change == "speed":
        p.speed = 1.1
    return p
