#!/bin/sh
# Builds the real-media alignment corpus in $1 (nothing binary is
# committed): Indonesian speech from espeak-ng over a panned plasma
# picture, a faithful excerpt re-encoded, and the same with a word cut and
# with another speaker's words spliced in or put over the picture in
# place of the original's (ffmpeg trim/concat), and a noisy copy, each
# re-encoded as a circulating copy would be.
set -e
cd "$1"
espeak-ng -v id -w a.wav "Kami tidak akan menaikkan pajak tahun ini. Pemerintah akan membangun jalan baru di seluruh provinsi. Anggaran pendidikan dan kesehatan akan ditambah untuk rakyat kecil."
espeak-ng -v id -w b.wav "Harga beras di pasar tradisional naik sejak bulan lalu."
for s in 7 8; do /usr/bin/convert -seed $s -size 400x225 plasma:fractal p$s.png; done
pan="zoompan=z=1.3:x='(iw-iw/zoom)/2+40*sin(on/40)':y='(ih-ih/zoom)/2':d=1:s=320x180:fps=25,format=yuv420p"
ff="ffmpeg -v error -y"
$ff -loop 1 -framerate 25 -i p7.png -i a.wav -vf "$pan" -c:v libx264 -preset ultrafast -g 50 -c:a aac -b:a 128k -shortest orig.mp4
enc="-c:v libx264 -preset ultrafast -c:a aac -b:a 64k"
# faithful: 1.0-10.0 s of the original
$ff -ss 1 -t 9 -i orig.mp4 $enc excerpt.mp4
# word cut: CUT_FROM-CUT_TO of the original removed
piece() { echo "[0:v]trim=$1,setpts=PTS-STARTPTS[v$2];[0:a]atrim=$1,asetpts=PTS-STARTPTS[a$2]"; }
$ff -i orig.mp4 -filter_complex "$(piece 0:$CUT_FROM 0);$(piece start=$CUT_TO 1);[v0][a0][v1][a1]concat=n=2:v=1:a=1[v][a]" -map "[v]" -map "[a]" $enc cut.mp4
# inserted: 1.5 s of b.wav (over another picture) at INSERT_AT
$ff -loop 1 -framerate 25 -t 1.5 -i p8.png -i b.wav -vf "scale=320:180,format=yuv420p" -c:v libx264 -preset ultrafast -c:a aac -ar 22050 -ac 1 -t 1.5 -shortest other.mp4
$ff -i orig.mp4 -i other.mp4 -filter_complex "$(piece 0:$INSERT_AT 0);[1:v]setpts=PTS-STARTPTS,setsar=1[v1];[1:a]aresample=22050,asetpts=PTS-STARTPTS[a1];$(piece start=$INSERT_AT 2);[a0]aresample=22050[a0r];[a2]aresample=22050[a2r];[v0]setsar=1[v0s];[v2]setsar=1[v2s];[v0s][a0r][v1][a1][v2s][a2r]concat=n=3:v=1:a=1[v][a]" -map "[v]" -map "[a]" $enc inserted.mp4
# audio replaced: 1.5 s of b.wav over the original's picture at REPLACE_AT
$ff -i orig.mp4 -i b.wav -filter_complex "[0:a]atrim=0:$REPLACE_AT,asetpts=PTS-STARTPTS,aresample=22050[a0];[1:a]atrim=0:1.5,asetpts=PTS-STARTPTS,aresample=22050[a1];[0:a]atrim=start=$(awk "BEGIN{print $REPLACE_AT + 1.5}"),asetpts=PTS-STARTPTS,aresample=22050[a2];[a0][a1][a2]concat=n=3:v=0:a=1[a]" -map 0:v -map "[a]" -c:v copy -c:a aac -b:a 64k replaced.mp4
# faithful but noisy: 2-10 s with pink noise 12 dB under the speech, AAC 32k mono
rms=$(sox a.wav -n stats 2>&1 | awk '/RMS lev dB/{print $4}')
sox -n -r 22050 -c 1 n.wav synth 9 pinknoise
nrms=$(sox n.wav -n stats 2>&1 | awk '/RMS lev dB/{print $4}')
g=$(awk "BEGIN{print $rms - 12 - ($nrms)}")
$ff -ss 2 -t 8 -i orig.mp4 -i n.wav -filter_complex "[1:a]volume=${g}dB[n];[0:a][n]amix=inputs=2:duration=first:normalize=0[a]" -map 0:v -map "[a]" -c:v libx264 -preset ultrafast -c:a aac -b:a 32k -ac 1 noisy.mp4
