'use strict';
// Benchmark peer: beej-chat-protocol on the npm `websocket` library, the one the original 2015
// system used (see bench/README.md). Same rules as ActorChat where they matter for the benchmark:
// the subprotocol is selected wherever it is offered (400 without it), chat-join and chat-message
// are broadcast to everyone including the sender, messages are trimmed and dropped when empty,
// chat-leave goes to the rest on close, and no input can crash the process. Not implemented:
// renames, chat-users, rate limits, outbound queue bounds (a slow reader buffers without limit).
// The library's defaults are kept (ping after 20 s idle, drop 10 s later), as in the original.
// Usage: node server.js --port N   (or PORT=N); binds 127.0.0.1 only.

const http = require('node:http');
const WebSocketServer = require('websocket').server;

const PROTOCOL = 'beej-chat-protocol';
const MAX_NAME = 32;
const MAX_MESSAGE = 4000;

function parsePort() {
  const i = process.argv.indexOf('--port');
  const raw = i >= 0 ? process.argv[i + 1] : process.env.PORT;
  const port = Number.parseInt(raw ?? '3490', 10);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    console.error(`invalid port: ${raw}`);
    process.exit(2);
  }
  return port;
}

const clients = new Set();
const names = new Map(); // lower-case name -> connection

function broadcast(packet, except) {
  const text = JSON.stringify(packet); // serialized once; the library encodes it per send
  for (const client of clients) {
    if (client !== except && client.connected) {
      client.sendUTF(text);
    }
  }
}

function sendError(conn, state, code, message) {
  if (conn.connected) {
    conn.sendUTF(JSON.stringify({ type: 'chat-error', payload: { username: state.name ?? '', code, message } }));
  }
}

function validName(name) {
  // eslint-disable-next-line no-control-regex
  return name.length >= 1 && name.length <= MAX_NAME && !/[\u0000-\u001f\u007f-\u009f]/.test(name);
}

function onPacket(conn, state, text) {
  let packet;
  try {
    packet = JSON.parse(text);
  } catch {
    sendError(conn, state, 'invalid-json', 'the frame is not valid JSON');
    return;
  }
  if (packet === null || typeof packet !== 'object' || Array.isArray(packet)
    || typeof packet.type !== 'string' || packet.payload === null
    || typeof packet.payload !== 'object' || Array.isArray(packet.payload)) {
    sendError(conn, state, 'invalid-packet', 'expected {"type": string, "payload": object}');
    return;
  }
  const { type, payload } = packet;
  if (type === 'chat-join') {
    if (typeof payload.username !== 'string') {
      sendError(conn, state, 'invalid-packet', 'chat-join needs payload.username as a string');
      return;
    }
    const name = payload.username.trim();
    if (!validName(name)) {
      sendError(conn, state, 'invalid-name', 'names are 1-32 characters without control characters');
      return;
    }
    const key = name.toLowerCase();
    const holder = names.get(key);
    if (holder !== undefined && holder !== conn) {
      sendError(conn, state, 'name-taken', 'that name is taken');
      return;
    }
    if (state.name !== null) {
      names.delete(state.name.toLowerCase());
    }
    names.set(key, conn);
    state.name = name;
    broadcast({ type: 'chat-join', payload: { username: name } });
  } else if (type === 'chat-message') {
    if (typeof payload.username !== 'string' || typeof payload.message !== 'string') {
      sendError(conn, state, 'invalid-packet', 'chat-message needs payload.username and payload.message as strings');
      return;
    }
    if (state.name === null) {
      sendError(conn, state, 'not-joined', 'join before sending messages');
      return;
    }
    const message = payload.message.trim();
    if (message.length === 0) {
      return;
    }
    if (message.length > MAX_MESSAGE) {
      sendError(conn, state, 'message-too-long', 'the message is too long');
      return;
    }
    broadcast({ type: 'chat-message', payload: { username: state.name, message } });
  } else {
    sendError(conn, state, 'unknown-type', 'unknown packet type');
  }
}

const server = http.createServer((req, res) => {
  res.writeHead(404, { 'Content-Type': 'text/plain', 'Content-Length': '9' });
  res.end('not found');
});

const wsServer = new WebSocketServer({
  httpServer: server,
  autoAcceptConnections: false,
  maxReceivedFrameSize: 64 * 1024, // larger frames are closed with 1009 by the library
  maxReceivedMessageSize: 64 * 1024,
});

wsServer.on('request', (request) => {
  if (!request.requestedProtocols.includes(PROTOCOL)) {
    request.reject(400, 'unknown protocol');
    return;
  }
  let conn;
  try {
    conn = request.accept(PROTOCOL, request.origin);
  } catch {
    return;
  }
  const state = { name: null };
  clients.add(conn);
  conn.on('message', (message) => {
    if (message.type !== 'utf8') {
      conn.close(1003, 'binary frames are not supported');
      return;
    }
    onPacket(conn, state, message.utf8Data);
  });
  conn.on('error', () => {}); // protocol errors close the connection; they never reach the process
  conn.on('close', () => {
    clients.delete(conn);
    if (state.name !== null) {
      names.delete(state.name.toLowerCase());
      broadcast({ type: 'chat-leave', payload: { username: state.name } }, conn);
    }
  });
});

server.on('clientError', (err, socket) => socket.destroy());

const port = parsePort();
server.listen({ port, host: '127.0.0.1', backlog: 4096 }, () => {
  console.log(`node-websocket peer listening on ws://127.0.0.1:${port}/`);
});

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => process.exit(0));
}
