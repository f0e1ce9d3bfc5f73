// Deleting a message on the page (docs/PROTOCOL.md "Deleting a message"): the message menu on each
// kept message line, its confirmation, and what the server says back (`deleted` to every member,
// refusals in words). The request goes through app.js's `request`, so its reply and its error find
// their way back by `ref`. The server decides who may delete; the page only offers it where the
// rule says it may: on the viewer's own lines, and on every line for a moderator and above.

import * as P from './protocol.js';
import { isModerator } from './moderation.js';

const byId = (id) => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`ActorChat: missing element #${id}`);
  return el;
};

const QUOTE_CHARS = 200; // the menu quotes the start of the message, so the reader knows which one

/** A refusal of `delete` in words; `fallback` is the general wording of the error. */
export function deleteRefusalText(code, fallback, moderator) {
  switch (code) {
    case 'forbidden':
      return moderator ? 'You may not delete that message.' : 'You can only delete your own messages.';
    case 'not-found':
      return 'That message cannot be deleted: it is no longer kept, or not yet stored.';
    default:
      return `The message was not deleted: ${fallback}`;
  }
}

/**
 * The message menu: one dialog for the message line chosen, with Delete, then a confirmation (and
 * a reason for moderators, kept in the room's audit). Keyboard: it takes focus when it opens,
 * Escape closes it and gives focus back to the line's button.
 */
class MessageMenu {
  /** @param {(room: string, offset: number, reason: string) => void} onDelete */
  constructor(onDelete) {
    this.el = byId('message-menu');
    this.form = byId('message-menu-form');
    this.title = byId('message-menu-title');
    this.quote = byId('message-menu-quote');
    this.deleteButton = byId('message-delete');
    this.confirm = byId('message-confirm');
    this.reasonField = byId('message-reason-field');
    this.reason = byId('message-reason');
    this.confirmButton = byId('message-delete-confirm');
    this.error = byId('message-menu-error');
    this.target = null; // {room, offset, trigger}
    this.deleteButton.addEventListener('click', () => this.ask());
    byId('message-delete-cancel').addEventListener('click', () => this.close());
    byId('message-menu-close').addEventListener('click', () => this.close());
    this.form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      // Enter in the reason field confirms, like the button.
      if (!this.confirm.hidden && this.target) onDelete(this.target.room, this.target.offset, this.reason.value.trim());
    });
    this.el.addEventListener('keydown', (ev) => {
      if (ev.key === 'Escape') {
        ev.preventDefault();
        this.close();
      }
    });
  }

  get isOpen() { return !this.el.hidden; }

  isOn(room, offset) { return this.isOpen && this.target?.room === room && this.target?.offset === offset; }

  open(m, line, trigger, moderator) {
    this.target = { room: m.room, offset: m.offset, trigger };
    const time = line.dataset.time ? ` at ${line.dataset.time}` : '';
    this.title.textContent = `Message from ${m.from}${time}`;
    this.quote.textContent = m.text.length > QUOTE_CHARS ? `${m.text.slice(0, QUOTE_CHARS)}…` : m.text;
    this.confirm.hidden = true;
    this.reasonField.hidden = !moderator;
    this.reason.value = '';
    this.error.textContent = '';
    this.deleteButton.hidden = false;
    this.el.hidden = false;
    this.el.dataset.room = m.room;
    this.el.dataset.offset = String(m.offset);
    this.deleteButton.focus();
  }

  /** Delete was chosen: ask before sending, as nothing brings a deleted message back. */
  ask() {
    this.deleteButton.hidden = true;
    this.confirm.hidden = false;
    (this.reasonField.hidden ? this.confirmButton : this.reason).focus();
  }

  close() {
    if (this.el.hidden) return;
    const hadFocus = this.el.contains(document.activeElement);
    this.el.hidden = true;
    const trigger = this.target?.trigger;
    this.target = null;
    if (hadFocus && trigger?.isConnected) trigger.focus();
    else if (hadFocus) byId('chat-input').focus(); // the line's button went with its text
  }

  showError(text) { this.error.textContent = text; }
}

export class Deletion {
  /**
   * @param {{ rooms: Map<string, import('./rooms.js').Room>, logs: Map<string, import('./view.js').RoomLog>,
   *   ready: () => boolean, request: (packet: object, what: object) => string }} ctx
   */
  constructor(ctx) {
    this.ctx = ctx;
    this.menu = new MessageMenu((room, offset, reason) => this.remove(room, offset, reason));
    /** Adds the menu's button to a kept message line (RoomLog calls it for each one it draws). */
    this.decorate = (line, m) => {
      const open = document.createElement('button');
      open.type = 'button';
      open.className = 'line-menu';
      const label = `Message actions for ${m.from}${line.dataset.time ? ` ${line.dataset.time}` : ''}`;
      open.setAttribute('aria-label', label);
      open.setAttribute('aria-haspopup', 'dialog');
      open.setAttribute('aria-controls', 'message-menu');
      open.title = label;
      open.addEventListener('click', () => this.menu.open(line.message ?? m, line, open, this.moderates(m.room)));
      line.append(open);
    };
  }

  moderates(name) {
    const room = this.ctx.rooms.get(name);
    return Boolean(room) && room.state === 'joined' && isModerator(room.role);
  }

  /**
   * Which lines offer the menu: a member's own, a moderator's every one (style.css hides the
   * others' buttons unless the log is marked). Called whenever a room's role may have changed.
   */
  sync() {
    for (const [name, log] of this.ctx.logs) log.el.toggleAttribute('data-moderator', this.moderates(name));
  }

  remove(room, offset, reason) {
    if (!this.ctx.ready()) {
      this.menu.showError('Not connected: try again once the page is back.');
      return;
    }
    this.menu.showError('');
    this.ctx.request(P.deleteMessage(room, offset, reason), { kind: 'delete', room, offset });
  }

  /** `deleted` (the reply to ours, and every member's news of any): false for any other type. */
  onPacket(type, p, req) {
    if (type !== 'deleted') return false;
    const room = P.str(p.room);
    if (!P.isOffset(p.offset)) return true;
    this.ctx.logs.get(room)?.markDeleted(p.offset);
    if (req?.kind === 'delete' || this.menu.isOn(room, p.offset)) this.menu.close();
    return true;
  }

  /** A refused `delete`: said in the menu and in the room's log. */
  onError(code, text, req, ref) {
    const words = deleteRefusalText(code, text, this.moderates(req.room));
    if (this.menu.isOn(req.room, req.offset)) this.menu.showError(words);
    this.ctx.logs.get(req.room)?.addError(words, code, ref);
  }
}
