"""ffmpeg, sox and ImageMagick calls that write the corpus's media.

Every output is written under a temporary name and renamed, so an
interrupted run never leaves a half-written file that a later run would
skip. Encodes are bit-exact and seeded, so two runs give the same files.
"""

import os
import subprocess
import wave

FPS = 25
CONVERT = os.environ.get("IM_CONVERT", "/usr/bin/convert")
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
BITEXACT = ["-map_metadata", "-1", "-fflags", "+bitexact",
            "-flags:v", "+bitexact", "-flags:a", "+bitexact"]


class Tools:
    def __init__(self, threads):
        self.threads = str(threads)

    def run(self, args):
        p = subprocess.run(args, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True)
        if p.returncode != 0:
            raise RuntimeError("%s failed (%d): %s" % (
                args[0], p.returncode, p.stderr.strip()[-2000:]))
        return p.stdout + p.stderr

    def ffmpeg(self, args, out):
        tmp = _tmp_name(out)
        self.run(["ffmpeg", "-nostdin", "-v", "error", "-y",
                  "-threads", self.threads, "-filter_threads", self.threads]
                 + args + BITEXACT + ["-threads", self.threads, tmp])
        os.replace(tmp, out)


def _tmp_name(out):
    d, b = os.path.split(out)
    return os.path.join(d, ".tmp." + b)


def write_wav(path, pcm, rate):
    tmp = _tmp_name(path)
    with wave.open(tmp, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm.tobytes())
    os.replace(tmp, path)


def _pan(w, h, seed):
    """A w x h view wandering over a picture twice that size. Crop is cheap
    (zoompan cost a second of CPU per second); the periods are
    incommensurate, so the view never retraces itself in a recording."""
    a, b = 3.9 + seed % 7 * 0.31, 6.1 + seed % 5 * 0.43
    return ("crop=%d:%d:x='(iw-ow)*(0.5+0.5*sin(t/%.2f+%d))':"
            "y='(ih-oh)*(0.5+0.5*sin(t/%.2f))'" % (w, h, a, seed, b))


def picture_source(tools, style, seed, duration, size, work):
    """ffmpeg input arguments and the filter from [0:v] to a moving
    picture: non-periodic over the recording, so the picture print has no
    repeats an aligner could lock onto at the wrong time."""
    w, h = size
    d = "%.3f" % duration
    if style == "plasma":
        png = os.path.join(work, "plasma%d.png" % seed)
        if not os.path.exists(png):
            tools.run([CONVERT, "-seed", str(seed), "-size", "%dx%d" % (
                w * 2, h * 2), "plasma:fractal", png])
        # decoded once, then panned
        return (["-i", png], "loop=loop=-1:size=1,setpts=N/%d/TB,%s,"
                "hue=h=25*sin(t/9.7),format=yuv420p" % (FPS,
                                                        _pan(w, h, seed)))
    if style == "testsrc2":
        # its colour bars alone barely change: pan over a double-size one
        return (["-f", "lavfi", "-i", "testsrc2=s=%dx%d:r=%d:d=%s" % (
            2 * w, 2 * h, FPS, d)], "%s,hue=h=%d+9*t,format=yuv420p" % (
                _pan(w, h, seed), seed * 47 % 360))
    if style == "gradients":
        # ffmpeg 5.1 draws the colours and end points from a random seed
        # even when given seed=: give them all
        colours = ":".join("c%d=0x%06x" % (i, (seed * 7 + i) * 2654435761 %
                                            0xFFFFFF) for i in range(5))
        ends = "x0=%d:y0=%d:x1=%d:y1=%d" % (
            seed * 37 % w, seed * 17 % h, w - seed * 53 % w, h - seed * 29 % h)
        return (["-f", "lavfi", "-i",
                 "gradients=s=%dx%d:r=%d:d=%s:seed=%d:speed=0.015:n=5:%s:%s"
                 % (w, h, FPS, d, seed, colours, ends)],
                "noise=alls=6:allf=p:all_seed=%d,format=yuv420p" % seed)
    if style == "mandelbrot":
        return (["-f", "lavfi", "-i",
                 "mandelbrot=s=%dx%d:r=%d:end_scale=0.002:end_pts=%d" % (
                     w, h, FPS, int(duration) + 30)],
                "hue=h=%d,format=yuv420p" % (seed * 61 % 360))
    if style == "noise":
        colour = "0x%06x" % (seed * 2654435761 % 0xFFFFFF)
        return (["-f", "lavfi", "-i", "color=c=%s:s=%dx%d:r=%d:d=%s" % (
            colour, w, h, FPS, d)],
                "noise=alls=8:allf=t:all_seed=%d,format=yuv420p" % seed)
    raise ValueError(style)


def encode_recording(tools, out, speech_wav, style, seed, duration, size,
                     work, preset, crf=23):
    """An archived original (or a distractor): the speech with a quiet
    seeded room tone under it, over a generated picture; H.264 + AAC 128k."""
    vin, vf = picture_source(tools, style, seed, duration, size, work)
    d = "%.3f" % duration
    tone = "anoisesrc=r=22050:color=pink:amplitude=0.003:seed=%d:d=%s" % (
        seed, d)
    tools.ffmpeg(vin + ["-i", speech_wav, "-f", "lavfi", "-i", tone,
                        "-filter_complex",
                        "[0:v]%s[v];[1:a][2:a]amix=inputs=2:duration=first:"
                        "normalize=0[a]" % vf,
                        "-map", "[v]", "-map", "[a]", "-t", d,
                        "-c:v", "libx264", "-preset", preset,
                        "-crf", str(crf),
                        "-g", str(2 * FPS), "-pix_fmt", "yuv420p",
                        "-c:a", "aac", "-b:a", "128k", "-ar", "48000",
                        "-ac", "2", "-movflags", "+faststart"], out)


