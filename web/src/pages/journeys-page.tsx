import { useEffect, useMemo, useState } from 'react';
import type { ApiError } from '../api.ts';
import { Chart } from '../components/chart.tsx';
import { EmptyState, ErrorBox, Loading } from '../components/feedback.tsx';
import { formatNumber, formatPercent, label } from '../format.ts';
import { Link, navigate, useLocation } from '../router.tsx';
import { toApiError, useApi } from '../use-api.ts';
import { ask, type Filters, type FunnelAnswer, type FunnelCustomers, type PathsAnswer, type PathTree, type Step, type SwitchingAnswer, type Vocabulary } from './analytics-api.ts';
import { AnalyticsCopyNotice, cleanFilters, FilterChips, formatDuration, lastDays, RangePicker, toApiRange, useQuestion, useVocabulary, type DayRange } from './analytics-controls.tsx';

const VIEWS = [
  { id: 'funnel', label: 'Funnel' },
  { id: 'paths', label: 'Paths' },
  { id: 'switching', label: 'Channel switching' },
] as const;
type View = (typeof VIEWS)[number]['id'];

/** The question every view shares: the time range and the filters. */
interface Scope {
  range: DayRange;
  filters: Filters;
  vocabulary: Vocabulary;
  /** Changes when the analytics copy has caught up, so the answers are asked for again. */
  refresh: number;
}

/** Journeys: a funnel builder, the paths customers take (a sankey) and how they switch channels (a heatmap). */
export default function JourneysPage() {
  const { query: params } = useLocation();
  const view: View = (VIEWS.find((item) => item.id === params.get('view'))?.id ?? 'funnel') as View;
  const { vocabulary, error } = useVocabulary();
  const [range, setRange] = useState<DayRange | null>(null);
  const [filters, setFilters] = useState<Filters>({});
  const [refresh, setRefresh] = useState(0);
  useEffect(() => {
    if (vocabulary && !range) setRange(lastDays(90, vocabulary.newest));
  }, [vocabulary, range]);

  return (
    <div className="page">
      <h1>Journeys</h1>
      <div className="tabs page-tabs" role="tablist" aria-label="Journey views">
        {VIEWS.map((item) => (
          <button key={item.id} type="button" role="tab" className="tab" aria-selected={item.id === view} onClick={() => navigate(`/journeys?view=${item.id}`, true)}>
            {item.label}
          </button>
        ))}
      </div>
      {error ? <ErrorBox error={error} title="The console could not read this workspace's events." /> : null}
      {!vocabulary && !error ? <Loading what="the workspace" /> : null}
      {vocabulary && vocabulary.events.length === 0 ? (
        <EmptyState title="No events to analyse yet" action={<Link to="/sources" className="button primary">Set up a source</Link>}>
          Journeys are drawn from the events your sources send. Once events arrive, build a funnel here.
        </EmptyState>
      ) : null}
      {vocabulary && vocabulary.events.length > 0 && range ? (
        <>
          <AnalyticsCopyNotice onCaughtUp={() => setRefresh((value) => value + 1)} />
          <div className="panel toolbar-panel">
            <RangePicker range={range} onChange={setRange} newest={vocabulary.newest} />
            <FilterChips vocabulary={vocabulary} filters={filters} onChange={setFilters} />
          </div>
          {view === 'funnel' ? <FunnelView range={range} filters={filters} vocabulary={vocabulary} refresh={refresh} /> : null}
          {view === 'paths' ? <PathsView range={range} filters={filters} vocabulary={vocabulary} refresh={refresh} /> : null}
          {view === 'switching' ? <SwitchingView range={range} filters={filters} vocabulary={vocabulary} refresh={refresh} /> : null}
        </>
      ) : null}
    </div>
  );
}

type StepKind = 'event' | 'touchpoint' | 'channel';
interface StepDraft {
  kind: StepKind;
  value: string;
}

const SHOP_FUNNEL = ['Product Viewed', 'Product Added', 'Checkout Started', 'Order Completed'];

function defaultSteps(vocabulary: Vocabulary): StepDraft[] {
  const shop = SHOP_FUNNEL.filter((name) => vocabulary.events.includes(name));
  const names = shop.length >= 2 ? shop : vocabulary.events.slice(0, 3);
  return (names.length >= 2 ? names : [...names, ...names]).map((value) => ({ kind: 'event', value }));
}

