// ActorChat browser client (ES module, no build step).
// Wire protocol: docs/PROTOCOL.md ("beej-chat-protocol").
// All user-supplied text is written with text nodes / textContent, never as HTML.

const PROTOCOL = 'beej-chat-protocol';
const MAX_LINES = 1000;
const BACKOFF_BASE_MS = 500;
const BACKOFF_CAP_MS = 15_000;
const STABLE_AFTER_MS = 10_000; // an open connection this old resets the backoff
const JOIN_RETRY_DELAYS_MS = [1_000, 2_000, 4_000]; // name-taken right after a reconnect
const NO_RECONNECT_CODES = new Set([1003, 1008]);
const NAME_ERRORS = new Set(['name-taken', 'invalid-name']);

const CLOSE_TEXT = new Map([
  [1000, 'normal closure'],
  [1001, 'server shutting down'],
  [1003, 'binary frames are not supported'],
  [1005, 'no status'],
  [1006, 'connection lost'],
  [1007, 'invalid UTF-8'],
  [1008, 'policy violation'],
  [1009, 'message too big'],
  [1011, 'internal server error'],
  [1012, 'server restarting'],
  [1013, 'try again later'],
  [3008, 'slow consumer'],
]);

const byId = (id) => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`ActorChat: missing element #${id}`);
  return el;
};

const ui = {
  output: byId('chat-output'),
  jump: byId('chat-jump'),
  users: byId('chat-users'),
  userCount: byId('chat-user-count'),
  name: byId('chat-username'),
  input: byId('chat-input'),
  send: byId('chat-send'),
  status: byId('chat-status'),
  statusText: byId('chat-status-text'),
  statusDetail: byId('chat-status-detail'),
  reconnect: byId('chat-reconnect'),
};

const collator = new Intl.Collator(undefined, { sensitivity: 'base', numeric: true });
const sameName = (a, b) => typeof a === 'string' && typeof b === 'string' && a.toLowerCase() === b.toLowerCase();
const str = (v) => (typeof v === 'string' ? v : '');

// ---------------------------------------------------------------------------
// Connection state
// ---------------------------------------------------------------------------

/** @type {WebSocket | null} */
let ws = null;
let attempt = 0;            // consecutive attempts since the last stable connection (backoff exponent)
let stopped = false;        // true after a close we must not retry automatically (1003, 1008)
let reconnectTimer = 0;
let countdownTimer = 0;
let reconnectAt = 0;
let stableTimer = 0;
let lastClose = null;       // { code, reason, text } of the last close, for the status line

// Per-connection join state.
let joinState = 'none';     // 'none' | 'pending' | 'joined' | 'failed'
let pendingName = null;     // name in the last chat-join we sent
let myName = null;          // name the server bound to this connection (from chat-users / chat-rename)
let lastBoundName = null;   // name bound on an earlier connection (for name-taken retries)
let joinRetries = 0;
let joinRetryTimer = 0;

// User list, valid only after the chat-users snapshot of this connection.
let usersKnown = false;
/** @type {Map<string, HTMLLIElement>} */
const users = new Map();

