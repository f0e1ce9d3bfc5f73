// ActorChat browser client (ES modules, no build step).
// Wire protocol: docs/PROTOCOL.md ("actorchat.v1").
//
// The page has two steps. The name step asks for a name and starts a session with it (`hello`):
// nobody sees a placeholder name, and a refused name keeps the user here with the server's
// reason. The chat step starts with the server's `welcome`: the page joins its rooms (`lobby` the
// first time) and from then on a lost connection is re-opened and the session resumed
// automatically until the user leaves: `hello {name, session}`, then `join {room, since}` for
// each room, so exactly what was said meanwhile arrives, each line once (lines are keyed by
// offset). Messages not yet acknowledged are sent again with the same `cid`, which the server
// never posts twice.
//
// Modules: js/protocol.js (packets), js/connection.js (socket, pacing, backoff), js/rooms.js
// (room state), js/store.js (what survives a reload), js/view.js (drawing), js/auth.js (signing in
// with a token, refresh), js/moderation.js (roles, refusals in words, member menu, room settings),
// js/composer.js (the Send button under slow mode), js/deletion.js (the message menu, deleting).

import * as P from './js/protocol.js';
import { Connection, NO_RECONNECT_CODES, describeClose } from './js/connection.js';
import { Room, timeOf } from './js/rooms.js';
import * as store from './js/store.js';
import * as auth from './js/auth.js';
import { isModerator, refusalText } from './js/moderation.js';
import { SendButton } from './js/composer.js';
import { Governance } from './js/governance.js';
import { Deletion } from './js/deletion.js';
import {
  ui, RoomLog, renderRooms, renderMembers, renderRoomTitle, renderDirectory,
  setStatus, setNotice, setCountdown, showFieldError, renderTitle,
} from './js/view.js';

const DEFAULT_ROOM = 'lobby';
const HELLO_RETRY_DELAYS_MS = [1_000, 2_000, 4_000]; // a name refused right after a reconnect
// error codes that answer a hello: while one is pending they refuse it.
const HELLO_ERRORS = new Set(['name-taken', 'invalid-name', 'rate-limited']);
// A token refused: the connection is closed (4002, 4003) and the page asks to sign in again.
const AUTH_ERRORS = new Set(['token-expired', 'invalid-token', 'token-mismatch', 'auth-required']);
// Refusals said in the words of js/moderation.js.
const WORDED = new Set(['banned', 'muted', 'slow-mode', 'forbidden', ...AUTH_ERRORS]);
// After a reconnect the session may have expired and its name be held a moment longer, or the
// new connection's first hello may meet a limit: these are retried before asking the user.
const REHELLO_RETRY_ERRORS = new Set(['name-taken', 'rate-limited']);
const RATE_RETRY_MS = 1_000;       // a request refused as rate-limited is sent again after this
const MAX_RATE_RETRIES = 5;
const MAX_OUTBOX = 200;            // messages waiting for their ack, across rooms
const FILL_BELOW = 20;             // a log with fewer messages loads an older page by itself
const SAVE_DELAY_MS = 250;

// The server shows names in NFC; compare what we sent with what it bound in the same form.
const sameName = (a, b) => typeof a === 'string' && typeof b === 'string'
  && a.normalize('NFC').toLowerCase() === b.normalize('NFC').toLowerCase();

// ---------------------------------------------------------------------------
// State
// ---------------------------------------------------------------------------

let phase = 'name';         // 'name' | 'chat': which step the page shows
let wanted = false;         // the user asked to be in the chat: keep (re)connecting
let wantName = '';          // the name to say hello with: the one submitted, then the session's
let acceptedName = null;    // the name the server last accepted on this page
let rememberedName = '';    // the name the last visit used (localStorage, read at load)
let token = '';             // the session token of the last welcome ('' when there is none)
let sessionName = '';       // the name that session has
let stopped = false;        // closed with a code we do not retry automatically (1003, 1008, 4001)
let lastClose = null;       // why the connection ended: { code, reason, opened, text }
let countdownTimer = 0;
let jwt = '';               // the user's token this page signs in with ('' = anonymous)
let user = null;            // welcome.user: {id, name, roles}; id null when anonymous
// The server's settings for the page (client-config.json); `loading` until they are read.
let config = { authMode: 'anonymous', refreshUrl: null, known: false, loading: true };

// Per connection.
let helloState = 'none';    // 'none' | 'pending' | 'done' | 'failed'
let pendingName = null;     // the name in the hello in flight
let myName = null;          // the name the server bound to this connection
let helloRetries = 0;
let helloRetryTimer = 0;
/** @type {Map<string, {kind: string, room?: string, entry?: object, since?: object|null, user?: boolean, tries?: number}>} */
const requests = new Map(); // ref -> what it asked, for its reply

/** @type {Map<string, Room>} in the order of the room list */
const rooms = new Map();
/** @type {Map<string, RoomLog>} */
const logs = new Map();
let current = '';           // the room on screen
const leftOffline = new Set(); // rooms left while disconnected: left on the server once back
/** Messages sent and not acked yet, oldest first: {cid, room, text, ref, tries}. */
let outbox = [];
let saveTimer = 0;

const conn = new Connection({
  onOpen: onOpened,
  onPacket,
  onClose: onClosed,
  onChange: render,
});

const refresher = new auth.Refresher({
  url: () => config.refreshUrl,
  onToken: (fresh) => {
    setJwt(fresh);
    if (ready()) request(P.refresh(fresh), { kind: 'refresh' });
  },
  onFailed: (why) => currentLog()?.addError(`The sign-in could not be renewed (${why}); it will expire.`, 'refresh-failed'),
});
// Roles and moderation: the member menu, the settings panel, the Send button (js/governance.js).
const gov = new Governance({
  rooms,
  logs,
  current: () => current,
  myName: () => myName,
  ready: () => ready(),
  request: (packet, what) => request(packet, what),
  renderRoomPanels: () => renderRoomPanels(),
  scheduleSave: () => scheduleSave(),
});
const decorate = gov.decorate;
// The message menu on each kept line, and deleting (js/deletion.js).
const deletion = new Deletion({ rooms, logs, ready: () => ready(), request: (packet, what) => request(packet, what) });

