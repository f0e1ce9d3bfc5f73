// ActorChat browser client (ES module, no build step).
// Wire protocol: docs/PROTOCOL.md ("beej-chat-protocol").
// All user-supplied text is written with text nodes / textContent, never as HTML.
//
// The page has two steps. The name step asks for a name and joins once with it: nobody sees a
// placeholder name that is renamed a moment later, and a refused name keeps the user here with
// the server's reason. The chat step starts when the server accepts the name (chat-users); from
// then on a lost connection is re-opened and re-joined with that name automatically, until the
// user leaves.

const PROTOCOL = 'beej-chat-protocol';
const MAX_LINES = 1000;
const NAME_KEY = 'actorchat.name';          // localStorage: the last name the server accepted
const BACKOFF_BASE_MS = 500;
const BACKOFF_CAP_MS = 15_000;
const BUSY_MIN_MS = 10_000;                  // 1013: the server asked us to come back later
const BUSY_CAP_MS = 300_000;
const STABLE_AFTER_MS = 10_000;              // an open connection this old resets the backoff
const JOIN_RETRY_DELAYS_MS = [1_000, 2_000, 4_000]; // rejoin refused right after a reconnect
const NO_RECONNECT_CODES = new Set([1003, 1008]);
// chat-error codes that answer a join: while a join is pending they refuse it.
const JOIN_ERRORS = new Set(['name-taken', 'invalid-name', 'rate-limited']);
// Right after a reconnect our old connection may still hold the name, or the new connection's
// first join may meet a limit: these are retried a few times before asking the user.
const REJOIN_RETRY_ERRORS = new Set(['name-taken', 'rate-limited']);

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
]);

// The 1013 reasons the server sends (docs/PROTOCOL.md), in words.
const BUSY_TEXT = new Map([
  ['server is full', 'The server is full'],
  ['too many connections from your address', 'Too many connections from your address'],
  ['too many new connections from your address', 'Too many new connections from your address'],
]);

const byId = (id) => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`ActorChat: missing element #${id}`);
  return el;
};

const ui = {
  app: document.querySelector('.app'),
  nameStep: byId('name-step'),
  nameForm: byId('name-form'),
  name: byId('chat-username'),
  join: byId('chat-join'),
  nameError: byId('name-error'),
  chatStep: byId('chat-step'),
  output: byId('chat-output'),
  jump: byId('chat-jump'),
  users: byId('chat-users'),
  userCount: byId('chat-user-count'),
  input: byId('chat-input'),
  send: byId('chat-send'),
  status: byId('chat-status'),
  statusText: byId('chat-status-text'),
  leave: byId('chat-leave'),
  notice: byId('chat-notice'),
  noticeText: byId('chat-notice-text'),
  countdown: byId('chat-countdown'),
  reconnect: byId('chat-reconnect'),
};

const collator = new Intl.Collator(undefined, { sensitivity: 'base', numeric: true });
// The server shows names in NFC; compare what we sent with what it bound in the same form.
const sameName = (a, b) => typeof a === 'string' && typeof b === 'string'
  && a.normalize('NFC').toLowerCase() === b.normalize('NFC').toLowerCase();
const str = (v) => (typeof v === 'string' ? v : '');

// ---------------------------------------------------------------------------
// State
// ---------------------------------------------------------------------------

let phase = 'name';         // 'name' | 'chat': which step the page shows
let wanted = false;         // the user asked to be in the chat: keep (re)connecting and joining
let wantName = '';          // the name to join with: the one submitted, then the accepted one
let acceptedName = null;    // the name the server last accepted on this page
let rememberedName = '';    // the name the last visit used (localStorage, read at load)

/** @type {WebSocket | null} */
let ws = null;
let attempt = 0;            // consecutive failed attempts since a stable connection (backoff exponent)
let busyRepeats = 0;        // consecutive 1013 closes (their backoff grows with it)
let stopped = false;        // closed with a code we do not retry automatically (1003, 1008)
let reconnectTimer = 0;
let countdownTimer = 0;
let reconnectAt = 0;
let stableTimer = 0;
let lastClose = null;       // why the connection ended: { code, reason, opened, text }

// Per-connection join state.
let joinState = 'none';     // 'none' | 'pending' | 'joined' | 'failed'
let pendingName = null;     // name in the chat-join in flight
let myName = null;          // name the server bound to this connection
let joinRetries = 0;
let joinRetryTimer = 0;

