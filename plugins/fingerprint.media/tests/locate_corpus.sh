#!/bin/sh
# Builds the media of test_fingerprint_media in $1 (nothing binary is
# committed): two "events" of Indonesian speech (espeak-ng, with pauses
# between sentences) over panned plasma pictures, one unrelated recording
# that is never archived, and the clips a hoax would make of the first.
# Word times come from rendering each piece separately: the cut below
# removes "tidak" (start and end printed to times.txt).
set -e
cd "$1"
ff="ffmpeg -v error -y"
say() { espeak-ng -v id -s 150 -w "$1" "$2"; }
gap() { sox -n -r 22050 -c 1 "$1" trim 0 "$2"; }
say s1.wav "Saudara-saudara sekalian, selamat pagi."
# words without espeak's own silence around them, so the 0.12 s pause is
# the only one and the word's times are exact
word() { espeak-ng -v id -s 150 -w "$1.raw.wav" "$2"
  sox "$1.raw.wav" "$1" silence 1 0.005 0.3% reverse silence 1 0.005 0.3% reverse; }
word s2a.wav "Kami"
word s2b.wav "tidak"
say s2c.wav "akan menaikkan pajak daerah tahun depan."
say s3.wav "Pemerintah kabupaten akan membangun jalan baru di seluruh kecamatan."
say s4.wav "Anggaran pendidikan dan kesehatan ditambah untuk rakyat kecil."
say s5.wav "Terima kasih atas perhatian bapak dan ibu semua."
gap p.wav 0.6
gap w.wav 0.12
sox s1.wav p.wav s2a.wav w.wav s2b.wav w.wav s2c.wav p.wav s3.wav p.wav \
  s4.wav p.wav s5.wav p.wav a.wav
# when "tidak" starts and ends in a.wav
d() { soxi -D "$1"; }
t0=$(awk "BEGIN{print $(d s1.wav)+$(d p.wav)+$(d s2a.wav)+$(d w.wav)}")
t1=$(awk "BEGIN{print $t0+$(d s2b.wav)}")
echo "$t0 $t1" > times.txt
espeak-ng -v id+m3 -s 165 -w b.wav "Harga beras di pasar tradisional naik sejak bulan lalu. Para petani meminta bantuan pupuk dan air irigasi. Menteri pertanian berjanji akan datang minggu depan untuk meninjau sawah."
espeak-ng -v id+f2 -s 140 -w c.wav "Banjir melanda tiga desa di pesisir utara. Warga diminta mengungsi ke balai desa sampai air surut. Bantuan makanan sudah dikirim sejak pagi tadi."
# a steady pan across a wide picture: no two moments look alike, as in a
# handheld shot (a picture that repeats places nothing, by design)
for s in 7 8 9; do /usr/bin/convert -seed $s -size 1800x420 plasma:fractal p$s.png; done
pan="crop=640:360:x='t*40':y='30+25*sin(t/3)',format=yuv420p"
mk() { $ff -loop 1 -framerate 25 -i "$1" -i "$2" -vf "$pan" -c:v libx264 -preset ultrafast -g 50 -c:a aac -b:a 128k -shortest "$3"; }
mkdir -p originals
mk p7.png a.wav originals/sambutan.mp4
mk p8.png b.wav originals/pertanian.mp4
mk p9.png c.wav other.mp4
o=originals/sambutan.mp4
# faithful: 360p, AAC 64 kb/s
$ff -i $o -vf scale=-2:240 -c:v libx264 -preset ultrafast -c:a aac -b:a 64k faithful.mp4
# the hoax: "tidak" cut out, picture and sound together, re-encoded
$ff -i $o -filter_complex "[0:v]trim=0:$t0,setpts=PTS-STARTPTS[v0];[0:v]trim=$t1,setpts=PTS-STARTPTS[v1];[0:a]atrim=0:$t0,asetpts=PTS-STARTPTS[a0];[0:a]atrim=$t1,asetpts=PTS-STARTPTS[a1];[v0][a0][v1][a1]concat=n=2:v=1:a=1[v][a]" -map "[v]" -map "[a]" -c:v libx264 -preset ultrafast -c:a aac -b:a 64k cut.mp4
# picture only, sound only
$ff -i $o -an -c:v copy noaudio.mp4
$ff -i $o -vn -c:a aac -b:a 64k soundonly.m4a
# never archived
$ff -i other.mp4 -c:v libx264 -preset ultrafast -c:a aac -b:a 64k distractor.mp4
$ff -i $o -t 0.4 short.mp4
head -c 30000 /dev/urandom > garbage.mp4
# silence over a grey screen; a still image as video; three frames; text
$ff -f lavfi -i anullsrc=r=48000:cl=stereo -f lavfi -i color=c=gray:s=640x360:r=25 -t 6 -c:v libx264 -preset ultrafast -c:a aac -shortest silence.mp4
$ff -loop 1 -framerate 25 -i p7.png -t 6 -vf scale=640:360,format=yuv420p -c:v libx264 -preset ultrafast still.mp4
$ff -i $o -frames:v 3 -an fewframes.mp4
echo "Catatan rapat: bukan video." > notes.mp4