// ---------------------------------------------------------------------------
// Saving (sessionStorage: a reload of the tab resumes; see js/store.js)
// ---------------------------------------------------------------------------

function scheduleSave() {
  if (saveTimer) return;
  saveTimer = setTimeout(saveNow, SAVE_DELAY_MS);
}

function saveNow() {
  clearTimeout(saveTimer);
  saveTimer = 0;
  store.saveState({
    token,
    name: sessionName,
    current,
    rooms: [...rooms.values()].filter((r) => r.state !== 'leaving').map((r) => r.toSaved()),
    outbox: outbox.map(({ cid, room, text }) => ({ cid, room, text })),
  });
}

// ---------------------------------------------------------------------------
// Connection
// ---------------------------------------------------------------------------

function onOpened() {
  resetConnectionState();
  if (wanted && (wantName || jwt)) hello(wantName); // with a token the name may be left to its claim
  render();
}

function onClosed(code, reason, wasOpen) {
  if (code === 1009) failOversized();
  resetConnectionState();

  const close = describeClose(code, reason, wasOpen);
  let text = close.text;
  // What the notice names (its text and its data-close-* attributes) is the close that ended the
  // connection, not a later retry's.
  let shown = close;
  if (!wasOpen && code === 1006 && lastClose && lastClose.opened) {
    // A retry that could not connect: keep saying why the connection ended in the first place.
    text = `${lastClose.text} The server cannot be reached yet.`;
    shown = lastClose;
  } else {
    lastClose = close;
  }
  if (wasOpen && phase === 'chat') {
    for (const log of logs.values()) log.addNote('status', ['Disconnected: ' + close.text]);
  }

  if (NO_RECONNECT_CODES.has(code)) {
    stopped = true;
    if (code === 4002 || code === 4003) signInAgain(code);
    setNotice('error', `${text} Not reconnecting automatically.`, shown);
    stopCountdown();
    if (phase === 'chat') currentLog()?.addError(`${close.text} Not reconnecting automatically.`, `close-${code}`);
  } else if (wanted) {
    setNotice(shown.code === 1000 ? 'info' : 'error', text, shown);
    startCountdown(conn.retryLater(code));
  } else {
    setNotice('info', text, shown);
  }
  render();
  renderRoomPanels();
}

/**
 * 1009: a frame was over the server's size limit. The largest send in flight is taken to be it
 * and is not sent again: the next connection would be closed the same way.
 */
function failOversized() {
  const encoder = new TextEncoder();
  const inFlight = outbox.filter((e) => e.ref !== null).map((e) => ({ e, size: encoder.encode(e.text).length }));
  if (inFlight.length === 0) return;
  const largest = Math.max(...inFlight.map((x) => x.size));
  for (const { e, size } of inFlight) {
    if (size !== largest) continue;
    outbox.splice(outbox.indexOf(e), 1);
    logs.get(e.room)?.fail(e.cid, 'it is too big for the server (close 1009).', 'close-1009', e.ref);
  }
  scheduleSave();
}

function startCountdown(delay) {
  clearInterval(countdownTimer);
  setCountdown(conn.retryAt, delay);
  countdownTimer = setInterval(() => {
    if (conn.retrying) {
      setCountdown(conn.retryAt);
    } else {
      stopCountdown();
    }
  }, 250);
}

function stopCountdown() {
  clearInterval(countdownTimer);
  countdownTimer = 0;
  setCountdown(0);
}

/** Reconnect at once (button, back online, page restored from the back/forward cache). */
function connectNow() {
  if (conn.ws !== null) return;
  wanted = true;
  stopped = false;
  stopCountdown();
  conn.openNow();
  render();
}

/** What only the closed connection knew: its hello, its requests, the rooms' membership. */
function resetConnectionState() {
  clearTimeout(helloRetryTimer);
  helloRetryTimer = 0;
  helloRetries = 0;
  helloState = 'none';
  pendingName = null;
  myName = null;
  requests.clear();
  for (const room of rooms.values()) room.disconnected();
  for (const entry of outbox) entry.ref = null;
  for (const [name, log] of logs) syncOlder(name, log);
}

/** Sends a request with a fresh ref, remembered with `what` until its reply. */
function request(packet, what) {
  const ref = P.newRef(packet.type);
  requests.set(ref, what);
  conn.send(packet, ref);
  return ref;
}

const ready = () => conn.isOpen && helloState === 'done';

// ---------------------------------------------------------------------------
// Name step, session, leaving
// ---------------------------------------------------------------------------

function submitName() {
  const name = ui.name.value.trim();
  const typed = config.authMode === 'anonymous' && config.known ? '' : ui.token.value.trim();
  if (!name && !typed) {
    showFieldError(ui.name, ui.nameError, config.authMode === 'anonymous' ? 'Enter a name.' : 'Enter a name, or paste a token.');
    return;
  }
  if (config.authMode === 'required' && !typed) {
    showFieldError(ui.token, ui.nameError, 'This chat needs you to sign in: paste a token.');
    return;
  }
  if (helloInFlight()) return; // wait for the server's answer
  showFieldError(ui.name, ui.nameError, '');
  showFieldError(ui.token, ui.nameError, '');
  setJwt(typed);
  helloRetries = 0;
  wantName = name;
  wanted = true;
  stopped = false;
  if (conn.isOpen) {
    hello(name);            // a connection kept open after a refused name
  } else if (conn.ws === null) {
    stopCountdown();
    conn.openNow();         // the user asked: try now, whatever the backoff was
  }                         // else still connecting: onOpened says hello with wantName
  render();
}

