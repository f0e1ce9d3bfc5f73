// actorchat.v1 on the wire (docs/PROTOCOL.md): the shapes the page sends and the checks on what it
// receives. Nothing here touches the page or the socket.

export const SUBPROTOCOL = 'actorchat.v1';

/** How many messages a join or a history page asks for (the server allows 1–100). */
export const PAGE_SIZE = 50;

// A room name: lowercase a-z 0-9 - _, 1–32 characters, starting with a letter or digit. The
// server checks the same rule; checking it here too says what is wrong before anything is sent.
const ROOM_RULE = /^[a-z0-9][a-z0-9_-]{0,31}$/;

export const str = (v) => (typeof v === 'string' ? v : '');
export const isOffset = (v) => Number.isSafeInteger(v) && v >= 0;

/**
 * What a person typed in the room box, as a room name: trimmed, without a leading "#", in lower
 * case (the rule allows no capitals, and "General" can only mean "general").
 */
export function roomFromInput(text) {
  return str(text).trim().replace(/^#/, '').toLowerCase();
}

/** Why `room` is not a room name, in words; '' when it is one. */
export function roomProblem(room) {
  if (!room) return 'Enter a room name.';
  if (room.length > 32) return 'A room name has at most 32 characters.';
  if (!ROOM_RULE.test(room)) {
    return 'A room name uses only a–z, 0–9, "-" and "_", and starts with a letter or digit.';
  }
  return '';
}

export const isRoomName = (room) => typeof room === 'string' && ROOM_RULE.test(room);

/**
 * A client id for a send: 128 random bits as hex. crypto.getRandomValues works on plain http
 * too (randomUUID needs a secure context, which a server on a LAN address is not).
 */
export function newCid() {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

let refCounter = 0;

/** A request id, unique on this page; the server echoes it on the one reply. */
export function newRef(kind) {
  refCounter += 1;
  return `${kind}-${refCounter}`;
}

/** One frame as {type, ref, payload}, or null when it is not a packet (it is then ignored). */
export function parsePacket(data) {
  let packet;
  try {
    packet = JSON.parse(data);
  } catch {
    return null;
  }
  if (!packet || typeof packet !== 'object' || typeof packet.type !== 'string') return null;
  const payload = packet.payload && typeof packet.payload === 'object' ? packet.payload : {};
  return { type: packet.type, ref: typeof packet.ref === 'string' ? packet.ref : null, payload };
}

/** A message payload (live, in joined.messages or in history.messages), or null when malformed. */
export function parseMessage(p) {
  if (!p || typeof p !== 'object' || !isOffset(p.offset) || p.offset < 1 || !isRoomName(p.room)) return null;
  return {
    room: p.room,
    offset: p.offset,
    from: str(p.from),
    text: str(p.text),
    at: str(p.at),
    cid: typeof p.cid === 'string' ? p.cid : null,
    // A tombstone (docs/PROTOCOL.md "Deleting a message"): its text is gone, its place stays.
    deleted: p.deleted === true,
  };
}

/** The messages of a joined or history payload, oldest first, malformed ones left out. */
export function parseMessages(list, room) {
  if (!Array.isArray(list)) return [];
  return list.map(parseMessage).filter((m) => m !== null && m.room === room).sort((a, b) => a.offset - b.offset);
}

export const names = (list) => (Array.isArray(list) ? list.filter((n) => typeof n === 'string' && n) : []);

// Requests. Each returns the packet to send; the caller picks the ref.
/** `hello {name?, session?, token?}`: the name may be left out with a token (its `name` claim stands for it). */
export const hello = (name, session, token) => {
  const payload = {};
  if (name) payload.name = name;
  if (session) payload.session = session;
  if (token) payload.token = token;
  return { type: 'hello', payload };
};
export const refresh = (token) => ({ type: 'refresh', payload: { token } });
export const join = (room, since, limit) => {
  const payload = { room };
  if (since) payload.since = { epoch: since.epoch, offset: since.offset };
  if (limit) payload.limit = limit;
  return { type: 'join', payload };
};
export const leave = (room) => ({ type: 'leave', payload: { room } });
export const send = (room, text, cid) => ({ type: 'send', payload: { room, text, cid } });
export const history = (room, before, limit) => ({ type: 'history', payload: { room, before, limit } });
export const rename = (name) => ({ type: 'rename', payload: { name } });
export const rooms = () => ({ type: 'rooms', payload: {} });
export const bye = () => ({ type: 'bye', payload: {} });

// Roles and moderation (docs/PROTOCOL.md "Roles and moderation").
export const configure = (room, change) => ({ type: 'configure', payload: { room, ...change } });
/** kick, ban, unban, mute, unmute: `target` is {name} or {user}; duration (seconds) for ban and mute. */
export const moderate = (action, room, target, duration, reason) => {
  const payload = { room, target };
  if (reason) payload.reason = reason;
  if (duration && (action === 'ban' || action === 'mute')) payload.duration = duration;
  return { type: action, payload };
};
export const unbanById = (room, ban) => ({ type: 'unban', payload: { room, ban } });
export const bans = (room) => ({ type: 'bans', payload: { room } });
/** `delete {room, offset, reason?}`: the author or a moderator and above. */
export const deleteMessage = (room, offset, reason) => {
  const payload = { room, offset };
  if (reason) payload.reason = reason;
  return { type: 'delete', payload };
};

/** The room settings of a `joined`, `room` or `configured`, with the defaults for what is missing. */
export function parseSettings(s) {
  const o = s && typeof s === 'object' ? s : {};
  return {
    visibility: o.visibility === 'private' ? 'private' : 'public',
    anonymous: o.anonymous === 'deny' ? 'deny' : 'allow',
    posting: o.posting === 'moderators' ? 'moderators' : 'everyone',
    slowMode: Number.isSafeInteger(o.slowMode) && o.slowMode > 0 ? o.slowMode : 0,
    topic: str(o.topic),
  };
}

const ROLES = new Set(['member', 'moderator', 'owner', 'admin']);
export const role = (v) => (ROLES.has(v) ? v : 'member');
