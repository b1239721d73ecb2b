// Agent tools in the conversation pane: canned replies typed as /shortcut in the reply box,
// private notes between agents, transfer to a colleague and release back to the queue.
// agent.js calls initTools once, showTools after rendering a conversation and listenTools
// with its live stream; everything else stays in this module.
"use strict";

import { api, ApiError, el, clear, clock } from "./api.js";

const $ = (id) => document.getElementById(id);
const tools = { current: null, mine: false, canned: [], shown: [], active: 0, colleagues: null, refresh: async () => {} };
// "/" then the start of a shortcut, alone in the box: the picker is open.
const SLASH = /^\/([a-z0-9_-]*)$/;
const CONTROLS = ["release", "transfer-to", "transfer", "close-category"];

const path = (tail) => `/api/agent/conversations/${encodeURIComponent(tools.current)}/${tail}`;

// Hidden while empty, so that the page's only visible alert is the one with something to say.
function toolsError(text) {
  $("tools-error").textContent = text;
  $("tools-error").hidden = !text;
}

function showError(error) {
  toolsError(error instanceof ApiError ? error.message : "Network error; try again.");
}

// --- canned replies ------------------------------------------------------

async function loadCanned() {
  tools.canned = (await api("/api/agent/canned")).replies;
}

function closePicker() {
  $("canned-picker").hidden = true;
  tools.shown = [];
}

function renderPicker(query) {
  const picker = $("canned-picker");
  clear(picker);
  tools.shown = tools.canned.filter((r) => r.shortcut.startsWith(query) || r.title.toLowerCase().includes(query));
  tools.active = Math.min(tools.active, Math.max(0, tools.shown.length - 1));
  if (!tools.shown.length) {
    picker.append(el("li", { class: "muted", text: tools.canned.length ? "No canned reply matches." : "No canned replies yet." }));
  }
  tools.shown.forEach((reply, i) => {
    const option = el(
      "li",
      { role: "option", id: `canned-option-${reply.shortcut}`, "aria-selected": i === tools.active ? "true" : "false",
        class: "canned-picker__option", dataset: { testid: `canned-option-${reply.shortcut}` } },
      el("strong", { text: `/${reply.shortcut}` }),
      el("span", { text: ` ${reply.title}` }),
    );
    // mousedown, not click: the reply box keeps its focus.
    option.addEventListener("mousedown", (event) => { event.preventDefault(); insert(reply.shortcut); });
    picker.append(option);
  });
  picker.hidden = false;
}

async function insert(shortcut) {
  closePicker();
  const box = $("reply-text");
  try {
    const filled = await api(path(`canned/${encodeURIComponent(shortcut)}`));
    box.value = filled.text;
    box.focus();
    const hint = $("canned-hint");
    if (filled.missing.length) {
      const names = filled.missing.map((name) => `{${name}}`).join(", ");
      hint.textContent = `Fill in ${names} before sending: this conversation does not have ${filled.missing.length === 1 ? "it" : "them"}.`;
      hint.className = "error";
      // The first gap is selected, ready to be typed over.
      const at = box.value.indexOf(`{${filled.missing[0]}}`);
      box.setSelectionRange(at, at + filled.missing[0].length + 2);
    } else {
      hint.textContent = `Inserted /${shortcut}. Edit it if you like, then send.`;
      hint.className = "muted";
      box.setSelectionRange(box.value.length, box.value.length);
    }
  } catch (error) {
    $("reply-error").textContent = error instanceof ApiError ? error.message : "Network error; try again.";
  }
}

function onReplyInput() {
  const match = SLASH.exec($("reply-text").value);
  if (!match) {
    closePicker();
    return;
  }
  if (match[1] === "") {
    tools.active = 0;
    // The team may have changed them since the page loaded.
    loadCanned().then(() => renderPicker("")).catch(() => renderPicker(""));
    return;
  }
  renderPicker(match[1]);
}

// Runs before agent.js's Enter-to-send (capture on the form): while the picker is open,
// Enter and Tab insert the highlighted reply instead.
function onReplyKey(event) {
  if ($("canned-picker").hidden || event.target.id !== "reply-text") return;
  const keys = { ArrowDown: 1, ArrowUp: -1 };
  if (event.key in keys && tools.shown.length) {
    tools.active = (tools.active + keys[event.key] + tools.shown.length) % tools.shown.length;
    renderPicker(SLASH.exec($("reply-text").value)?.[1] || "");
  } else if ((event.key === "Enter" || event.key === "Tab") && tools.shown.length) {
    insert(tools.shown[tools.active].shortcut);
  } else if (event.key === "Escape") {
    closePicker();
  } else {
    return;
  }
  event.preventDefault();
  event.stopPropagation();
}

