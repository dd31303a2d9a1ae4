"""Sentences for the generated speeches, filled from templates.

Archived events talk about the issue's official topics; distractors talk
about other things, so a distractor never repeats a long run of an archived
event's words (espeak-ng is deterministic: the same words in the same voice
are the same waveform, and that would be a true match, not a false one).
Numbers are written out so espeak-ng reads them the same everywhere.
"""

SLOTS = {
    "num": ["dua belas", "tiga puluh", "empat puluh lima", "seratus dua puluh",
            "delapan puluh", "enam belas", "dua ratus", "lima puluh tujuh",
            "tiga ratus sepuluh", "sembilan puluh"],
    "pct": ["tiga", "lima", "tujuh", "sepuluh", "dua belas", "delapan"],
    "year": ["dua ribu dua puluh enam", "dua ribu dua puluh tujuh",
             "tahun depan", "tahun anggaran berikutnya"],
    "month": ["Januari", "Maret", "Mei", "Juli", "Agustus", "Oktober",
              "Desember", "Februari"],
    "money": ["empat ratus miliar rupiah", "satu koma dua triliun rupiah",
              "tujuh puluh lima miliar rupiah", "dua ratus miliar rupiah",
              "sembilan ratus juta rupiah", "tiga triliun rupiah"],
    "place": ["Sukamaju", "Tanjung Harapan", "Karang Asem", "Batu Belah",
              "Sungai Rampah", "Kedung Waru", "Pematang Sari", "Lubuk Jaya",
              "Mekar Sari", "Padang Ilalang"],
    "tax": ["bumi dan bangunan", "kendaraan bermotor", "restoran",
            "hotel", "air tanah", "reklame"],
    "crop": ["padi", "jagung", "cabai", "bawang merah", "kopi", "kakao",
             "singkong", "kedelai"],
    "day": ["Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu"],
    "unit": ["Dinas Pekerjaan Umum", "Dinas Pendidikan", "Dinas Kesehatan",
             "Badan Penanggulangan Bencana", "Badan Keuangan Daerah",
             "Dinas Sosial"],
}

# Official speech: taxes, roads, schools, health, disasters, budgets.
EVENT_TEMPLATES = [
    "Pemerintah tidak akan menaikkan pajak {tax} pada {year}.",
    "Penerimaan pajak {tax} naik {pct} persen dibanding tahun lalu.",
    "Wajib pajak yang melunasi tunggakan sebelum bulan {month} akan "
    "dibebaskan dari denda.",
    "Kami meminta petugas pajak melayani warga dengan jujur dan ramah.",
    "Pembayaran pajak {tax} kini bisa dilakukan melalui telepon genggam.",
    "Perbaikan jalan menuju {place} sepanjang {num} kilometer selesai pada "
    "bulan {month}.",
    "Jembatan gantung di desa {place} akan dibangun kembali dengan dana "
    "{money}.",
    "Jalan yang rusak akibat truk bermuatan berat harus diperbaiki oleh "
    "pemborong.",
    "Saya sudah menegur kontraktor yang terlambat menyelesaikan jalan "
    "lingkar {place}.",
    "Lampu penerangan jalan akan dipasang di {num} titik rawan kecelakaan.",
    "Sebanyak {num} ruang kelas baru akan dibangun di kecamatan {place}.",
    "Guru honorer akan menerima tunjangan tambahan mulai bulan {month}.",
    "Tidak boleh ada anak yang putus sekolah karena orang tuanya miskin.",
    "Beasiswa untuk mahasiswa berprestasi ditambah menjadi {num} orang.",
    "Sekolah yang atapnya bocor harus dilaporkan ke {unit} minggu ini.",
    "Puskesmas {place} kini buka dua puluh empat jam untuk melayani warga.",
    "Imunisasi gratis bagi anak balita dilaksanakan di {num} posyandu.",
    "Angka kasus demam berdarah turun {pct} persen sejak bulan {month}.",
    "Rumah sakit daerah akan menambah dokter spesialis anak dan kandungan.",
    "Kami mengajak warga menguras bak mandi dan menutup tempat air.",
    "Banjir di kecamatan {place} merendam {num} rumah warga dan dua sekolah.",
    "Bantuan beras, selimut dan obat sudah dikirim ke pengungsi di {place}.",
    "{unit} menyiagakan perahu karet dan dapur umum di setiap kecamatan.",
    "Warga yang tinggal di lereng bukit diminta waspada terhadap tanah "
    "longsor.",
    "Status tanggap darurat diperpanjang sampai akhir bulan {month}.",
    "Anggaran belanja daerah pada {year} ditetapkan sebesar {money}.",
    "Belanja perjalanan dinas akan dipangkas agar dana pembangunan "
    "bertambah.",
    "Dana desa sebesar {money} harus dipakai untuk kebutuhan rakyat.",
    "Setiap rupiah uang rakyat harus bisa dipertanggungjawabkan.",
    "{unit} akan diperiksa oleh inspektorat bulan {month} nanti.",
    "Saya berterima kasih kepada seluruh warga yang telah hadir hari ini.",
    "Kita harus bekerja sama agar daerah ini semakin maju dan sejahtera.",
    "Pelayanan perizinan kini cukup satu hari dan tidak dipungut biaya.",
    "Pasar tradisional {place} akan direnovasi dengan dana {money}.",
    "Air bersih akan dialirkan ke {num} rumah tangga di wilayah {place}.",
    "Pegawai yang terbukti menerima suap akan diberhentikan dengan tidak "
    "hormat.",
]

