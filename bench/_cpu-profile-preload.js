// Preloaded (`node --require`) into the hub process by bench/_sync-rounds.ts when it is asked for a
// profile: a V8 CPU profile (Chrome DevTools format) of the span between the files
// `<CRM_HUB_CPU_PROFILE>.start` and `<CRM_HUB_CPU_PROFILE>.stop`, so the profile holds a steady round
// and not the start-up, the seeding or the warm-up. The profile is written to CRM_HUB_CPU_PROFILE, then
// `<CRM_HUB_CPU_PROFILE>.done`. Without the variable, or in any other process, this file does nothing.
const fs = require('node:fs');
const inspector = require('node:inspector');

const out = process.env.CRM_HUB_CPU_PROFILE;
if (out && process.argv.some((arg) => arg.endsWith('crm-hub.js'))) {
  const session = new inspector.Session();
  session.connect();
  let state = 'waiting';
  const poll = globalThis.setInterval(() => {
    if (state === 'waiting' && fs.existsSync(`${out}.start`)) {
      state = 'profiling';
      session.post('Profiler.enable', () =>
        // 200 µs between samples: per-record costs of a few µs still show, at little overhead
        session.post('Profiler.setSamplingInterval', { interval: 200 }, () => session.post('Profiler.start')),
      );
    } else if (state === 'profiling' && fs.existsSync(`${out}.stop`)) {
      state = 'done';
      globalThis.clearInterval(poll);
      session.post('Profiler.stop', (err, result) => {
        if (!err) fs.writeFileSync(out, JSON.stringify(result.profile));
        fs.writeFileSync(`${out}.done`, err ? String(err) : 'ok');
      });
    }
  }, 100);
  poll.unref();
}
