// Roles and moderation on the page (docs/PROTOCOL.md "Roles and moderation"): every refusal in
// words, the member menu (kick, ban, mute, unmute, unban with a reason and a duration) for
// moderators and above, and the room settings panel. The wire stays in app.js; this module draws
// and asks through the callbacks it is given.

const RANK = { member: 1, moderator: 2, owner: 3, admin: 4 };

/** Moderator, owner or admin: may moderate, set slow mode and the topic, and is exempt from slow mode. */
export const isModerator = (role) => (RANK[role] ?? 0) >= RANK.moderator;

/** Owner or admin: may also set visibility and posting. */
export const isOwner = (role) => (RANK[role] ?? 0) >= RANK.owner;

/** "until <local date and time>", or "until it is lifted" for null (no end). */
export function formatUntil(until) {
  if (until === null || until === undefined) return 'until it is lifted';
  const d = new Date(until);
  if (Number.isNaN(d.getTime())) return 'until it is lifted';
  return `until ${d.toLocaleString([], { dateStyle: 'medium', timeStyle: 'short' })}`;
}

const because = (reason) => (typeof reason === 'string' && reason ? ` (${reason})` : '');

/**
 * A refusal (an `error` packet) in words. `p` is the error's payload (until, reason, retryAfter),
 * `room` the room it is about (or ''), `posting` that room's posting setting.
 */
export function refusalText(code, p, room, posting, untilMs) {
  const where = room ? ` #${room}` : '';
  const message = typeof p.message === 'string' ? p.message : '';
  switch (code) {
    case 'banned':
      return `You are banned from${where || ' here'} ${formatUntil(untilMs)}${because(p.reason)}.`;
    case 'muted':
      return `You are muted ${formatUntil(untilMs)}${room ? ` in #${room}` : ''}.`;
    case 'slow-mode': {
      const secs = Number.isFinite(p.retryAfter) ? Math.max(1, Math.ceil(p.retryAfter)) : 1;
      return `Slow mode: wait ${secs} s.`;
    }
    case 'forbidden':
      if (posting === 'moderators') return 'Posting is for moderators here.';
      return `You may not do that${room ? ` in #${room}` : ''}${message ? `: ${message}` : '.'}`;
    case 'token-expired':
      return 'Your sign-in expired — sign in again.';
    case 'invalid-token':
      return 'Your sign-in was refused (the token is not valid) — sign in again.';
    case 'token-mismatch':
      return 'The new token is for another user — sign in again.';
    case 'auth-required':
      return 'This chat needs you to sign in with a token.';
    default:
      return message || code || 'unknown error';
  }
}

/** `removed {room, action, by, reason, until}` in words. */
export function removedText(p, untilMs) {
  const reason = typeof p.reason === 'string' && p.reason ? `: ${p.reason}` : '.';
  const by = typeof p.by === 'string' && p.by ? p.by : 'A moderator';
  switch (p.action) {
    case 'ban':
      return `${by} banned you from #${p.room} ${formatUntil(untilMs)}${reason}`;
    case 'private':
      return `#${p.room} became private: you were removed from it.`;
    default:
      return `${by} removed you from #${p.room}${reason}`;
  }
}

/** `muted {room, by, until, reason}` in words. */
export function mutedText(p, untilMs) {
  const by = typeof p.by === 'string' && p.by ? p.by : 'A moderator';
  return `${by} muted you in #${p.room} ${formatUntil(untilMs)}${because(p.reason)}.`;
}

/** A `moderated` reply in words, for the moderator's own log. */
export function moderatedText(p, asked) {
  const target = asked || (p.target && typeof p.target === 'object' ? (p.target.name || p.target.user || 'them') : 'them');
  const done = { kick: 'removed', ban: 'banned', unban: 'lifted the ban on', mute: 'muted', unmute: 'unmuted' }[p.action] ?? p.action;
  return `You ${done} ${target} in #${p.room}.`;
}