// --- private notes -------------------------------------------------------

async function loadNotes(id) {
  const data = await api(`/api/agent/conversations/${encodeURIComponent(id)}/notes`);
  if (id !== tools.current) return;
  const list = $("notes-list");
  clear(list);
  for (const note of data.notes) {
    list.append(el(
      "li",
      { class: "note", dataset: { testid: "note" } },
      el("span", { class: "note__who", text: note.author_name }),
      el("time", { class: "note__time", text: clock(note.at) }),
      el("p", { class: "note__text", text: note.text }),
    ));
  }
  if (!data.notes.length) list.append(el("li", { class: "muted", text: "No notes yet." }));
}

async function addNote(event) {
  event.preventDefault();
  const box = $("note-text");
  const text = box.value.trim();
  toolsError("");
  if (!text) {
    toolsError("Write the note first.");
    return;
  }
  try {
    await api(path("notes"), { method: "POST", body: { text } });
    box.value = "";
    await loadNotes(tools.current);
  } catch (error) {
    showError(error);
  }
}

// --- transfer and release ------------------------------------------------

async function loadColleagues() {
  if (tools.colleagues) return;
  tools.colleagues = (await api("/api/agent/colleagues")).agents;
  // An admin's take-back list too: it offers every colleague, the current holder excepted by the server.
  for (const select of [$("transfer-to"), $("take-back-to")].filter(Boolean)) {
    for (const person of tools.colleagues) {
      select.append(el("option", { value: person.username, text: person.display_name }));
    }
  }
}

async function move(tail, body) {
  toolsError("");
  try {
    await api(path(tail), { method: "POST", body });
  } catch (error) {
    showError(error);
    return;
  }
  await tools.refresh();
}

function onTransfer(event) {
  event.preventDefault();
  const to = $("transfer-to").value;
  if (!to) {
    toolsError("Choose the colleague to transfer to.");
    return;
  }
  move("transfer", { to });
}

// An admin takes the conversation from the agent who holds it: to the queue, or to the chosen colleague.
function onTakeBack(event) {
  event.preventDefault();
  const to = $("take-back-to").value;
  move("take-back", to ? { to } : {});
}

// --- what agent.js calls -------------------------------------------------

export function initTools(refresh) {
  tools.refresh = refresh;
  $("reply-text").addEventListener("input", onReplyInput);
  $("reply-text").addEventListener("blur", () => setTimeout(closePicker, 150));
  $("reply-form").addEventListener("keydown", onReplyKey, true);
  $("note-form").addEventListener("submit", addNote);
  $("transfer-form").addEventListener("submit", onTransfer);
  $("release").addEventListener("click", () => move("release", {}));
  if ($("take-back-form")) $("take-back-form").addEventListener("submit", onTakeBack);
  loadCanned().catch(() => null);
}

// After each render of a conversation: the owner's controls, and the notes.
export function showTools(view, mine) {
  const changed = tools.current !== view.conversation_id;
  tools.current = view.conversation_id;
  tools.mine = mine;
  for (const id of CONTROLS) $(id).disabled = !mine;
  if (changed) {
    toolsError("");
    $("canned-hint").textContent = "Type / and a shortcut for a canned reply.";
    $("canned-hint").className = "muted";
    closePicker();
  }
  // Only on an admin's page: enabled while another agent holds the conversation.
  const heldByOther = Boolean(view.handoff.status === "claimed" && view.handoff.claim && !mine);
  for (const id of ["take-back-to", "take-back"]) if ($(id)) $(id).disabled = !heldByOther;
  if (mine || heldByOther) loadColleagues().catch(showError);
  loadNotes(view.conversation_id).catch(showError);
}

// A note (or any change) on the open conversation reaches every console over the live stream.
export function listenTools(source) {
  source.addEventListener("queue", (event) => {
    const { conversation_id: id } = JSON.parse(event.data);
    if (id && id === tools.current) loadNotes(id).catch(() => null);
  });
}
