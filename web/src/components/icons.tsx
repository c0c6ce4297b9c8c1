import type { ReactNode } from 'react';

/** Line icons drawn on a 24-unit grid, so they sit on any background in the current text colour. */

const CHANNEL_PATHS: Record<string, ReactNode> = {
  web: (
    <>
      <circle cx="12" cy="12" r="9" />
      <path d="M3 12h18M12 3c2.5 2.7 3.8 5.7 3.8 9s-1.3 6.3-3.8 9c-2.5-2.7-3.8-5.7-3.8-9S9.5 5.7 12 3z" />
    </>
  ),
  app: (
    <>
      <rect x="7" y="2.5" width="10" height="19" rx="2" />
      <path d="M11 18.5h2" />
    </>
  ),
  email: (
    <>
      <rect x="3" y="5" width="18" height="14" rx="2" />
      <path d="M3.5 6l8.5 7 8.5-7" />
    </>
  ),
  sms: (
    <>
      <path d="M4 5h16v11H9l-4 4v-4H4z" />
      <path d="M8.5 10.5h.01M12 10.5h.01M15.5 10.5h.01" />
    </>
  ),
  whatsapp: (
    <>
      <path d="M20 12a8 8 0 0 1-11.8 7L4 20l1.1-4A8 8 0 1 1 20 12z" />
      <path d="M9 9c.5 2.5 2.5 4.5 5 5l1-1.2" />
    </>
  ),
  chat: (
    <>
      <path d="M3 5h12v8H8l-3 3v-3H3z" />
      <path d="M15 9h6v8h-2v3l-3-3h-5v-2" />
    </>
  ),
  social: (
    <>
      <circle cx="6" cy="12" r="2.5" />
      <circle cx="18" cy="6" r="2.5" />
      <circle cx="18" cy="18" r="2.5" />
      <path d="M8.2 10.8l7.6-3.6M8.2 13.2l7.6 3.6" />
    </>
  ),
  phone: <path d="M5 3h4l2 5-2.5 1.5a11 11 0 0 0 6 6L16 13l5 2v4a2 2 0 0 1-2 2A16 16 0 0 1 3 5a2 2 0 0 1 2-2z" />,
  store: (
    <>
      <path d="M3 9l1.5-5h15L21 9" />
      <path d="M3 9a3 3 0 0 0 6 0 3 3 0 0 0 6 0 3 3 0 0 0 6 0" />
      <path d="M5 11.5V20h14v-8.5M10 20v-5h4v5" />
    </>
  ),
  letter: (
    <>
      <path d="M6 2.5h8l4 4v15H6z" />
      <path d="M14 2.5v4h4M9 11h6M9 14.5h6M9 18h4" />
    </>
  ),
  server: (
    <>
      <rect x="4" y="4" width="16" height="7" rx="1.5" />
      <rect x="4" y="13" width="16" height="7" rx="1.5" />
      <path d="M8 7.5h.01M8 16.5h.01" />
    </>
  ),
  other: <circle cx="12" cy="12" r="4" />,
};
CHANNEL_PATHS.messenger = CHANNEL_PATHS.chat;
CHANNEL_PATHS.push = CHANNEL_PATHS.app;

/** The icon of a channel code (web, app, email, phone, store, ...); unknown channels get a dot. */
export function ChannelIcon({ channel, size = 18 }: { channel: string; size?: number }) {
  return (
    <svg className="icon" width={size} height={size} viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="1.8" strokeLinecap="round" strokeLinejoin="round" aria-hidden="true">
      {CHANNEL_PATHS[channel] ?? CHANNEL_PATHS.other}
    </svg>
  );
}

const UI_PATHS = {
  customers: (
    <>
      <circle cx="9" cy="8" r="3.5" />
      <path d="M2.5 20a6.5 6.5 0 0 1 13 0M16 4.5a3.5 3.5 0 0 1 0 7M18 14.5a6.5 6.5 0 0 1 3.5 5.5" />
    </>
  ),
  // Two overlapping groups.
  segments: (
    <>
      <circle cx="9" cy="12" r="6" />
      <circle cx="15" cy="12" r="6" />
    </>
  ),
  journeys: <path d="M3 6h10a3 3 0 0 1 0 6H9a3 3 0 0 0 0 6h12M18 15l3 3-3 3" />,
  touchpoints: <path d="M4 20V10M10 20V4M16 20v-7M22 20H2" />,
  sources: (
    <>
      <path d="M4 6c0-1.7 3.6-3 8-3s8 1.3 8 3-3.6 3-8 3-8-1.3-8-3z" />
      <path d="M4 6v12c0 1.7 3.6 3 8 3s8-1.3 8-3V6M4 12c0 1.7 3.6 3 8 3s8-1.3 8-3" />
    </>
  ),
  search: (
    <>
      <circle cx="11" cy="11" r="6.5" />
      <path d="M16 16l5 5" />
    </>
  ),
  copy: (
    <>
      <rect x="8" y="8" width="12" height="12" rx="2" />
      <path d="M16 8V5a1 1 0 0 0-1-1H5a1 1 0 0 0-1 1v10a1 1 0 0 0 1 1h3" />
    </>
  ),
  merge: <path d="M6 3v6a6 6 0 0 0 6 6h6M6 21v-6M15 12l3 3-3 3" />,
  warning: (
    <>
      <path d="M12 3l10 18H2z" />
      <path d="M12 10v5M12 18h.01" />
    </>
  ),
  signout: <path d="M15 4h4a1 1 0 0 1 1 1v14a1 1 0 0 1-1 1h-4M10 17l5-5-5-5M15 12H3" />,
} satisfies Record<string, ReactNode>;

/** The names of the console's own icons. */
export type IconName = keyof typeof UI_PATHS;

/** An icon of the console itself: navigation, search, copy, merge, warnings. */
export function Icon({ name, size = 18 }: { name: IconName; size?: number }) {
  return (
    <svg className="icon" width={size} height={size} viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="1.8" strokeLinecap="round" strokeLinejoin="round" aria-hidden="true">
      {UI_PATHS[name]}
    </svg>
  );
}

const DEPARTMENT_COLOURS: Record<string, string> = {
  marketing: '#8b5cf6',
  sales: '#0284c7',
  service: '#059669',
  billing: '#d97706',
  complaints: '#dc2626',
  unassigned: '#6b7280',
};
const SPARE_COLOURS = ['#db2777', '#4f46e5', '#0d9488', '#ca8a04', '#7c3aed', '#2563eb'];

/** The colour a department has everywhere in the console; departments a workspace adds get a stable one. */
export function departmentColour(department: string): string {
  const known = DEPARTMENT_COLOURS[department];
  if (known) return known;
  let hash = 0;
  for (const char of department) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return SPARE_COLOURS[hash % SPARE_COLOURS.length]!;
}
