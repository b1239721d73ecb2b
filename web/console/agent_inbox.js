// Agent console inbox: views with live counts, filters, search, sorting and server-side paging.
// The server answers each change (/api/agent/inbox); this module only asks and draws.
"use strict";

import { api, ApiError, el, clear, duration } from "./api.js";

const $ = (id) => document.getElementById(id);
const FILTERS = ["priority", "reason", "emotion", "segment", "channel", "waiting_min", "sort"];
const VIEW_LABEL = { unassigned: "Unassigned", mine: "Mine", all: "All", follow_up: "E-mail follow-up" };
const CHANNEL_LABEL = { rest: "web chat", socketio: "web chat (live)" };
const inbox = { view: "all", page: 1, me: "", current: null, open: () => {}, timer: null, seq: 0, lastMs: null,
  loading: null, again: null };

function trendDots(item) {
  const box = el("span", { class: "trend", "aria-label": `Emotion trend: ${item.emotion_trend.join(", ") || "none yet"}` });
  item.sentiment_trend.forEach((value, i) => {
    const mood = value <= -0.3 ? "neg" : value >= 0.3 ? "pos" : "neu";
    box.append(el("span", { class: `dot dot--${mood}`, title: `${item.emotion_trend[i]} (${value})` }));
  });
  return box;
}

function owner(item) {
  if (item.status === "follow_up") return "Customer left: follow up by e-mail";
  if (!item.claim) return "Waiting";
  return item.claim.agent === inbox.me ? "You have it" : `${item.claim.display_name} has it`;
}

function row(item) {
  const who = item.customer || "visitor";
  const meta = [who, item.segment || "no segment", item.emotion || "neutral", CHANNEL_LABEL[item.channel] || item.channel]
    .filter(Boolean).join(" · ");
  const button = el(
    "button",
    { type: "button", class: "queue__item", "aria-current": item.conversation_id === inbox.current ? "true" : null,
      dataset: { testid: `queue-item-${item.conversation_id}`, conversation: item.conversation_id } },
    el("span", { class: `priority priority--${item.priority}`, text: item.priority }),
    el("span", { class: "queue__reason", text: item.reason }),
    el("span", { class: "queue__meta", text: meta }),
    item.matched.length ? el("span", { class: "queue__matched", text: `found in ${item.matched.join(", ")}` }) : null,
    trendDots(item),
    el("span", { class: "queue__wait", dataset: { since: item.requested_at }, text: `waiting ${duration(item.waiting_s)}` }),
    el("span", { class: "queue__owner", text: owner(item) }),
  );
  button.addEventListener("click", () => inbox.open(item.conversation_id));
  return el("li", {}, button);
}

function fillSelect(id, values, label) {
  const select = $(id);
  const chosen = select.value;
  clear(select);
  select.append(el("option", { value: "", text: `Any ${label}` }));
  for (const value of values) select.append(el("option", { value, text: label === "channel" ? CHANNEL_LABEL[value] || value : value }));
  // A chosen value stays chosen, even if no open conversation has it any more.
  if (chosen && !values.includes(chosen)) select.append(el("option", { value: chosen, text: chosen }));
  select.value = chosen;
}

export function showCounts(counts) {
  let total = 0;
  for (const [view, count] of Object.entries(counts)) {
    const badge = $(`view-count-${view}`);
    if (badge) badge.textContent = String(count);
    if (view === inbox.view) total = count;
  }
  $("queue-count").textContent = String(total);
}

function query() {
  const params = new URLSearchParams({ view: inbox.view, page: String(inbox.page) });
  for (const name of FILTERS) {
    const value = $(`filter-${name}`).value;
    if (value) params.set(name, value);
  }
  const q = $("inbox-search").value.trim();
  if (q) params.set("q", q);
  return params;
}

// Many queue events at once (a sweep moving hundreds to follow-up) must not send hundreds of
// requests: while one load is on its way, further calls share one more load after it.
export function loadInbox() {
  if (inbox.loading) {
    inbox.again = inbox.again || inbox.loading.catch(() => null).then(() => { inbox.again = null; return loadInbox(); });
    return inbox.again;
  }
  inbox.loading = fetchInbox().finally(() => { inbox.loading = null; });
  return inbox.loading;
}

