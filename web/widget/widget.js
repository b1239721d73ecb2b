// Wires the parts together: the stored conversation, the panel, the message
// log and the socket.io connection to Rasa.
import { Connection } from "./connection.js";
import { Conversation } from "./conversation.js";
import { Panel } from "./panel.js";
import { WidgetStore } from "./store.js";
import { WaitingBanner } from "./waiting.js";

export class Widget {
  /** @param {ReturnType<import("./config.js").readConfig>} config */
  constructor(config) {
    this.config = config;
    this.store = new WidgetStore(config.token);
    const { sessionId, ticket, entries } = this.store.load();

    this.panel = new Panel(config, {
      onOpen: () => {
        this.store.wasOpen = true;
        this.connection.start();
      },
      onClose: () => {
        this.store.wasOpen = false;
      },
      onSubmit: (text) => this.send(text, text),
    });
    this.conversation = new Conversation(
      { log: this.panel.log, scroller: this.panel.scroller, typing: this.panel.typing },
      (payload, shown) => {
        this.send(payload, shown);
        // The pressed button has just been disabled: keep focus in the chat.
        this.panel.input.focus();
      },
    );
    this.connection = new Connection({
      server: config.server,
      socketPath: config.socketPath,
      sessionId,
      ticket,
      onSession: (id, issued) => this.store.adopt(id, issued),
      customData: () => this.customData(),
      onStatus: (state) => this.panel.setStatus(state),
      onMessage: (message) => this.receive(message),
    });
    this.waiting = new WaitingBanner(config.api, () => ({
      session_id: this.connection.sessionId,
      ticket: this.connection.ticket,
    }));
    this.panel.panel.insertBefore(this.waiting.node, this.panel.scroller);
    for (const entry of entries) this.conversation.render(entry);
    this.resumed = entries.length > 0;
    // With a person, or waiting for one, before the reload: the banner picks up where it was.
    this.stillWaiting = ["queued", "joined"].includes(lastHandoff(entries));
    this.host = this.panel.host;
  }

  /** Put the widget on the page; reopen it if it was open before a reload. */
  mount(parent) {
    parent.append(this.host);
    if (this.store.wasOpen) this.panel.open({ focus: false });
    // An ongoing conversation listens at once, so replies (a person may be
    // typing) arrive while the panel is closed; a new visitor connects on first open.
    else if (this.resumed) this.connection.start();
    if (this.stillWaiting) this.waiting.start();
  }

  customData() {
    const data = { page_url: window.location.href };
    if (this.config.token) data.customer_token = this.config.token;
    if (this.config.cartValue !== null) data.cart_value = this.config.cartValue;
    return data;
  }

  /** Show the customer's words and send the payload (the same text, or a button's payload). */
  send(payload, shown) {
    const entry = { kind: "user", text: shown };
    this.conversation.render(entry);
    this.store.append(entry);
    this.connection.start();
    this.connection.send(payload);
    this.conversation.showTyping();
  }

  receive(message) {
    this.followHandoff(message.handoff);
    const entry = { kind: "bot", message };
    if (!this.conversation.render(entry)) {
      // Custom payloads the widget cannot draw are left out, not shown as JSON.
      return;
    }
    this.conversation.hideTyping();
    this.store.append(entry);
    this.panel.noteIncoming();
  }

  /** Any step of a handoff (queued, a person joined or left): the banner asks the web app at once
   * and shows what it says; it stops by itself once the conversation is back with the bot. */
  followHandoff(handoff) {
    if (typeof handoff !== "string") return;
    if (this.waiting.running) this.waiting.refresh();
    else this.waiting.start();
  }
}

/** The latest handoff marker among stored bot messages ("queued", "joined", "left") or null. */
function lastHandoff(entries) {
  for (let i = entries.length - 1; i >= 0; i -= 1) {
    const message = entries[i] && entries[i].message;
    if (message && typeof message.handoff === "string") return message.handoff;
  }
  return null;
}