/** A hello was sent (or the connection is still opening) and the answer has not come yet. */
function helloInFlight() {
  return conn.ws !== null && (!conn.isOpen || (helloState === 'pending' && helloRetryTimer === 0));
}

function hello(name) {
  clearTimeout(helloRetryTimer);
  helloRetryTimer = 0;
  helloState = 'pending';
  pendingName = name;
  // The token resumes the session only for its own name: a hello with another name and the old
  // token would get the old name back.
  const session = token && sameName(name, sessionName) ? token : '';
  request(P.hello(name, session, jwt), { kind: 'hello' });
}

function onWelcome(p) {
  const fromNameStep = phase === 'name';
  myName = P.str(p.name) || pendingName;
  token = P.str(p.session);
  sessionName = myName;
  acceptedName = myName;
  wantName = myName;
  helloState = 'done';
  pendingName = null;
  helloRetries = 0;
  clearTimeout(helloRetryTimer);
  helloRetryTimer = 0;
  lastClose = null;
  store.saveName(myName);
  showFieldError(ui.name, ui.nameError, '');
  user = p.user && typeof p.user === 'object' ? p.user : null;
  refresher.schedule(timeOf(p.expiresAt) ?? 0);
  ui.meUser.dataset.expiresAt = P.str(p.expiresAt);
  ui.reauthForm.hidden = true;
  phase = 'chat';
  setNotice('none', '');
  stopCountdown();

  // The rooms the session is still in on the server, and those this page has: the page joins
  // each (with `since` where it has a position), and leaves the ones left while offline.
  for (const name of P.names(p.rooms)) {
    if (!P.isRoomName(name)) continue;
    if (leftOffline.has(name) || rooms.get(name)?.state === 'leaving') {
      request(P.leave(name), { kind: 'leave', room: name });
    } else if (!rooms.has(name)) {
      addRoom(name);
    }
  }
  leftOffline.clear();
  for (const room of [...rooms.values()]) {
    if (room.state === 'leaving') removeRoom(room.name);
  }
  if (rooms.size === 0 && fromNameStep) addRoom(DEFAULT_ROOM);
  if (!rooms.has(current)) selectRoom(rooms.keys().next().value ?? '');
  // The room on screen first: it is the one the reader waits for.
  const order = [...rooms.values()].sort((a, b) => (b.name === current) - (a.name === current));
  for (const room of order) if (room.state !== 'removed') joinRoom(room);

  render();
  renderRoomPanels();
  saveNow();
  if (fromNameStep) ui.input.focus();
}

function onHelloError(code, message) {
  if (canRetryHello(code)) {
    scheduleHelloRetry();
  } else {
    onHelloRefused(code, message);
  }
}

// ---------------------------------------------------------------------------
// Signing in with a token (js/auth.js)
// ---------------------------------------------------------------------------

function setJwt(value) {
  jwt = value;
  auth.saveToken(value);
}

/**
 * The token expired (4002) or was refused (4003) while in the chat. With a refresh URL an expired
 * token is renewed and the session resumed by itself; otherwise the page asks for a new token
 * above the chat, which stays as it is: rooms, logs and the draft in the message box.
 */
function signInAgain(code) {
  if (phase !== 'chat') return;
  if (code === 4002 && config.refreshUrl) {
    auth.fetchNewToken(config.refreshUrl).then((fresh) => {
      setJwt(fresh);
      connectNow();
    }, () => askForToken(code));
    return;
  }
  askForToken(code);
}

function askForToken(code) {
  ui.reauthForm.hidden = false;
  ui.reauthForm.dataset.code = String(code);
  showFieldError(ui.reauthToken, ui.reauthError, refusalText(code === 4002 ? 'token-expired' : 'invalid-token', {}, '', '', null), false);
  render();
}

function submitReauth() {
  const fresh = ui.reauthToken.value.trim();
  if (!fresh) {
    showFieldError(ui.reauthToken, ui.reauthError, 'Paste a token.');
    return;
  }
  setJwt(fresh);
  ui.token.value = fresh;
  ui.reauthToken.value = '';
  ui.reauthForm.hidden = true;
  connectNow();
}

function signOut() {
  setJwt('');
  ui.token.value = '';
  leaveChat();
}

function onRefreshed(p) {
  refresher.schedule(timeOf(p.expiresAt) ?? 0);
  ui.meUser.dataset.expiresAt = P.str(p.expiresAt);
}

/** A hello was refused for good: back to the name step with the server's words. */
function onHelloRefused(code, message) {
  helloState = 'failed';
  const refused = pendingName;
  pendingName = null;
  wanted = false; // nothing to resume until the user chooses a name
  const text = refusalText(code, { message }, '', '', null) || 'The name was refused.';
  if (phase === 'chat') {
    currentLog()?.addError(`Could not rejoin as ${refused ?? 'before'}: ${text}`, code);
    phase = 'name';
  }
  if (refused) ui.name.value = refused;
  showFieldError(ui.name, ui.nameError, text);
  render();
  ui.name.focus();
  ui.name.select();
}

/**
 * Our own earlier connection may still hold the name: right after a reconnect whose session
 * expired, or when the name is the one the last visit used and it left a moment ago. Such a
 * refusal is retried a few times before asking the user. Another tab using the same name is
 * told apart only by the retries running out.
 */
function canRetryHello(code) {
  if (helloRetries >= HELLO_RETRY_DELAYS_MS.length) return false;
  if (phase === 'chat') return REHELLO_RETRY_ERRORS.has(code) && sameName(pendingName, acceptedName);
  return code === 'name-taken' && sameName(pendingName, acceptedName || rememberedName);
}

