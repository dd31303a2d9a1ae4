"""espeak-ng speech with word times, through libespeak-ng (ctypes).

The espeak-ng command cannot report where words start; the library's
synchronous mode does (word events carry a sample position), and it saves
a process per sentence. One sentence is synthesised per call, so sentence
pauses are ours and exact.
"""

import array
import ctypes
import ctypes.util

RATE = 22050
_AUDIO_OUTPUT_SYNCHRONOUS = 2
_POS_CHARACTER = 1
_CHARS_UTF8 = 1
_EV_END_LIST, _EV_WORD = 0, 1
_P_RATE, _P_PITCH, _P_RANGE = 1, 3, 4
# below this a sample is silence (espeak-ng pads a sentence with zeros)
_QUIET = 64


class _Event(ctypes.Structure):
    _fields_ = [("type", ctypes.c_int), ("unique_identifier", ctypes.c_uint),
                ("text_position", ctypes.c_int), ("length", ctypes.c_int),
                ("audio_position", ctypes.c_int), ("sample", ctypes.c_int),
                ("user_data", ctypes.c_void_p), ("id", ctypes.c_char * 8)]


_CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short),
                             ctypes.c_int, ctypes.POINTER(_Event))


class Speaker:
    def __init__(self):
        name = ctypes.util.find_library("espeak-ng") or "libespeak-ng.so.1"
        try:
            self.lib = ctypes.CDLL(name)
        except OSError as e:
            raise RuntimeError("libespeak-ng not found (%s): install "
                               "espeak-ng" % e)
        rate = self.lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, 500,
                                          None, 0)
        if rate != RATE:
            raise RuntimeError("espeak-ng: unexpected sample rate %d" % rate)
        self.pcm = array.array("h")
        self.words = []
        self._cb = _CALLBACK(self._collect)  # kept alive: C holds it
        self.lib.espeak_SetSynthCallback(self._cb)

    def _collect(self, wav, n, events):
        i = 0
        while events[i].type != _EV_END_LIST:
            e = events[i]
            if e.type == _EV_WORD:
                self.words.append((e.text_position, e.length, e.sample))
            i += 1
        if wav and n > 0:
            self.pcm.extend(wav[:n])
        return 0

    def voice(self, name, rate, pitch, pitch_range=50):
        if self.lib.espeak_SetVoiceByName(name.encode()) != 0:
            raise RuntimeError("espeak-ng: no voice %s" % name)
        self.lib.espeak_SetParameter(_P_RATE, rate, 0)
        self.lib.espeak_SetParameter(_P_PITCH, pitch, 0)
        self.lib.espeak_SetParameter(_P_RANGE, pitch_range, 0)

    def sentence(self, text):
        """Samples of one sentence without its leading and trailing
        silence, and [(word, start, end)] in samples within them."""
        self.pcm = array.array("h")
        self.words = []
        data = text.encode()
        self.lib.espeak_Synth(data, len(data) + 1, 0, _POS_CHARACTER, 0,
                              _CHARS_UTF8, None, None)
        self.lib.espeak_Synchronize()
        pcm = self.pcm
        first = next((i for i in range(len(pcm)) if abs(pcm[i]) > _QUIET), 0)
        last = next((i for i in range(len(pcm) - 1, -1, -1)
                     if abs(pcm[i]) > _QUIET), len(pcm) - 1)
        # a short tail keeps the last consonant's release
        last = min(len(pcm), last + RATE // 50)
        starts = sorted(self.words, key=lambda w: w[2])
        words = []
        for k, (pos, length, sample) in enumerate(starts):
            start = max(first, sample)
            end = starts[k + 1][2] if k + 1 < len(starts) else last
            end = min(max(end, start), last)
            word = text[pos - 1:pos - 1 + length]
            words.append((word, start - first, end - first))
        if words:
            words[0] = (words[0][0], 0, words[0][2])
        return pcm[first:last], words