function socketUrl() {
  return (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/';
}

function isOpen() {
  return ws !== null && ws.readyState === WebSocket.OPEN;
}

function connect() {
  clearTimeout(reconnectTimer);
  clearInterval(countdownTimer);
  reconnectTimer = 0;
  countdownTimer = 0;
  stopped = false;
  setStatus('connecting', 'connecting', null);

  let socket;
  try {
    socket = new WebSocket(socketUrl(), PROTOCOL);
  } catch (err) {
    // Only for malformed URLs or blocked ports; treat like a failed attempt.
    ws = null;
    onClosed({ code: 1006, reason: err instanceof Error ? err.message : String(err) }, false);
    return;
  }
  ws = socket;
  let opened = false;

  socket.addEventListener('open', () => {
    if (ws !== socket) return;
    opened = true;
    onOpened();
  });
  socket.addEventListener('message', (ev) => {
    if (ws !== socket) return;
    if (typeof ev.data === 'string') onPacket(ev.data);
  });
  socket.addEventListener('close', (ev) => {
    if (ws !== socket) return;
    ws = null;
    onClosed(ev, opened);
  });
  // 'error' is always followed by 'close'; nothing to do there.
}

function onOpened() {
  lastClose = null;
  setStatus('open', 'connected', null);
  writeLine('status', ['Connection opened.']);
  clearTimeout(stableTimer);
  stableTimer = setTimeout(() => { attempt = 0; }, STABLE_AFTER_MS);

  resetConnectionState();
  let name = currentName();
  if (!name) {
    name = lastBoundName || guestName();
    ui.name.value = name;
  }
  join(name);
}

function onClosed(ev, wasOpen) {
  clearTimeout(stableTimer);
  if (myName) lastBoundName = myName;
  resetConnectionState();
  clearUsers();
  if (wasOpen) writeLine('status', ['Connection closed.']);

  const code = typeof ev.code === 'number' ? ev.code : 1006;
  const reason = str(ev.reason);
  lastClose = { code, reason, text: `${code}: ${reason || CLOSE_TEXT.get(code) || 'closed'}` };

  if (NO_RECONNECT_CODES.has(code)) {
    stopped = true;
    setStatus('closed', 'disconnected', lastClose);
    const why = code === 1008
      ? 'the server closed the connection for flooding (policy violation)'
      : 'the server refused a frame type this client should not send';
    writeError(`Disconnected: ${why} [${lastClose.text}]. Not reconnecting automatically.`, `close-${code}`);
    return;
  }
  scheduleReconnect();
}

function scheduleReconnect() {
  const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** attempt);
  const delay = Math.random() * ceiling; // full jitter
  attempt = Math.min(attempt + 1, 30);
  reconnectAt = Date.now() + delay;
  reconnectTimer = setTimeout(connect, delay);
  updateCountdown();
  clearInterval(countdownTimer);
  countdownTimer = setInterval(updateCountdown, 250);
}

function updateCountdown() {
  const secs = Math.max(0, Math.ceil((reconnectAt - Date.now()) / 1000));
  setStatus('closed', `reconnecting in ${secs}s`, lastClose);
}

/** Reconnect immediately (button, back online, page restored from bfcache). */
function connectNow() {
  if (ws !== null) return;
  connect();
}

function resetConnectionState() {
  clearTimeout(joinRetryTimer);
  joinRetryTimer = 0;
  joinRetries = 0;
  joinState = 'none';
  pendingName = null;
  myName = null;
}

function sendPacket(type, payload) {
  if (!isOpen()) return false;
  ws.send(JSON.stringify({ type, payload }));
  return true;
}

// ---------------------------------------------------------------------------
// Joining and renaming
// ---------------------------------------------------------------------------

function currentName() {
  return ui.name.value.trim();
}

function guestName() {
  const n = crypto.getRandomValues(new Uint16Array(1))[0];
  return 'Guest ' + n.toString(16).padStart(4, '0');
}

function join(name) {
  clearTimeout(joinRetryTimer);
  joinRetryTimer = 0;
  if (joinState !== 'joined') joinState = 'pending';
  pendingName = name;
  sendPacket('chat-join', { username: name });
}

function onNameChange() {
  if (!isOpen()) return; // the next connection joins with whatever the box holds
  const name = currentName();
  if (name === pendingName) return; // already asked for (join, rename or a scheduled retry)
  if (joinState === 'joined' && name === myName) return;
  join(name);
}

/** Our old connection may still hold the name right after a reconnect. */
function canRetryJoin() {
  return joinState === 'pending'
    && joinRetries < JOIN_RETRY_DELAYS_MS.length
    && sameName(pendingName, lastBoundName);
}

function scheduleJoinRetry() {
  const delay = JOIN_RETRY_DELAYS_MS[joinRetries++];
  const name = pendingName;
  setStatus('open', 'connected', { text: `name in use, retrying in ${Math.round(delay / 1000)}s` });
  joinRetryTimer = setTimeout(() => {
    joinRetryTimer = 0;
    if (isOpen() && joinState === 'pending') join(name);
  }, delay);
}

function syncNameBox(name) {
  // Never overwrite what the user is typing.
  if (name && document.activeElement !== ui.name && ui.name.value !== name) ui.name.value = name;
}

// ---------------------------------------------------------------------------
// Incoming packets
// ---------------------------------------------------------------------------

