import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { getToken, setToken } from '../api.js';

/** The pages, in the order of the navigation bar. Each has a URL a person can share. */
export const PAGES: { path: string; title: string }[] = [
  { path: '/ui/', title: 'Overview' },
  { path: '/ui/findings', title: 'Findings' },
  { path: '/ui/posture', title: 'Posture' },
  { path: '/ui/graph', title: 'Service graph' },
  { path: '/ui/blast-radius', title: 'Blast radius' },
  { path: '/ui/tenants', title: 'Tenants' },
];

type Theme = 'light' | 'dark';
const THEME_KEY = 'meshward.theme';

function initialTheme(): Theme {
  try {
    const saved = localStorage.getItem(THEME_KEY);
    if (saved === 'light' || saved === 'dark') return saved;
  } catch {
    /* no storage */
  }
  return window.matchMedia?.('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

function TokenForm({ onDone }: { onDone(): void }) {
  const [value, setValue] = useState('');
  return (
    <form
      class="token-form"
      onSubmit={(e) => {
        e.preventDefault();
        setToken(value.trim() || null);
        onDone();
      }}
    >
      <label>
        API token{' '}
        <input type="password" autoComplete="off" value={value} onInput={(e) => setValue((e.target as HTMLInputElement).value)} />
      </label>
      <button type="submit">Sign in</button>
    </form>
  );
}

export function Layout({ children }: { children: ComponentChildren }) {
  const { path } = useLocation();
  const [theme, setTheme] = useState<Theme>(initialTheme);
  const [needToken, setNeedToken] = useState(false);
  useEffect(() => {
    document.documentElement.dataset.theme = theme;
    try {
      localStorage.setItem(THEME_KEY, theme);
    } catch {
      /* no storage */
    }
  }, [theme]);
  useEffect(() => {
    const onUnauthorized = () => setNeedToken(true);
    window.addEventListener('meshward:unauthorized', onUnauthorized);
    return () => window.removeEventListener('meshward:unauthorized', onUnauthorized);
  }, []);
  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <span class="brand">meshward</span>
        <nav aria-label="Pages">
          {PAGES.map((p) => (
            <a href={p.path} aria-current={(p.path === '/ui/' ? path === '/ui/' || path === '/ui' : path.startsWith(p.path)) ? 'page' : undefined}>
              {p.title}
            </a>
          ))}
        </nav>
        <button type="button" class="theme" onClick={() => setTheme(theme === 'dark' ? 'light' : 'dark')} aria-label={`Switch to ${theme === 'dark' ? 'light' : 'dark'} theme`}>
          {theme === 'dark' ? 'Light' : 'Dark'}
        </button>
        {getToken() ? (
          <button type="button" onClick={() => (setToken(null), location.reload())}>
            Sign out
          </button>
        ) : null}
      </header>
      {needToken ? <TokenForm onDone={() => location.reload()} /> : null}
      <main id="main" tabIndex={-1}>
        {children}
      </main>
    </>
  );
}
