// The message log: turns transcript entries into DOM, keeps it scrolled to
// the newest message and shows the typing indicator.
//
// Entries (also what is stored for reloads, see store.js):
//   {kind: "user", text}         the customer's words (plain text)
//   {kind: "bot", message}       a bot_uttered payload as received
// Stored entries are rendered by the same code as live ones, so a reload
// is exactly as safe as the first rendering.
import {
  botBubble, csatRow, imageMessage, isCsat, notice, quickReplies, usableButtons, userBubble,
} from "./messages.js";
import { carousel, isCarousel } from "./carousel.js";

// After the customer sends, the dots show until the next bot message or this long.
export const TYPING_TIMEOUT_MS = 15000;

function agentName(message) {
  const agent = message.agent;
  const name = agent && typeof agent === "object" && typeof agent.name === "string" ? agent.name.trim() : "";
  return name ? name.slice(0, 60) : null;
}

export class Conversation {
  /**
   * @param {{log: HTMLElement, scroller: HTMLElement, typing: HTMLElement}} parts
   * @param {(payload: string, shown: string) => void} pick sends a button's payload
   */
  constructor(parts, pick) {
    this.log = parts.log;
    this.scroller = parts.scroller;
    this.typing = parts.typing;
    this.pick = pick;
    this.typingTimer = null;
  }

  /** Draw one entry; returns whether anything was shown. */
  render(entry) {
    if (!entry || typeof entry !== "object") return false;
    if (entry.kind === "user" && typeof entry.text === "string") {
      // Answering makes earlier suggestions stale, whoever sent the answer.
      this.disableStale();
      this.add(userBubble(entry.text));
      return true;
    }
    if (entry.kind === "bot" && entry.message && typeof entry.message === "object") {
      return this.renderBot(entry.message);
    }
    return false;
  }

  renderBot(message) {
    const text = typeof message.text === "string" && message.text.trim() ? message.text : null;
    let shown = false;
    if (text && (message.handoff === "joined" || message.handoff === "left")) {
      this.add(notice(text, message.handoff));
      shown = true;
    } else if (text) {
      this.add(botBubble(text, agentName(message)));
      shown = true;
    }
    if (isCarousel(message)) {
      this.add(carousel(message, this.pick));
      shown = true;
    }
    // Rasa's socket.io channel calls buttons quick_replies; accept "buttons" too.
    const buttons = usableButtons(Array.isArray(message.quick_replies) ? message.quick_replies : message.buttons);
    if (buttons.length > 0) {
      this.add(isCsat(buttons) ? csatRow(buttons, this.pick) : quickReplies(buttons, this.pick));
      shown = true;
    }
    const att = message.attachment;
    if (att && typeof att === "object" && att.type === "image" && att.payload && typeof att.payload === "object") {
      const img = imageMessage(att.payload.src, () => this.scrollToEnd());
      if (img) {
        this.add(img);
        shown = true;
      }
    }
    return shown;
  }

  add(node) {
    this.log.append(node);
    this.scrollToEnd();
  }

  scrollToEnd() {
    this.scroller.scrollTop = this.scroller.scrollHeight;
  }

  /** Quick replies and rating rows only answer the question they came with. */
  disableStale() {
    for (const btn of this.log.querySelectorAll(".bc-replies button, .bc-csat button")) {
      btn.disabled = true;
    }
  }

  showTyping() {
    this.typing.hidden = false;
    this.scrollToEnd();
    clearTimeout(this.typingTimer);
    this.typingTimer = setTimeout(() => this.hideTyping(), TYPING_TIMEOUT_MS);
  }

  hideTyping() {
    clearTimeout(this.typingTimer);
    this.typingTimer = null;
    this.typing.hidden = true;
  }
}
