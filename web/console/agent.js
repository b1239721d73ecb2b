// Agent console: the live queue of handed-off conversations and one conversation at a time.
"use strict";

import { Chart, LineController, LineElement, PointElement, LinearScale, CategoryScale, Tooltip } from "chart.js";
import { api, ApiError, el, clear, duration, clock } from "./api.js";
import { initTools, showTools, listenTools } from "./agent_tools.js";
import { initInbox, loadInbox, markCurrent, listenInbox } from "./agent_inbox.js";
import { renderContext, readable } from "./agent_context.js";

Chart.register(LineController, LineElement, PointElement, LinearScale, CategoryScale, Tooltip);

const me = document.querySelector(".agent").dataset.me;
const $ = (id) => document.getElementById(id);
const state = { items: [], current: null, view: null, chart: null };

// --- queue ---------------------------------------------------------------

// The inbox (views, filters, search, paging) is agent_inbox.js; these two keep their names
// for the rest of this file and the tools.
function renderQueue() {
  markCurrent(state.current);
}

async function loadQueue() {
  await loadInbox();
}

setInterval(() => {
  for (const node of document.querySelectorAll(".queue__wait")) {
    node.textContent = `waiting ${duration(Date.now() / 1000 - Number(node.dataset.since))}`;
  }
}, 1000);

// --- conversation --------------------------------------------------------

const ROLE_LABEL = { customer: "Customer", bot: "Bot", agent: "Agent", notice: "" };

function line(entry) {
  const who = entry.role === "agent" ? `${entry.author} (agent)` : ROLE_LABEL[entry.role];
  const node = el(
    "div",
    { class: `line line--${entry.role}`, dataset: { testid: `line-${entry.role}` } },
    who ? el("span", { class: "line__who", text: who }) : null,
    el("span", { class: "line__text", text: entry.text }),
    el("time", { class: "line__time", text: clock(entry.at) }),
  );
  if (entry.buttons && entry.buttons.length) node.append(el("span", { class: "line__buttons", text: `[${entry.buttons.join(" | ")}]` }));
  return node;
}

function appendLine(entry) {
  const box = $("transcript");
  box.append(line(entry));
  box.scrollTop = box.scrollHeight;
}

function renderEmotion(timeline) {
  const labels = timeline.map((e) => clock(e.at));
  const values = timeline.map((e) => e.sentiment);
  if (state.chart) state.chart.destroy();
  state.chart = new Chart($("emotion-chart"), {
    type: "line",
    data: { labels, datasets: [{ label: "sentiment", data: values, borderColor: "#b3261e", tension: 0.2 }] },
    options: {
      animation: false, responsive: true, maintainAspectRatio: false,
      scales: { y: { min: -1, max: 1 } },
      plugins: { tooltip: { callbacks: { afterLabel: (ctx) => timeline[ctx.dataIndex].dominant } } },
    },
  });
  const list = $("emotion-list");
  clear(list);
  for (const e of timeline) list.append(el("li", { text: `${clock(e.at)} ${e.dominant} (sentiment ${e.sentiment.toFixed(2)})` }));
}

function renderProfile(profile, slots) {
  const box = $("profile");
  clear(box);
  const facts = profile
    ? [["Customer", profile.customer_id], ["Segment", profile.segment_label],
       ["Orders", profile.features.frequency], ["Spend", Math.round(profile.features.monetary)],
       ["Days since last order", profile.features.recency_days === null ? null : Math.round(profile.features.recency_days)], ["Returns", `${Math.round(profile.features.return_rate * 100)}%`], ["Top categories", (profile.top_categories || []).join(", ")]]
    : [["Customer", "not signed in"], ["Segment", slots.segment_label ? `${slots.segment_label} (guessed)` : "unknown"]];
  for (const [name, value] of facts) {
    if (value === undefined || value === null || value === "") continue;
    box.append(el("dt", { text: name }), el("dd", { text: typeof value === "number" ? value.toLocaleString() : value }));
  }
}

function renderSlots(slots, editable, mine) {
  const body = $("slots");
  clear(body);
  for (const [name, value] of Object.entries(slots).sort()) {
    if (value === null || value === undefined) continue;
    body.append(slotRow(name, value, editable.includes(name) && mine));
  }
  for (const name of editable) {
    if (slots[name] === null || slots[name] === undefined) body.append(slotRow(name, "", mine));
  }
}

function slotRow(name, value, canEdit) {
  const text = typeof value === "object" ? readable(value) : String(value);
  // Structured bookkeeping (emotion scores) is long: shortened here, whole in the tooltip.
  const shown = text.length > 80 ? `${text.slice(0, 77)}…` : text;
  const cell = canEdit
    ? el("input", { type: "text", value: text, "aria-label": `Slot ${name}`, dataset: { slot: name, original: text, testid: `slot-${name}` } })
    : el("span", { text: shown, title: shown === text ? null : text });
  return el("tr", {}, el("th", { scope: "row", text: name }), el("td", {}, cell));
}

