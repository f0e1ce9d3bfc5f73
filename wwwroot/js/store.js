// What the page keeps between loads. Storage can be unavailable or full (private mode, disabled
// storage): the page then works from memory and only forgets on a reload.
//
// - localStorage, shared by the tabs of the site: the last name the server accepted, to prefill
//   the name step.
// - sessionStorage, one per tab: the session token, the rooms with the position reached in each
//   ({epoch, offset}), the room on screen and the messages not yet acknowledged. A reload of the
//   tab resumes the session and gets exactly what it missed; another tab starts its own session
//   (two tabs sharing one token would take the session from each other, close 4001).

const NAME_KEY = 'actorchat.name';
const STATE_KEY = 'actorchat.v1.state';

export function loadName() {
  try {
    return localStorage.getItem(NAME_KEY) || '';
  } catch {
    return '';
  }
}

export function saveName(name) {
  try {
    localStorage.setItem(NAME_KEY, name);
  } catch {
    // The name is simply not prefilled next time.
  }
}

/**
 * @returns {{ token: string, name: string, current: string,
 *   rooms: {room: string, epoch: string|null, offset: number}[],
 *   outbox: {cid: string, room: string, text: string}[] } | null}
 */
export function loadState() {
  let raw;
  try {
    raw = sessionStorage.getItem(STATE_KEY);
  } catch {
    return null;
  }
  if (!raw) return null;
  try {
    const s = JSON.parse(raw);
    if (!s || typeof s !== 'object') return null;
    return {
      token: typeof s.token === 'string' ? s.token : '',
      name: typeof s.name === 'string' ? s.name : '',
      current: typeof s.current === 'string' ? s.current : '',
      rooms: Array.isArray(s.rooms) ? s.rooms.filter((r) => r && typeof r.room === 'string') : [],
      outbox: Array.isArray(s.outbox)
        ? s.outbox.filter((m) => m && typeof m.cid === 'string' && typeof m.room === 'string' && typeof m.text === 'string')
        : [],
    };
  } catch {
    return null;
  }
}

export function saveState(state) {
  try {
    sessionStorage.setItem(STATE_KEY, JSON.stringify(state));
  } catch {
    // A reload then starts from the name step; a reconnect still resumes from memory.
  }
}

// The tabs of the site answer each other over a BroadcastChannel, so a tab never resumes a
// session another open tab holds: a duplicated tab starts with a copy of sessionStorage, token
// included, and resuming it would take the session from the original (close 4001).
const channel = typeof BroadcastChannel === 'function' ? new BroadcastChannel('actorchat.sessions') : null;
let heldToken = () => '';

/** Answer other tabs asking for the token `getToken()` returns (this tab's session). */
export function answerForSession(getToken) {
  heldToken = getToken;
}

channel?.addEventListener('message', (ev) => {
  const d = ev.data;
  if (d && d.type === 'who-has' && typeof d.token === 'string' && d.token && d.token === heldToken()) {
    channel.postMessage({ type: 'has', token: d.token });
  }
});

/** Whether another open tab of this browser holds `token` (it answers within `waitMs`). */
export function sessionInOtherTab(token, waitMs = 200) {
  if (!channel || !token) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onMessage = (ev) => {
      if (ev.data && ev.data.type === 'has' && ev.data.token === token) done(true);
    };
    const timer = setTimeout(() => done(false), waitMs);
    function done(found) {
      clearTimeout(timer);
      channel.removeEventListener('message', onMessage);
      resolve(found);
    }
    channel.addEventListener('message', onMessage);
    channel.postMessage({ type: 'who-has', token });
  });
}
