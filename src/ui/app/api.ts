/**
 * The dashboard's only data source: the server's REST API on the same origin (/api, documented at
 * /api/openapi.json). Everything it returns came, at some point, from an agent: render it as text
 * (JSX escapes it), never as HTML, and never follow a URL it contains.
 *
 * Authentication: behind an OIDC proxy (the server's trusted-proxy header mode) the browser's requests
 * carry the proxy's session and no token is needed; otherwise the user pastes a bearer token once, kept
 * in sessionStorage (gone when the tab closes) and sent as `Authorization: Bearer`.
 */

const TOKEN_KEY = 'meshward.token';

export function getToken(): string | null {
  try {
    return sessionStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

export function setToken(token: string | null): void {
  try {
    if (token) sessionStorage.setItem(TOKEN_KEY, token);
    else sessionStorage.removeItem(TOKEN_KEY);
  } catch {
    /* storage refused (private mode): the token lives until reload */
  }
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Query values: undefined and empty strings are left out so URLs stay shareable and short. */
export type Query = Record<string, string | number | boolean | undefined | null | readonly string[]>;

export function apiUrl(path: string, query?: Query): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) {
    if (v === undefined || v === null || v === '') continue;
    if (Array.isArray(v)) for (const item of v) params.append(k, String(item));
    else params.set(k, String(v));
  }
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

async function request<T>(method: string, path: string, query?: Query, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  const token = getToken();
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(apiUrl(path, query), {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: 'same-origin',
    redirect: 'error',
  });
  const text = await res.text();
  let data: unknown = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    throw new ApiError(res.status, 'bad-response', `the server answered ${res.status} with something that is not JSON`);
  }
  if (!res.ok) {
    const e = (data ?? {}) as { error?: unknown; message?: unknown };
    throw new ApiError(res.status, typeof e.error === 'string' ? e.error : 'error', typeof e.message === 'string' ? e.message : `HTTP ${res.status}`);
  }
  return data as T;
}

export const api = {
  get: <T>(path: string, query?: Query) => request<T>('GET', path, query),
  post: <T>(path: string, body: unknown) => request<T>('POST', path, undefined, body),
  delete: <T>(path: string) => request<T>('DELETE', path),
};