/** A `room {settings}` change in words. */
export function settingsText(room, before, after) {
  const parts = [];
  if (before.visibility !== after.visibility) parts.push(`it is ${after.visibility} now`);
  if (before.posting !== after.posting) parts.push(after.posting === 'moderators' ? 'only moderators may post' : 'everyone may post');
  if (before.slowMode !== after.slowMode) parts.push(after.slowMode > 0 ? `slow mode: one message every ${after.slowMode} s` : 'slow mode is off');
  if (before.topic !== after.topic) parts.push(after.topic ? `topic: ${after.topic}` : 'no topic');
  return parts.length > 0 ? `#${room} settings changed: ${parts.join('; ')}.` : '';
}

const byId = (id) => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`ActorChat: missing element #${id}`);
  return el;
};

/**
 * The member menu: one dialog for the member chosen in the member list, with a reason, a
 * duration (ban, mute) and a button per act. Keyboard: it takes focus when it opens, Escape
 * closes it and gives focus back to the member's button.
 */
export class MemberMenu {
  /** @param {(action: string, name: string, reason: string, duration: number|null) => void} onAct */
  constructor(onAct) {
    this.el = byId('member-menu');
    this.form = byId('member-menu-form');
    this.nameEl = byId('member-menu-name');
    this.reason = byId('mod-reason');
    this.duration = byId('mod-duration');
    this.error = byId('member-menu-error');
    this.name = '';
    this.trigger = null;
    this.form.addEventListener('submit', (ev) => ev.preventDefault());
    for (const button of this.form.querySelectorAll('button[data-action]')) {
      button.addEventListener('click', () => {
        const duration = Number(this.duration.value);
        onAct(button.dataset.action, this.name, this.reason.value.trim(), Number.isSafeInteger(duration) && duration > 0 ? duration : null);
      });
    }
    byId('member-menu-close').addEventListener('click', () => this.close());
    this.el.addEventListener('keydown', (ev) => {
      if (ev.key === 'Escape') {
        ev.preventDefault();
        this.close();
      }
    });
  }

  get isOpen() { return !this.el.hidden; }

  open(name, trigger) {
    this.name = name;
    this.trigger = trigger;
    this.nameEl.textContent = name;
    this.reason.value = '';
    this.duration.value = '';
    this.error.textContent = '';
    this.el.hidden = false;
    this.el.dataset.member = name;
    this.reason.focus();
  }

  close() {
    if (this.el.hidden) return;
    const hadFocus = this.el.contains(document.activeElement);
    this.el.hidden = true;
    if (hadFocus && this.trigger?.isConnected) this.trigger.focus();
  }

  showError(text) { this.error.textContent = text; }
}

/**
 * The room settings panel: visibility and posting for the owner (and admins), slow mode and
 * the topic for moderators and above; only what changed (and what the role may set) is sent.
 * A moderator can also list the room's bans and lift one.
 */
export class SettingsPanel {
  /**
   * @param {{ save: (room: string, change: object) => void, listBans: (room: string) => void,
   *           unban: (room: string, id: number) => void }} actions
   */
  constructor(actions) {
    this.actions = actions;
    this.el = byId('room-settings');
    this.toggle = byId('room-settings-open');
    this.visibility = byId('set-visibility');
    this.posting = byId('set-posting');
    this.slowMode = byId('set-slowmode');
    this.topic = byId('set-topic');
    this.error = byId('settings-error');
    this.bansList = byId('bans-list');
    this.room = null;
    this.toggle.addEventListener('click', () => (this.el.hidden ? this.open(this.room) : this.close()));
    byId('settings-cancel').addEventListener('click', () => this.close());
    byId('bans-load').addEventListener('click', () => this.room && actions.listBans(this.room.name));
    this.el.addEventListener('submit', (ev) => {
      ev.preventDefault();
      this.submit();
    });
    this.el.addEventListener('keydown', (ev) => {
      if (ev.key === 'Escape') this.close();
    });
  }

