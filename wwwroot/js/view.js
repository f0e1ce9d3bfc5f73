// Everything the page draws: the log of each room, the room list, the members, the status line
// and the notice. All user-supplied text is written with text nodes / textContent, never as HTML.

const MAX_LINES = 2000;       // per room; the oldest lines go first (they can be loaded again)
const NEAR_TOP_PX = 48;       // scrolling this close to the top loads older messages

const byId = (id) => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`ActorChat: missing element #${id}`);
  return el;
};

export const ui = {
  app: document.querySelector('.app'),
  nameStep: byId('name-step'),
  nameForm: byId('name-form'),
  name: byId('chat-username'),
  join: byId('chat-join'),
  nameError: byId('name-error'),
  chatStep: byId('chat-step'),
  roomsPanel: byId('rooms-panel'),
  roomsToggle: byId('rooms-toggle'),
  roomList: byId('room-list'),
  roomForm: byId('room-form'),
  roomInput: byId('room-name'),
  roomError: byId('room-error'),
  roomBrowse: byId('room-browse'),
  roomDirectory: byId('room-directory'),
  myName: byId('my-name'),
  renameOpen: byId('rename-open'),
  renameForm: byId('rename-form'),
  renameInput: byId('rename-input'),
  renameCancel: byId('rename-cancel'),
  renameError: byId('rename-error'),
  roomTitle: byId('room-title'),
  output: byId('chat-output'),
  jump: byId('chat-jump'),
  users: byId('chat-users'),
  userCount: byId('chat-user-count'),
  usersMore: byId('chat-users-more'),
  input: byId('chat-input'),
  send: byId('chat-send'),
  status: byId('chat-status'),
  statusText: byId('chat-status-text'),
  leave: byId('chat-leave'),
  notice: byId('chat-notice'),
  noticeText: byId('chat-notice-text'),
  countdown: byId('chat-countdown'),
  reconnect: byId('chat-reconnect'),
  // Signing in with a token, roles.
  tokenField: byId('token-field'),
  token: byId('chat-token'),
  reauthForm: byId('reauth-form'),
  reauthToken: byId('reauth-token'),
  reauthError: byId('reauth-error'),
  meUser: byId('me-user'),
  signOut: byId('sign-out'),
  roomRole: byId('room-role'),
  roomTopic: byId('room-topic'),
};

export const collator = new Intl.Collator(undefined, { sensitivity: 'base', numeric: true });

function isAtBottom(el) {
  return el.scrollHeight - el.scrollTop - el.clientHeight <= 8;
}