function onPacket(data) {
  let packet;
  try {
    packet = JSON.parse(data);
  } catch {
    console.warn('ActorChat: ignoring a frame that is not JSON');
    return;
  }
  if (!packet || typeof packet !== 'object' || typeof packet.type !== 'string'
      || !packet.payload || typeof packet.payload !== 'object') {
    console.warn('ActorChat: ignoring a malformed packet');
    return;
  }
  const p = packet.payload;
  const name = str(p.username);

  switch (packet.type) {
    case 'chat-message':
      writeLine(name === myName && myName ? 'message line-self' : 'message',
        [{ cls: 'line-name', text: name }, ': ', { cls: 'line-text', text: str(p.message) }]);
      break;

    case 'chat-join':
      writeLine('join', [{ cls: 'line-name', text: name }, ' has joined the chat.']);
      addUser(name);
      break;

    case 'chat-leave':
      writeLine('leave', [{ cls: 'line-name', text: name }, ' has left the chat.']);
      removeUser(name);
      // Our previous connection has finally gone: take the name back now.
      if (joinRetryTimer && sameName(name, pendingName)) join(pendingName);
      break;

    case 'chat-rename': {
      const previous = str(p.previous);
      writeLine('rename', [{ cls: 'line-name', text: previous }, ' is now known as ',
        { cls: 'line-name', text: name }, '.']);
      if (myName !== null && previous === myName) {
        myName = name;
        lastBoundName = name;
        pendingName = null;
        syncNameBox(name);
      }
      renameUser(previous, name);
      break;
    }

    case 'chat-users':
      if (name) {
        myName = name;
        lastBoundName = name;
        joinState = 'joined';
        pendingName = null;
        joinRetries = 0;
        clearTimeout(joinRetryTimer);
        joinRetryTimer = 0;
        syncNameBox(name);
        if (isOpen()) setStatus('open', 'connected', null);
      }
      if (Array.isArray(p.users)) setUsers(p.users.filter((u) => typeof u === 'string'));
      break;

    case 'chat-error':
      onServerError(str(p.code), str(p.message));
      break;

    default:
      // Unknown packet types are ignored (forward compatibility).
      break;
  }
}

function onServerError(code, message) {
  if (NAME_ERRORS.has(code)) {
    if (joinState === 'pending') {
      if (code === 'name-taken' && canRetryJoin()) {
        scheduleJoinRetry();
        return;
      }
      joinState = 'failed';
      pendingName = null;
      if (isOpen()) setStatus('open', 'connected', { text: 'not in the room: choose another name' });
    } else if (joinState === 'joined') {
      // A refused rename: we keep our bound name.
      pendingName = null;
      syncNameBox(myName);
    }
  }
  writeError(message || code || 'unknown error', code);
}

// ---------------------------------------------------------------------------
// Sending
// ---------------------------------------------------------------------------

function sendMessage() {
  const text = ui.input.value.trim();
  if (!text) return;
  if (!isOpen()) {
    writeError('not connected, message not sent.', 'not-connected');
    return;
  }
  const name = currentName();
  // If the join was refused (or never made), try again with the current name first.
  if (joinState === 'none' || joinState === 'failed') join(name);
  sendPacket('chat-message', { username: name, message: text });
  ui.input.value = '';
}

// ---------------------------------------------------------------------------
// Log output
// ---------------------------------------------------------------------------

function isAtBottom(el) {
  return el.scrollHeight - el.scrollTop - el.clientHeight <= 8;
}

/**
 * Append one line. parts: strings (text nodes) or {cls, text} (a span with textContent).
 * kind: e.g. 'message', 'join' -> class "line line-message".
 */
function writeLine(kind, parts, attrs) {
  const out = ui.output;
  const stick = isAtBottom(out);
  const line = document.createElement('div');
  line.className = 'line ' + kind.split(' ').map((k) => (k.startsWith('line-') ? k : 'line-' + k)).join(' ');
  if (attrs) for (const [k, v] of Object.entries(attrs)) line.setAttribute(k, v);
  for (const part of parts) {
    if (typeof part === 'string') {
      line.append(document.createTextNode(part));
    } else {
      const span = document.createElement('span');
      span.className = part.cls;
      span.textContent = part.text;
      line.append(span);
    }
  }
  out.append(line);
  while (out.childElementCount > MAX_LINES) out.firstElementChild.remove();
  if (stick) {
    out.scrollTop = out.scrollHeight;
  } else {
    ui.jump.hidden = false;
  }
}

