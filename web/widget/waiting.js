// The waiting banner: while the customer waits for a person, their place in the
// queue and the expected wait; out of the team's hours, when it is back and a box
// for an e-mail address.
//
// The web app answers POST {api}/api/widget/waiting {session_id, ticket} with
// {status, position, expected_minutes, team_open, reopens, contact_email, refresh_s}
// (web/waiting.py); the ticket is the one the Rasa server issued for this
// conversation, so nobody else's queue place can be asked for. Every check-in also
// tells the team the customer is still here: a customer whose widget stops asking
// (the tab was closed) is moved to e-mail follow-up after a while. No cookie is sent.
import { el } from "./messages.js";

// While the conversation is with a person, or the answer failed, ask again this often.
const RETRY_MS = 15000;
// Statuses with nothing more to wait for: the banner goes and the check-ins stop.
const FINISHED = new Set(["none", "returned", "closed"]);

export const WAITING_TEXT = {
  next: "You're next in the queue.",
  position: (n) => `You're number ${n} in the queue.`,
  eta: (m) => `Expected wait: about ${m} ${m === 1 ? "minute" : "minutes"}.`,
  noEta: "A person will be with you as soon as one is free.",
  offline: (when) => (when ? `Our team is offline right now and back ${when}.` : "Our team is offline right now."),
  emailLabel: "Your e-mail address, for a reply",
  emailSend: "Send",
  emailInvalid: "Please check the e-mail address: it doesn't look right.",
  emailFailed: "We couldn't save your e-mail address just now. Please try again.",
  emailSaved: (masked) => `Thanks! We'll also reply to ${masked}.`,
};

function testId(node, id) {
  node.dataset.testid = id;
  return node;
}

export class WaitingBanner {
  /**
   * @param {string} api the web app's origin
   * @param {() => {session_id: string, ticket: string|null}} proof this conversation and its ticket
   */
  constructor(api, proof) {
    this.api = api;
    this.proof = proof;
    this.timer = null;
    this.running = false;
    this.node = testId(el("div", "bc-waiting"), "waiting-banner");
    this.node.setAttribute("role", "status");
    this.node.hidden = true;
    this.place = testId(el("p", "bc-waiting__line bc-waiting__place"), "waiting-position");
    this.eta = testId(el("p", "bc-waiting__line"), "waiting-eta");
    this.form = this.buildForm();
    this.saved = testId(el("p", "bc-waiting__line"), "waiting-email-saved");
    this.saved.hidden = true;
    this.node.append(this.place, this.eta, this.form, this.saved);
  }

  buildForm() {
    const form = testId(el("form", "bc-waiting__form"), "waiting-email-form");
    form.hidden = true;
    form.noValidate = true;
    const label = el("label", "bc-waiting__label", WAITING_TEXT.emailLabel);
    label.htmlFor = "bc-waiting-email";
    this.email = testId(el("input", "bc-waiting__input"), "waiting-email");
    Object.assign(this.email, { id: "bc-waiting-email", type: "email", maxLength: 254, autocomplete: "email" });
    const send = testId(el("button", "bc-waiting__send", WAITING_TEXT.emailSend), "waiting-email-send");
    send.type = "submit";
    this.error = testId(el("p", "bc-waiting__error"), "waiting-email-error");
    this.error.setAttribute("role", "alert");
    this.error.hidden = true;
    form.append(label, this.email, send, this.error);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.sendEmail();
    });
    return form;
  }

  /** The conversation was handed to a person: show the banner and keep it current. */
  start() {
    if (this.running) return;
    this.running = true;
    this.check();
  }

  /** A person handed the conversation back or closed it: nothing to wait for. */
  stop() {
    this.running = false;
    clearTimeout(this.timer);
    this.timer = null;
    this.node.hidden = true;
  }

  /** Ask now (the queue just moved, e.g. a person joined), then on the usual schedule. */
  refresh() {
    if (this.running) this.check();
  }

  async post(path, body) {
    const response = await fetch(`${this.api}${path}`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
      credentials: "omit",
      cache: "no-store",
    });
    let data = null;
    try {
      data = await response.json();
    } catch (_err) {
      data = null;
    }
    return { ok: response.ok, status: response.status, data: data && typeof data === "object" ? data : {} };
  }

  async check() {
    clearTimeout(this.timer);
    const proof = this.proof();
    let delay = RETRY_MS;
    if (proof.ticket) {
      try {
        const { ok, data } = await this.post("/api/widget/waiting", proof);
        if (ok) {
          if (FINISHED.has(data.status)) {
            this.stop();
            return;
          }
          this.render(data);
          const refresh = Number(data.refresh_s);
          if (Number.isFinite(refresh) && refresh > 0) delay = refresh * 1000;
        }
      } catch (_err) {
        // Offline for a moment: the next check-in will tell.
      }
    }
    if (this.running) this.timer = setTimeout(() => this.check(), delay);
  }

  render(data) {
    const offline = data.team_open === false;
    // With a person now (claimed), the banner has done its job unless an e-mail is still wanted.
    this.node.hidden = data.status !== "waiting" && !offline;
    const position = Number.isInteger(data.position) ? data.position : null;
    this.place.hidden = position === null;
    if (position !== null) this.place.textContent = position === 1 ? WAITING_TEXT.next : WAITING_TEXT.position(position);
    const reopens = typeof data.reopens === "string" ? data.reopens : null;
    if (offline) this.eta.textContent = WAITING_TEXT.offline(reopens);
    else if (Number.isInteger(data.expected_minutes)) this.eta.textContent = WAITING_TEXT.eta(data.expected_minutes);
    else this.eta.textContent = WAITING_TEXT.noEta;
    const masked = typeof data.contact_email === "string" ? data.contact_email : null;
    this.form.hidden = !offline || masked !== null;
    this.saved.hidden = masked === null;
    if (masked !== null) this.saved.textContent = WAITING_TEXT.emailSaved(masked);
  }

  async sendEmail() {
    const address = this.email.value.trim();
    this.error.hidden = true;
    if (!address || !address.includes("@")) {
      this.showError(WAITING_TEXT.emailInvalid);
      return;
    }
    try {
      const { ok, status, data } = await this.post("/api/widget/contact-email", { ...this.proof(), email: address });
      if (ok && typeof data.contact_email === "string") {
        this.email.value = "";
        this.form.hidden = true;
        this.saved.textContent = WAITING_TEXT.emailSaved(data.contact_email);
        this.saved.hidden = false;
        return;
      }
      this.showError(status === 400 ? WAITING_TEXT.emailInvalid : WAITING_TEXT.emailFailed);
    } catch (_err) {
      this.showError(WAITING_TEXT.emailFailed);
    }
  }

  showError(text) {
    this.error.textContent = text;
    this.error.hidden = false;
    this.email.focus();
  }
}
