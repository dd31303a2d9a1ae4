#!/usr/bin/env bash
# scripts/screenshot-gallery.sh [BUILD_DIR]: docs/gallery.png, the README's
# picture of the gallery: the sample event's photos (samples/photos, made
# by assets/make-samples.sh when missing; SAMPLES=DIR to use others) run
# through pipelines/event-photos.conf into a scratch library, a few choices
# set with `dokpim choose` as a crew would, `dokpim serve` on a free port,
# and chromium (tests/web's playwright-core) at desktop width.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
dokpim=$build/core/dokpim
samples=${SAMPLES:-$root/samples}
[ -x "$dokpim" ] || { echo "screenshot-gallery: no $dokpim (build first)" >&2; exit 1; }
[ -d "$samples/photos" ] || bash "$root/assets/make-samples.sh" "$samples"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
library=$work/library
"$dokpim" run -q "$root/pipelines/event-photos.conf" --event "$root/assets/sample-event/event.ini" \
  -o "$library" "$samples/photos" 2>/dev/null

# the crew's first pass: two picks, one captioned with the people in it,
# a reject, some stars
photos=("$samples"/photos/*)
"$dokpim" choose -o "$library" --rating 4 --pick --caption "Bupati meninjau TPA Suwung" \
  --person "I Gede Wirasatya Arimbawa" "${photos[1]}"
"$dokpim" choose -o "$library" --rating 5 --pick "${photos[3]}"
"$dokpim" choose -o "$library" --reject "${photos[4]}"
"$dokpim" choose -o "$library" --rating 3 "${photos[6]}"

DOKPIM_BIN=$dokpim LIBRARY=$library OUT=$root/docs/gallery.png node --input-type=module -e "
import { launch, openPage, startServe } from '$root/tests/web/lib.mjs';
const server = await startServe(process.env.LIBRARY);
const browser = await launch();
try {
  const page = await openPage(browser, server, '/gallery.html');
  await page.waitForFunction(() => window.dkGallery.ready);
  await page.keyboard.press('ArrowRight');
  await page.waitForFunction(() => [...document.images].every((i) => i.complete));
  await page.screenshot({ path: process.env.OUT });
} finally {
  await browser.close();
  await server.stop();
}
"
echo "screenshot-gallery: wrote docs/gallery.png"