function toStep(draft: StepDraft): Step {
  return { [draft.kind]: draft.value.trim() };
}

function FunnelView({ range, filters, vocabulary, refresh }: Scope) {
  const [steps, setSteps] = useState<StepDraft[]>(() => defaultSteps(vocabulary));
  const [window, setWindow] = useState('7d');
  const [order, setOrder] = useState<'loose' | 'strict'>('loose');
  const [breakdown, setBreakdown] = useState('');
  const [applied, setApplied] = useState(() => ({ steps: defaultSteps(vocabulary), window: '7d', order: 'loose' as 'loose' | 'strict', breakdown: '' }));
  const [customers, setCustomers] = useState<{ step: number; status: 'reached' | 'dropped' } | null>(null);
  const incomplete = steps.some((step) => step.value.trim() === '');

  const body = useMemo(
    () => ({
      ...toApiRange(range),
      filters: cleanFilters(filters),
      steps: applied.steps.map(toStep),
      window: applied.window,
      order: applied.order,
      ...(applied.breakdown ? { breakdown: applied.breakdown } : {}),
    }),
    [range, filters, applied],
  );
  const { answer, error, loading } = useQuestion<FunnelAnswer>('funnel', body, refresh);
  useEffect(() => setCustomers(null), [body]);

  const setStep = (index: number, change: Partial<StepDraft>) => setSteps((previous) => previous.map((step, at) => (at === index ? { ...step, ...change } : step)));
  const suggestions = (kind: StepKind) => (kind === 'event' ? vocabulary.events : kind === 'touchpoint' ? vocabulary.touchpoints : vocabulary.channels);

  return (
    <>
      <form
        className="panel"
        aria-label="Funnel steps"
        onSubmit={(event) => {
          event.preventDefault();
          if (!incomplete) setApplied({ steps, window, order, breakdown });
        }}
      >
        <h2>Steps</h2>
        <ol className="step-list">
          {steps.map((step, index) => (
            <li key={index}>
              <span className="step-number">{index + 1}</span>
              <select aria-label={`Step ${index + 1} kind`} value={step.kind} onChange={(event) => setStep(index, { kind: event.target.value as StepKind, value: '' })}>
                <option value="event">Event</option>
                <option value="touchpoint">Touchpoint</option>
                <option value="channel">Channel</option>
              </select>
              <input aria-label={`Step ${index + 1}`} list={`suggest-${step.kind}`} value={step.value} onChange={(event) => setStep(index, { value: event.target.value })} placeholder={step.kind === 'event' ? 'e.g. Order Completed' : step.kind === 'touchpoint' ? 'e.g. hotline' : 'e.g. phone'} />
              <button type="button" className="button small" aria-label={`Remove step ${index + 1}`} disabled={steps.length <= 2} onClick={() => setSteps((previous) => previous.filter((_, at) => at !== index))}>
                Remove
              </button>
            </li>
          ))}
        </ol>
        {(['event', 'touchpoint', 'channel'] as const).map((kind) => (
          <datalist key={kind} id={`suggest-${kind}`}>
            {suggestions(kind).map((value) => <option key={value} value={value} />)}
          </datalist>
        ))}
        <div className="toolbar">
          <button type="button" className="button" disabled={steps.length >= 10} onClick={() => setSteps((previous) => [...previous, { kind: 'event', value: '' }])}>
            Add step
          </button>
          <label>
            Within
            <select value={window} onChange={(event) => setWindow(event.target.value)}>
              <option value="1h">1 hour</option>
              <option value="1d">1 day</option>
              <option value="7d">7 days</option>
              <option value="30d">30 days</option>
              <option value="90d">90 days</option>
            </select>
          </label>
          <label>
            Order
            <select value={order} onChange={(event) => setOrder(event.target.value as 'loose' | 'strict')}>
              <option value="loose">In this order, anything between</option>
              <option value="strict">Each the very next event</option>
            </select>
          </label>
          <label>
            Break down by
            <select value={breakdown} onChange={(event) => setBreakdown(event.target.value)}>
              <option value="">Nothing</option>
              <option value="channel">Entry channel</option>
              <option value="touchpoint">Entry touchpoint</option>
              <option value="department">Entry department</option>
            </select>
          </label>
          <button type="submit" className="button primary" disabled={incomplete}>
            Show funnel
          </button>
        </div>
        {incomplete ? <p className="hint">Fill in every step, or remove the empty one.</p> : null}
      </form>
      {error ? <ErrorBox error={error} title="The funnel could not be computed." /> : null}
      {loading && !answer ? <Loading what="the funnel" /> : null}
      {answer ? (
        <FunnelResult answer={answer} stale={loading} onOpen={(step, status) => setCustomers({ step, status })} />
      ) : null}
      {customers && answer ? <FunnelCustomersPanel body={body} step={customers.step} status={customers.status} answer={answer} onClose={() => setCustomers(null)} /> : null}
    </>
  );
}

