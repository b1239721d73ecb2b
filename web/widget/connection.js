// Rasa's socket.io protocol (rasa/core/channels/socketio.py, Rasa 3.6, with
// session_persistence on and metadata_key customData):
//   client -> "session_request" {session_id, ticket?, customData}
//   server -> "session_ticket"  {session_id, ticket}   (rasa_addons/socketio_channel.py)
//   server -> "session_confirm" <session id>
//   client -> "user_uttered"    {message, session_id, ticket, customData}
//   server -> "bot_uttered"     {text} | {text, quick_replies} | {attachment} | custom payload
// Websocket only: long-polling requests could land on different Rasa worker
// processes. socket.io reconnects by itself; on every (re)connect the same
// session id is requested again, which puts the new socket back into the
// conversation's room.
// The server issues the conversation id: only an id presented with the ticket
// the server signed for it continues that conversation. A new widget's own id
// (or one whose ticket is missing, expired or not its own) is replaced by a new
// id in session_ticket, which the widget uses from then on.
import { io } from "socket.io-client";

export const STATUS_TEXT = {
  connecting: "Connecting…",
  connected: "Connected",
  reconnecting: "Reconnecting…",
};

export class Connection {
  /**
   * @param {object} options
   * @param {string} options.server Rasa origin
   * @param {string} options.socketPath socket.io path on that origin
   * @param {string} options.sessionId conversation id
   * @param {string|null} options.ticket the server's ticket for that id, if any
   * @param {(sessionId: string, ticket: string) => void} options.onSession the id and ticket the server issued
   * @param {() => object} options.customData metadata sent with every message
   * @param {(state: "connecting"|"connected"|"reconnecting") => void} options.onStatus
   * @param {(message: object) => void} options.onMessage a bot_uttered payload
   */
  constructor(options) {
    this.options = options;
    this.sessionId = options.sessionId;
    this.ticket = options.ticket || null;
    this.socket = null;
    this.ready = false;
    this.everConnected = false;
    // Messages typed before session_confirm: socket.io would flush its own
    // buffer before our session_request, so we hold them ourselves.
    this.queue = [];
  }

  start() {
    if (this.socket) return;
    const { server, socketPath, customData, onStatus, onMessage, onSession } = this.options;
    onStatus("connecting");
    const socket = io(server, { path: socketPath, transports: ["websocket"] });
    this.socket = socket;

    socket.on("connect", () => {
      const request = { session_id: this.sessionId, customData: customData() };
      if (this.ticket) request.ticket = this.ticket;
      socket.emit("session_request", request);
    });
    socket.on("session_ticket", (data) => {
      if (!data || typeof data.session_id !== "string" || typeof data.ticket !== "string") return;
      this.sessionId = data.session_id;
      this.ticket = data.ticket;
      if (onSession) onSession(this.sessionId, this.ticket);
    });
    socket.on("session_confirm", () => {
      this.ready = true;
      this.everConnected = true;
      onStatus("connected");
      for (const message of this.queue.splice(0)) this.emit(message);
    });
    socket.on("bot_uttered", (message) => {
      if (message && typeof message === "object" && !Array.isArray(message)) onMessage(message);
    });
    socket.on("disconnect", (reason) => {
      this.ready = false;
      onStatus("reconnecting");
      // After a server-side disconnect socket.io does not retry by itself.
      if (reason === "io server disconnect") socket.connect();
    });
    socket.on("connect_error", () => {
      this.ready = false;
      onStatus(this.everConnected ? "reconnecting" : "connecting");
    });
  }

  /** Send the customer's message now, or as soon as the session is confirmed. */
  send(message) {
    if (this.ready) this.emit(message);
    else this.queue.push(message);
  }

  emit(message) {
    const { customData } = this.options;
    const data = { message, session_id: this.sessionId, customData: customData() };
    // The ticket lets the server read a message that reaches a new socket before its
    // session_request (socket.io flushes its own buffer first after a reconnect).
    if (this.ticket) data.ticket = this.ticket;
    this.socket.emit("user_uttered", data);
  }
}
