// The widget's frame: a shadow root (open, so tests can reach inside) holding
// the launcher button and the chat panel, so the store's CSS and ours never
// touch. Handles opening/closing, focus, the status line and unread count.
import css from "./widget.css";
import { el } from "./messages.js";
import { STATUS_TEXT } from "./connection.js";

const CHAT_ICON = "M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z";
const CLOSE_ICON = "M6 6l12 12M18 6L6 18";
const SEND_ICON = "M3 11l18-8-8 18-2-8-8-2z";

function icon(path, filled) {
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  const p = document.createElementNS(ns, "path");
  p.setAttribute("d", path);
  p.setAttribute(filled ? "fill" : "stroke", "currentColor");
  if (!filled) p.setAttribute("fill", "none");
  p.setAttribute("stroke-width", "2");
  p.setAttribute("stroke-linecap", "round");
  svg.append(p);
  return svg;
}

function withTestId(node, id) {
  node.dataset.testid = id;
  return node;
}

// Readable text on the accent colour: dark text on light colours. A canvas
// normalises any CSS colour to #rrggbb (or rgba() with alpha) without
// touching the page, whose CSS could restyle a probe element.
function textOn(color) {
  const ctx = document.createElement("canvas").getContext("2d");
  if (!ctx) return "#ffffff";
  ctx.fillStyle = color;
  const value = ctx.fillStyle;
  const parts = value.startsWith("#")
    ? [1, 3, 5].map((i) => Number.parseInt(value.slice(i, i + 2), 16))
    : (value.match(/\d+(\.\d+)?/g) || ["0", "0", "0"]).slice(0, 3).map(Number);
  const [r, g, b] = parts;
  return 0.299 * r + 0.587 * g + 0.114 * b > 160 ? "#111827" : "#ffffff";
}

function adoptStyles(root) {
  // A constructed sheet is not an inline <style>, so a store's CSP that
  // forbids inline styles still lets the widget draw itself.
  try {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(css);
    root.adoptedStyleSheets = [sheet];
  } catch (_err) {
    root.append(el("style", "", css));
  }
}

export class Panel {
  /**
   * @param {{title: string, color: string}} config
   * @param {{onOpen: () => void, onClose: () => void, onSubmit: (text: string) => void}} handlers
   */
  constructor(config, handlers) {
    this.handlers = handlers;
    this.unread = 0;
    this.title = config.title;

    this.host = el("div");
    this.host.id = "brightcart-widget";
    this.host.style.setProperty("--bc-accent", config.color);
    this.host.style.setProperty("--bc-accent-text", textOn(config.color));
    this.root = this.host.attachShadow({ mode: "open" });
    adoptStyles(this.root);

    this.panel = this.buildPanel();
    this.launcher = this.buildLauncher();
    const frame = el("div", "bc-root");
    frame.append(this.panel, this.launcher);
    this.root.append(frame);
    // Escape anywhere in the widget (input, buttons, launcher) closes the panel.
    frame.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && this.isOpen) {
        event.stopPropagation();
        this.close();
      }
    });
  }

  buildLauncher() {
    const button = withTestId(el("button", "bc-launcher"), "widget-launcher");
    button.type = "button";
    button.setAttribute("aria-controls", "bc-panel");
    button.setAttribute("aria-expanded", "false");
    button.append(icon(CHAT_ICON, true));
    this.badge = withTestId(el("span", "bc-launcher__badge"), "widget-unread");
    this.badge.setAttribute("aria-hidden", "true");
    this.badge.hidden = true;
    button.append(this.badge);
    button.addEventListener("click", () => (this.isOpen ? this.close() : this.open()));
    this.labelLauncher(button);
    return button;
  }

  labelLauncher(button = this.launcher) {
    const action = this.isOpen ? "Close chat" : "Open chat";
    const unread = this.unread ? ` (${this.unread} new ${this.unread === 1 ? "message" : "messages"})` : "";
    button.setAttribute("aria-label", `${action}: ${this.title}${unread}`);
  }

  buildPanel() {
    const panel = withTestId(el("div", "bc-panel"), "widget-panel");
    panel.id = "bc-panel";
    panel.setAttribute("role", "dialog");
    panel.setAttribute("aria-labelledby", "bc-title");
    panel.hidden = true;

    const header = el("div", "bc-header");
    const heading = el("div", "bc-header__text");
    const title = el("h2", "bc-title", this.title);
    title.id = "bc-title";
    this.status = withTestId(el("p", "bc-status", STATUS_TEXT.connecting), "widget-status");
    this.status.setAttribute("role", "status");
    this.status.dataset.state = "connecting";
    heading.append(title, this.status);
    const close = withTestId(el("button", "bc-close"), "widget-close");
    close.type = "button";
    close.setAttribute("aria-label", "Close chat");
    close.append(icon(CLOSE_ICON, false));
    close.addEventListener("click", () => this.close());
    header.append(heading, close);

    this.scroller = el("div", "bc-scroller");
    this.log = withTestId(el("div", "bc-log"), "widget-log");
    this.log.setAttribute("role", "log");
    this.log.setAttribute("aria-live", "polite");
    this.log.setAttribute("aria-label", "Conversation");
    this.typing = withTestId(el("div", "bc-typing"), "typing");
    this.typing.hidden = true;
    this.typing.append(el("span", "bc-sr", "The assistant is typing"));
    for (let i = 0; i < 3; i += 1) this.typing.append(el("span", "bc-typing__dot"));
    this.scroller.append(this.log, this.typing);

    const form = el("form", "bc-form");
    form.setAttribute("autocomplete", "off");
    const label = el("label", "bc-sr", "Message");
    label.htmlFor = "bc-input";
    this.input = withTestId(el("input", "bc-input"), "widget-input");
    Object.assign(this.input, { id: "bc-input", type: "text", maxLength: 1000, placeholder: "Type your message…" });
    this.input.setAttribute("enterkeyhint", "send");
    const send = withTestId(el("button", "bc-send"), "widget-send");
    send.type = "submit";
    send.setAttribute("aria-label", "Send message");
    send.append(icon(SEND_ICON, true));
    form.append(label, this.input, send);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const text = this.input.value.trim();
      if (!text) return;
      this.input.value = "";
      this.handlers.onSubmit(text);
    });

    panel.append(header, this.scroller, form);
    return panel;
  }

  get isOpen() {
    return !this.panel.hidden;
  }

  open({ focus = true } = {}) {
    this.panel.hidden = false;
    this.host.dataset.open = "true";
    this.launcher.setAttribute("aria-expanded", "true");
    this.unread = 0;
    this.badge.hidden = true;
    this.labelLauncher();
    this.handlers.onOpen();
    this.scroller.scrollTop = this.scroller.scrollHeight;
    if (focus) this.input.focus();
  }

  close() {
    this.panel.hidden = true;
    delete this.host.dataset.open;
    this.launcher.setAttribute("aria-expanded", "false");
    this.labelLauncher();
    this.handlers.onClose();
    this.launcher.focus();
  }

  setStatus(state) {
    this.status.textContent = STATUS_TEXT[state];
    this.status.dataset.state = state;
  }

  /** A message arrived: count it on the launcher while the panel is closed. */
  noteIncoming() {
    if (this.isOpen) return;
    this.unread += 1;
    this.badge.textContent = String(this.unread);
    this.badge.hidden = false;
    this.labelLauncher();
  }
}
