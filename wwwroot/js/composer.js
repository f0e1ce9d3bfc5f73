// The Send button under slow mode: after a send in a room with `slowMode` (for a member below
// moderator), or after `error slow-mode {retryAfter}`, it reads "Send (12)" and stays disabled
// until the wait is over. The draft in the box is never touched here.

import { isModerator } from './moderation.js';

const TICK_MS = 250;

export class SendButton {
  /** @param {HTMLButtonElement} button @param {() => import('./rooms.js').Room | undefined} currentRoom */
  constructor(button, currentRoom) {
    this.button = button;
    this.currentRoom = currentRoom;
    this.timer = 0;
  }

  /** The room's own wait after a send, when its slow mode applies to this member. */
  afterSend(room) {
    if (room.settings.slowMode > 0 && !isModerator(room.role)) this.wait(room, room.settings.slowMode);
  }

  /** The server said to wait `seconds` (or the room's slow mode does). */
  wait(room, seconds) {
    room.slowUntil = Math.max(room.slowUntil, Date.now() + seconds * 1000);
    this.render();
  }

  /** Seconds left before `room` takes a send again (0: now). */
  static left(room) {
    return room ? Math.max(0, Math.ceil((room.slowUntil - Date.now()) / 1000)) : 0;
  }

  render() {
    const room = this.currentRoom();
    const left = SendButton.left(room);
    const text = left > 0 ? `Send (${left})` : 'Send';
    if (this.button.textContent !== text) this.button.textContent = text;
    this.button.disabled = !room || left > 0;
    this.button.dataset.wait = String(left);
    if (left > 0 && !this.timer) {
      this.timer = setInterval(() => this.render(), TICK_MS);
    } else if (left === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = 0;
    }
  }
}
