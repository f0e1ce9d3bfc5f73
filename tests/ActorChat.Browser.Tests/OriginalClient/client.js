/**
 * Reproduction of the ORIGINAL 2015 chat client (beej-chat-protocol) for
 * ActorChat's compatibility tests. Behaviour kept on purpose, bugs included:
 *  - classic script, started on window "load";
 *  - connects to 'ws://' + location.host (never wss://, always path /),
 *    offering the single subprotocol 'beej-chat-protocol'; never reconnects;
 *  - on open: "Connection opened." then chat-join {username: name box trimmed};
 *    an empty name box on load becomes 'Guest ' + 1-4 random hex digits;
 *  - on message: JSON.parse, then escapes msg.payload.username BEFORE looking
 *    at the type, so a packet without a string payload.username throws;
 *    unknown types are ignored;
 *  - Send button / Enter (keyup) sends chat-message {username, message}, both
 *    trimmed, even when the message is empty, then clears the input;
 *  - output is escaped text written with innerHTML, one <div> per line
 *    (the 2015 page joined lines with <br/>; the text of each line is the same);
 *  - "Connection error." on the socket's error event, "Connection closed." on close.
 */
;(function () {
	"use strict";

	function qs(sel) { return document.querySelector(sel); }

	var ws; // the one and only WebSocket

	/**
	 * Escape HTML special characters (as the original did, '/' included).
	 * Throws a TypeError if s is not a string: that is the original's behaviour.
	 */
	function escapeHTML(s) {
		return s.replace(/&/g, '&amp;')
			.replace(/</g, '&lt;')
			.replace(/>/g, '&gt;')
			.replace(/'/g, '&#39;')
			.replace(/"/g, '&quot;')
			.replace(/\//g, '&#47;');
	}

	function getChatUsername() {
		return qs('#chat-username').value.trim();
	}

	function getChatMessage() {
		return qs('#chat-input').value.trim();
	}

	/**
	 * Append one line of (already escaped) HTML to the output and scroll down.
	 */
	function writeOutput(html) {
		var chatOutput = qs('#chat-output');
		var line = document.createElement('div');

		line.innerHTML = html;
		chatOutput.appendChild(line);

		chatOutput.scrollTop = chatOutput.scrollHeight;
	}

	function makeMessage(type, payload) {
		return JSON.stringify({
			'type': type,
			'payload': payload
		});
	}

	function sendMessage(type, payload) {
		ws.send(makeMessage(type, payload));
	}

	/**
	 * Send a chat message (even an empty one), then clear the input.
	 */
	function send() {
		sendMessage('chat-message', {
			'username': getChatUsername(),
			'message': getChatMessage()
		});

		qs('#chat-input').value = '';
	}

	function onChatInputKeyUp(ev) {
		if (ev.keyCode === 13) { // RETURN
			send();
		}
	}

	function onSocketOpen(ev) {
		writeOutput('<i>Connection opened.</i>');

		sendMessage('chat-join', {
			'username': getChatUsername()
		});
	}

	function onSocketClose(ev) {
		writeOutput('<i>Connection closed.</i>');
	}

	function onSocketError(ev) {
		writeOutput('<i>Connection error.</i>');
	}

	function onSocketMessage(ev) {
		var msg = JSON.parse(ev.data);
		var payload = msg.payload;

		// Read (and escape) the username before looking at the type.
		var username = escapeHTML(payload.username);

		switch (msg.type) {
			case 'chat-message':
				writeOutput('<b>' + username + ':</b> ' + escapeHTML(payload.message));
				break;

			case 'chat-join':
				writeOutput('<i><b>' + username + '</b> has joined the chat.</i>');
				break;

			case 'chat-leave':
				writeOutput('<i><b>' + username + '</b> has left the chat.</i>');
				break;

			// anything else is ignored
		}
	}

	function onLoad() {
		qs('#chat-input').addEventListener('keyup', onChatInputKeyUp);
		qs('#chat-send').addEventListener('click', send);

		ws = new WebSocket('ws://' + window.location.host, 'beej-chat-protocol');

		ws.addEventListener('open', onSocketOpen);
		ws.addEventListener('close', onSocketClose);
		ws.addEventListener('error', onSocketError);
		ws.addEventListener('message', onSocketMessage);

		// Runs before 'open' can fire, so the join carries this name.
		if (getChatUsername() === '') {
			qs('#chat-username').value = 'Guest ' +
				((Math.random() * 0xffff) | 0).toString(16);
		}
	}

	window.addEventListener('load', onLoad);
}());