async function fetchInbox() {
  const seq = ++inbox.seq;
  const started = performance.now();
  let data;
  try {
    data = await api(`/api/agent/inbox?${query()}`);
  } catch (error) {
    $("inbox-error").textContent = error instanceof ApiError ? error.message : "Could not load the inbox.";
    $("inbox-error").hidden = false;
    throw error;
  }
  if (seq !== inbox.seq) return; // an answer to an older question: a newer one is on its way
  $("inbox-error").hidden = true;
  inbox.page = data.page;
  const list = $("queue");
  clear(list);
  for (const item of data.items) list.append(row(item));
  $("queue-empty").hidden = data.items.length > 0;
  $("queue-empty").textContent = $("inbox-search").value.trim() || FILTERS.some((n) => n !== "sort" && $(`filter-${n}`).value)
    ? "No conversation matches." : "Nobody is waiting.";
  const first = data.total ? (data.page - 1) * data.per_page + 1 : 0;
  $("page-info").textContent = data.total ? `${first}–${first + data.items.length - 1} of ${data.total}` : "none";
  $("page-prev").disabled = data.page <= 1;
  $("page-next").disabled = data.page >= data.pages;
  fillSelect("filter-priority", data.options.priorities, "priority");
  fillSelect("filter-reason", data.options.reasons, "reason");
  fillSelect("filter-emotion", data.options.emotions, "emotion");
  fillSelect("filter-segment", data.options.segments, "segment");
  fillSelect("filter-channel", data.options.channels, "channel");
  showCounts(data.counts);
  // For the consoles benchmark: the server's time and the whole round trip with drawing.
  inbox.lastMs = { server: data.server_ms, browser: performance.now() - started };
  list.dataset.loaded = String(seq);
  list.dataset.serverMs = String(data.server_ms);
  list.dataset.browserMs = (performance.now() - started).toFixed(1);
}

export function markCurrent(id) {
  inbox.current = id;
  for (const node of document.querySelectorAll(".queue__item")) {
    node.setAttribute("aria-current", node.dataset.conversation === id ? "true" : "false");
  }
}

function chooseView(view) {
  inbox.view = view;
  inbox.page = 1;
  for (const tab of document.querySelectorAll("[data-view]")) tab.setAttribute("aria-pressed", String(tab.dataset.view === view));
  $("queue-title-view").textContent = VIEW_LABEL[view];
  loadInbox().catch(() => null);
}

export function initInbox({ me, open }) {
  inbox.me = me;
  inbox.open = open;
  for (const tab of document.querySelectorAll("[data-view]")) tab.addEventListener("click", () => chooseView(tab.dataset.view));
  for (const name of FILTERS) {
    $(`filter-${name}`).addEventListener("change", () => { inbox.page = 1; loadInbox().catch(() => null); });
  }
  // Search as the agent types, once they pause.
  $("inbox-search").addEventListener("input", () => {
    clearTimeout(inbox.timer);
    inbox.timer = setTimeout(() => { inbox.page = 1; loadInbox().catch(() => null); }, 250);
  });
  $("inbox-form").addEventListener("submit", (event) => {
    event.preventDefault();
    clearTimeout(inbox.timer);
    inbox.page = 1;
    loadInbox().catch(() => null);
  });
  $("inbox-clear").addEventListener("click", () => {
    for (const name of FILTERS) $(`filter-${name}`).value = name === "sort" ? "priority" : "";
    $("inbox-search").value = "";
    inbox.page = 1;
    loadInbox().catch(() => null);
  });
  $("page-prev").addEventListener("click", () => { inbox.page -= 1; loadInbox().catch(() => null); });
  $("page-next").addEventListener("click", () => { inbox.page += 1; loadInbox().catch(() => null); });
}

// Live counts per view over the console's event stream.
export function listenInbox(source) {
  source.addEventListener("counts", (event) => showCounts(JSON.parse(event.data)));
}
