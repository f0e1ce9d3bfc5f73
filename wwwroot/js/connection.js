// The WebSocket: opening it, pacing what the page sends, and deciding when to open it again.
// It knows close codes and backoff, not the chat: the page gets open/packet/close callbacks.

import { SUBPROTOCOL, parsePacket } from './protocol.js';

const BACKOFF_BASE_MS = 500;
const BACKOFF_CAP_MS = 15_000;
const BUSY_MIN_MS = 10_000;        // 1013: the server asked us to come back later
const BUSY_CAP_MS = 300_000;
const STABLE_AFTER_MS = 10_000;    // an open connection this old resets the backoff

// The server allows 10 packets a second with a burst of 20 per connection, and closes a
// connection that keeps going past that (1008). A resume sends a join for every room and
// re-sends what was not acked, so the page paces itself below that: nothing it sends in bulk
// is refused, and a fast typist's messages wait their turn instead of being dropped.
const PACE_BURST = 16;
const PACE_PER_SECOND = 8;

/** Close codes after which the page does not reconnect by itself: a retry would end the same way. */
export const NO_RECONNECT_CODES = new Set([1003, 1008, 4001, 4002, 4003, 4004]);

// What each close code means, in words. The server's own close reason is shown beside it.
const CLOSE_TEXT = new Map([
  [1000, 'The connection was closed'],
  [1001, 'The server is shutting down'],
  [1003, 'The server refused a binary frame'],
  [1005, 'The connection was closed without a status'],
  [1007, 'The server received text that is not valid UTF-8'],
  [1008, 'The server closed the connection because this page sent too much too fast'],
  [1009, 'A message was too big for the server'],
  [1011, 'The server had an internal error'],
  [1012, 'The server is restarting'],
  [1013, 'The server is busy and asked to try again later'],
  [3008, 'Messages could not reach this page fast enough'],
  [4001, 'This session was taken over by another tab or window'],
  [4002, 'Your sign-in expired — sign in again'],
  [4003, 'Your sign-in was refused (the token is not valid here) — sign in again'],
  [4004, 'You were removed: banned or removed by a moderator or the server'],
  [4005, 'The server disconnected this page'],
  [4006, 'The server did not hear this page say hello in time'],
]);

// The 1013 reasons the server sends (docs/PROTOCOL.md), in words.
const BUSY_TEXT = new Map([
  ['server is full', 'The server is full'],
  ['too many connections from your address', 'Too many connections from your address'],
  ['too many new connections from your address', 'Too many new connections from your address'],
]);

/** The close in words: what the code means, plus the server's reason and the code itself. */
export function describeClose(code, reason, wasOpen) {
  let words;
  if (code === 1006) {
    words = wasOpen ? 'The connection was lost' : 'Could not connect to the server';
  } else if (code === 1013) {
    words = BUSY_TEXT.get(reason) || CLOSE_TEXT.get(1013);
  } else {
    words = CLOSE_TEXT.get(code) || 'The connection was closed';
  }
  return { code, reason, opened: wasOpen, text: `${words} (close ${code}${reason ? `: “${reason}”` : ''}).` };
}

