#!/bin/sh
# Builds the prints test corpus in $1 (nothing binary is committed):
# Indonesian speech from espeak-ng over a panned plasma picture, an
# unrelated original, and the degraded copies the prints must survive.
set -e
cd "$1"
espeak-ng -v id -w a.wav "Kami tidak akan menaikkan pajak tahun ini. Pemerintah akan membangun jalan baru di seluruh provinsi. Anggaran pendidikan dan kesehatan akan ditambah untuk rakyat kecil."
espeak-ng -v id -w b.wav "Harga beras di pasar tradisional naik sejak bulan lalu. Para petani meminta bantuan pupuk dan air irigasi. Menteri pertanian berjanji akan datang minggu depan."
for s in 7 8; do /usr/bin/convert -seed $s -size 800x450 plasma:fractal p$s.png; done
pan="zoompan=z=1.3:x='(iw-iw/zoom)/2+60*sin(on/40)':y='(ih-ih/zoom)/2':d=1:s=640x360:fps=25,format=yuv420p"
ff="ffmpeg -v error -y"
$ff -loop 1 -framerate 25 -i p7.png -i a.wav -vf "$pan" -c:v libx264 -preset ultrafast -g 50 -c:a aac -b:a 128k -shortest orig.mp4
$ff -loop 1 -framerate 25 -i p8.png -i b.wav -vf "$pan" -c:v libx264 -preset ultrafast -g 50 -c:a aac -b:a 128k -shortest other.mp4
a="-c:v copy"
$ff -i orig.mp4 $a -c:a aac -b:a 64k aac64.mp4
$ff -i orig.mp4 $a -c:a aac -b:a 32k -ac 1 aac32.mp4
$ff -i orig.mp4 $a -c:a libopus -b:a 32k opus32.mkv
$ff -i orig.mp4 $a -c:a aac -ar 44100 r44k.mp4
$ff -i orig.mp4 $a -c:a aac -ar 22050 r22k.mp4
$ff -i orig.mp4 $a -af volume=-6dB -c:a aac vol6.mp4
# pink noise 12 dB below the speech's RMS level (sox stats)
rms=$(sox a.wav -n stats 2>&1 | awk '/RMS lev dB/{print $4}')
sox -n -r 22050 -c 1 n.wav synth 12 pinknoise
nrms=$(sox n.wav -n stats 2>&1 | awk '/RMS lev dB/{print $4}')
g=$(awk "BEGIN{print $rms - 12 - ($nrms)}")
$ff -i orig.mp4 -i n.wav -filter_complex "[1:a]volume=${g}dB[n];[0:a][n]amix=inputs=2:duration=first:normalize=0" $a -c:a aac -b:a 64k noise.mp4
v="-c:v libx264 -preset ultrafast -c:a copy"
$ff -i orig.mp4 -vf scale=-2:360 $v s360.mp4
$ff -i orig.mp4 -vf "crop=ih*9/16:ih,scale=202:360" $v crop916.mp4
$ff -i orig.mp4 -vf "scale=480:270,pad=640:360:80:45:black,drawbox=x=8:y=8:w=40:h=24:color=white@0.9:t=fill,drawtext=text='BERITA TERKINI  harga beras naik':x=20:y=330:fontsize=14:fontcolor=white" $v letterbox.mp4
$ff -i orig.mp4 -vf "eq=saturation=1.5:brightness=0.06:contrast=1.15:gamma=1.1" $v eq.mp4
$ff -i orig.mp4 -t 0.4 short.mp4
head -c 20000 /dev/urandom > garbage.mp4
head -c 30000 orig.mp4 > cut.mp4
