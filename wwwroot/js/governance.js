// Roles and moderation packets on the page: what the member menu and the settings panel ask
// (kick, ban, mute, unmute, unban, configure, bans) and what the server says back or on its own
// (moderated, configured, room, removed, muted, bans). js/moderation.js draws; the requests go
// through app.js's `request`, so their replies and errors find their way back by `ref`.

import * as P from './protocol.js';
import { timeOf } from './rooms.js';
import { ui } from './view.js';
import { SendButton } from './composer.js';
import {
  MemberMenu, SettingsPanel, decorateMember, isModerator, removedText, mutedText, moderatedText, settingsText,
} from './moderation.js';

export class Governance {
  /**
   * @param {{ rooms: Map<string, import('./rooms.js').Room>, logs: Map<string, import('./view.js').RoomLog>,
   *   current: () => string, myName: () => string|null, ready: () => boolean,
   *   request: (packet: object, what: object) => string, renderRoomPanels: () => void, scheduleSave: () => void }} ctx
   */
  constructor(ctx) {
    this.ctx = ctx;
    const ask = (packet, what) => ctx.ready() && ctx.request(packet, what);
    this.menu = new MemberMenu((action, name, reason, duration) => this.moderate(action, name, reason, duration));
    this.panel = new SettingsPanel({
      save: (room, change) => ask(P.configure(room, change), { kind: 'configure', room }),
      listBans: (room) => ask(P.bans(room), { kind: 'bans', room }),
      unban: (room, id) => ask(P.unbanById(room, id), { kind: 'moderate', room }),
    });
    this.send = new SendButton(ui.send, () => ctx.rooms.get(ctx.current()));
    this.decorate = (li, name) => decorateMember(li, name, ctx.rooms.get(ctx.current()), ctx.myName(), this.menu);
  }

  /** An act from the member menu on the member `name` of the room on screen. */
  moderate(action, name, reason, duration) {
    const room = this.ctx.rooms.get(this.ctx.current());
    if (!room || !this.ctx.ready()) {
      this.menu.showError('Not connected: try again once the page is back.');
      return;
    }
    this.menu.showError('');
    this.ctx.request(P.moderate(action, room.name, { name }, duration, reason), { kind: 'moderate', room: room.name, name });
  }

  /** A packet of roles and moderation; false for any other type. */
  onPacket(type, p, req) {
    switch (type) {
      case 'configured':
      case 'room':
        this.onSettings(p, type === 'configured');
        return true;
      case 'moderated':
        this.onModerated(p, req?.kind === 'moderate' ? req : null);
        return true;
      case 'removed':
        this.onRemoved(p);
        return true;
      case 'muted':
        this.onMuted(p);
        return true;
      case 'bans':
        if (req?.kind === 'bans') {
          const list = Array.isArray(p.bans) ? p.bans.filter((b) => b && typeof b === 'object').map((b) => ({ ...b, until: timeOf(b.until) })) : [];
          this.panel.showBans(P.str(p.room), list);
        }
        return true;
      default:
        return false;
    }
  }

  /** The reply to an act: said with the name it was asked on (the server answers with the resolved user id). */
  onModerated(p, req) {
    this.ctx.logs.get(P.str(p.room))?.addNote('status', [moderatedText(p, req?.name)], null, { 'data-action': P.str(p.action) });
    this.menu.close();
  }

  /** `room {settings}` (every member) and `configured` (the reply to our configure). */
  onSettings(p, ours) {
    const room = this.ctx.rooms.get(P.str(p.room));
    if (!room) return;
    const before = room.settings;
    room.settings = P.parseSettings(p.settings);
    const text = settingsText(room.name, before, room.settings);
    if (text) this.ctx.logs.get(room.name)?.addNote('status', [text], null, { 'data-settings': 'changed' });
    if (ours) this.panel.close();
    this.ctx.renderRoomPanels();
  }

  /**
   * A moderator took this page out of a room (kick, ban, the room turned private). The room stays
   * listed, its log says why, and it is not joined again by itself: the user may, by its name.
   */
  onRemoved(p) {
    const room = this.ctx.rooms.get(P.str(p.room));
    if (!room) return;
    const until = timeOf(p.until);
    room.state = 'removed';
    room.removed = { action: P.str(p.action), by: P.str(p.by), reason: P.str(p.reason), until };
    room.joinRef = null;
    this.ctx.logs.get(room.name)?.addNote('error', [removedText(p, until)], null, { 'data-removed': P.str(p.action) });
    this.ctx.renderRoomPanels();
    this.ctx.scheduleSave();
  }

  onMuted(p) {
    const room = this.ctx.rooms.get(P.str(p.room));
    if (!room) return;
    room.muted = true;
    room.mutedUntil = timeOf(p.until);
    this.ctx.logs.get(room.name)?.addNote('error', [mutedText(p, room.mutedUntil)], null, { 'data-muted': 'true' });
  }

  /** The room on screen: the member's own role, the topic, the settings button, the Send button. */
  renderStanding(room) {
    const shown = Boolean(room) && room.state === 'joined';
    ui.roomRole.hidden = !shown;
    ui.roomRole.textContent = shown ? room.role : '';
    if (shown) ui.roomRole.dataset.role = room.role;
    const topic = room?.settings.topic ?? '';
    ui.roomTopic.hidden = !topic;
    ui.roomTopic.textContent = topic;
    this.panel.sync(room);
    if (this.menu.isOpen && !(shown && isModerator(room.role))) this.menu.close();
    this.send.render();
  }
}