function scheduleHelloRetry() {
  const delay = HELLO_RETRY_DELAYS_MS[helloRetries++];
  const name = pendingName;
  const secs = Math.round(delay / 1000);
  if (phase === 'chat') {
    setNotice('info', `The name ${name} is still held by the previous connection; trying again in ${secs} s.`);
  } else {
    showFieldError(ui.name, ui.nameError, `The name ${name} is in use, perhaps still by your previous visit; trying again in ${secs} s.`, false);
  }
  helloRetryTimer = setTimeout(() => {
    helloRetryTimer = 0;
    if (conn.isOpen && helloState === 'pending') hello(name);
    render();
  }, delay);
  render();
}

/**
 * Leave: close with 1000, which ends the session at once (the server leaves its rooms), and
 * never reconnect; back to the name step with the name prefilled. The rooms and the position in
 * each stay, so joining again shows what was said meanwhile.
 */
function leaveChat() {
  const wasChatting = phase === 'chat';
  wanted = false;
  stopped = false;
  conn.close(1000);
  resetConnectionState();
  stopCountdown();
  token = '';
  sessionName = '';
  user = null;
  refresher.cancel();
  ui.reauthForm.hidden = true;
  for (const entry of outbox) {
    logs.get(entry.room)?.fail(entry.cid, 'you left the chat before the server received it.', 'not-sent', null);
  }
  outbox = [];
  lastClose = null;
  if (wasChatting) for (const log of logs.values()) log.addNote('status', ['You left the chat.']);
  phase = 'name';
  if (acceptedName) ui.name.value = acceptedName;
  showFieldError(ui.name, ui.nameError, '');
  setNotice('none', '');
  closeRename();
  saveNow();
  render();
  renderRoomPanels();
  ui.name.focus();
}

// ---------------------------------------------------------------------------
// Rooms
// ---------------------------------------------------------------------------

function addRoom(name, saved) {
  const room = new Room(name, saved);
  rooms.set(name, room);
  logs.set(name, new RoomLog(name, (explicit) => loadOlder(name, explicit), (oldest) => {
    // The log dropped its oldest lines: they can be loaded again.
    if (oldest === null) return;
    room.oldest = oldest;
    room.hasOlder = true;
    syncOlder(name, logs.get(name));
  }, deletion.decorate));
  return room;
}

function removeRoom(name) {
  const room = rooms.get(name);
  if (!room) return;
  rooms.delete(name);
  logs.get(name)?.remove();
  logs.delete(name);
  outbox = outbox.filter((e) => e.room !== name);
  if (current === name) selectRoom(rooms.keys().next().value ?? '');
  renderRoomPanels();
  scheduleSave();
}

const currentLog = () => logs.get(current);

function selectRoom(name) {
  if (current !== name) logs.get(current)?.hide();
  current = name;
  const room = rooms.get(name);
  if (room) {
    room.unread = 0;
    logs.get(name).show();
  }
  renderRoomPanels();
  scheduleSave();
}

function selectRelative(step) {
  const names = [...rooms.keys()];
  if (names.length === 0) return;
  const i = names.indexOf(current);
  selectRoom(names[(i + step + names.length) % names.length]);
  ui.roomList.querySelector(`li[data-room="${CSS.escape(current)}"] .room-button`)?.focus();
}

function joinRoom(room, user = false) {
  room.state = 'joining';
  room.joinRef = request(P.join(room.name, room.since), { kind: 'join', room: room.name, since: room.since, user });
}

/** The join-or-create box: the name is checked here first, with the server's rule. */
function submitRoom() {
  const name = P.roomFromInput(ui.roomInput.value);
  const problem = P.roomProblem(name);
  if (problem) {
    showFieldError(ui.roomInput, ui.roomError, problem);
    return;
  }
  showFieldError(ui.roomInput, ui.roomError, '');
  ui.roomInput.value = '';
  openRoom(name);
}

function openRoom(name) {
  const existing = rooms.get(name);
  if (existing && existing.state === 'removed') {
    // Taken out by a moderator: joining again is the user's choice (a ban still refuses it).
    if (ready()) joinRoom(existing, true);
    selectRoom(name);
    return;
  }
  if (existing && existing.state !== 'leaving') {
    selectRoom(name);
    return;
  }
  leftOffline.delete(name);
  const room = existing ?? addRoom(name);
  if (ready()) joinRoom(room, true);
  else room.state = 'joining'; // joined with the others once the session is back
  selectRoom(name);
}

function leaveRoom(name) {
  const room = rooms.get(name);
  if (!room || room.state === 'leaving') return;
  if (ready()) {
    room.state = 'leaving';
    request(P.leave(name), { kind: 'leave', room: name });
    renderRoomPanels();
  } else {
    leftOffline.add(name);
    removeRoom(name);
  }
}

