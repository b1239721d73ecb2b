// Brightcart chat page: talks to Rasa's socket.io channel.
//
// Protocol (rasa/core/channels/socketio.py, Rasa 3.6):
//   client -> "session_request" {session_id}
//   server -> "session_confirm" <session_id string>
//   client -> "user_uttered"    {message, session_id, metadata}
//   server -> "bot_uttered"     {text} | {text, quick_replies:[{title, payload}]}
//                               | {attachment:{type:"image", payload:{src}}} | custom data
//
// Every piece of message text goes through textContent, never innerHTML, so
// markup sent by a user or by the bot is shown as text and never executes.
"use strict";

(() => {
  const SESSION_KEY = "brightcart.chat.sessionId";

  const root = document.getElementById("chat");
  const log = document.getElementById("chat-log");
  const form = document.getElementById("chat-form");
  const input = document.getElementById("chat-input");
  const sendButton = document.getElementById("chat-send");
  const statusLine = document.getElementById("chat-status");

  const config = JSON.parse(root.dataset.config || "{}");

  // --- session id --------------------------------------------------------

  function newSessionId() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") {
      return window.crypto.randomUUID();
    }
    // randomUUID only exists in secure contexts (https or localhost); when the
    // page is opened over plain http on a LAN address, build a v4 UUID from
    // getRandomValues, which is available everywhere.
    const bytes = window.crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }

  function loadSessionId() {
    // The same id across reloads lets Rasa continue the same conversation.
    // Storage can be blocked (privacy modes); then the id lives for this page only.
    let id = null;
    try {
      id = window.localStorage.getItem(SESSION_KEY);
    } catch (_err) {
      id = null;
    }
    if (!id) {
      id = newSessionId();
      try {
        window.localStorage.setItem(SESSION_KEY, id);
      } catch (_err) {
        // Not fatal: the chat still works, it just restarts on reload.
      }
    }
    return id;
  }

  const sessionId = loadSessionId();

  // --- rendering ---------------------------------------------------------

  function setStatus(text, state) {
    statusLine.textContent = text;
    statusLine.dataset.state = state;
  }

  function scrollToEnd() {
    log.scrollTop = log.scrollHeight;
  }

  function addBubble(role) {
    const bubble = document.createElement("div");
    bubble.className = `msg msg--${role}`;
    // Spoken prefix so screen-reader users know who said what.
    const who = document.createElement("span");
    who.className = "visually-hidden";
    who.textContent = role === "user" ? "You: " : "Brightcart: ";
    bubble.append(who);
    log.append(bubble);
    return bubble;
  }

  function addText(role, text) {
    const bubble = addBubble(role);
    const body = document.createElement("span");
    body.textContent = text;
    bubble.append(body);
    scrollToEnd();
  }

  function safeImageUrl(src) {
    // Only http(s) images; anything else (javascript:, data:, junk) is dropped.
    try {
      const url = new URL(src, window.location.href);
      return url.protocol === "https:" || url.protocol === "http:" ? url.href : null;
    } catch (_err) {
      return null;
    }
  }

  function addImage(src) {
    const url = safeImageUrl(src);
    if (!url) return false;
    const bubble = addBubble("bot");
    const img = document.createElement("img");
    img.className = "msg__image";
    img.alt = "Image from Brightcart";
    img.loading = "lazy";
    img.referrerPolicy = "no-referrer";
    img.addEventListener("load", scrollToEnd);
    img.src = url;
    bubble.append(img);
    scrollToEnd();
    return true;
  }

  function addButtons(buttons) {
    const usable = buttons.filter(
      (b) => b && typeof b.title === "string" && typeof b.payload === "string",
    );
    if (usable.length === 0) return false;
    const group = document.createElement("div");
    group.className = "msg__buttons";
    group.setAttribute("role", "group");
    group.setAttribute("aria-label", "Suggested replies");
    for (const b of usable) {
      const btn = document.createElement("button");
      btn.type = "button";
      btn.className = "msg__button";
      btn.textContent = b.title;
      btn.addEventListener("click", () => {
        // The bot gets the payload (often an intent like "/track_order");
        // the person sees the title they clicked.
        if (sendMessage(b.payload, b.title)) {
          for (const other of group.querySelectorAll("button")) other.disabled = true;
          input.focus();
        }
      });
      group.append(btn);
    }
    log.append(group);
    scrollToEnd();
    return true;
  }

  function renderBotMessage(msg) {
    if (!msg || typeof msg !== "object") return;
    let shown = false;
    if (typeof msg.text === "string" && msg.text.trim() !== "") {
      addText("bot", msg.text);
      shown = true;
    }
    // Rasa's socket.io channel sends buttons as quick_replies; accept
    // "buttons" too so a custom payload in the same shape also works.
    const buttons = Array.isArray(msg.quick_replies)
      ? msg.quick_replies
      : Array.isArray(msg.buttons) ? msg.buttons : [];
    if (buttons.length > 0) shown = addButtons(buttons) || shown;
    const att = msg.attachment;
    if (att && att.type === "image" && att.payload && typeof att.payload.src === "string") {
      shown = addImage(att.payload.src) || shown;
    }
    if (!shown) {
      // Custom payloads are for richer clients; this page skips them quietly.
      console.debug("chat: ignoring bot message without text, buttons or image", msg);
    }
  }

  // --- socket.io ---------------------------------------------------------

  if (typeof window.io !== "function") {
    setStatus("Chat is unavailable: the socket.io client did not load.", "error");
    return;
  }

  let ready = false;

  function setReady(value) {
    ready = value;
    sendButton.disabled = !value;
  }

  // Websocket only: without long-polling every request of a connection stays
  // on one socket, so it works when Rasa runs several worker processes.
  const socket = window.io(config.rasaUrl, { transports: ["websocket"] });

  socket.on("connect", () => {
    // Fires on the first connect and on every reconnect; asking again with
    // the same id puts this new socket back into the same conversation.
    setStatus("Connecting…", "connecting");
    socket.emit("session_request", { session_id: sessionId });
  });

  socket.on("session_confirm", () => {
    setReady(true);
    setStatus("Connected", "online");
  });

  socket.on("bot_uttered", renderBotMessage);

  socket.on("disconnect", (reason) => {
    setReady(false);
    setStatus("Reconnecting…", "reconnecting");
    // The client does not retry by itself after a server-side disconnect.
    if (reason === "io server disconnect") socket.connect();
  });

  socket.on("connect_error", () => {
    setReady(false);
    setStatus("Reconnecting…", "reconnecting");
  });

  function sendMessage(message, shownText) {
    if (!ready) {
      setStatus("Not connected yet, please wait…", "reconnecting");
      return false;
    }
    addText("user", shownText);
    socket.emit("user_uttered", { message, session_id: sessionId, metadata: {} });
    return true;
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (text === "") return;
    if (sendMessage(text, text)) input.value = "";
  });
})();
