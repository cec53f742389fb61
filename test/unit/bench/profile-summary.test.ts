import { frameName, summarize, type CpuProfile } from '../../../bench/_profile-summary';

const frame = (functionName: string, url: string, lineNumber = 0) => ({ functionName, url, lineNumber });

// (root) → handle (project) → decode (lmdb) ; handle → handle (recursion) ; (idle)
const profile: CpuProfile = {
  nodes: [
    { id: 1, callFrame: frame('(root)', ''), children: [2, 5] },
    { id: 2, callFrame: frame('handle', 'file:///srv/hub/dist/records/intake.js', 9), children: [3, 4] },
    { id: 3, callFrame: frame('decode', 'file:///srv/hub/node_modules/lmdb/dist/index.cjs', 99) },
    { id: 4, callFrame: frame('handle', 'file:///srv/hub/dist/records/intake.js', 9) },
    { id: 5, callFrame: frame('(idle)', '') },
  ],
  samples: [2, 3, 3, 3, 4, 5, 5, 5, 5, 5],
};

describe('profile summary', () => {
  it('names a dependency by package and a project frame by its path under dist/, lines counted from 1', () => {
    expect(frameName(profile.nodes[2].callFrame)).toBe('decode lmdb/dist/index.cjs:100');
    expect(frameName(profile.nodes[1].callFrame)).toBe('handle records/intake.js:10');
    expect(frameName(frame('', 'node:internal/timers', 4))).toBe('(anonymous) node:internal/timers:5');
    expect(frameName(frame('(garbage collector)', ''))).toBe('(garbage collector)');
  });

  it('shares self time of the busy samples, idle left out, and counts a recursive frame once per stack', () => {
    const summary = summarize(profile);
    expect(summary.busySamples).toBe(5);
    expect(summary.self).toEqual([
      { name: 'decode lmdb/dist/index.cjs:100', share: 0.6 },
      { name: 'handle records/intake.js:10', share: 0.4 },
    ]);
    // handle holds every busy sample, its recursion counted once; lmdb is not the project's
    expect(summary.inclusive).toEqual([{ name: 'handle records/intake.js:10', share: 1 }]);
  });
});
