// DOM for single messages: bubbles, notices, images, quick replies and the
// CSAT rating row. Text from the bot goes through renderMarkdown (sanitized);
// everything else (the customer's words, names, button titles, notices) is
// set with textContent, so no message can ever inject markup.
import { renderMarkdown, safeHttpUrl } from "./markdown.js";

let nextId = 0;
export function uniqueId(prefix) {
  nextId += 1;
  return `bc-${prefix}-${nextId}`;
}

export function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function bubble(role, spokenPrefix) {
  const node = el("div", `bc-msg bc-msg--${role}`);
  node.dataset.role = role;
  node.dataset.testid = `msg-${role}`;
  // Who said it, for screen readers (visible speakers are styled by role).
  node.append(el("span", "bc-sr", spokenPrefix));
  return node;
}

/** The customer's own words: always plain text. */
export function userBubble(text) {
  const node = bubble("user", "You: ");
  node.append(el("div", "bc-msg__body bc-msg__body--plain", text));
  return node;
}

/** A bot message, or one written by a person when agentName is given. */
export function botBubble(text, agentName) {
  const node = agentName
    ? bubble("agent", `${agentName}, from the Brightcart team: `)
    : bubble("bot", "Assistant: ");
  if (agentName) {
    const from = el("div", "bc-msg__from");
    from.setAttribute("aria-hidden", "true");
    from.append(el("span", "bc-msg__avatar", agentName.trim().charAt(0).toUpperCase()));
    const name = el("span", "bc-msg__name", agentName);
    name.dataset.testid = "agent-name";
    from.append(name);
    from.append(el("span", "bc-msg__tag", "Team member"));
    node.append(from);
  }
  const body = el("div", "bc-msg__body");
  body.append(renderMarkdown(text));
  node.append(body);
  return node;
}

/** "Sam has joined the chat" and similar: a centred line, not a bubble. */
export function notice(text, kind) {
  const node = el("div", "bc-notice", text);
  node.dataset.role = "notice";
  node.dataset.testid = "notice";
  if (kind) node.dataset.handoff = kind;
  return node;
}

export function imageMessage(src, onLoad) {
  const url = safeHttpUrl(src);
  if (!url) return null;
  const node = bubble("bot", "Assistant sent a picture");
  node.classList.add("bc-msg--image");
  const img = el("img", "bc-msg__image");
  img.alt = "Picture from the assistant";
  img.loading = "lazy";
  img.referrerPolicy = "no-referrer";
  img.addEventListener("load", onLoad);
  img.src = url;
  node.append(img);
  return node;
}

/** Buttons in Rasa's shape that a customer can press. */
export function usableButtons(buttons) {
  if (!Array.isArray(buttons)) return [];
  return buttons.filter(
    (b) => b && typeof b.title === "string" && b.title.trim() && typeof b.payload === "string",
  );
}

const RATING = /^\/rate\b.*"rating"\s*:\s*"?([1-5])"?/;

/** The 1-5 score a CSAT payload carries (/rate{"rating":"3"}), else null. */
export function ratingOf(payload) {
  const match = RATING.exec(payload);
  return match ? Number(match[1]) : null;
}

/** Quick replies that are a CSAT question: every payload is a /rate with a score. */
export function isCsat(buttons) {
  return buttons.length > 0 && buttons.every((b) => ratingOf(b.payload) !== null);
}

/**
 * Quick-reply buttons; onPick(payload, shownText) sends one. The whole group
 * is disabled once the customer answers (Conversation.disableStale).
 */
export function quickReplies(buttons, onPick) {
  const group = el("div", "bc-replies");
  group.setAttribute("role", "group");
  group.setAttribute("aria-label", "Suggested replies");
  group.dataset.testid = "quick-replies";
  for (const b of buttons) {
    const btn = el("button", "bc-reply", b.title);
    btn.type = "button";
    btn.dataset.testid = "quick-reply";
    btn.addEventListener("click", () => onPick(b.payload, b.title));
    group.append(btn);
  }
  return group;
}

const SCALE_WORDS = { 1: "poor", 2: "fair", 3: "good", 4: "very good", 5: "excellent" };

/** The CSAT question's answers as a labelled 1-5 row. */
export function csatRow(buttons, onPick) {
  const group = el("div", "bc-csat");
  const labelId = uniqueId("csat");
  group.setAttribute("role", "group");
  group.setAttribute("aria-labelledby", labelId);
  group.dataset.testid = "csat";
  const label = el("p", "bc-csat__label", "Rate this conversation");
  label.id = labelId;
  group.append(label);
  const row = el("div", "bc-csat__row");
  const sorted = buttons.slice().sort((a, b) => ratingOf(a.payload) - ratingOf(b.payload));
  for (const b of sorted) {
    const score = ratingOf(b.payload);
    const btn = el("button", "bc-csat__score", String(score));
    btn.type = "button";
    btn.dataset.testid = `csat-${score}`;
    btn.setAttribute("aria-label", `${score} out of 5, ${SCALE_WORDS[score]}`);
    btn.setAttribute("aria-pressed", "false");
    btn.addEventListener("click", () => {
      onPick(b.payload, `Rated ${score} out of 5`);
      btn.setAttribute("aria-pressed", "true");
    });
    row.append(btn);
  }
  group.append(row);
  const ends = el("div", "bc-csat__ends");
  ends.setAttribute("aria-hidden", "true");
  ends.append(el("span", "", "Poor"), el("span", "", "Excellent"));
  group.append(ends);
  return group;
}