function onJoined(p, req) {
  const name = p.room;
  if (!P.isRoomName(name)) return;
  // A joined without a request comes when a room restarted: it is applied like any other.
  let room = rooms.get(name);
  if (!room) {
    if (leftOffline.has(name)) return;
    room = addRoom(name);
  }
  if (room.state === 'leaving') return;
  if (req && room.joinRef !== null && room.joinRef !== req.ref) return; // an older join's answer
  room.joinRef = null;
  const log = logs.get(name);
  const epoch = P.str(p.epoch);
  const offset = P.isOffset(p.offset) ? p.offset : 0;
  const messages = P.parseMessages(p.messages, name);
  const resuming = Boolean(req?.since) || typeof p.recovered === 'boolean';

  if (room.epoch !== null && epoch !== room.epoch) {
    // The room's history was lost or reset: offsets start again, the lines shown stay above.
    const hadLines = log.messageCount > 0;
    log.newEra();
    room.oldest = null;
    if (hadLines || resuming) {
      log.addNote('gap', ['The history of this room was reset on the server: messages may be missing here.'], -1, { 'data-reason': 'epoch' });
    }
  } else if (p.recovered === false) {
    // The server could not send everything after our position (too much, or no longer kept).
    // Say so, unless what it sent provably joins up with what is shown.
    const joinsUp = messages.length > 0 ? messages[0].offset <= room.offset + 1 : offset <= room.offset;
    if (!joinsUp) {
      log.addNote('gap', ['Some messages may be missing here: the server could not send everything said while you were away.'],
        messages.length > 0 ? messages[0].offset - 1 : room.offset, { 'data-reason': 'not-recovered' });
    }
  }
  room.epoch = epoch;
  const eraWasEmpty = log.messageCount === 0;

  let missed = 0;
  for (const m of messages) {
    const self = m.from === myName;
    if (m.cid) settleByCid(m.cid);
    if (log.addMessage(m, self) && resuming && !self) missed += 1;
  }
  room.offset = offset;
  if (name !== current) room.unread += missed;
  if (eraWasEmpty) {
    room.oldest = messages.length > 0 ? messages[0].offset : offset + 1;
    room.hasOlder = room.oldest > 1;
  }
  room.olderKnown = true;
  room.setMembers(p.members, p.memberCount);
  const wasMuted = room.muted;
  room.applyStanding(p);
  if (room.muted && !wasMuted) log.addNote('error', [refusalText('muted', {}, name, '', room.mutedUntil)]);
  room.state = 'joined';

  flushOutbox(name);
  syncOlder(name, log);
  if (room.hasOlder && log.messageCount < FILL_BELOW) loadOlder(name, false);
  renderRoomPanels();
  scheduleSave();
}

function onPresence(p) {
  const room = rooms.get(p.room);
  if (!room || room.state !== 'joined') return;
  const changes = room.applyPresence(p);
  const log = logs.get(room.name);
  for (const name of changes.leaves) log.addNote('leave', [{ cls: 'line-name', text: name }, ' has left.']);
  for (const { from, to } of changes.renames) {
    log.addNote('rename', [{ cls: 'line-name', text: from }, ' is now known as ', { cls: 'line-name', text: to }, '.']);
  }
  for (const name of changes.joins) log.addNote('join', [{ cls: 'line-name', text: name }, ' has joined.']);
  if (room.name === current) renderMembers(room, myName, decorate);
}

function onMessage(p) {
  const m = P.parseMessage(p);
  if (!m) return;
  const room = rooms.get(m.room);
  if (!room || room.state !== 'joined') return;
  const self = m.from === myName;
  if (m.cid) settleByCid(m.cid);
  if (!logs.get(m.room).addMessage(m, self)) return;
  // Live messages come in offset order, with no gaps, after the room's joined.
  if (m.offset > room.offset) room.offset = m.offset;
  if (room.oldest === null) room.oldest = m.offset;
  if (!self && m.room !== current) {
    room.unread += 1;
    renderRoomPanels();
  }
  scheduleSave();
}

function onLeft(p) {
  const name = P.str(p.room);
  if (rooms.has(name)) removeRoom(name);
}

// ---------------------------------------------------------------------------
// History ("load older")
// ---------------------------------------------------------------------------

/** Asks for the page of messages before the oldest shown; `explicit` when the button asked. */
function loadOlder(name, explicit) {
  const room = rooms.get(name);
  if (!room || room.state !== 'joined' || !ready() || room.historyRef !== null) return;
  if (!room.hasOlder && !explicit) return;
  room.historyRef = request(P.history(name, room.before, P.PAGE_SIZE), { kind: 'history', room: name });
  syncOlder(name, logs.get(name));
}

function onHistory(p, req, ref) {
  const room = rooms.get(req.room);
  if (!room || room.historyRef !== ref) return;
  room.historyRef = null;
  const log = logs.get(room.name);
  const messages = P.parseMessages(p.messages, room.name);
  for (let i = messages.length - 1; i >= 0; i--) {
    log.addMessage(messages[i], messages[i].from === myName, true);
  }
  if (messages.length > 0 && (room.oldest === null || messages[0].offset < room.oldest)) room.oldest = messages[0].offset;
  room.hasOlder = p.more === true;
  syncOlder(room.name, log);
}

function syncOlder(name, log) {
  const room = rooms.get(name);
  if (room) log.setOlder(room.hasOlder, room.historyRef !== null, room.olderKnown === true);
}

// ---------------------------------------------------------------------------
// Sending (every send has a cid; kept until acked, sent again with it after a reconnect)
// ---------------------------------------------------------------------------

function sendMessage() {
  const text = ui.input.value.trim();
  if (!text) return;
  const room = rooms.get(current);
  const log = currentLog();
  if (!room || !log) return;
  // Refused here, before it is sent: the text stays in the box.
  if (SendButton.left(room) > 0) return; // the Send button counts down
  if (room.state === 'removed') {
    log.addError(`You are not in #${room.name} any more: join it again to write here.`, 'removed');
    return;
  }
  if (room.settings.posting === 'moderators' && !isModerator(room.role)) {
    log.addError(refusalText('forbidden', {}, room.name, 'moderators', null), 'forbidden');
    return;
  }
  if (outbox.length >= MAX_OUTBOX) {
    // The text stays in the box.
    log.addError(`${outbox.length} messages are still waiting to be sent; try again once they are.`, 'outbox-full');
    return;
  }
  const entry = { cid: P.newCid(), room: current, text, ref: null, tries: 0 };
  outbox.push(entry);
  log.addPending(entry, myName ?? wantName);
  ui.input.value = '';
  gov.send.afterSend(room);
  if (ready() && room.state === 'joined') transmit(entry);
  scheduleSave();
}