def make_music(tools, out, seconds):
    """A plucked chord progression with a melody on top (sox synth)."""
    tmp = _tmp_name(out)
    chords = [("C3", "E3", "G3", "E4"), ("G2", "D3", "B3", "D4"),
              ("A2", "E3", "C4", "A4"), ("F2", "C3", "A3", "C4"),
              ("C3", "G3", "E4", "G4"), ("D3", "F3", "A3", "F4"),
              ("G2", "B2", "D3", "B4"), ("C3", "E3", "G3", "C5")]
    parts = []
    for i, notes in enumerate(chords):
        part = "%s.%d.wav" % (tmp, i)
        synth = []
        for n in notes:
            synth += ["pluck", n]
        tools.run(["sox", "-R", "-n", "-r", "22050", "-c", "4", part,
                   "synth", "0.75"] + synth +
                  ["remix", "1-4", "fade", "0", "0.75", "0.2", "norm", "-6"])
        parts.append(part)
    loops = int(seconds / (0.75 * len(chords))) + 1
    tools.run(["sox", "-R"] + parts + [tmp, "repeat", str(loops)])
    for p in parts:
        os.remove(p)
    os.replace(tmp, out)


def sox_rms_db(tools, path):
    text = tools.run(["sox", path, "-n", "stats"])
    for line in text.splitlines():
        if line.startswith("RMS lev dB"):
            return float(line.split()[3])
    raise RuntimeError("sox stats: no RMS for %s" % path)


def render_clip(tools, out, plan, music=None, preset="veryfast"):
    """One clip: video and audio segments cut from their sources at exact
    times and concatenated, then the plan's picture and sound changes, then
    a 360p H.264 + AAC 64k encode."""
    args = []
    inputs = {}

    def source(src, start, end):
        key = (src.path, start, end)
        if key not in inputs:
            inputs[key] = len(inputs)
            args.extend(["-ss", "%.4f" % start, "-t", "%.4f" % (end - start),
                         "-i", src.path])
        return inputs[key]

    graph = []
    vl = []
    for k, (path, start, end) in enumerate(plan.vsegs):
        n = source(path, start, end)
        graph.append("[%d:v:0]scale=640:360,setsar=1,fps=%d,format=yuv420p,"
                     "setpts=PTS-STARTPTS[v%d]" % (n, FPS, k))
        vl.append("[v%d]" % k)
    al = []
    for k, (path, start, end) in enumerate(plan.asegs):
        n = source(path, start, end)
        graph.append("[%d:a:0]aresample=48000,aformat=sample_fmts=fltp:"
                     "channel_layouts=stereo,asetpts=PTS-STARTPTS[a%d]"
                     % (n, k))
        al.append("[a%d]" % k)
    graph.append("%sconcat=n=%d:v=1:a=0[vc]" % ("".join(vl), len(vl)))
    graph.append("%sconcat=n=%d:v=0:a=1[ac]" % ("".join(al), len(al)))
    vpost = list(plan.post_v)
    apost = []
    if plan.speed != 1.0:
        vpost.append("setpts=PTS/%.4f,fps=%d" % (plan.speed, FPS))
        apost.append("atempo=%.4f" % plan.speed)
    graph.append("[vc]%s[vo]" % (",".join(vpost) or "null"))
    if plan.music_gain_db is not None:
        args.extend(["-i", music])
        m = len(inputs)
        graph.append("[%d:a]volume=%.2fdB,aresample=48000,aformat="
                     "sample_fmts=fltp:channel_layouts=stereo[m]"
                     % (m, plan.music_gain_db))
        graph.append("[ac][m]amix=inputs=2:duration=first:normalize=0[am]")
        graph.append("[am]%s[ao]" % (",".join(apost) or "anull"))
    else:
        graph.append("[ac]%s[ao]" % (",".join(apost) or "anull"))
    tools.ffmpeg(args + ["-filter_complex", ";".join(graph),
                         "-map", "[vo]", "-map", "[ao]",
                         "-c:v", "libx264", "-preset", preset, "-crf", "26",
                         "-g", str(2 * FPS), "-pix_fmt", "yuv420p",
                         "-c:a", "aac", "-b:a", "64k",
                         "-movflags", "+faststart"], out)


def letterbox_filters(ticker):
    """The picture shrunk into black bars, a station logo box and a
    scrolling ticker, as a news channel reposts a speech."""
    text = ticker.replace("'", "").replace(":", " ").replace(",", " ")
    return ["scale=480:270", "pad=640:360:80:45:black",
            "drawbox=x=92:y=55:w=70:h=34:color=white@0.9:t=fill",
            "drawbox=x=96:y=59:w=62:h=26:color=red@0.9:t=fill",
            "drawtext=fontfile=%s:text='%s':fontsize=18:fontcolor=white:"
            "box=1:boxcolor=navy@0.9:x=w-mod(t*90\\,w+tw):y=h-32"
            % (FONT, text)]


CROP_916 = ["crop=ih*9/16:ih", "scale=360:640", "setsar=1"]
