// What the widget remembers in the browser, on the store's origin:
// - localStorage: the session id (Rasa's conversation id, so a reload or a
//   reconnect continues the same conversation) with the ticket the server
//   issued for it (without it the server starts a new conversation), and the
//   transcript so far (so a reload shows the earlier messages), for at most
//   TRANSCRIPT_TTL_MS;
// - sessionStorage: whether the panel was open, so a reload keeps it open.
// Storage can be blocked (privacy modes): then everything lives in memory and
// the chat still works, it just starts afresh on reload.

const SESSION_KEY = "brightcart.widget.session";
const TRANSCRIPT_KEY = "brightcart.widget.transcript";
const OPEN_KEY = "brightcart.widget.open";

// Enough for a long support chat; older lines drop off the top.
export const MAX_ENTRIES = 200;
// A conversation untouched for a day starts afresh (Rasa's own session has
// long expired by then, so old messages would only confuse).
export const TRANSCRIPT_TTL_MS = 24 * 60 * 60 * 1000;

function storage(kind) {
  try {
    const s = window[kind];
    const probe = "brightcart.widget.probe";
    s.setItem(probe, "1");
    s.removeItem(probe);
    return s;
  } catch (_err) {
    return null;
  }
}

function readJson(s, key) {
  if (!s) return null;
  try {
    return JSON.parse(s.getItem(key) || "null");
  } catch (_err) {
    return null;
  }
}

function writeJson(s, key, value) {
  if (!s) return;
  try {
    s.setItem(key, JSON.stringify(value));
  } catch (_err) {
    // Quota exceeded: the transcript is a convenience, the chat goes on.
  }
}

export function newSessionId() {
  if (window.crypto && typeof window.crypto.randomUUID === "function") {
    return window.crypto.randomUUID().replace(/-/g, "");
  }
  // randomUUID needs a secure context; getRandomValues works everywhere.
  const bytes = window.crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

// A short fingerprint of the customer token (FNV-1a), so the token itself is
// never written to storage. Only used to notice that a different customer
// now uses this browser.
export function fingerprint(token) {
  if (!token) return "";
  let hash = 0x811c9dc5;
  for (let i = 0; i < token.length; i += 1) {
    hash ^= token.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16);
}

export class WidgetStore {
  /** @param {string|null} token the signed customer token of this page, if any */
  constructor(token) {
    this.local = storage("localStorage");
    this.session = storage("sessionStorage");
    this.owner = fingerprint(token);
    this.sessionId = null;
    this.ticket = null;
    this.entries = [];
  }

  /**
   * Load (or start) the conversation.
   * A guest who signs in keeps the conversation; when a signed-in customer's
   * page is followed by another customer's (or a signed-out) page, the old
   * conversation is not shown: a new one starts.
   * @returns {{sessionId: string, ticket: string|null, entries: object[]}}
   */
  load(now = Date.now()) {
    const saved = readJson(this.local, SESSION_KEY);
    const fresh = saved && typeof saved.id === "string" && now - (saved.at || 0) < TRANSCRIPT_TTL_MS;
    const sameCustomer = saved && (!saved.owner || saved.owner === this.owner);
    if (fresh && sameCustomer) {
      this.sessionId = saved.id;
      this.ticket = typeof saved.ticket === "string" ? saved.ticket : null;
      const transcript = readJson(this.local, TRANSCRIPT_KEY);
      this.entries = transcript && transcript.sessionId === saved.id && Array.isArray(transcript.entries)
        ? transcript.entries.filter((e) => e && typeof e === "object")
        : [];
    } else {
      this.sessionId = newSessionId();
      this.ticket = null;
      this.entries = [];
      if (this.local) this.local.removeItem(TRANSCRIPT_KEY);
    }
    this.touch(now);
    return { sessionId: this.sessionId, ticket: this.ticket, entries: this.entries.slice() };
  }

  /** The conversation id and ticket the server issued (a new id if it refused ours). */
  adopt(sessionId, ticket) {
    const moved = sessionId !== this.sessionId;
    this.sessionId = sessionId;
    this.ticket = ticket;
    // The transcript on screen goes on; it is stored under the id now in use.
    if (moved) writeJson(this.local, TRANSCRIPT_KEY, { sessionId, entries: this.entries });
    this.touch();
  }

  touch(now = Date.now()) {
    writeJson(this.local, SESSION_KEY, { id: this.sessionId, ticket: this.ticket, owner: this.owner, at: now });
  }

  /** Remember one transcript entry ({kind: "user", text} or {kind: "bot", message}). */
  append(entry) {
    this.entries.push(entry);
    if (this.entries.length > MAX_ENTRIES) this.entries.splice(0, this.entries.length - MAX_ENTRIES);
    writeJson(this.local, TRANSCRIPT_KEY, { sessionId: this.sessionId, entries: this.entries });
    this.touch();
  }

  get wasOpen() {
    return readJson(this.session, OPEN_KEY) === true;
  }

  set wasOpen(value) {
    writeJson(this.session, OPEN_KEY, Boolean(value));
  }
}
