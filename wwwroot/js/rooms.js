// The state of one room as this page knows it: where the page is in its history, who is there,
// what is unread. No page elements here; the view draws from it.

import { names, parseSettings, role } from './protocol.js';

/** The server's default MaxPresenceList: the most names a joined lists. */
const LIST_CAP = 1000;

export class Room {
  /** @param {string} name @param {{epoch?: string|null, offset?: number}} [saved] a position kept from before a reload */
  constructor(name, saved) {
    this.name = name;
    // The position: the last offset this page received, meaningful only with its epoch. It moves
    // only with messages received in order (live, recovered or joined), never with an ack: an
    // ack can overtake another member's message with a lower offset, and a resume from there
    // would skip that message.
    this.epoch = saved && typeof saved.epoch === 'string' ? saved.epoch : null;
    this.offset = saved && Number.isSafeInteger(saved.offset) && saved.offset >= 0 ? saved.offset : 0;
    /** 'joining' until its joined (again after every reconnect), 'joined', or 'leaving' */
    this.state = 'joining';
    this.members = new Set();
    this.memberCount = 0;
    this.membersKnown = false;
    this.capped = false;
    this.unread = 0;
    // The oldest offset shown with nothing missing from it up to the position; null: none shown.
    this.oldest = null;
    this.hasOlder = false;
    this.olderKnown = false;  // a joined said where the room's history starts for this page
    this.historyRef = null;   // the history request in flight
    this.joinRef = null;      // the join request in flight
    // Roles and moderation (from joined, room, muted, removed).
    this.role = 'member';
    this.settings = parseSettings(null);
    this.muted = false;
    this.mutedUntil = null;   // a time (ms) or null: until lifted (when muted)
    this.slowUntil = 0;       // slow mode: no send before this (ms)
    this.removed = null;      // {action, by, reason, until} when a moderator took this page out
  }

  /** The joiner's standing in a joined: its role, the room's settings, whether it is muted. */
  applyStanding(p) {
    this.role = role(p.role);
    this.settings = parseSettings(p.settings);
    this.muted = Object.hasOwn(p, 'mutedUntil');
    this.mutedUntil = this.muted ? timeOf(p.mutedUntil) : null;
    this.removed = null;
  }

  /** The `since` of a resuming join, or null when the page never had this room's position. */
  get since() {
    return this.epoch ? { epoch: this.epoch, offset: this.offset } : null;
  }

  /** Where "load older" starts: before the oldest shown message, or after the newest one. */
  get before() {
    return this.oldest ?? this.offset + 1;
  }

  setMembers(list, count) {
    this.members = new Set(names(list));
    this.memberCount = Number.isSafeInteger(count) && count >= this.members.size ? count : this.members.size;
    // A list shorter than the count is either capped (a large room: MaxPresenceList names) or
    // behind by the names that came within the room's last presence interval, which the next
    // diff brings (docs/PROTOCOL.md). Nothing on the wire tells the two apart; only a list as long
    // as the server's default cap is taken as capped.
    this.capped = this.members.size >= LIST_CAP && this.memberCount > this.members.size;
    this.membersKnown = true;
  }

  /**
   * Applies a presence diff as set operations: leaves, then renames in order, then joins
   * (docs/PROTOCOL.md). Returns what changed, for the log. A join of a name already listed (the
   * joiner's own name may come again in the diff after its joined) changes nothing. The count
   * is the list's size, or, for a capped list, moves by the names that came and went.
   */
  applyPresence(p) {
    const changes = { joins: [], leaves: [], renames: [] };
    if (!this.membersKnown) return changes;
    const capped = this.capped;
    for (const name of names(p.leaves)) {
      if (this.members.delete(name) || capped) {
        // A name not in a capped list may still have been a member.
        changes.leaves.push(name);
        if (capped) this.memberCount -= 1;
      }
    }
    if (Array.isArray(p.renames)) {
      for (const r of p.renames) {
        if (!r || typeof r.from !== 'string' || typeof r.to !== 'string' || !r.from || !r.to) continue;
        const listed = this.members.delete(r.from);
        if (listed) this.members.add(r.to);
        if (listed || capped) changes.renames.push({ from: r.from, to: r.to });
      }
    }
    for (const name of names(p.joins)) {
      if (this.members.has(name)) continue;
      this.members.add(name);
      if (capped) this.memberCount += 1;
      changes.joins.push(name);
    }
    this.memberCount = capped ? Math.max(this.memberCount, this.members.size) : this.members.size;
    return changes;
  }

  /** Forget what only a connection knows (membership, requests in flight); the position stays. */
  disconnected() {
    if (this.state !== 'leaving' && this.state !== 'removed') this.state = 'joining';
    this.historyRef = null;
    this.joinRef = null;
  }

  toSaved() {
    return { room: this.name, epoch: this.epoch, offset: this.offset };
  }
}

/** A wire time as ms since the epoch, or null (absent, null or not a time). */
export function timeOf(v) {
  if (typeof v !== 'string') return null;
  const t = Date.parse(v);
  return Number.isNaN(t) ? null : t;
}