function transmit(entry) {
  entry.ref = request(P.send(entry.room, entry.text, entry.cid), { kind: 'send', entry });
}

/** Sends what waits for `room` (after its joined: a send needs the membership). */
function flushOutbox(room) {
  for (const entry of outbox) {
    if (entry.room === room && entry.ref === null) transmit(entry);
  }
}

/** The message with this cid is in the room: nothing more to send. */
function settleByCid(cid) {
  const i = outbox.findIndex((e) => e.cid === cid);
  if (i < 0) return;
  const [entry] = outbox.splice(i, 1);
  if (entry.ref) requests.delete(entry.ref);
  scheduleSave();
}

function onAck(p, req) {
  const { entry } = req;
  const i = outbox.indexOf(entry);
  if (i >= 0) outbox.splice(i, 1);
  if (P.isOffset(p.offset)) logs.get(entry.room)?.settle(entry.cid, p.offset);
  scheduleSave();
}

// ---------------------------------------------------------------------------
// Rename and the room directory
// ---------------------------------------------------------------------------

function openRename() {
  ui.renameForm.hidden = false;
  ui.renameOpen.hidden = true;
  ui.renameInput.value = myName ?? wantName;
  showFieldError(ui.renameInput, ui.renameError, '');
  ui.renameInput.focus();
  ui.renameInput.select();
}

function closeRename() {
  const hadFocus = ui.renameForm.contains(document.activeElement);
  ui.renameForm.hidden = true;
  ui.renameOpen.hidden = false;
  if (hadFocus) ui.renameOpen.focus();
}

function submitRename() {
  const name = ui.renameInput.value.trim();
  if (!name) {
    showFieldError(ui.renameInput, ui.renameError, 'Enter a name.');
    return;
  }
  if (name === myName) {
    closeRename();
    return;
  }
  if (!ready()) {
    showFieldError(ui.renameInput, ui.renameError, 'Not connected: try again once the page is back.');
    return;
  }
  showFieldError(ui.renameInput, ui.renameError, '');
  request(P.rename(name), { kind: 'rename' });
}

function onRenamed(p) {
  const name = P.str(p.name);
  if (!name) return;
  myName = name;
  sessionName = name;
  acceptedName = name;
  wantName = name;
  store.saveName(name);
  closeRename();
  saveNow();
  render();
  renderMembers(rooms.get(current), myName, decorate);
}

function requestDirectory() {
  if (!ui.roomBrowse.open) return;
  if (!ready()) {
    renderDirectory([], new Set(), openRoom);
    return;
  }
  request(P.rooms(), { kind: 'rooms' });
}

function onRooms(p) {
  const list = Array.isArray(p.rooms)
    ? p.rooms.filter((r) => r && P.isRoomName(r.room)).map((r) => ({ room: r.room, members: Number.isSafeInteger(r.members) ? r.members : 0 }))
    : [];
  list.sort((a, b) => b.members - a.members || a.room.localeCompare(b.room));
  renderDirectory(list, new Set(rooms.keys()), openRoom);
}

// ---------------------------------------------------------------------------
// Incoming packets
// ---------------------------------------------------------------------------

function onPacket({ type, ref, payload: p }) {
  const req = ref ? requests.get(ref) : undefined;
  if (req) {
    requests.delete(ref);
    req.ref = ref;
  }
  switch (type) {
    case 'welcome':
      if (req?.kind === 'hello' && helloState === 'pending') onWelcome(p);
      break;
    case 'joined':
      onJoined(p, req?.kind === 'join' ? req : null);
      break;
    case 'left':
      onLeft(p);
      break;
    case 'message':
      onMessage(p);
      break;
    case 'ack':
      if (req?.kind === 'send') onAck(p, req);
      break;
    case 'presence':
      onPresence(p);
      break;
    case 'history':
      if (req?.kind === 'history') onHistory(p, req, ref);
      break;
    case 'renamed':
      onRenamed(p);
      break;
    case 'rooms':
      onRooms(p);
      break;
    case 'error':
      onError(P.str(p.code), P.str(p.message), req, ref, p);
      break;
    case 'refreshed':
      onRefreshed(p);
      break;
    default:
      // Roles and moderation; other unknown packet types are ignored (forward compatibility).
      if (!deletion.onPacket(type, p, req)) gov.onPacket(type, p, req);
      break;
  }
}

