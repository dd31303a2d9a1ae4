// The C2PA reference reader (c2pa-rs compiled to WebAssembly) judging
// files: one JSON line per file with the validation state, the failure
// codes, and what the active manifest says.
//   node judge.mjs [--trust ANCHORS.pem] FILE...
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { initSync, WasmReader } from '@contentauth/c2pa-wasm';

const require = createRequire(import.meta.url);
initSync({ module: readFileSync(require.resolve('@contentauth/c2pa-wasm/c2pa.wasm')) });

const args = process.argv.slice(2);
let trust = null;
if (args[0] === '--trust') {
  trust = readFileSync(args[1], 'utf8');
  args.splice(0, 2);
}
// Trust is verified either way; the anchor decides whether it can pass.
const settings = { verify: { verify_trust: true }, trust: {} };
if (trust) settings.trust.user_anchors = trust;
const context = JSON.stringify(settings);

// the reader picks its container handler by media type
const mimeOf = (f) =>
  /\.mp4$/i.test(f) ? 'video/mp4' : /\.mov$/i.test(f) ? 'video/quicktime' : 'image/jpeg';

let status = 0;
for (const file of args) {
  const out = { file };
  try {
    const reader = await WasmReader.fromBytes(mimeOf(file), readFileSync(file), context);
    const store = JSON.parse(reader.json());
    out.state = store.validation_state;
    const results = store.validation_results?.activeManifest ?? {};
    out.failures = (results.failure ?? []).map((f) => f.code);
    out.failure_details = (results.failure ?? []).map((f) => `${f.code}: ${f.explanation ?? ''}`);
    out.informational = (results.informational ?? []).map((f) => f.code);
    out.success = (results.success ?? []).map((f) => f.code);
    const m = store.manifests?.[store.active_manifest];
    if (m) {
      out.claim_generator = m.claim_generator_info;
      out.title = m.title;
      out.signer = m.signature_info;
      out.assertions = (m.assertions ?? []).map((a) => a.label);
      out.ingredients = (m.ingredients ?? []).map((i) => ({ title: i.title, relationship: i.relationship }));
      const cw = (m.assertions ?? []).find((a) => a.label === 'stds.schema-org.CreativeWork');
      if (cw) out.creative_work = cw.data;
      const acts = (m.assertions ?? []).find((a) => a.label.startsWith('c2pa.actions'));
      if (acts) {
        out.actions = acts.data.actions.map((a) => a.action);
        out.action_parameters = acts.data.actions.map((a) => a.parameters ?? {});
      }
    }
  } catch (e) {
    out.state = 'Error';
    out.error = String(e?.message ?? e);
    status = 1;
  }
  // long strings (a test's filler text) cut, so a line stays readable
  console.log(JSON.stringify(out, (k, v) => (typeof v === 'string' && v.length > 300 ? v.slice(0, 300) + '…' : v)));
}
// exitCode, not exit(): exit() drops what a pipe has not taken yet
process.exitCode = status;
