import { timingSafeEqual, createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const TOKEN_COOKIE = 'mldesk_token';

export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h);
}

const digest = (s: string) => createHash('sha256').update(s).digest();
/** Constant-time compare (hashing first makes lengths equal). */
export function tokenMatches(given: string | undefined, expected: string): boolean {
  return given !== undefined && timingSafeEqual(digest(given), digest(expected));
}

export class MalformedCookie extends Error {}

export function readCookie(req: IncomingMessage, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        throw new MalformedCookie(`Cookie ${name} is not valid percent-encoding`);
      }
    }
  }
  return undefined;
}

/** Bearer header for API clients; an HttpOnly cookie for the browser UI (EventSource cannot send headers). */
export function requestToken(req: IncomingMessage): string | undefined {
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ')) return auth.slice(7).trim();
  return readCookie(req, TOKEN_COOKIE);
}

/** Blocks DNS-rebinding: a loopback-bound server only answers requests addressed to a loopback name. */
export function hostHeaderAllowed(req: IncomingMessage, boundToLoopback: boolean): boolean {
  if (!boundToLoopback) return true;
  const host = req.headers.host;
  if (!host) return true;
  const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.split(':')[0]!;
  return isLoopbackHost(name);
}

/**
 * Cross-site guard: a request that names its origin (Origin, or else Referer) must come from this server's own
 * origin. Requests naming none (MLflow clients, curl, same-origin GETs in some browsers) pass.
 */
export function sameOriginRequest(req: IncomingMessage): boolean {
  // Following a link to the UI from elsewhere is a top-level GET navigation: harmless, and not a "request" a page can aim.
  if ((req.method === 'GET' || req.method === 'HEAD') && req.headers['sec-fetch-mode'] === 'navigate' && req.headers.origin === undefined) return true;
  const origin = req.headers.origin;
  const referer = req.headers.referer;
  const claimed = origin ?? referer;
  if (claimed === undefined) return true;
  let u: URL;
  try {
    u = new URL(claimed);
  } catch {
    return false; // includes Origin: null (sandboxed frames, file: pages)
  }
  const host = req.headers.host;
  return host !== undefined && (u.protocol === 'http:' || u.protocol === 'https:') && u.host.toLowerCase() === host.toLowerCase();
}
