import { useEffect, useMemo, useState } from 'react';
import { Chart } from '../components/chart.tsx';
import { EmptyState, ErrorBox, Loading } from '../components/feedback.tsx';
import { ChannelIcon } from '../components/icons.tsx';
import { formatDate, formatNumber, formatPercent, label } from '../format.ts';
import { Link } from '../router.tsx';
import type { Change, Filters, UsageAnswer } from './analytics-api.ts';
import { AnalyticsCopyNotice, cleanFilters, FilterChips, lastDays, RangePicker, toApiRange, useQuestion, useVocabulary, type DayRange } from './analytics-controls.tsx';

const SERIES_SHOWN = 8;

/** Touchpoints: how much each place is used over time, against the period before, with the significant changes marked. */
export default function TouchpointsPage() {
  const { vocabulary, error: vocabularyError } = useVocabulary();
  const [range, setRange] = useState<DayRange | null>(null);
  const [filters, setFilters] = useState<Filters>({});
  const [interval, setIntervalKind] = useState<'day' | 'week' | 'month'>('week');
  const [refresh, setRefresh] = useState(0);

  useEffect(() => {
    if (vocabulary && !range) setRange(lastDays(90, vocabulary.newest));
  }, [vocabulary, range]);

  const body = useMemo(() => (range ? { ...toApiRange(range), filters: cleanFilters(filters), interval } : null), [range, filters, interval]);
  const { answer, error, loading } = useQuestion<UsageAnswer>('usage', body, refresh);

  return (
    <div className="page">
      <h1>Touchpoints</h1>
      <p className="lead">How often each touchpoint is used, and by how many customers, compared with the period of the same length just before.</p>
      {vocabularyError ? <ErrorBox error={vocabularyError} title="The console could not read this workspace's events." /> : null}
      {!vocabulary && !vocabularyError ? <Loading what="the workspace" /> : null}
      {vocabulary && vocabulary.events.length === 0 ? (
        <EmptyState title="No interactions yet" action={<Link to="/sources" className="button primary">Set up a source</Link>}>
          Touchpoint usage is counted from the events your sources send. Once events arrive, their touchpoints show up here.
        </EmptyState>
      ) : null}
      {vocabulary && vocabulary.events.length > 0 && range ? (
        <>
          <AnalyticsCopyNotice onCaughtUp={() => setRefresh((value) => value + 1)} />
          <div className="panel toolbar-panel">
            <div className="toolbar">
              <RangePicker range={range} onChange={setRange} newest={vocabulary.newest} />
              <label>
                Per
                <select value={interval} onChange={(event) => setIntervalKind(event.target.value as typeof interval)}>
                  <option value="day">Day</option>
                  <option value="week">Week</option>
                  <option value="month">Month</option>
                </select>
              </label>
            </div>
            <FilterChips vocabulary={vocabulary} filters={filters} onChange={setFilters} />
          </div>
          {error ? <ErrorBox error={error} title="Touchpoint usage could not be computed." /> : null}
          {loading && !answer ? <Loading what="touchpoint usage" /> : null}
          {answer ? <UsageResult answer={answer} stale={loading} /> : null}
        </>
      ) : null}
    </div>
  );
}