function renderConversation(view) {
  state.view = view;
  const open = view.handoff.status === "waiting" || view.handoff.status === "claimed";
  const claim = open ? view.handoff.claim : null;
  const mine = Boolean(claim && claim.agent === me);
  $("conversation").hidden = false;
  $("conv-id").textContent = view.conversation_id;
  $("conv-reason").textContent = view.handoff.request ? `${view.handoff.request.priority} · ${view.handoff.request.reason}` : "";
  $("conv-owner").textContent = claim ? (mine ? "You have this conversation." : `${claim.display_name} has this conversation.`)
    : open ? "Nobody has claimed this conversation yet." : `This conversation is ${view.handoff.status}.`;
  $("claim").hidden = Boolean(claim) || !open;
  for (const id of ["reply-text", "handback", "close-note"]) $(id).disabled = !mine;
  for (const node of document.querySelectorAll('[data-testid="reply-send"], [data-testid="close"]')) node.disabled = !mine;
  const box = $("transcript");
  clear(box);
  view.transcript.forEach(appendLine);
  renderEmotion(view.emotion_timeline);
  renderProfile(view.profile, view.slots);
  renderContext(view);
  const offers = $("offers");
  clear(offers);
  for (const o of view.offers_shown) offers.append(el("li", { text: `${o.rule_id}${o.variant_id ? ` / ${o.variant_id}` : ""} at ${clock(o.at)}` }));
  if (!view.offers_shown.length) offers.append(el("li", { class: "muted", text: "none" }));
  renderSlots(view.slots, view.editable_slots, mine);
  showTools(view, mine);
}

async function openConversation(id) {
  state.current = id;
  renderQueue();
  try {
    renderConversation(await api(`/api/agent/conversations/${encodeURIComponent(id)}`));
  } catch (error) {
    $("reply-error").textContent = error.message;
  }
}

async function act(path, body) {
  $("reply-error").textContent = "";
  try {
    return await api(`/api/agent/conversations/${encodeURIComponent(state.current)}/${path}`, { method: "POST", body });
  } catch (error) {
    $("reply-error").textContent = error instanceof ApiError ? error.message : "Network error; try again.";
    throw error;
  }
}

$("claim").addEventListener("click", async () => {
  await act("claim", {}).catch(() => null);
  await openConversation(state.current);
  await loadQueue();
});

$("reply-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const box = $("reply-text");
  const text = box.value.trim();
  if (!text) return;
  // Cleared at once so the agent can type on; put back if it was not delivered.
  box.value = "";
  await act("reply", { text }).catch(() => {
    if (box.value === "") box.value = text;
  });
});

$("reply-text").addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.shiftKey) {
    event.preventDefault();
    $("reply-form").requestSubmit();
  }
});

$("handback").addEventListener("click", async () => {
  const slots = {};
  for (const input of document.querySelectorAll("#slots input[data-slot]")) {
    if (input.value !== input.dataset.original) slots[input.dataset.slot] = input.value === "" ? null : input.value;
  }
  await act("handback", { slots }).catch(() => null);
  await openConversation(state.current);
  await loadQueue();
});

$("close-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const note = $("close-note").value.trim();
  if (!note) {
    $("reply-error").textContent = "Write a resolution note before closing.";
    return;
  }
  await act("close", { note, category: $("close-category").value }).then(() => { $("close-note").value = ""; }).catch(() => null);
  await openConversation(state.current);
  await loadQueue();
});

// --- live updates --------------------------------------------------------

function connect() {
  const source = new EventSource("/api/agent/stream");
  listenTools(source);
  listenInbox(source);
  source.addEventListener("open", () => { $("live-status").textContent = "Live"; });
  source.addEventListener("error", () => { $("live-status").textContent = "Reconnecting…"; });
  source.addEventListener("queue", async (event) => {
    const { conversation_id: id, action, taken_from: takenFrom } = JSON.parse(event.data);
    await loadQueue();
    if (id && id === state.current) await openConversation(id);
    // A lead took it from this agent: say so, not only by the controls going grey.
    if (action === "handoff.take_back" && takenFrom === me && id === state.current) {
      $("conv-owner").textContent += " A team lead took this conversation back from you.";
    }
  });
  source.addEventListener("message", (event) => {
    const data = JSON.parse(event.data);
    if (data.conversation_id === state.current) appendLine(data);
  });
  // The session ended (signed out elsewhere, idle, account changed): sign in again.
  source.addEventListener("signed_out", () => {
    source.close();
    window.location.assign(`/login?next=${encodeURIComponent(location.pathname)}`);
  });
  source.addEventListener("unavailable", () => {
    $("live-status").textContent = "Live updates paused; retrying…";
    source.close();
    setTimeout(connect, 3000);
  });
}

// Canned replies, notes, transfer and release (agent_tools.js); after a transfer or release
// the conversation and the queue are read again.
initTools(async () => {
  await openConversation(state.current);
  await loadQueue();
});
initInbox({ me, open: (id) => openConversation(id) });
loadQueue().catch(() => { $("live-status").textContent = "Could not load the queue."; });
connect();
// Other pages (the marketer console's topics) link to one conversation: /agent#conversation=<id>.
// Only conversations handed to a person open here; for any other the server's reason is shown.
function openLinked() {
  const linked = new URLSearchParams(location.hash.slice(1)).get("conversation");
  if (!linked) return;
  $("open-error").hidden = true;
  state.current = linked;
  api(`/api/agent/conversations/${encodeURIComponent(linked)}`)
    .then((view) => { renderQueue(); renderConversation(view); })
    .catch((error) => {
      state.current = null;
      $("open-error").textContent = `Conversation ${linked}: ${error instanceof ApiError ? error.message : "could not be opened"}.`;
      $("open-error").hidden = false;
    });
}
window.addEventListener("hashchange", openLinked);
openLinked();