/** Orders lines: [era, offset, seq]. A message is [era, offset, 0]; a note after offset o is [era, o, seq > 0]. */
function compareKeys(a, b) {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

function formatTime(at) {
  const d = new Date(at);
  if (Number.isNaN(d.getTime())) return { short: '', long: '' };
  const time = d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  const today = new Date();
  const sameDay = d.getFullYear() === today.getFullYear() && d.getMonth() === today.getMonth() && d.getDate() === today.getDate();
  const short = sameDay ? time : `${d.toLocaleDateString([], { month: 'short', day: 'numeric' })} ${time}`;
  return { short, long: d.toLocaleString() };
}

/** A line element. parts: strings (text nodes) or {cls, text} (a span with textContent). */
function makeLine(kind, parts) {
  const line = document.createElement('div');
  line.className = 'line ' + kind.split(' ').map((k) => (k.startsWith('line-') ? k : 'line-' + k)).join(' ');
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
  return line;
}

const nameAndText = (from, text) => [{ cls: 'line-name', text: from }, ': ', { cls: 'line-text', text }];

/**
 * The log of one room: its own scrolling element, lines kept in offset order, each message at
 * most once (keyed by its offset), so a resume or a history page that repeats what is shown adds
 * nothing. Lines not from the room (joins, disconnects, errors) sit after the offset that was
 * the newest when they were written. An epoch change starts a new era: the old lines stay above,
 * the room's new history goes below them.
 */
export class RoomLog {
  /**
   * @param {(explicit: boolean) => void} onNearTop the reader wants older messages (scrolled near the top, or the button)
   * @param {(oldest: number|null) => void} onTrim the oldest lines were dropped; `oldest` is the first offset left
   * @param {(line: HTMLElement, m: object) => void} [decorate] adds the message menu's button to a kept message
   */
  constructor(room, onNearTop, onTrim, decorate) {
    this.room = room;
    this.onTrim = onTrim;
    this.decorate = decorate;
    this.era = 0;
    this.seq = 0;
    /** @type {Map<number, HTMLElement>} offset -> line, this era only */
    this.messages = new Map();
    /** @type {Map<string, HTMLElement>} cid -> line of a message not yet acked */
    this.pending = new Map();
    this.stuck = true;            // follows new lines (the reader is at the bottom)

    const el = document.createElement('div');
    el.className = 'room-log';
    el.dataset.room = room;
    el.setAttribute('role', 'log');
    el.setAttribute('aria-live', 'polite');
    el.setAttribute('aria-relevant', 'additions');
    el.setAttribute('aria-label', `Messages in ${room}`);
    el.tabIndex = 0;
    el.hidden = true;

    const top = document.createElement('div');
    top.className = 'log-top';
    const older = document.createElement('button');
    older.type = 'button';
    older.className = 'button button-quiet load-older';
    older.textContent = 'Load older messages';
    older.hidden = true;
    older.addEventListener('click', () => onNearTop(true));
    const start = document.createElement('p');
    start.className = 'log-start';
    start.textContent = `This is the start of ${room}.`;
    start.hidden = true;
    top.append(older, start);
    el.append(top);

    el.addEventListener('scroll', () => {
      this.stuck = isAtBottom(el);
      if (this.stuck && !this.el.hidden) ui.jump.hidden = true;
      if (el.scrollTop <= NEAR_TOP_PX && el.scrollHeight > el.clientHeight) onNearTop(false);
    }, { passive: true });

    this.el = el;
    this.top = top;
    this.olderButton = older;
    this.start = start;
    ui.output.append(el);
  }

  get visible() { return !this.el.hidden; }

  get messageCount() { return this.messages.size; }

  show() {
    this.el.hidden = false;
    if (this.stuck) this.el.scrollTop = this.el.scrollHeight;
    ui.jump.hidden = true;
  }

  hide() { this.el.hidden = true; }

  remove() { this.el.remove(); }

  /** The room's history was reset (a new epoch): what is shown stays, as an older era. */
  newEra() {
    this.era += 1;
    this.messages.clear();
  }

  /** Inserts `line` in key order; most lines go at the end, so the scan starts there. */
  insert(line, key, older = false) {
    line.sortKey = key;
    const log = this.el;
    const fromBottom = log.scrollHeight - log.scrollTop;
    let after = log.lastElementChild;
    while (after !== this.top && after.sortKey && compareKeys(after.sortKey, key) > 0) {
      after = after.previousElementSibling;
    }
    after.after(line);
    if (older) {
      // Keep what the reader looks at in place while lines are added above it.
      if (!this.stuck) log.scrollTop = log.scrollHeight - fromBottom;
      else log.scrollTop = log.scrollHeight;
    } else {
      this.trim();
      this.follow();
    }
  }

  follow() {
    if (this.stuck) {
      this.el.scrollTop = this.el.scrollHeight;
    } else if (this.visible) {
      ui.jump.hidden = false;
    }
  }

  trim() {
    let dropped = false;
    while (this.el.childElementCount - 1 > MAX_LINES) {
      const first = this.top.nextElementSibling;
      if (first.dataset.offset) dropped = this.messages.delete(Number(first.dataset.offset)) || dropped;
      first.remove();
    }
    if (dropped) this.onTrim(this.firstOffset());
  }

  /** The first message line of this era (the oldest offset shown), or null. */
  firstOffset() {
    let min = null;
    for (const offset of this.messages.keys()) if (min === null || offset < min) min = offset;
    return min;
  }

  /** Adds or updates a message; returns true when the offset was not shown yet. */
  addMessage(m, self, older = false) {
    if (m.cid) {
      const waiting = this.pending.get(m.cid);
      if (waiting) {
        this.pending.delete(m.cid);
        waiting.remove();
      }
    }
    const existing = this.messages.get(m.offset);
    if (existing) {
      // Shown already (from the ack of our own send, or an earlier page): the server's copy wins.
      this.fillMessage(existing, m, self);
      existing.classList.remove('line-pending');
      return false;
    }
    const line = makeLine(self ? 'message line-self' : 'message', []);
    this.fillMessage(line, m, self);
    this.messages.set(m.offset, line);
    this.insert(line, [this.era, m.offset, 0], older);
    return true;
  }

  fillMessage(line, m, self) {
    const t = formatTime(m.at);
    // A deleted message keeps its place and author; its text is not in the page at all.
    const parts = m.deleted ? [{ cls: 'line-name', text: m.from }, ': ', { cls: 'line-text', text: 'message deleted' }] : nameAndText(m.from, m.text);
    line.replaceChildren(...makeLine('', parts).childNodes);
    line.message = m;
    line.classList.toggle('line-deleted', m.deleted);
    line.classList.toggle('line-self', self);
    line.dataset.offset = String(m.offset);
    line.dataset.from = m.from;
    if (t.short) {
      line.dataset.time = t.short;
      line.title = t.long;
    }
    if (!m.deleted) this.decorate?.(line, m);
  }

  /** The message at `offset` was deleted: drawn as its tombstone. False when it is not shown. */
  markDeleted(offset) {
    const line = this.messages.get(offset);
    if (!line?.message) return false;
    this.fillMessage(line, { ...line.message, text: '', deleted: true }, line.classList.contains('line-self'));
    return true;
  }

  /** A message of ours the server has not acked: shown at the bottom, marked as sending. */
  addPending(entry, from) {
    const line = makeLine('message line-self line-pending', nameAndText(from, entry.text));
    line.dataset.cid = entry.cid;
    line.message = { room: this.room, offset: 0, from, text: entry.text, at: '', cid: entry.cid, deleted: false };
    this.pending.set(entry.cid, line);
    this.insert(line, [Infinity, 0, 0]);
  }

  /** The server acked a pending message at `offset`: it takes its place in the order. */
  settle(cid, offset) {
    const line = this.pending.get(cid);
    if (!line) return;
    this.pending.delete(cid);
    line.remove();
    if (this.messages.has(offset)) return; // its message came first
    line.classList.remove('line-pending');
    line.dataset.offset = String(offset);
    line.message.offset = offset;
    this.decorate?.(line, line.message); // kept now: it can be deleted
    this.messages.set(offset, line);
    this.insert(line, [this.era, offset, 0]);
  }

  /**
   * The server refused a pending message (or it cannot be sent): it leaves the pending ones at
   * the bottom and stays where the room is now, struck through, with the reason below it.
   */
  fail(cid, why, code, ref) {
    const line = this.pending.get(cid);
    if (!line) return;
    this.pending.delete(cid);
    line.remove();
    line.classList.remove('line-pending');
    line.classList.add('line-failed');
    const anchor = this.newestOffset();
    this.seq += 1;
    this.insert(line, [this.era, anchor, this.seq]);
    this.addNote('error', [`Not sent: ${why}`], anchor, { 'data-code': code, 'data-ref': ref });
  }

  dropPending(cid) {
    const line = this.pending.get(cid);
    if (!line) return;
    this.pending.delete(cid);
    line.remove();
  }

  /** A line that is not a message, after message `anchor` (default: the newest shown). */
  addNote(kind, parts, anchor = null, attrs = null) {
    const line = makeLine(kind, parts);
    if (attrs) for (const [k, v] of Object.entries(attrs)) if (v) line.setAttribute(k, v);
    this.seq += 1;
    const at = anchor ?? this.newestOffset();
    this.insert(line, [this.era, at, this.seq]);
    return line;
  }

  newestOffset() {
    let max = -1;
    for (const offset of this.messages.keys()) if (offset > max) max = offset;
    return max;
  }

  addError(message, code, ref) {
    return this.addNote('error', ['Error: ' + message], null, { 'data-code': code, 'data-ref': ref });
  }

  /** The top of the log: a button while older messages exist, a note when the start is shown. */
  setOlder(hasOlder, loading, known) {
    this.olderButton.hidden = !hasOlder;
    this.olderButton.disabled = loading;
    this.olderButton.textContent = loading ? 'Loading older messages…' : 'Load older messages';
    this.start.hidden = hasOlder || !known;
  }
}

// ---------------------------------------------------------------------------
// Room list, members, header
// ---------------------------------------------------------------------------

/**
 * @param {Map<string, import('./rooms.js').Room>} rooms
 * @param {string} current
 * @param {{ select: (room: string) => void, leave: (room: string) => void }} actions
 */
export function renderRooms(rooms, current, actions) {
  const items = [];
  for (const room of rooms.values()) {
    const li = document.createElement('li');
    li.className = 'room';
    li.dataset.room = room.name;
    li.dataset.state = room.state;

    const pick = document.createElement('button');
    pick.type = 'button';
    pick.className = 'room-button';
    if (room.name === current) pick.setAttribute('aria-current', 'true');
    const name = document.createElement('span');
    name.className = 'room-name';
    name.textContent = room.name;
    pick.append(name);
    if (room.unread > 0) {
      const badge = document.createElement('span');
      badge.className = 'room-unread';
      badge.textContent = room.unread > 99 ? '99+' : String(room.unread);
      const hidden = document.createElement('span');
      hidden.className = 'visually-hidden';
      hidden.textContent = ' unread';
      badge.append(hidden);
      pick.append(badge);
    }
    if (room.state === 'joining') pick.title = `Joining ${room.name}…`;
    pick.addEventListener('click', () => actions.select(room.name));

    const leave = document.createElement('button');
    leave.type = 'button';
    leave.className = 'room-leave';
    leave.textContent = '×';
    leave.title = `Leave ${room.name}`;
    leave.setAttribute('aria-label', `Leave ${room.name}`);
    leave.disabled = room.state === 'leaving';
    leave.addEventListener('click', () => actions.leave(room.name));

    li.append(pick, leave);
    items.push(li);
  }
  // Keep focus on the same room's button across the redraw (keyboard users switch with it).
  const focused = document.activeElement;
  const focusRoom = focused && ui.roomList.contains(focused) ? focused.closest('li')?.dataset.room : null;
  const focusLeave = focused?.classList.contains('room-leave');
  ui.roomList.replaceChildren(...items);
  if (focusRoom) {
    const li = ui.roomList.querySelector(`li[data-room="${CSS.escape(focusRoom)}"]`);
    const target = li?.querySelector(focusLeave ? '.room-leave' : '.room-button') ?? ui.roomList.querySelector('.room-button') ?? ui.roomInput;
    target.focus();
  }
}

/**
 * @param {import('./rooms.js').Room | undefined} room
 * @param {(li: HTMLLIElement, name: string) => void} [decorate] adds the role and the member menu's button
 */
export function renderMembers(room, myName, decorate) {
  // Until the room's next joined (after a reconnect) the list is the last one known.
  ui.users.dataset.stale = String(Boolean(room) && room.state !== 'joined');
  if (!room || !room.membersKnown) {
    ui.users.replaceChildren();
    ui.userCount.textContent = room ? '…' : '0';
    ui.usersMore.textContent = '';
    return;
  }
  const sorted = [...room.members].sort(collator.compare);
  ui.users.replaceChildren(...sorted.map((n) => {
    const li = document.createElement('li');
    li.className = 'user';
    li.dataset.name = n;
    li.textContent = n;
    if (n === myName) li.classList.add('user-self');
    decorate?.(li, n);
    return li;
  }));
  ui.userCount.textContent = String(room.memberCount);
  const more = room.memberCount - room.members.size;
  ui.usersMore.textContent = more > 0 ? `and ${more} more` : '';
}

export function renderRoomTitle(room) {
  ui.roomTitle.textContent = room ? room.name : 'No room';
  ui.input.disabled = !room;
  ui.send.disabled = !room;
  ui.input.placeholder = room ? `Message ${room.name}` : 'Join a room to chat';
}

/** The other rooms on the server (the reply to `rooms`), each a button that joins it. */
export function renderDirectory(list, joined, onJoin) {
  if (list.length === 0) {
    const li = document.createElement('li');
    li.className = 'directory-empty';
    li.textContent = 'No rooms are active.';
    ui.roomDirectory.replaceChildren(li);
    return;
  }
  ui.roomDirectory.replaceChildren(...list.map(({ room, members }) => {
    const li = document.createElement('li');
    li.dataset.room = room;
    const b = document.createElement('button');
    b.type = 'button';
    b.className = 'directory-room';
    b.textContent = `${room} (${members})`;
    if (joined.has(room)) b.setAttribute('aria-current', 'true');
    b.addEventListener('click', () => onJoin(room));
    li.append(b);
    return li;
  }));
}

// ---------------------------------------------------------------------------
// Status and notice
// ---------------------------------------------------------------------------

/** state: 'idle' | 'connecting' | 'open' | 'closed'. */
export function setStatus(state, text) {
  ui.status.dataset.state = state;
  if (ui.statusText.textContent !== text) ui.statusText.textContent = text;
}

/** kind: 'none' | 'info' | 'error'. The notice says why the connection ended. */
export function setNotice(kind, text, close = null) {
  ui.notice.dataset.kind = kind;
  if (close && kind !== 'none') {
    ui.notice.dataset.closeCode = String(close.code);
    ui.notice.dataset.closeReason = close.reason;
  } else {
    delete ui.notice.dataset.closeCode;
    delete ui.notice.dataset.closeReason;
  }
  ui.noticeText.textContent = text;
}

export function setCountdown(retryAt, delay) {
  if (!retryAt) {
    ui.countdown.textContent = '';
    delete ui.countdown.dataset.delayMs;
    return;
  }
  if (delay !== undefined) ui.countdown.dataset.delayMs = String(delay);
  const secs = Math.max(0, Math.ceil((retryAt - Date.now()) / 1000));
  ui.countdown.textContent = `Reconnecting in ${secs} s`;
}

export function showFieldError(input, errorEl, text, invalid = true) {
  errorEl.textContent = text;
  if (text && invalid) {
    input.setAttribute('aria-invalid', 'true');
  } else {
    input.removeAttribute('aria-invalid');
  }
}

export function renderTitle(unread) {
  const title = unread > 0 ? `(${unread}) ActorChat` : 'ActorChat';
  if (document.title !== title) document.title = title;
}