# Not archived: farming, tourism, sport, markets, transport, culture.
DISTRACTOR_TEMPLATES = [
    "Panen {crop} di {place} tahun ini sangat melimpah.",
    "Para petani {crop} mengeluh harga pupuk naik sejak hari {day}.",
    "Festival layang layang digelar di pantai {place} bulan {month}.",
    "Tim sepak bola {place} menang melawan tamu dari seberang hari {day}.",
    "Harga {crop} di pasar pagi {place} turun sejak minggu lalu.",
    "Kapal penyeberangan berangkat setiap {num} menit dari pelabuhan "
    "{place}.",
    "Wisatawan asing menyukai tarian dan kain tenun dari {place}.",
    "Nelayan {place} tidak melaut karena ombak tinggi sejak hari {day}.",
    "Lomba perahu naga diikuti oleh {num} regu dari kampung {place}.",
    "Kopi dari dataran tinggi {place} dijual sampai ke luar negeri.",
    "Kereta api tambahan menuju {place} disiapkan untuk pemudik bulan "
    "{month}.",
    "Sanggar seni {place} berlatih gamelan setiap malam {day}.",
    "Peternak sapi di {place} berharap harga {crop} tetap stabil.",
    "Pameran kerajinan rotan dibuka oleh ketua koperasi {place} hari {day}.",
    "Jalur pendakian gunung {place} ditutup sampai bulan {month}.",
    "Penjual {crop} di terminal {place} pindah ke los yang baru.",
    "Klub bulu tangkis remaja {place} meraih medali emas hari {day}.",
    "Kebun teh {place} menjadi tempat berfoto yang ramai bulan {month}.",
    "Pedagang ikan asin menjemur dagangannya di pantai {place}.",
    "Pertunjukan wayang di {place} dihadiri {num} penonton hari {day}.",
    "Koperasi nelayan {place} membeli {num} jaring baru bulan {month}.",
    "Pemuda {place} membersihkan sungai bersama setiap hari {day}.",
]


def fill(template, rng):
    out = template
    for key, values in SLOTS.items():
        while "{" + key + "}" in out:
            out = out.replace("{" + key + "}", rng.choice(values), 1)
    return out


class SentenceSource:
    """Hands out sentences never given before (corpus-wide), each template
    used at most `per_speech` times in one speech so a speech does not
    repeat itself much."""

    def __init__(self, templates, rng):
        self.templates = templates
        self.rng = rng
        self.used = set()

    def speech(self, count, per_speech=1):
        uses = {}
        return [self.take(uses, per_speech) for _ in range(count)]

    def take(self, uses, per_speech=1):
        """One new sentence; `uses` counts templates within a speech."""
        for _ in range(1000):
            t = self.rng.randrange(len(self.templates))
            if uses.get(t, 0) >= per_speech:
                continue
            s = fill(self.templates[t], self.rng)
            if s in self.used:
                continue
            self.used.add(s)
            uses[t] = uses.get(t, 0) + 1
            return s
        raise RuntimeError("phrase list too small for another sentence")
