import { useEffect, useState, type MouseEvent, type ReactNode } from 'react';

/** A small router over the History API: the console has a handful of pages and needs no more. */

const CHANGE = 'centric:navigate';

export interface Location {
  path: string;
  query: URLSearchParams;
}

function current(): Location {
  return { path: window.location.pathname, query: new URLSearchParams(window.location.search) };
}

/** The current path and query, updated on every navigation. */
export function useLocation(): Location {
  const [location, setLocation] = useState(current);
  useEffect(() => {
    const update = () => setLocation(current());
    window.addEventListener('popstate', update);
    window.addEventListener(CHANGE, update);
    return () => {
      window.removeEventListener('popstate', update);
      window.removeEventListener(CHANGE, update);
    };
  }, []);
  return location;
}

/** Goes to `to` (a path with an optional query); `replace` keeps the back button where it was. */
export function navigate(to: string, replace = false): void {
  if (to === window.location.pathname + window.location.search) return;
  if (replace) window.history.replaceState(null, '', to);
  else window.history.pushState(null, '', to);
  window.dispatchEvent(new Event(CHANGE));
  if (!replace) window.scrollTo(0, 0);
}

/** A link that navigates inside the console; a middle click or Ctrl-click still opens a new tab. */
export function Link(props: { to: string; className?: string; children: ReactNode; title?: string; 'aria-current'?: 'page' | undefined }) {
  const onClick = (event: MouseEvent<HTMLAnchorElement>) => {
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(props.to);
  };
  return (
    <a href={props.to} className={props.className} onClick={onClick} title={props.title} aria-current={props['aria-current']}>
      {props.children}
    </a>
  );
}