  /** The room on screen changed, or its role or settings did. */
  sync(room) {
    const changedRoom = this.room !== room;
    this.room = room ?? null;
    const may = Boolean(room) && room.state === 'joined' && isModerator(room.role);
    this.toggle.hidden = !may;
    if (!may || changedRoom) this.close();
  }

  open(room) {
    if (!room) return;
    const s = room.settings;
    const owner = isOwner(room.role);
    this.visibility.value = s.visibility;
    this.posting.value = s.posting;
    this.slowMode.value = String(s.slowMode);
    this.topic.value = s.topic;
    this.visibility.disabled = !owner;
    this.posting.disabled = !owner;
    this.error.textContent = '';
    this.bansList.replaceChildren();
    this.el.hidden = false;
    this.toggle.setAttribute('aria-expanded', 'true');
    (owner ? this.visibility : this.slowMode).focus();
  }

  close() {
    if (this.el.hidden) return;
    const hadFocus = this.el.contains(document.activeElement);
    this.el.hidden = true;
    this.toggle.setAttribute('aria-expanded', 'false');
    if (hadFocus && !this.toggle.hidden) this.toggle.focus();
  }

  submit() {
    const room = this.room;
    if (!room) return;
    const s = room.settings;
    const change = {};
    if (isOwner(room.role)) {
      if (this.visibility.value !== s.visibility) change.visibility = this.visibility.value;
      if (this.posting.value !== s.posting) change.posting = this.posting.value;
    }
    const slow = Number(this.slowMode.value);
    if (!Number.isSafeInteger(slow) || slow < 0 || slow > 21600) {
      this.error.textContent = 'Slow mode is a whole number of seconds, 0 (off) to 21600.';
      return;
    }
    if (slow !== s.slowMode) change.slowMode = slow;
    const topic = this.topic.value.trim();
    if (topic.length > 200) {
      this.error.textContent = 'A topic has at most 200 characters.';
      return;
    }
    if (topic !== s.topic) change.topic = topic;
    if (Object.keys(change).length === 0) {
      this.close();
      return;
    }
    this.error.textContent = '';
    this.actions.save(room.name, change);
  }

  showError(text) { this.error.textContent = text; }

  /** The answer to `bans`: one line per ban, each with a button that lifts it. */
  showBans(room, list) {
    if (!this.room || this.room.name !== room || this.el.hidden) return;
    if (list.length === 0) {
      const li = document.createElement('li');
      li.textContent = 'Nobody is banned here.';
      this.bansList.replaceChildren(li);
      return;
    }
    this.bansList.replaceChildren(...list.map((b) => {
      const li = document.createElement('li');
      li.className = 'ban';
      const text = document.createElement('span');
      text.textContent = `${b.name || b.user || 'someone'} ${formatUntil(b.until)}${because(b.reason)}`;
      const lift = document.createElement('button');
      lift.type = 'button';
      lift.className = 'button button-quiet';
      lift.textContent = 'Unban';
      lift.setAttribute('aria-label', `Unban ${b.name || b.user || 'this ban'}`);
      lift.addEventListener('click', () => this.actions.unban(room, b.id));
      li.append(text, ' ', lift);
      return li;
    }));
  }
}

/**
 * Adds what a member entry needs for moderation: the viewer's own role on its own entry, and a
 * "moderate" button on the others' for a moderator and above. The button's label is for screen
 * readers only, so the entry's text stays the member's name.
 */
export function decorateMember(li, name, room, myName, menu) {
  if (!room) return;
  if (name === myName) {
    li.dataset.role = room.role;
    li.title = `You (${room.role})`;
    return;
  }
  if (room.state !== 'joined' || !isModerator(room.role)) return;
  const open = document.createElement('button');
  open.type = 'button';
  open.className = 'member-open';
  open.setAttribute('aria-label', `Moderate ${name}`);
  open.setAttribute('aria-haspopup', 'dialog');
  open.setAttribute('aria-controls', 'member-menu');
  open.title = `Moderate ${name}`;
  open.addEventListener('click', () => menu.open(name, open));
  li.append(open);
}
