import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { useI18n } from '../i18n';
import type { PeriodReport } from '../types';

const FIRES = '#1f5fbf';
const SUPPRESSED = '#b45309';
const GRID = '#e6e9ee';
const AXIS = '#5b6573';

function sum(values: Record<string, number>): number {
  return Object.values(values).reduce((a, b) => a + b, 0);
}

/**
 * Fires per day as bars and suppressions as a line, from the report's days. The picture is
 * decoration for sighted users; the label says the same numbers for a screen reader. It is as wide
 * as the figure the page's layout gives it (`width` until that is known): a canvas has a fixed size,
 * and a fixed one stuck out of the card on a narrow window.
 */
export function DayChart({
  days,
  width = 270,
  height = 100,
}: {
  days: PeriodReport[];
  width?: number;
  height?: number;
}) {
  const { t, lang } = useI18n();
  const figure = useRef<HTMLElement>(null);
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);

  const xs = days.map((d) => Date.parse(`${d.from}T00:00:00Z`) / 1000);
  const fires = days.map((d) => d.fires);
  const suppressed = days.map((d) => sum(d.suppressed));

  useEffect(() => {
    if (!box.current) return undefined;
    const dayLabel = new Intl.DateTimeFormat(lang === 'de' ? 'de-DE' : 'en-GB', {
      day: 'numeric',
      month: 'numeric',
      timeZone: 'UTC',
    });
    const options: uPlot.Options = {
      width: fitted(figure.current, width),
      height,
      legend: { show: false },
      cursor: { show: false },
      select: { show: false, left: 0, top: 0, width: 0, height: 0 },
      padding: [8, 4, 0, 0],
      scales: {
        // half a day either side, so the first and last bars are whole
        x: { time: true, range: (_u, min, max) => [min - 43200, max + 43200] },
        y: { range: (_u, _min, max) => [0, Math.max(3, Math.ceil(max * 1.15))] },
      },
      axes: [
        {
          stroke: AXIS,
          grid: { show: false },
          ticks: { show: false },
          size: 22,
          font: '11px system-ui, sans-serif',
          values: (_u, splits) => splits.map((s) => dayLabel.format(new Date(s * 1000))),
          space: 40,
        },
        {
          stroke: AXIS,
          grid: { stroke: GRID, width: 1 },
          ticks: { show: false },
          size: 28,
          font: '11px system-ui, sans-serif',
          space: 16,
          // whole fires only: 1, 2, 5 steps
          incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000],
          values: (_u, splits) => splits.map((s) => (Number.isInteger(s) ? String(s) : '')),
        },
      ],
      series: [
        {},
        {
          label: t('policy.chartFires'),
          stroke: FIRES,
          fill: 'rgba(31, 95, 191, 0.85)',
          width: 0,
          paths: uPlot.paths.bars?.({ size: [0.6, 28], align: 0 }),
          points: { show: false },
        },
        {
          label: t('policy.chartSuppressed'),
          stroke: SUPPRESSED,
          width: 1.5,
          dash: [4, 3],
          points: { show: false },
        },
      ],
    };
    plot.current = new uPlot(options, [xs, fires, suppressed], box.current);
    return () => {
      plot.current?.destroy();
      plot.current = null;
    };
    // the plot is rebuilt for a new size or language; new numbers only update its data below
  }, [width, height, lang]);

  useEffect(() => {
    plot.current?.setData([xs, fires, suppressed]);
  }, [xs.join(), fires.join(), suppressed.join()]);

  useEffect(() => {
    const observed = figure.current;
    if (!observed || typeof ResizeObserver === 'undefined') return undefined;
    const observer = new ResizeObserver(() => {
      const next = fitted(observed, width);
      if (plot.current && plot.current.width !== next) plot.current.setSize({ width: next, height });
    });
    observer.observe(observed);
    return () => observer.disconnect();
  }, [width, height]);

  return (
    <figure class="chart" ref={figure}>
      <div
        ref={box}
        role="img"
        aria-label={t('policy.chartLabel', { days: days.length, values: fires.join(', ') })}
        data-testid="policy-chart"
      />
      <figcaption class="chart-key" aria-hidden="true">
        <span class="key key-fires">{t('policy.chartFires')}</span>
        <span class="key key-suppressed">{t('policy.chartSuppressed')}</span>
      </figcaption>
    </figure>
  );
}

/** The figure's inner width in whole pixels; `fallback` before it is laid out (0 wide). */
function fitted(element: HTMLElement | null, fallback: number): number {
  const measured = element ? Math.floor(element.clientWidth) : 0;
  return measured > 0 ? measured : fallback;
}