function writeError(message, code) {
  writeLine('error', ['Error: ' + message], code ? { 'data-code': code } : null);
}

function scrollToBottom() {
  ui.output.scrollTop = ui.output.scrollHeight;
  ui.jump.hidden = true;
}

// ---------------------------------------------------------------------------
// User list
// ---------------------------------------------------------------------------

function makeUserItem(name) {
  const li = document.createElement('li');
  li.className = 'user';
  li.dataset.name = name;
  li.textContent = name;
  if (name === myName) li.classList.add('user-self');
  return li;
}

function setUsers(names) {
  users.clear();
  usersKnown = true;
  const sorted = [...new Set(names)].filter(Boolean).sort(collator.compare);
  const items = sorted.map((n) => {
    const li = makeUserItem(n);
    users.set(n, li);
    return li;
  });
  ui.users.replaceChildren(...items);
  updateUserCount();
}

function addUser(name) {
  if (!usersKnown || !name || users.has(name)) return;
  const li = makeUserItem(name);
  users.set(name, li);
  let before = null;
  for (const child of ui.users.children) {
    if (collator.compare(child.dataset.name, name) > 0) { before = child; break; }
  }
  ui.users.insertBefore(li, before);
  updateUserCount();
}

function removeUser(name) {
  const li = users.get(name);
  if (!li) return;
  li.remove();
  users.delete(name);
  updateUserCount();
}

function renameUser(previous, name) {
  if (!usersKnown) return;
  removeUser(previous);
  addUser(name);
  for (const [n, li] of users) li.classList.toggle('user-self', n === myName);
}

function clearUsers() {
  usersKnown = false;
  users.clear();
  ui.users.replaceChildren();
  updateUserCount();
}

function updateUserCount() {
  ui.userCount.textContent = String(users.size);
}

// ---------------------------------------------------------------------------
// Status
// ---------------------------------------------------------------------------

/** state: 'connecting' | 'open' | 'closed'; detail: {code?, reason?, text} or null. */
function setStatus(state, text, detail) {
  const s = ui.status;
  s.dataset.state = state;
  ui.statusText.textContent = text;
  ui.statusDetail.textContent = detail ? ` (${detail.text})` : '';
  if (detail && typeof detail.code === 'number') {
    s.dataset.closeCode = String(detail.code);
    s.dataset.closeReason = detail.reason || '';
  } else {
    delete s.dataset.closeCode;
    delete s.dataset.closeReason;
  }
  ui.reconnect.hidden = state !== 'closed';
  ui.reconnect.textContent = stopped ? 'Reconnect' : 'Reconnect now';
}

// ---------------------------------------------------------------------------
// Wiring
// ---------------------------------------------------------------------------

function init() {
  if (!currentName()) ui.name.value = guestName();

  ui.input.addEventListener('keydown', (ev) => {
    if (ev.key !== 'Enter' || ev.isComposing || ev.keyCode === 229) return;
    ev.preventDefault();
    sendMessage();
  });
  ui.send.addEventListener('click', () => {
    sendMessage();
    ui.input.focus();
  });
  ui.name.addEventListener('change', onNameChange);
  ui.name.addEventListener('keydown', (ev) => {
    if (ev.key !== 'Enter' || ev.isComposing) return;
    ev.preventDefault();
    onNameChange();
    ui.input.focus();
  });

  ui.output.addEventListener('scroll', () => {
    if (!ui.jump.hidden && isAtBottom(ui.output)) ui.jump.hidden = true;
  }, { passive: true });
  ui.jump.addEventListener('click', scrollToBottom);
  ui.reconnect.addEventListener('click', () => {
    attempt = 0;
    connectNow();
  });

  window.addEventListener('online', () => { if (!stopped) connectNow(); });
  window.addEventListener('pageshow', (ev) => { if (ev.persisted && !stopped) connectNow(); });

  connect();
  document.body.dataset.ready = 'true';
}

init();
