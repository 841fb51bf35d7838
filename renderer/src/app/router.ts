import { create } from 'zustand';

/**
 * Hash router: `#/projects/abc?tab=runs&q=loss`.
 *
 * The hash is the source of truth (so Electron's file:// build and `mldesk serve` both work,
 * and any view can be restored from a pasted URL). The store mirrors it for React.
 */

export type Query = Readonly<Record<string, string>>;

export interface Route {
  /** Normalised path, always starting with '/', no trailing slash: '/projects/abc'. */
  path: string;
  /** Decoded path segments: ['projects', 'abc']. */
  segments: readonly string[];
  /** Query params from the hash; a repeated key keeps its last value. */
  query: Query;
}

export interface NavigateOptions {
  /** Replace the current history entry instead of pushing one. */
  replace?: boolean;
}

export function parseHash(hash: string): Route {
  const raw = hash.startsWith('#') ? hash.slice(1) : hash;
  const q = raw.indexOf('?');
  const pathPart = q < 0 ? raw : raw.slice(0, q);
  const search = q < 0 ? '' : raw.slice(q + 1);
  const segments = pathPart
    .split('/')
    .filter((s) => s !== '')
    .map((s) => {
      try {
        return decodeURIComponent(s);
      } catch {
        return s;
      }
    });
  const query: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(search)) query[k] = v;
  return { path: '/' + segments.map(encodeURIComponent).join('/'), segments, query };
}

/** Builds '#/path?k=v'; empty/undefined query values are dropped; keys are sorted for stable URLs. */
export function buildHash(path: string, query: Readonly<Record<string, string | number | boolean | null | undefined>> = {}): string {
  const segments = path.split('/').filter((s) => s !== '');
  const params = new URLSearchParams();
  for (const key of Object.keys(query).sort()) {
    const v = query[key];
    if (v === undefined || v === null || v === '') continue;
    params.set(key, String(v));
  }
  const search = params.toString();
  return `#/${segments.map(encodeURIComponent).join('/')}${search ? `?${search}` : ''}`;
}

function currentRoute(): Route {
  return parseHash(typeof window === 'undefined' ? '' : window.location.hash);
}

interface RouterState extends Route {
  hash: string;
}

export const useRouter = create<RouterState>(() => ({ ...currentRoute(), hash: typeof window === 'undefined' ? '' : window.location.hash }));

function sync(): void {
  const hash = window.location.hash;
  if (hash === useRouter.getState().hash) return;
  useRouter.setState({ ...parseHash(hash), hash });
}

let started = false;
/** Starts listening to hash changes; call once at startup. Returns a stop function. */
export function startRouter(defaultPath: string): () => void {
  if (started) return () => undefined;
  started = true;
  if (parseHash(window.location.hash).segments.length === 0) navigate(defaultPath, undefined, { replace: true });
  else sync();
  const onChange = () => sync();
  window.addEventListener('hashchange', onChange);
  window.addEventListener('popstate', onChange);
  return () => {
    started = false;
    window.removeEventListener('hashchange', onChange);
    window.removeEventListener('popstate', onChange);
  };
}

function go(hash: string, replace: boolean): void {
  if (hash === window.location.hash) return;
  if (replace) {
    // replaceState does not fire hashchange: update the store ourselves.
    window.history.replaceState(window.history.state, '', hash);
    sync();
  } else {
    window.location.hash = hash; // fires hashchange → sync
    sync();
  }
}

/** Go to a path (optionally with query params): navigate('/projects', { sort: 'name' }). */
export function navigate(
  path: string,
  query?: Readonly<Record<string, string | number | boolean | null | undefined>>,
  opts: NavigateOptions = {},
): void {
  go(buildHash(path, query), opts.replace ?? false);
}

/**
 * Merge params into the current query (null/undefined/'' removes a key). Replaces the history
 * entry by default, since view state (filters, sort, selection) should not flood Back.
 */
export function setQuery(patch: Readonly<Record<string, string | number | boolean | null | undefined>>, opts: NavigateOptions = { replace: true }): void {
  const { path, query } = useRouter.getState();
  go(buildHash(path, { ...query, ...patch }), opts.replace ?? true);
}

/** Selector hooks (primitives only, so components re-render only when they change). */
export const useRoutePath = (): string => useRouter((s) => s.path);
export const useRouteSection = (): string => useRouter((s) => s.segments[0] ?? '');
export const useQueryParam = (key: string): string | undefined => useRouter((s) => s.query[key]);