function FunnelResult({ answer, stale, onOpen }: { answer: FunnelAnswer; stale: boolean; onOpen: (step: number, status: 'reached' | 'dropped') => void }) {
  const steps = answer.total.steps;
  const option = useMemo(
    () => ({
      tooltip: { trigger: 'item', formatter: '{b}: {c} customers' },
      series: [
        {
          type: 'funnel',
          sort: 'none',
          left: 0,
          width: '58%',
          minSize: '6%',
          gap: 3,
          max: Math.max(1, steps[0]?.customers ?? 1),
          // Beside the shape, so a narrow last step still reads in full.
          label: { show: true, position: 'right', formatter: (item: { name: string; value: number }) => `${item.name}\n${formatNumber(item.value)} customers`, color: '#1c2430', fontSize: 12, lineHeight: 16 },
          labelLine: { show: true, length: 12 },
          data: steps.map((step) => ({ name: `${step.step}. ${step.name}`, value: step.customers })),
        },
      ],
      color: ['#245ee5', '#3b72ea', '#5a8bef', '#7aa3f3', '#98b9f6', '#b3ccf8', '#c9dbfa', '#dbe6fb', '#e8eefc', '#f0f4fd'],
    }),
    [steps],
  );
  if (steps[0]?.customers === 0) {
    return (
      <EmptyState title="Nobody entered this funnel in the chosen time">
        No customer had “{steps[0].name}” in this range with these filters. Pick another first step, a longer range, or fewer filters.
      </EmptyState>
    );
  }
  const last = steps[steps.length - 1]!;
  return (
    <section className={stale ? 'panel stale' : 'panel'} aria-labelledby="funnel-title">
      <div className="panel-head">
        <h2 id="funnel-title">
          {formatPercent(last.conversionRate)} of {formatNumber(steps[0]!.customers)} customers got to “{last.name}”
        </h2>
        <span className="muted small">{answer.engine}</span>
      </div>
      <div className="analysis">
        <Chart option={option} height={Math.max(260, steps.length * 70)} label={`Funnel: ${steps.map((step) => `${step.name} ${step.customers}`).join(', ')}`} onClick={(click) => onOpen(click.dataIndex + 1, 'reached')} />
        <div className="table-wrap">
          <table className="table funnel-table">
            <thead>
              <tr>
                <th>Step</th>
                <th className="num">Customers</th>
                <th className="num">Of all</th>
                <th className="num">Of previous</th>
                <th className="num">Dropped off</th>
                <th className="num">Median time</th>
              </tr>
            </thead>
            <tbody>
              {steps.map((step) => (
                <tr key={step.step} data-step={step.step}>
                  <td>
                    {step.step}. {step.name}
                  </td>
                  <td className="num">
                    <button type="button" className="link-button" data-testid={`reached-${step.step}`} title="List these customers" onClick={() => onOpen(step.step, 'reached')}>
                      {formatNumber(step.customers)}
                    </button>
                  </td>
                  <td className="num">{formatPercent(step.conversionRate)}</td>
                  <td className="num">{step.step === 1 ? '—' : formatPercent(step.stepConversionRate)}</td>
                  <td className="num">
                    {step.step === 1 ? (
                      '—'
                    ) : (
                      <button type="button" className="link-button" title="List the customers who stopped before this step" onClick={() => onOpen(step.step - 1, 'dropped')}>
                        {formatNumber(step.droppedOff)}
                      </button>
                    )}
                  </td>
                  <td className="num">{formatDuration(step.medianTimeFromPreviousMs)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <p className="hint">Click a number to see the customers behind it.</p>
        </div>
      </div>
      {answer.breakdown ? <FunnelBreakdown answer={answer} /> : null}
    </section>
  );
}

function FunnelBreakdown({ answer }: { answer: FunnelAnswer }) {
  const groups = answer.groups;
  const option = useMemo(
    () => ({
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
      grid: { left: 140, right: 60, top: 10, bottom: 30 },
      xAxis: { type: 'value', axisLabel: { formatter: (value: number) => `${Math.round(value * 100)}%` }, max: 1 },
      yAxis: { type: 'category', inverse: true, data: groups.map((group) => (group.value === null ? '(none)' : label(group.value))) },
      series: [
        {
          type: 'bar',
          name: 'Conversion',
          data: groups.map((group) => group.steps[group.steps.length - 1]!.conversionRate),
          label: { show: true, position: 'right', formatter: (item: { value: number }) => formatPercent(item.value) },
          itemStyle: { color: '#245ee5' },
        },
      ],
    }),
    [groups],
  );
  const by = answer.breakdown === 'channel' ? 'entry channel' : answer.breakdown === 'touchpoint' ? 'entry touchpoint' : answer.breakdown === 'department' ? 'entry department' : answer.breakdown;
  return (
    <div className="breakdown">
      <h3>Conversion by {by}</h3>
      <Chart option={option} height={Math.max(160, groups.length * 34 + 40)} label={`Conversion by ${by}`} />
      <div className="table-wrap">
        <table className="table">
          <thead>
            <tr>
              <th>{label(by ?? '')}</th>
              {answer.total.steps.map((step) => (
                <th key={step.step} className="num">
                  {step.step}. {step.name}
                </th>
              ))}
              <th className="num">Conversion</th>
            </tr>
          </thead>
          <tbody>
            {groups.map((group) => (
              <tr key={group.value ?? '(none)'}>
                <td>{group.value === null ? '(none)' : label(group.value)}</td>
                {group.steps.map((step) => (
                  <td key={step.step} className="num">
                    {formatNumber(step.customers)}
                  </td>
                ))}
                <td className="num">{formatPercent(group.steps[group.steps.length - 1]!.conversionRate)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {answer.omittedGroups > 0 ? <p className="hint">{answer.omittedGroups} smaller groups are not shown.</p> : null}
    </div>
  );
}

function FunnelCustomersPanel({ body, step, status, answer, onClose }: { body: object; step: number; status: 'reached' | 'dropped'; answer: FunnelAnswer; onClose: () => void }) {
  const [pages, setPages] = useState<FunnelCustomers[]>([]);
  const [error, setError] = useState<ApiError | null>(null);
  const [loading, setLoading] = useState(true);
  const load = async (cursor: string | null) => {
    setLoading(true);
    try {
      const page = await ask<FunnelCustomers>('funnelCustomers', { ...body, step, status, limit: 50, ...(cursor ? { cursor } : {}) });
      setPages((previous) => (cursor ? [...previous, page] : [page]));
    } catch (caught) {
      setError(toApiError(caught));
    } finally {
      setLoading(false);
    }
  };
  useEffect(() => {
    setPages([]);
    setError(null);
    void load(null);
  }, [body, step, status]);
  const items = pages.flatMap((page) => page.items);
  const stepAnswer = answer.total.steps[step - 1];
  const next = answer.total.steps[step];
  const title = status === 'reached' ? `Customers who reached “${stepAnswer?.name}”` : `Customers who reached “${stepAnswer?.name}” but not “${next?.name}”`;
  const expected = status === 'reached' ? stepAnswer?.customers : next?.droppedOff;
  return (
    <section className="panel" aria-labelledby="funnel-customers-title">
      <div className="panel-head">
        <h2 id="funnel-customers-title">
          {title} <span className="count">{formatNumber(expected ?? items.length)}</span>
        </h2>
        <button type="button" className="button small" onClick={onClose}>
          Close
        </button>
      </div>
      {error ? <ErrorBox error={error} title="The customers could not be listed." /> : null}
      {items.length === 0 && !loading && !error ? <p className="muted">Nobody.</p> : null}
      <ul className="customer-chips">
        {items.map((item) => (
          <li key={item.profileId}>
            <Link to={`/customers/${encodeURIComponent(item.profileId)}`}>
              <ProfileName id={item.profileId} />
            </Link>
            <span className="muted small"> reached step {item.stepsReached}</span>
          </li>
        ))}
      </ul>
      {loading ? <Loading what="customers" /> : null}
      {!loading && pages[pages.length - 1]?.nextCursor ? (
        <button type="button" className="button" onClick={() => load(pages[pages.length - 1]!.nextCursor)}>
          More customers
        </button>
      ) : null}
    </section>
  );
}

/** A customer's name where the API gives only their profile id. */
function ProfileName({ id }: { id: string }) {
  const { data } = useApi<{ displayName: string | null }>(`/profiles/${encodeURIComponent(id)}`);
  return <>{data?.displayName ?? id}</>;
}

function PathsView({ range, filters, vocabulary, refresh }: Scope) {
  const [draft, setDraft] = useState({ stepKind: 'touchpoint' as 'event' | 'touchpoint' | 'channel', anchor: '', direction: 'after' as 'after' | 'before', depth: 4, branches: 5 });
  const [applied, setApplied] = useState(draft);
  const body = useMemo(
    () => ({
      ...toApiRange(range),
      filters: cleanFilters(filters),
      stepKind: applied.stepKind,
      direction: applied.direction,
      depth: applied.depth,
      branches: applied.branches,
      ...(applied.anchor.trim() ? { anchor: { event: applied.anchor.trim() } } : {}),
    }),
    [range, filters, applied],
  );
  const { answer, error, loading } = useQuestion<PathsAnswer>('paths', body, refresh);

  return (
    <>
      <form
        className="panel toolbar"
        aria-label="Path settings"
        onSubmit={(event) => {
          event.preventDefault();
          setApplied(draft);
        }}
      >
        <label>
          Steps are
          <select value={draft.stepKind} onChange={(event) => setDraft({ ...draft, stepKind: event.target.value as typeof draft.stepKind })}>
            <option value="touchpoint">Touchpoints</option>
            <option value="channel">Channels</option>
            <option value="event">Events</option>
          </select>
        </label>
        <label>
          Starting from event
          <input list="suggest-path-anchor" value={draft.anchor} placeholder="their first event" onChange={(event) => setDraft({ ...draft, anchor: event.target.value })} />
        </label>
        <datalist id="suggest-path-anchor">{vocabulary.events.map((value) => <option key={value} value={value} />)}</datalist>
        <label>
          Direction
          <select value={draft.direction} onChange={(event) => setDraft({ ...draft, direction: event.target.value as 'after' | 'before' })}>
            <option value="after">What came after</option>
            <option value="before">What led to it</option>
          </select>
        </label>
        <label>
          Steps
          <input type="number" min={1} max={10} value={draft.depth} onChange={(event) => setDraft({ ...draft, depth: Math.min(10, Math.max(1, Number(event.target.value) || 1)) })} />
        </label>
        <label>
          Branches per step
          <input type="number" min={1} max={20} value={draft.branches} onChange={(event) => setDraft({ ...draft, branches: Math.min(20, Math.max(1, Number(event.target.value) || 1)) })} />
        </label>
        <button type="submit" className="button primary">
          Show paths
        </button>
      </form>
      {error ? <ErrorBox error={error} title="The paths could not be computed." /> : null}
      {loading && !answer ? <Loading what="the paths" /> : null}
      {answer ? <PathsResult answer={answer} stale={loading} /> : null}
    </>
  );
}

/**
 * The tree of paths folded into columns: one node per step and name ("step 2: hotline"), so the sankey
 * stays readable however many branches the tree has; each band still counts the customers who moved
 * from one name to the next at that step.
 */
function columns(tree: PathTree) {
  const nodes = new Map<string, { key: string; name: string; depth: number; customers: number }>();
  const byId = new Map(tree.nodes.map((node) => [node.id, node]));
  for (const node of tree.nodes) {
    const key = `${node.depth}\u0001${node.name}`;
    const entry = nodes.get(key) ?? { key, name: node.name, depth: node.depth, customers: 0 };
    entry.customers += node.customers;
    nodes.set(key, entry);
  }
  const links = new Map<string, { source: string; target: string; customers: number }>();
  for (const link of tree.links) {
    const from = byId.get(link.source)!;
    const to = byId.get(link.target)!;
    const source = `${from.depth}\u0001${from.name}`;
    const target = `${to.depth}\u0001${to.name}`;
    const entry = links.get(`${source}\u0002${target}`) ?? { source, target, customers: 0 };
    entry.customers += link.customers;
    links.set(`${source}\u0002${target}`, entry);
  }
  return { nodes: [...nodes.values()], links: [...links.values()] };
}

const PATH_COLOURS = ['#245ee5', '#059669', '#d97706', '#8b5cf6', '#0284c7', '#db2777', '#0d9488', '#ca8a04', '#4f46e5', '#dc2626'];

function PathsResult({ answer, stale }: { answer: PathsAnswer; stale: boolean }) {
  const tree = answer.total;
  const folded = useMemo(() => columns(tree), [tree]);
  const option = useMemo(() => {
    const names = [...new Set(folded.nodes.map((node) => node.name))].filter((name) => !name.startsWith('('));
    const colour = (name: string) => (name.startsWith('(') ? '#b8c0cc' : PATH_COLOURS[names.indexOf(name) % PATH_COLOURS.length]!);
    const nameOf = (key: string) => key.slice(key.indexOf('\u0001') + 1);
    return {
      tooltip: {
        trigger: 'item',
        formatter: (item: { dataType: string; data: { name?: string; source?: string; target?: string; value: number } }) =>
          item.dataType === 'edge'
            ? `${nameOf(item.data.source!)} → ${nameOf(item.data.target!)}: ${formatNumber(item.data.value)} customers`
            : `${nameOf(item.data.name!)}: ${formatNumber(item.data.value)} customers`,
      },
      series: [
        {
          type: 'sankey',
          left: 10,
          right: 130,
          top: 10,
          bottom: 10,
          nodeWidth: 14,
          nodeGap: 12,
          nodeAlign: 'left',
          emphasis: { focus: 'adjacency' },
          lineStyle: { color: 'source', curveness: 0.5, opacity: 0.3 },
          label: { formatter: (item: { name: string }) => nameOf(item.name), fontSize: 12, color: '#1c2430' },
          data: folded.nodes.map((node) => ({ name: node.key, value: node.customers, depth: node.depth, itemStyle: { color: colour(node.name) } })),
          links: folded.links.map((link) => ({ source: link.source, target: link.target, value: link.customers })),
        },
      ],
    };
  }, [folded]);
  if (tree.customers === 0) {
    return (
      <EmptyState title="No paths in the chosen time">
        No customer {answer.anchor ? `had “${answer.anchor}”` : 'had events'} in this range with these filters. Choose a longer range or fewer filters.
      </EmptyState>
    );
  }
  const tallest = Math.max(...Array.from({ length: answer.depth + 1 }, (_, depth) => folded.nodes.filter((node) => node.depth === depth).length));
  const kind = answer.stepKind === 'event' ? 'events' : `${answer.stepKind}s`;
  return (
    <section className={stale ? 'panel stale' : 'panel'} aria-labelledby="paths-title">
      <div className="panel-head">
        <h2 id="paths-title">
          {answer.anchor
            ? `The ${kind} ${formatNumber(tree.customers)} customers went through ${answer.direction === 'after' ? 'after' : 'before'} “${answer.anchor}”`
            : `The first ${answer.depth + 1} ${kind} of ${formatNumber(tree.customers)} customers`}
        </h2>
      </div>
      <Chart option={option} height={Math.min(760, Math.max(340, tallest * 46))} label={`Sankey of the paths of ${tree.customers} customers`} />
      <details>
        <summary>As a table</summary>
        <table className="table compact">
          <thead>
            <tr>
              <th>Path</th>
              <th className="num">Customers</th>
            </tr>
          </thead>
          <tbody>
            {tree.nodes.map((node) => (
              <tr key={node.id}>
                <td>{node.id.replaceAll(' > ', ' → ')}</td>
                <td className="num">{formatNumber(node.customers)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
      <p className="hint">
        Each column is one step; each band, the customers who went from one {answer.stepKind} to the next. “(end)”: their path stopped there;
        “(other)”: smaller branches folded together.
      </p>
    </section>
  );
}

function SwitchingView({ range, filters, vocabulary, refresh }: Scope) {
  const [draft, setDraft] = useState({ goal: '', lookback: '30d' });
  const [applied, setApplied] = useState(draft);
  const body = useMemo(
    () => ({ ...toApiRange(range), filters: cleanFilters(filters), lookback: applied.lookback, ...(applied.goal.trim() ? { goal: { event: applied.goal.trim() } } : {}) }),
    [range, filters, applied],
  );
  const { answer, error, loading } = useQuestion<SwitchingAnswer>('switching', body, refresh);
  return (
    <>
      <form
        className="panel toolbar"
        aria-label="Channel switching settings"
        onSubmit={(event) => {
          event.preventDefault();
          setApplied(draft);
        }}
      >
        <label>
          Journeys to the goal
          <input list="suggest-goal" value={draft.goal} placeholder="e.g. Order Completed (optional)" onChange={(event) => setDraft({ ...draft, goal: event.target.value })} />
        </label>
        <datalist id="suggest-goal">{vocabulary.events.map((value) => <option key={value} value={value} />)}</datalist>
        <label>
          Looking back
          <select value={draft.lookback} onChange={(event) => setDraft({ ...draft, lookback: event.target.value })}>
            <option value="7d">7 days</option>
            <option value="30d">30 days</option>
            <option value="90d">90 days</option>
          </select>
        </label>
        <button type="submit" className="button primary">
          Show switching
        </button>
      </form>
      {error ? <ErrorBox error={error} title="Channel switching could not be computed." /> : null}
      {loading && !answer ? <Loading what="channel switching" /> : null}
      {answer ? <SwitchingResult answer={answer} stale={loading} /> : null}
    </>
  );
}

function SwitchingResult({ answer, stale }: { answer: SwitchingAnswer; stale: boolean }) {
  const data = answer.total;
  const channels = data.channels.map((channel) => label(channel.channel));
  const max = Math.max(1, ...data.matrix.flat());
  const option = useMemo(
    () => ({
      tooltip: {
        position: 'top',
        formatter: (item: { value: [number, number, number] }) => `${channels[item.value[1]]} → ${channels[item.value[0]]}: ${formatNumber(item.value[2])} moves`,
      },
      grid: { left: 90, right: 20, top: 60, bottom: 50 },
      xAxis: { type: 'category', data: channels, position: 'top', splitArea: { show: true }, axisLabel: { rotate: 30 } },
      yAxis: { type: 'category', data: channels, inverse: true, splitArea: { show: true } },
      visualMap: { min: 0, max, calculable: false, orient: 'horizontal', left: 'center', bottom: 0, itemHeight: 120, inRange: { color: ['#f3f6fd', '#245ee5'] } },
      series: [
        {
          type: 'heatmap',
          data: data.matrix.flatMap((row, from) => row.map((value, to) => [to, from, value])),
          label: { show: true, formatter: (item: { value: [number, number, number] }) => (item.value[2] > 0 ? formatNumber(item.value[2]) : '') },
        },
      ],
    }),
    [data, channels, max],
  );
  if (data.customers === 0) {
    return <EmptyState title="No customer was active in the chosen time">Choose a longer range or fewer filters.</EmptyState>;
  }
  return (
    <section className={stale ? 'panel stale' : 'panel'} aria-labelledby="switching-title">
      <h2 id="switching-title">
        {formatPercent(data.multiChannelShare)} of {formatNumber(data.customers)} customers used more than one channel
      </h2>
      {answer.goal ? (
        <p>
          Of {formatNumber(data.goal.customers)} customers who reached “{answer.goal}”, {formatNumber(data.goal.crossChannel)} ({formatPercent(data.goal.crossChannelShare)}) crossed
          channels in the {Math.round(answer.lookbackMs / 86_400_000)} days before.
        </p>
      ) : null}
      <div className="analysis">
        <div>
          <p className="hint">Each row is the channel customers were on, each column the channel of their next interaction.</p>
          <Chart option={option} height={Math.max(320, channels.length * 38 + 120)} label="Moves between channels: rows are where customers came from, columns where they went" />
        </div>
        <div className="table-wrap">
          <table className="table">
            <thead>
              <tr>
                <th>Most frequent moves</th>
                <th className="num">Moves</th>
                <th className="num">Customers</th>
                <th className="num">Median gap</th>
              </tr>
            </thead>
            <tbody>
              {data.transitions.slice(0, 10).map((move) => (
                <tr key={`${move.from}|${move.to}`}>
                  <td>
                    {label(move.from)} → {label(move.to)}
                  </td>
                  <td className="num">{formatNumber(move.transitions)}</td>
                  <td className="num">{formatNumber(move.customers)}</td>
                  <td className="num">{formatDuration(move.medianGapMs)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </div>
    </section>
  );
}
