import v8 from 'node:v8';
import vm from 'node:vm';
import { scalePart } from '../../../bench/_matching-scale';
import { generatePopulation } from '../../../bench/_population';

// The scale part collects garbage before it reads the RSS; jest runs without --expose-gc.
v8.setFlagsFromString('--expose-gc');
(globalThis as { gc?: unknown }).gc = vm.runInNewContext('gc');

describe('bench matching: the scale part', () => {
  it('matches every record of the population once and counts the golden records the intake would make', () => {
    const report = scalePart(1_000, 7);
    const population = generatePopulation({ people: 1_000, seed: 7 });
    expect(report.people).toBe(population.people.length);
    expect(report.records).toBe(population.records.length);
    // about one golden record per person: recall and precision of matching are near 1 on this population
    expect(Math.abs(report.goldenRecords - report.people)).toBeLessThan(report.people * 0.1);
    expect(report.goldenRecords).toBeLessThan(report.records);
    expect(report.recordsPerSecond).toBeGreaterThan(0);
    expect(report.rssMiB).toBeGreaterThan(report.heapUsedMiB);
    expect(report.text).toContain(`${report.goldenRecords.toLocaleString('en-US')} golden records`);
  });
});