/** Every error is shown where its request was made; its code and ref stay on the line. */
function onError(code, message, req, ref, p = {}) {
  const text = message || code || 'unknown error';
  const roomOf = rooms.get(req?.room ?? req?.entry?.room ?? '');
  const words = WORDED.has(code) ? refusalText(code, p, roomOf?.name ?? '', roomOf?.settings.posting ?? '', timeOf(p.until)) : text;
  if (code === 'rate-limited') conn.pause(RATE_RETRY_MS);
  switch (req?.kind) {
    case 'hello':
      if (helloState === 'pending') {
        if (phase === 'chat' && AUTH_ERRORS.has(code)) {
          // Resuming with a token that is no longer good: the close (4002, 4003) that follows
          // asks to sign in again, and the chat stays.
          helloState = 'failed';
          return;
        }
        if (HELLO_ERRORS.has(code)) {
          onHelloError(code, message);
        } else {
          onHelloRefused(code, message);
        }
      }
      return;

    case 'join': {
      const room = rooms.get(req.room);
      if (!room || room.joinRef !== req.ref) return;
      room.joinRef = null;
      if (code === 'rate-limited' && (req.tries ?? 0) < MAX_RATE_RETRIES) {
        setTimeout(() => {
          if (ready() && rooms.get(req.room) === room && room.state === 'joining' && room.joinRef === null) {
            room.joinRef = request(P.join(room.name, room.since), { ...req, tries: (req.tries ?? 0) + 1 });
          }
        }, RATE_RETRY_MS);
        return;
      }
      const why = code === 'banned' ? words : `Could not join ${req.room}: ${code === 'forbidden' ? `#${req.room} is closed to you (${text})` : text}`;
      if (room.removed) {
        // Taken out by a moderator before: the room stays listed, its log says why.
        room.state = 'removed';
        logs.get(room.name)?.addError(why, code, ref);
        renderRoomPanels();
        return;
      }
      if (req.user || current === req.room) {
        ui.roomInput.value = req.room;
        showFieldError(ui.roomInput, ui.roomError, why);
      }
      removeRoom(req.room);
      currentLog()?.addError(why, code, ref);
      return;
    }

    case 'send': {
      const { entry } = req;
      if (!outbox.includes(entry)) return;
      entry.ref = null;
      if (code === 'rate-limited' && entry.tries < MAX_RATE_RETRIES) {
        entry.tries += 1;
        setTimeout(() => {
          if (ready() && outbox.includes(entry) && entry.ref === null && rooms.get(entry.room)?.state === 'joined') transmit(entry);
        }, RATE_RETRY_MS);
        return;
      }
      outbox.splice(outbox.indexOf(entry), 1);
      if (code === 'slow-mode' && roomOf) gov.send.wait(roomOf, Number.isFinite(p.retryAfter) ? p.retryAfter : 1);
      if (code === 'muted' && roomOf) {
        roomOf.muted = true;
        roomOf.mutedUntil = timeOf(p.until);
      }
      logs.get(entry.room)?.fail(entry.cid, words, code, ref);
      // Never lose the draft: a refused text goes back into an empty box.
      if (entry.room === current && !ui.input.value) ui.input.value = entry.text;
      scheduleSave();
      return;
    }

    case 'moderate':
      gov.menu.showError(words);
      logs.get(req.room)?.addError(words, code, ref);
      return;

    case 'configure':
      gov.panel.showError(words);
      return;

    case 'delete':
      deletion.onError(code, words, req, ref);
      return;

    case 'bans':
    case 'refresh':
      currentLog()?.addError(req.kind === 'refresh' ? `The sign-in could not be renewed: ${words}` : words, code, ref);
      return;

    case 'history': {
      const room = rooms.get(req.room);
      if (room && room.historyRef === ref) room.historyRef = null;
      logs.get(req.room)?.addError(`Older messages could not be loaded: ${text}`, code, ref);
      if (room) syncOlder(room.name, logs.get(room.name));
      return;
    }

    case 'leave':
      // Not in the room (any more): it is gone either way.
      removeRoom(req.room);
      return;

    case 'rename':
      showFieldError(ui.renameInput, ui.renameError, text);
      if (ui.renameForm.hidden) currentLog()?.addError(`Could not change the name: ${text}`, code, ref);
      return;

    case 'rooms':
      ui.roomDirectory.replaceChildren();
      currentLog()?.addError(`Could not list the rooms: ${text}`, code, ref);
      return;

    default:
      // An expired token's error (no ref) comes just before its close (4002), which asks to sign in.
      if (AUTH_ERRORS.has(code) && !ref) return;
      if (code === 'rate-limited' && !ref) {
        // The server drops a packet over its rate before reading it, so its error has no ref.
        if (helloState === 'pending') {
          onHelloError(code, message);
          return;
        }
        if (ready()) {
          retryUnanswered();
          return;
        }
      }
      currentLog()?.addError(text, code, ref);
  }
}

/**
 * After a rate-limited error without a ref, which request was dropped is unknown: every one
 * still unanswered once the pause is over is sent again. Sends keep their cid and joins are
 * idempotent, so nothing is posted or joined twice; a late answer to the first copy is ignored.
 */
function retryUnanswered() {
  const asked = [...requests];
  setTimeout(() => {
    if (!ready()) return;
    for (const [ref, req] of asked) {
      if (!requests.has(ref)) continue; // answered meanwhile
      requests.delete(ref);
      const room = req.room ? rooms.get(req.room) : undefined;
      if (req.kind === 'send' && outbox.includes(req.entry) && req.entry.ref === ref) {
        transmit(req.entry);
      } else if (req.kind === 'join' && room && room.joinRef === ref) {
        joinRoom(room, req.user);
      } else if (req.kind === 'history' && room && room.historyRef === ref) {
        room.historyRef = null;
        loadOlder(room.name, true);
      }
    }
  }, RATE_RETRY_MS);
}

// ---------------------------------------------------------------------------
// Rendering the state
// ---------------------------------------------------------------------------