function socketUrl() {
  return (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/';
}

export class Connection {
  /**
   * @param {{ onOpen: () => void, onPacket: (p: {type: string, ref: string|null, payload: object}) => void,
   *           onClose: (code: number, reason: string, wasOpen: boolean) => void, onChange: () => void }} handlers
   */
  constructor(handlers) {
    this.handlers = handlers;
    /** @type {WebSocket | null} */
    this.ws = null;
    this.attempt = 0;          // consecutive failed attempts since a stable connection (backoff exponent)
    this.busyRepeats = 0;      // consecutive 1013 closes (their backoff grows with it)
    this.retryTimer = 0;
    this.retryAt = 0;
    this.retryDelay = 0;
    this.stableTimer = 0;
    this.queue = [];           // packets waiting for the pace
    this.tokens = PACE_BURST;
    this.refilledAt = 0;
    this.drainTimer = 0;
  }

  get isOpen() { return this.ws !== null && this.ws.readyState === WebSocket.OPEN; }

  get isConnecting() { return this.ws !== null && this.ws.readyState === WebSocket.CONNECTING; }

  get retrying() { return this.retryTimer !== 0; }

  /** Opens a socket now (any scheduled retry is dropped). */
  open() {
    this.cancelRetry();
    if (this.ws !== null) return;
    let socket;
    try {
      socket = new WebSocket(socketUrl(), SUBPROTOCOL);
    } catch (err) {
      // Only for malformed URLs or blocked ports; treat like a failed attempt.
      this.handlers.onClose(1006, err instanceof Error ? err.message : String(err), false);
      return;
    }
    this.ws = socket;
    let opened = false;
    socket.addEventListener('open', () => {
      if (this.ws !== socket) return;
      opened = true;
      clearTimeout(this.stableTimer);
      this.stableTimer = setTimeout(() => { this.attempt = 0; this.busyRepeats = 0; }, STABLE_AFTER_MS);
      this.tokens = PACE_BURST;
      this.refilledAt = performance.now();
      this.handlers.onOpen();
    });
    socket.addEventListener('message', (ev) => {
      if (this.ws !== socket || typeof ev.data !== 'string') return;
      const packet = parsePacket(ev.data);
      if (packet) {
        this.handlers.onPacket(packet);
      } else {
        console.warn('ActorChat: ignoring a frame that is not a packet');
      }
    });
    socket.addEventListener('close', (ev) => {
      if (this.ws !== socket) return;
      this.ws = null;
      this.reset();
      if (ev.code === 1013) this.busyRepeats += 1;
      this.handlers.onClose(typeof ev.code === 'number' ? ev.code : 1006, typeof ev.reason === 'string' ? ev.reason : '', opened);
    });
    // 'error' is always followed by 'close'; nothing to do there.
    this.handlers.onChange();
  }

  /** Closes on purpose; the close event of this socket is not reported. */
  close(code = 1000) {
    this.cancelRetry();
    const socket = this.ws;
    this.ws = null;
    this.reset();
    if (socket && socket.readyState !== WebSocket.CLOSED) socket.close(code);
  }

  /** Queues a packet with its ref; false when there is no open socket (nothing is queued then). */
  send(packet, ref) {
    if (!this.isOpen) return false;
    this.queue.push(ref ? { type: packet.type, ref, payload: packet.payload } : packet);
    this.drain();
    return true;
  }

  /** The server said rate-limited: send nothing more for a while. */
  pause(ms) {
    this.tokens = Math.min(this.tokens, 0);
    this.refilledAt = performance.now() + ms;
    this.drain();
  }

  drain() {
    if (this.drainTimer || !this.isOpen) return;
    const now = performance.now();
    if (now > this.refilledAt) {
      this.tokens = Math.min(PACE_BURST, this.tokens + ((now - this.refilledAt) * PACE_PER_SECOND) / 1000);
      this.refilledAt = now;
    }
    while (this.queue.length > 0 && this.tokens >= 1) {
      this.tokens -= 1;
      this.ws.send(JSON.stringify(this.queue.shift()));
    }
    if (this.queue.length > 0) {
      const wait = Math.max(0, this.refilledAt - now) + ((1 - this.tokens) * 1000) / PACE_PER_SECOND;
      this.drainTimer = setTimeout(() => { this.drainTimer = 0; this.drain(); }, Math.ceil(wait));
    }
  }

  reset() {
    clearTimeout(this.stableTimer);
    clearTimeout(this.drainTimer);
    this.drainTimer = 0;
    this.queue = [];
  }

  /** Schedules the next attempt after a close with `code`; returns its delay in ms. */
  retryLater(code) {
    this.cancelRetry();
    let delay;
    if (code === 1013) {
      // The server asked to try later: wait 10–30 s, more on every repeat, so a full server is
      // not hammered by every page it turned away.
      const ceiling = Math.min(BUSY_CAP_MS, 3 * BUSY_MIN_MS * 2 ** Math.min(Math.max(this.busyRepeats - 1, 0), 10));
      delay = Math.round(ceiling / 3 + Math.random() * (ceiling * 2) / 3);
    } else {
      const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** this.attempt);
      delay = Math.round(Math.random() * ceiling); // full jitter
    }
    this.attempt = Math.min(this.attempt + 1, 30);
    this.retryDelay = delay;
    this.retryAt = Date.now() + delay;
    this.retryTimer = setTimeout(() => { this.retryTimer = 0; this.open(); }, delay);
    return delay;
  }

  cancelRetry() {
    clearTimeout(this.retryTimer);
    this.retryTimer = 0;
  }

  /** The user asked to connect: try now, whatever the backoff was. */
  openNow() {
    this.attempt = 0;
    this.open();
  }
}
