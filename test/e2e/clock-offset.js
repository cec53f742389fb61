// Preloaded (`node --require`) into a hub process that a test starts with hubClock() from
// hub-process.ts: the process's wall clock (Date.now, new Date()) runs ahead by the milliseconds the
// file CRM_HUB_TEST_CLOCK_FILE holds, so a test lets days pass for a timer in the store (a "no B
// within T" wait, an escalation level) without any hook in the hub's code. Timers (setTimeout,
// setInterval) keep real time: the policy engine still sweeps on its own schedule. Without the
// variable this file changes nothing.
const fs = require('node:fs');

const file = process.env.CRM_HUB_TEST_CLOCK_FILE;
if (file) {
  const RealDate = Date;
  let offsetMs = 0;
  const read = () => {
    try {
      const value = Number(fs.readFileSync(file, 'utf8').trim());
      if (Number.isFinite(value)) offsetMs = value;
    } catch {
      // not written yet: no offset
    }
  };
  read();
  globalThis.setInterval(read, 100).unref();

  const now = () => RealDate.now() + offsetMs;
  // A function, not a class: Date() without new must still return the time as text. The prototype is
  // Date's own, so `instanceof Date` holds for dates made before the preload and by Node's internals.
  function ShiftedDate(...args) {
    if (!new.target) return new RealDate(now()).toString();
    return Reflect.construct(RealDate, args.length === 0 ? [now()] : args, new.target);
  }
  ShiftedDate.prototype = RealDate.prototype;
  ShiftedDate.now = now;
  ShiftedDate.parse = RealDate.parse;
  ShiftedDate.UTC = RealDate.UTC;
  globalThis.Date = ShiftedDate;
}