/** Brings the status line, the buttons and the visible step in line with the state. */
function render() {
  const retrying = conn.retrying;

  if (conn.isOpen) {
    if (helloState === 'done') {
      setStatus('open', `connected as ${myName}`);
    } else if (helloState === 'pending') {
      setStatus('connecting', 'joining…');
    } else {
      setStatus('idle', 'not in the chat');
    }
  } else if (conn.ws !== null) {
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

  const waiting = helloInFlight();
  ui.join.disabled = waiting;
  ui.join.textContent = waiting ? 'Joining…' : 'Join';

  ui.leave.hidden = !(phase === 'chat' || wanted);
  ui.leave.textContent = phase === 'chat' ? 'Leave' : 'Cancel';

  ui.reconnect.hidden = conn.ws !== null || !(retrying || stopped) || !(wanted || phase === 'chat');
  ui.reconnect.textContent = stopped ? 'Reconnect' : 'Reconnect now';

  ui.myName.textContent = myName ?? wantName;
  ui.renameOpen.disabled = !ready();
  ui.meUser.textContent = auth.describeUser(user, myName);
  ui.signOut.hidden = !jwt;
  // The token field only where tokens count (shown when the settings could not be read).
  ui.tokenField.hidden = config.loading === true || (config.known && config.authMode === 'anonymous');
}

/** The room list, the current room's title and members, and the unread count in the title. */
function renderRoomPanels() {
  renderRooms(rooms, current, { select: selectRoom, leave: leaveRoom });
  const room = rooms.get(current);
  renderRoomTitle(room);
  renderMembers(room, myName, decorate);
  gov.renderStanding(room);
  deletion.sync();
  let unread = 0;
  for (const r of rooms.values()) unread += r.unread;
  renderTitle(unread);
}

// ---------------------------------------------------------------------------
// Wiring
// ---------------------------------------------------------------------------

/**
 * Rooms, positions and unsent messages kept by this tab. A session token resumes at once,
 * unless another open tab holds it (this one is its duplicate): then this tab starts its own
 * session from the name step, without the other's unsent messages (their cids are that
 * session's; sent from another session they would be posted twice).
 */
function restore() {
  const saved = store.loadState();
  if (!saved) return;
  for (const r of saved.rooms) {
    if (P.isRoomName(r.room) && !rooms.has(r.room)) addRoom(r.room, r);
  }
  for (const m of saved.outbox) {
    const log = logs.get(m.room);
    if (!log) continue;
    const entry = { cid: m.cid, room: m.room, text: m.text, ref: null, tries: 0 };
    outbox.push(entry);
    log.addPending(entry, saved.name || rememberedName);
  }
  selectRoom(rooms.has(saved.current) ? saved.current : (rooms.keys().next().value ?? ''));
  if (!saved.token || !saved.name) return;
  token = saved.token;
  sessionName = saved.name;
  wantName = saved.name;
  acceptedName = saved.name;
  ui.name.value = saved.name;
  wanted = true;
  phase = 'chat';
  store.sessionInOtherTab(saved.token).then((elsewhere) => {
    if (!wanted || conn.ws !== null || token !== saved.token) return; // the user was quicker
    if (!elsewhere) {
      conn.open();
      return;
    }
    token = '';
    sessionName = '';
    wanted = false;
    phase = 'name';
    for (const entry of outbox) logs.get(entry.room)?.dropPending(entry.cid);
    outbox = [];
    saveNow();
    showFieldError(ui.name, ui.nameError, 'This chat is open in another tab with this session: choose another name to chat here too.', false);
    render();
    ui.name.focus();
  });
}

function init() {
  rememberedName = store.loadName();
  if (rememberedName && !ui.name.value) ui.name.value = rememberedName;
  // A token in the address (#token=…) is taken once and removed from it; else this tab's own.
  const linked = auth.takeFragmentToken();
  if (linked) setJwt(linked);
  else jwt = auth.loadToken();
  ui.token.value = jwt;

  ui.nameForm.addEventListener('submit', (ev) => {
    ev.preventDefault();
    submitName();
  });
  ui.name.addEventListener('input', () => {
    if (ui.nameError.textContent) showFieldError(ui.name, ui.nameError, '');
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

  ui.roomForm.addEventListener('submit', (ev) => {
    ev.preventDefault();
    submitRoom();
  });
  ui.roomInput.addEventListener('input', () => {
    if (ui.roomError.textContent) showFieldError(ui.roomInput, ui.roomError, '');
  });
  ui.roomBrowse.addEventListener('toggle', requestDirectory);
  ui.roomsToggle.addEventListener('click', () => {
    const open = ui.roomsToggle.getAttribute('aria-expanded') !== 'true';
    ui.roomsToggle.setAttribute('aria-expanded', String(open));
    ui.roomsPanel.dataset.open = String(open);
  });

  ui.renameOpen.addEventListener('click', openRename);
  ui.renameCancel.addEventListener('click', closeRename);
  ui.renameForm.addEventListener('submit', (ev) => {
    ev.preventDefault();
    submitRename();
  });
  ui.renameForm.addEventListener('keydown', (ev) => {
    if (ev.key === 'Escape') closeRename();
  });

  // Alt+↑ / Alt+↓ switch rooms from anywhere in the chat.
  document.addEventListener('keydown', (ev) => {
    if (phase !== 'chat' || !ev.altKey || ev.ctrlKey || ev.metaKey) return;
    if (ev.key === 'ArrowUp' || ev.key === 'ArrowDown') {
      ev.preventDefault();
      selectRelative(ev.key === 'ArrowUp' ? -1 : 1);
    }
  });

  ui.jump.addEventListener('click', () => {
    const log = currentLog();
    if (!log) return;
    log.stuck = true;
    log.follow();
    ui.jump.hidden = true;
  });
  ui.reconnect.addEventListener('click', connectNow);
  ui.leave.addEventListener('click', leaveChat);
  ui.signOut.addEventListener('click', signOut);
  ui.reauthForm.addEventListener('submit', (ev) => {
    ev.preventDefault();
    submitReauth();
  });
  ui.token.addEventListener('input', () => {
    if (ui.nameError.textContent) showFieldError(ui.token, ui.nameError, '');
  });

  window.addEventListener('online', () => { if (wanted && !stopped) connectNow(); });
  window.addEventListener('pageshow', (ev) => { if (ev.persisted && wanted && !stopped) connectNow(); });
  window.addEventListener('pagehide', saveNow);

  store.answerForSession(() => token);
  restore();
  auth.loadConfig().then((c) => {
    config = c;
    render();
  });
  // A sign-in link signs in at once (unless this tab resumes its session with it).
  if (linked && phase === 'name') submitName();
  render();
  renderRoomPanels();
  if (phase === 'name') {
    ui.name.focus();
    ui.name.select();
  } else {
    ui.input.focus();
  }
  document.body.dataset.ready = 'true';
}

init();
