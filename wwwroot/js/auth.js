// Signing in with a token (docs/PROTOCOL.md, identity): where the page gets the token, where it
// keeps it, and how it gets a newer one before it expires. The token is a JWT the site's backend
// minted; the page never looks inside it (the server checks it and says who it proved in
// `welcome.user`).
//
// - A token comes from the sign-in field or from the `#token=` fragment of the page's address
//   (read once, then removed from the address bar so it is not left in the history or a bookmark).
// - It is kept in sessionStorage (this tab only, gone when the tab closes) and sent in `hello`.
// - Refresh: when the server's settings name a refresh URL (`Client:TokenRefreshUrl`, served as
//   client-config.json), the page POSTs to it with its cookies before `welcome.expiresAt` and sends
//   the `token` of the answer as `refresh`. Without one, an expired token makes the page ask the
//   user to sign in again; the draft and the rooms stay.

const TOKEN_KEY = 'actorchat.token';
const CONFIG_URL = 'client-config.json';
const RETRY_MS = 5_000;            // a refresh that failed is tried again after this
const EARLY_MS = 60_000;           // a long-lived token is refreshed this long before it expires
const LONG_LIVED_MS = 120_000;     // ... otherwise at 80% of its lifetime

/** The server's settings for the page; anonymous and no refresh when they cannot be read. */
export async function loadConfig() {
  const fallback = { authMode: 'anonymous', refreshUrl: null, known: false };
  try {
    const response = await fetch(CONFIG_URL, { cache: 'no-store', headers: { Accept: 'application/json' } });
    if (!response.ok) return fallback;
    const c = await response.json();
    return {
      authMode: ['anonymous', 'optional', 'required'].includes(c?.authMode) ? c.authMode : 'anonymous',
      refreshUrl: typeof c?.tokenRefreshUrl === 'string' && c.tokenRefreshUrl ? c.tokenRefreshUrl : null,
      known: true,
    };
  } catch {
    return fallback;
  }
}

/**
 * The token of a `#token=…` fragment, or '' when there is none. The fragment is removed from the
 * address bar at once (history.replaceState: no new history entry, no reload).
 */
export function takeFragmentToken() {
  const hash = location.hash.startsWith('#') ? location.hash.slice(1) : '';
  if (!hash) return '';
  const params = new URLSearchParams(hash);
  const token = params.get('token');
  if (token === null) return '';
  params.delete('token');
  const rest = params.toString();
  history.replaceState(history.state, '', location.pathname + location.search + (rest ? '#' + rest : ''));
  return token.trim();
}

export function loadToken() {
  try {
    return sessionStorage.getItem(TOKEN_KEY) || '';
  } catch {
    return '';
  }
}

export function saveToken(token) {
  try {
    if (token) {
      sessionStorage.setItem(TOKEN_KEY, token);
    } else {
      sessionStorage.removeItem(TOKEN_KEY);
    }
  } catch {
    // Kept in memory only: a reload asks for it again.
  }
}

/** Who `welcome.user` says this page is, in words. */
export function describeUser(user, name) {
  if (!user || typeof user.id !== 'string' || !user.id) return 'anonymous';
  const shown = typeof user.name === 'string' && user.name ? user.name : name;
  const admin = Array.isArray(user.roles) && user.roles.includes('admin') ? ', server admin' : '';
  return `signed in as ${shown} (${user.id}${admin})`;
}

/** A new token from the refresh URL: POST with the page's cookies, `{token}` back. */
export async function fetchNewToken(url) {
  const response = await fetch(url, {
    method: 'POST',
    credentials: 'include',
    cache: 'no-store',
    headers: { Accept: 'application/json' },
  });
  if (!response.ok) throw new Error(`the refresh URL answered HTTP ${response.status}`);
  const body = await response.json();
  if (typeof body?.token !== 'string' || !body.token) throw new Error('the refresh URL sent no token');
  return body.token;
}

/** How long before `expiresAt` (ms) the page asks for a newer token, from `now`. */
export function refreshDelay(expiresAt, now = Date.now()) {
  const life = expiresAt - now;
  if (life <= 0) return 0;
  return Math.round(life > LONG_LIVED_MS ? life - EARLY_MS : life * 0.8);
}

/**
 * Gets a newer token before the current one expires and hands it to `onToken` (which sends
 * `refresh`). A failed fetch is tried again every few seconds until the token has expired; then
 * `onFailed` is told, once.
 */
export class Refresher {
  /** @param {{ url: () => string|null, onToken: (token: string) => void, onFailed: (why: string) => void }} handlers */
  constructor(handlers) {
    this.handlers = handlers;
    this.timer = 0;
    this.expiresAt = 0;
  }

  /** Plans the next refresh for a token that expires at `expiresAt` (ms); nothing without a URL. */
  schedule(expiresAt) {
    this.cancel();
    this.expiresAt = expiresAt;
    if (!this.handlers.url() || !expiresAt) return;
    this.timer = setTimeout(() => this.run(), refreshDelay(expiresAt));
  }

  cancel() {
    clearTimeout(this.timer);
    this.timer = 0;
  }

  async run() {
    this.timer = 0;
    const url = this.handlers.url();
    if (!url) return;
    try {
      this.handlers.onToken(await fetchNewToken(url));
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      if (Date.now() + RETRY_MS < this.expiresAt) {
        this.timer = setTimeout(() => this.run(), RETRY_MS);
      } else {
        this.handlers.onFailed(why);
      }
    }
  }
}
