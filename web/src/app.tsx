import { lazy, Suspense, useEffect, useState } from 'react';
import { api, SIGNED_OUT_EVENT } from './api.ts';
import { Icon, type IconName } from './components/icons.tsx';
import { Loading } from './components/feedback.tsx';
import { Link, navigate, useLocation } from './router.tsx';
import { SignInPage } from './pages/sign-in-page.tsx';
import { CustomersPage } from './pages/customers-page.tsx';
import { CustomerPage } from './pages/customer-page.tsx';
import { SourcesPage } from './pages/sources-page.tsx';
import { SegmentsPage } from './pages/segments-page.tsx';
import { NotFoundPage } from './pages/not-found-page.tsx';
import { useAnalyticsAvailable } from './pages/analytics-availability.ts';

// The charts library is large; only the analytics pages load it, when first opened.
const JourneysPage = lazy(() => import('./pages/journeys-page.tsx'));
const TouchpointsPage = lazy(() => import('./pages/touchpoints-page.tsx'));

type Session = 'checking' | 'signed-in' | 'signed-out';

/** The console: the sign-in page until the server accepts the session, then the pages with their navigation. */
export function App() {
  const [session, setSession] = useState<Session>('checking');
  const location = useLocation();
  const analytics = useAnalyticsAvailable(session === 'signed-in');

  useEffect(() => {
    api('GET', '/session').then(
      () => setSession('signed-in'),
      () => setSession('signed-out'),
    );
    const onSignedOut = () => setSession('signed-out');
    window.addEventListener(SIGNED_OUT_EVENT, onSignedOut);
    return () => window.removeEventListener(SIGNED_OUT_EVENT, onSignedOut);
  }, []);

  useEffect(() => {
    if (location.path === '/' || location.path === '/sign-in') {
      if (session === 'signed-in') navigate(location.query.get('next') ?? '/customers', true);
    }
  }, [location, session]);

  if (session === 'checking') return <Loading what="the console" />;
  if (session === 'signed-out') {
    const next = location.path === '/' || location.path === '/sign-in' ? location.query.get('next') : location.path + window.location.search;
    return <SignInPage onSignedIn={() => { setSession('signed-in'); navigate(next ?? '/customers', true); }} />;
  }

  const signOut = async () => {
    await api('DELETE', '/session').catch(() => undefined);
    setSession('signed-out');
    navigate('/sign-in', true);
  };

  const section = location.path.split('/')[1] ?? '';
  // Each section's name is also its icon's.
  const nav: Array<{ to: string; name: IconName; label: string }> = [
    { to: '/customers', name: 'customers', label: 'Customers' },
    { to: '/segments', name: 'segments', label: 'Segments' },
    ...(analytics ? ([
      { to: '/journeys', name: 'journeys', label: 'Journeys' },
      { to: '/touchpoints', name: 'touchpoints', label: 'Touchpoints' },
    ] as const) : []),
    { to: '/sources', name: 'sources', label: 'Sources' },
  ];

  return (
    <div className="shell">
      <header className="sidebar">
        <Link to="/customers" className="brand">
          <span className="brand-mark" aria-hidden="true" />
          Centric
        </Link>
        <nav aria-label="Main">
          {nav.map((item) => (
            <Link key={item.name} to={item.to} className="nav-link" aria-current={section === item.name ? 'page' : undefined}>
              <Icon name={item.name} /> <span>{item.label}</span>
            </Link>
          ))}
        </nav>
        <button type="button" className="nav-link sign-out" onClick={signOut} aria-label="Sign out" title="Sign out">
          <Icon name="signout" /> <span>Sign out</span>
        </button>
      </header>
      <main className="content">
        <Suspense fallback={<Loading what="the page" />}>
          <Page path={location.path} />
        </Suspense>
      </main>
    </div>
  );
}

function Page({ path }: { path: string }) {
  const parts = path.split('/').filter((part) => part !== '').map(decodeURIComponent);
  switch (parts[0]) {
    case undefined:
    case 'sign-in':
    case 'customers':
      return parts[1] ? <CustomerPage id={parts[1]} /> : <CustomersPage />;
    case 'sources':
      return <SourcesPage selectedId={parts[1] ?? null} />;
    case 'segments':
      return <SegmentsPage selectedId={parts[1] ?? null} />;
    case 'journeys':
      return <JourneysPage />;
    case 'touchpoints':
      return <TouchpointsPage />;
    default:
      return <NotFoundPage />;
  }
}