// User list, valid only after the chat-users snapshot of this connection.
let usersKnown = false;
/** @type {Map<string, HTMLLIElement>} */
const users = new Map();

// ---------------------------------------------------------------------------
// Remembered name (localStorage can be unavailable or full: the page works without it)
// ---------------------------------------------------------------------------

function loadName() {
  try {
    return localStorage.getItem(NAME_KEY) || '';
  } catch {
    return '';
  }
}

function saveName(name) {
  try {
    localStorage.setItem(NAME_KEY, name);
  } catch {
    // Private mode or storage disabled: the name is simply not prefilled next time.
  }
}

// ---------------------------------------------------------------------------
// Connection
// ---------------------------------------------------------------------------

function socketUrl() {
  return (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/';
}

function isOpen() {
  return ws !== null && ws.readyState === WebSocket.OPEN;
}

function connect() {
  cancelReconnect();
  stopped = false;
  setStatus('connecting', 'connecting…');

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
  render();
}

function onOpened() {
  clearTimeout(stableTimer);
  stableTimer = setTimeout(() => { attempt = 0; }, STABLE_AFTER_MS);
  resetConnectionState();
  if (wanted && wantName) join(wantName);
  render();
}

function onClosed(ev, wasOpen) {
  clearTimeout(stableTimer);
  resetConnectionState();
  clearUsers();

  const code = typeof ev.code === 'number' ? ev.code : 1006;
  const reason = str(ev.reason);
  const close = describeClose(code, reason, wasOpen);
  let text = close.text;
  if (!wasOpen && code === 1006 && lastClose && lastClose.opened) {
    // A retry that could not connect: keep saying why the connection ended in the first place.
    text = `${lastClose.text} The server cannot be reached yet.`;
  } else {
    lastClose = close;
  }
  if (wasOpen && phase === 'chat') writeLine('status', ['Disconnected: ' + close.text]);
  busyRepeats = code === 1013 ? busyRepeats + 1 : busyRepeats;

  if (NO_RECONNECT_CODES.has(code)) {
    stopped = true;
    setNotice('error', `${text} Not reconnecting automatically.`);
    if (phase === 'chat') writeError(`${close.text} Not reconnecting automatically.`, `close-${code}`);
  } else if (wanted) {
    setNotice(code === 1000 ? 'info' : 'error', text);
    scheduleReconnect(code);
  } else {
    setNotice('info', text);
  }
  render();
}

/** The close in words: what the code means, plus the server's reason and the code itself. */
function describeClose(code, reason, wasOpen) {
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

function scheduleReconnect(code) {
  let delay;
  if (code === 1013) {
    // The server asked to try later: wait 10–30 s, more on every repeat, so a full server is
    // not hammered by every page it turned away.
    const ceiling = Math.min(BUSY_CAP_MS, 3 * BUSY_MIN_MS * 2 ** Math.min(busyRepeats - 1, 10));
    delay = Math.round(ceiling / 3 + Math.random() * (ceiling * 2) / 3);
  } else {
    const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** attempt);
    delay = Math.round(Math.random() * ceiling); // full jitter
  }
  attempt = Math.min(attempt + 1, 30);
  reconnectAt = Date.now() + delay;
  ui.countdown.dataset.delayMs = String(delay);
  reconnectTimer = setTimeout(connect, delay);
  updateCountdown();
  countdownTimer = setInterval(updateCountdown, 250);
}

function cancelReconnect() {
  clearTimeout(reconnectTimer);
  clearInterval(countdownTimer);
  reconnectTimer = 0;
  countdownTimer = 0;
  ui.countdown.textContent = '';
  delete ui.countdown.dataset.delayMs;
}

function updateCountdown() {
  const secs = Math.max(0, Math.ceil((reconnectAt - Date.now()) / 1000));
  ui.countdown.textContent = `Reconnecting in ${secs} s`;
}

/** Reconnect at once (button, back online, page restored from the back/forward cache). */
function connectNow() {
  if (ws !== null) return;
  wanted = true;
  attempt = 0;
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
// Name step, joining and leaving
// ---------------------------------------------------------------------------

function submitName() {
  const name = ui.name.value.trim();
  if (!name) {
    showNameError('Enter a name.');
    return;
  }
  if (joinInFlight()) return; // wait for the server's answer
  showNameError('');
  joinRetries = 0;
  wantName = name;
  wanted = true;
  if (isOpen()) {
    join(name);            // a connection kept open after a refused name
  } else if (ws === null) {
    attempt = 0;           // the user asked: try now, whatever the backoff was
    connect();
  }                        // else still connecting: onOpened joins with wantName
  render();
}

/** A chat-join was sent (or the connection is still opening) and the answer has not come yet. */
function joinInFlight() {
  return ws !== null && (!isOpen() || (joinState === 'pending' && joinRetryTimer === 0));
}

function join(name) {
  clearTimeout(joinRetryTimer);
  joinRetryTimer = 0;
  joinState = 'pending';
  pendingName = name;
  sendPacket('chat-join', { username: name });
}

/** The server bound a name to this connection. */
function onJoined(name) {
  const fromNameStep = phase === 'name';
  myName = name;
  acceptedName = name;
  wantName = name;
  joinState = 'joined';
  pendingName = null;
  joinRetries = 0;
  clearTimeout(joinRetryTimer);
  joinRetryTimer = 0;
  busyRepeats = 0;
  lastClose = null;
  saveName(name);
  showNameError('');
  phase = 'chat';
  setNotice('none', '');
  render();
  if (fromNameStep) {
    scrollToBottom();
    ui.input.focus();
  }
}

/** A join was refused for good: back to the name step with the server's words. */
function onJoinRefused(code, message) {
  joinState = 'failed';
  const refused = pendingName;
  pendingName = null;
  wanted = false; // nothing to rejoin until the user chooses a name
  const text = message || code || 'The name was refused.';
  if (phase === 'chat') {
    writeError(`Could not rejoin as ${refused ?? 'before'}: ${text}`, code);
    phase = 'name';
  }
  if (refused) ui.name.value = refused;
  showNameError(text);
  render();
  ui.name.focus();
  ui.name.select();
}

/**
 * Our own earlier connection may still hold the name: right after a reconnect (the old one has
 * not gone yet), or when the page was just reloaded or left and the name is the one it used.
 * Such a refusal is retried a few times, and at once when that name leaves, before asking the
 * user. Another tab using the same name is told apart only by the retries running out.
 */
function canRetryJoin(code) {
  if (joinRetries >= JOIN_RETRY_DELAYS_MS.length) return false;
  if (phase === 'chat') return REJOIN_RETRY_ERRORS.has(code) && sameName(pendingName, acceptedName);
  return code === 'name-taken' && sameName(pendingName, acceptedName || rememberedName);
}

function scheduleJoinRetry() {
  const delay = JOIN_RETRY_DELAYS_MS[joinRetries++];
  const name = pendingName;
  const secs = Math.round(delay / 1000);
  if (phase === 'chat') {
    setNotice('info', `The name ${name} is still held by the previous connection; trying again in ${secs} s.`);
  } else {
    showNameError(`The name ${name} is in use, perhaps still by your previous visit; trying again in ${secs} s.`, false);
  }
  joinRetryTimer = setTimeout(() => {
    joinRetryTimer = 0;
    if (isOpen() && joinState === 'pending') join(name);
    render();
  }, delay);
  render();
}

/** Leave: close with 1000, never reconnect, back to the name step with the name prefilled. */
function leave() {
  const wasChatting = phase === 'chat';
  wanted = false;
  stopped = false;
  cancelReconnect();
  clearTimeout(stableTimer);
  const socket = ws;
  ws = null; // its close event is ignored from now on
  if (socket && socket.readyState !== WebSocket.CLOSED) socket.close(1000);
  resetConnectionState();
  clearUsers();
  lastClose = null;
  if (wasChatting) writeLine('status', ['You left the chat.']);
  phase = 'name';
  if (acceptedName) ui.name.value = acceptedName;
  showNameError('');
  setNotice('none', '');
  render();
  ui.name.focus();
}

function showNameError(text, invalid = true) {
  ui.nameError.textContent = text;
  if (text && invalid) {
    ui.name.setAttribute('aria-invalid', 'true');
  } else {
    ui.name.removeAttribute('aria-invalid');
  }
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
      if (joinRetryTimer && sameName(name, pendingName)) {
        join(pendingName);
        render();
      }
      break;

    case 'chat-rename': {
      const previous = str(p.previous);
      writeLine('rename', [{ cls: 'line-name', text: previous }, ' is now known as ',
        { cls: 'line-name', text: name }, '.']);
      if (myName !== null && previous === myName) {
        // Only another client on this connection could rename us; follow the server.
        myName = name;
        acceptedName = name;
        wantName = name;
        saveName(name);
        render();
      }
      renameUser(previous, name);
      break;
    }

    case 'chat-users':
      if (name && joinState !== 'joined') onJoined(name);
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
  if (joinState === 'pending' && JOIN_ERRORS.has(code)) {
    if (canRetryJoin(code)) {
      scheduleJoinRetry();
    } else {
      onJoinRefused(code, message);
    }
    return;
  }
  writeError(message || code || 'unknown error', code);
}

// ---------------------------------------------------------------------------
// Sending
// ---------------------------------------------------------------------------

function sendMessage() {
  const text = ui.input.value.trim();
  if (!text) return;
  if (!isOpen() || joinState !== 'joined') {
    // The text stays in the box, to be sent again once the page is back in the room.
    writeError('Not connected: the message was not sent.', 'not-connected');
    return;
  }
  sendPacket('chat-message', { username: myName, message: text });
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
// Rendering the state
// ---------------------------------------------------------------------------

/** state: 'idle' | 'connecting' | 'open' | 'closed'. */
function setStatus(state, text) {
  ui.status.dataset.state = state;
  if (ui.statusText.textContent !== text) ui.statusText.textContent = text;
}

/** kind: 'none' | 'info' | 'error'. The notice says why the connection ended. */
function setNotice(kind, text) {
  ui.notice.dataset.kind = kind;
  if (lastClose && kind !== 'none') {
    ui.notice.dataset.closeCode = String(lastClose.code);
    ui.notice.dataset.closeReason = lastClose.reason;
  } else {
    delete ui.notice.dataset.closeCode;
    delete ui.notice.dataset.closeReason;
  }
  ui.noticeText.textContent = text;
  if (kind === 'none') cancelReconnect();
}

/** Brings the status line, the buttons and the visible step in line with the state. */
function render() {
  const retrying = reconnectTimer !== 0;

  if (isOpen()) {
    if (joinState === 'joined') {
      setStatus('open', `connected as ${myName}`);
    } else if (joinState === 'pending') {
      setStatus('connecting', 'joining…');
    } else {
      setStatus('idle', 'not in the chat');
    }
  } else if (ws !== null) {
    setStatus('connecting', 'connecting…');
  } else if (retrying) {
    setStatus('closed', 'reconnecting');
  } else if (stopped) {
    setStatus('closed', 'disconnected');
  } else {
    setStatus('idle', 'not connected');
  }

  ui.app.dataset.phase = phase;
  ui.nameStep.hidden = phase !== 'name';
  ui.chatStep.hidden = phase !== 'chat';

  const waiting = joinInFlight();
  ui.join.disabled = waiting;
  ui.join.textContent = waiting ? 'Joining…' : 'Join';

  ui.leave.hidden = !(phase === 'chat' || wanted);
  ui.leave.textContent = phase === 'chat' ? 'Leave' : 'Cancel';

  ui.reconnect.hidden = ws !== null || !(retrying || stopped) || !(wanted || phase === 'chat');
  ui.reconnect.textContent = stopped ? 'Reconnect' : 'Reconnect now';
}

// ---------------------------------------------------------------------------
// Wiring
// ---------------------------------------------------------------------------

function init() {
  rememberedName = loadName();
  if (rememberedName && !ui.name.value) ui.name.value = rememberedName;

  ui.nameForm.addEventListener('submit', (ev) => {
    ev.preventDefault();
    submitName();
  });
  ui.name.addEventListener('input', () => {
    if (ui.nameError.textContent) showNameError('');
  });

  ui.input.addEventListener('keydown', (ev) => {
    if (ev.key !== 'Enter' || ev.isComposing || ev.keyCode === 229) return;
    ev.preventDefault();
    sendMessage();
  });
  ui.send.addEventListener('click', () => {
    sendMessage();
    ui.input.focus();
  });

  ui.output.addEventListener('scroll', () => {
    if (!ui.jump.hidden && isAtBottom(ui.output)) ui.jump.hidden = true;
  }, { passive: true });
  ui.jump.addEventListener('click', scrollToBottom);
  ui.reconnect.addEventListener('click', connectNow);
  ui.leave.addEventListener('click', leave);

  window.addEventListener('online', () => { if (wanted && !stopped) connectNow(); });
  window.addEventListener('pageshow', (ev) => { if (ev.persisted && wanted && !stopped) connectNow(); });

  render();
  ui.name.focus();
  ui.name.select();
  document.body.dataset.ready = 'true';
}

init();