function UsageResult({ answer, stale }: { answer: UsageAnswer; stale: boolean }) {
  const { touchpoints, activeCustomers } = answer.total;
  const significant = touchpoints.filter((row) => row.interactions.significant || row.customers.significant);
  const option = useMemo(() => {
    const shown = touchpoints.slice(0, SERIES_SHOWN);
    return {
      tooltip: { trigger: 'axis' },
      legend: { type: 'scroll', bottom: 0 },
      grid: { left: 50, right: 20, top: 20, bottom: 60 },
      xAxis: { type: 'category', data: answer.periods.map((start) => formatDate(start)) },
      yAxis: { type: 'value', name: 'interactions' },
      series: shown.map((row) => ({
        type: 'line',
        name: `${row.touchpoint} (${label(row.channel)})`,
        smooth: true,
        symbolSize: 5,
        lineStyle: { width: row.interactions.significant ? 3 : 1.5 },
        data: answer.periods.map((start) => row.series.find((point) => point.periodStart === start)?.interactions ?? 0),
      })),
    };
  }, [answer, touchpoints]);

  if (touchpoints.length === 0) {
    return (
      <EmptyState title="No interactions in the chosen time">
        Nothing happened at any touchpoint in this range with these filters. Choose another range or fewer filters.
      </EmptyState>
    );
  }
  return (
    <>
      <section className={stale ? 'panel stale' : 'panel'} aria-labelledby="usage-title">
        <div className="panel-head">
          <h2 id="usage-title">Usage per {answer.interval}</h2>
          <span className="muted small">
            {formatNumber(activeCustomers.current)} active customers, {formatNumber(activeCustomers.previous)} in the period before ({formatDate(answer.previous.from)} to{' '}
            {formatDate(new Date(Date.parse(answer.previous.to) - 1).toISOString())})
          </span>
        </div>
        <Chart option={option} height={340} label={`Interactions per ${answer.interval} of the ${Math.min(SERIES_SHOWN, touchpoints.length)} busiest touchpoints`} />
        <p className="hint">
          {touchpoints.length > SERIES_SHOWN ? `The chart shows the ${SERIES_SHOWN} busiest touchpoints; the table lists all ${touchpoints.length}. ` : ''}
          Click a name below the chart to hide or show its line.
        </p>
      </section>
      <section className={stale ? 'panel stale' : 'panel'} aria-labelledby="change-title">
        <h2 id="change-title">Change against the period before</h2>
        <p className={significant.length > 0 ? 'notice' : 'hint'} role="status">
          {significant.length === 0
            ? 'No touchpoint changed significantly: the differences are within what chance alone gives.'
            : `${significant.length} significant change${significant.length === 1 ? '' : 's'}: ${significant
                .slice(0, 4)
                .map((row) => `${row.touchpoint} ${describe(row.interactions.significant ? row.interactions : row.customers)}`)
                .join(', ')}${significant.length > 4 ? ', …' : ''}.`}
        </p>
        <div className="table-wrap">
          <table className="table usage-table">
            <thead>
              <tr>
                <th>Touchpoint</th>
                <th className="num">Interactions</th>
                <th className="num">Before</th>
                <th className="num">Change</th>
                <th className="num">Customers</th>
                <th className="num">Before</th>
                <th className="num">Change</th>
                <th className="num">Reach</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {touchpoints.map((row) => {
                const flagged = row.interactions.significant || row.customers.significant;
                return (
                  <tr key={`${row.touchpoint}|${row.channel}`} className={flagged ? 'significant' : undefined} data-touchpoint={row.touchpoint}>
                    <td>
                      <ChannelIcon channel={row.channel} size={14} /> {row.touchpoint} <span className="muted small">{label(row.channel)}</span>
                    </td>
                    <td className="num">{formatNumber(row.interactions.current)}</td>
                    <td className="num muted">{formatNumber(row.interactions.previous)}</td>
                    <td className="num">
                      <ChangeCell change={row.interactions} />
                    </td>
                    <td className="num">{formatNumber(row.customers.current)}</td>
                    <td className="num muted">{formatNumber(row.customers.previous)}</td>
                    <td className="num">
                      <ChangeCell change={row.customers} />
                    </td>
                    <td className="num" title={`before: ${formatPercent(row.reach.previous)}`}>
                      {formatPercent(row.reach.current)}
                    </td>
                    <td>{flagged ? <span className="badge warn" title={`adjusted p = ${Math.min(row.interactions.adjustedPValue, row.customers.adjustedPValue)}`}>significant</span> : null}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
        <p className="hint">
          Significant: unlikely to be chance at the {formatPercent(answer.alpha, 0)} level, allowing for testing every touchpoint at once. {answer.test}.
        </p>
      </section>
    </>
  );
}

function describe(change: Change): string {
  if (change.relative === null) return `new (${formatNumber(change.current)})`;
  return `${change.relative >= 0 ? 'up' : 'down'} ${formatPercent(Math.abs(change.relative), 0)}`;
}

function ChangeCell({ change }: { change: Change }) {
  const text = change.relative === null ? (change.current > 0 ? 'new' : '—') : `${change.relative >= 0 ? '+' : '−'}${formatPercent(Math.abs(change.relative), 0)}`;
  // Only significant changes get a colour: the rest are within what chance gives and should not draw the eye.
  const tone = !change.significant ? 'muted' : change.absolute > 0 ? 'change-up' : 'change-down';
  return (
    <span className={tone} title={`p = ${change.pValue}, adjusted ${change.adjustedPValue}`}>
      {text}
    </span>
  );
}
