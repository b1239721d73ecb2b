// "Draft copy" in the rule editor: drafts of one offer per segment, each with the checks'
// verdict (a refused draft says why), edits re-checked as the marketer types, and approved
// drafts saved as the rule's variants for that segment (a new version).
"use strict";

import { api, ApiError, el, clear } from "../api.js";

const API = "/api/marketing";
const $ = (id) => document.getElementById(id);
const hooks = { version: () => 0, announce: () => {}, saved: async () => {} };
const state = { rule: null, segments: [], checks: new Map() };

const draftsUrl = (action = "") => `${API}/rules/${encodeURIComponent(state.rule.id)}/drafts${action ? `/${action}` : ""}`;

function status(text, kind = "info") {
  const node = $("mk-drafts-status");
  node.textContent = text;
  node.dataset.kind = kind;
}

function renderSegments() {
  const box = $("mk-drafts-segments");
  clear(box);
  if (!state.segments.length) {
    box.append(el("p", { class: "mk-hint", text: "No segmentation has run yet: there are no segments to write for." }));
    return;
  }
  for (const segment of state.segments) {
    const input = el("input", { type: "checkbox", value: String(segment.id), "data-testid": `drafts-segment-${segment.id}` });
    box.append(el("label", { class: "mk-check" }, input, ` ${segment.id}: ${segment.label} (${segment.size} customers)`));
  }
}

function renderVariants() {
  const select = $("mk-drafts-variant");
  const before = select.value;
  clear(select);
  for (const variant of state.rule.variants) {
    select.append(el("option", { value: variant.id, text: `${variant.id}: ${variant.message}` }));
  }
  if (state.rule.variants.some((v) => v.id === before)) select.value = before;
}

/** Show the panel for a saved rule (null hides it); drafts already written for the same rule are kept. */
export function showDraftsFor(rule) {
  const panel = $("mk-drafts");
  if (!panel) return;
  const same = rule && state.rule && state.rule.id === rule.id;
  state.rule = rule;
  panel.hidden = !rule;
  if (!rule) return;
  renderVariants();
  if (!same) {
    clear($("mk-drafts-results"));
    status("");
  }
}

function reasonsList(reasons) {
  const list = el("ul", { class: "mk-draft__reasons", "data-testid": "draft-reasons" });
  for (const reason of reasons) list.append(el("li", { text: reason }));
  return list;
}

function verdictBadge(ok) {
  return el("span", {
    class: `mk-badge ${ok ? "mk-badge--ok" : "mk-badge--refused"}`,
    "data-testid": "draft-verdict",
    text: ok ? "passes the checks" : "refused",
  });
}

function showVerdict(item, ok, reasons) {
  item.dataset.ok = String(ok);
  const textarea = item.querySelector("textarea");
  if (ok) textarea.removeAttribute("aria-invalid");
  else textarea.setAttribute("aria-invalid", "true");
  item.querySelector("[data-testid=draft-verdict]").replaceWith(verdictBadge(ok));
  item.querySelector("[data-testid=draft-reasons]").replaceWith(reasonsList(reasons));
}

// An edit is checked again after a pause in typing; only the newest answer for the draft counts.
function scheduleCheck(item, segmentId, variantId, textarea) {
  clearTimeout(state.checks.get(textarea)?.timer);
  const ticket = (state.checks.get(textarea)?.ticket || 0) + 1;
  const timer = setTimeout(async () => {
    try {
      const result = await api(draftsUrl("check"), {
        method: "POST",
        body: { variant_id: variantId, segment: segmentId, text: textarea.value },
      });
      if (state.checks.get(textarea)?.ticket === ticket) showVerdict(item, result.ok, result.reasons);
    } catch (error) {
      status(error.message, "error");
    }
  }, 300);
  state.checks.set(textarea, { timer, ticket });
}

function draftItem(draft, index, group, variantId) {
  const id = `mk-draft-${group.segment_id}-${index}`;
  const textarea = el("textarea", { id, rows: 3, "data-testid": "draft-text" });
  textarea.value = draft.text;
  const approve = el("input", { type: "checkbox", "data-testid": "draft-approve", id: `${id}-approve` });
  const item = el(
    "li",
    { class: "mk-draft", "data-testid": "draft", "data-source": draft.source, "data-ok": String(draft.ok) },
    el(
      "div",
      { class: "mk-draft__head" },
      el("label", { for: id, text: `Draft ${index + 1}` }),
      el("span", { class: `mk-badge mk-badge--${draft.source}`, "data-testid": "draft-source", text: draft.source }),
      verdictBadge(draft.ok),
    ),
    textarea,
    reasonsList(draft.reasons),
    el("label", { class: "mk-check", for: approve.id }, approve, " Approve as a variant for this segment"),
  );
  textarea.addEventListener("input", () => scheduleCheck(item, group.segment_id, variantId, textarea));
  return item;
}

function problemsBox() {
  return el(
    "div",
    { class: "mk-errors", "data-testid": "drafts-error", role: "alert", tabindex: "-1", hidden: true },
    el("p", { text: "The drafts were not added:" }),
    el("ul"),
  );
}

function segmentGroup(group, variantId) {
  const list = el("ol", { class: "mk-draft-list" });
  group.drafts.forEach((draft, index) => list.append(draftItem(draft, index, group, variantId)));
  const passed = `${group.generated_ok} of ${group.generated} generated drafts passed the checks.`;
  const button = el("button", { type: "button", class: "mk-primary", "data-testid": "drafts-approve", text: "Add approved drafts as variants" });
  const errors = problemsBox();
  const section = el(
    "section",
    { class: "mk-drafts__segment", "data-testid": `drafts-for-${group.segment_id}` },
    el("h4", { text: `Segment ${group.segment_id}: ${group.segment_label}` }),
    el("p", { class: "mk-hint", text: `For ${group.description}. ${passed}` }),
    group.note ? el("p", { class: "mk-hint", "data-testid": "drafts-note", text: group.note }) : null,
    list,
    errors,
    el("div", { class: "mk-actions" }, button),
  );
  button.addEventListener("click", () => approve(section, group, variantId, errors));
  return section;
}

async function approve(section, group, variantId, errors) {
  const chosen = [...section.querySelectorAll(".mk-draft")].filter((item) => item.querySelector("[data-testid=draft-approve]").checked);
  if (!chosen.length) {
    status("Tick “Approve” on the drafts to add first.", "error");
    return;
  }
  errors.hidden = true;
  try {
    const saved = await api(draftsUrl("approve"), {
      method: "POST",
      body: {
        expected_version: hooks.version(),
        variant_id: variantId,
        segment: group.segment_id,
        messages: chosen.map((item) => item.querySelector("textarea").value),
      },
    });
    for (const item of chosen) {
      item.querySelector("[data-testid=draft-approve]").checked = false;
      item.querySelector("textarea").removeAttribute("aria-invalid");
    }
    const text = `Added ${saved.added.join(", ")} for segment ${group.segment_id}: saved as version ${saved.version}.`;
    status(text);
    hooks.announce(text);
    await hooks.saved(saved.rule.id);
  } catch (error) {
    if (error instanceof ApiError && error.status === 422 && error.body && error.body.problems) {
      const list = errors.querySelector("ul");
      clear(list);
      for (const problem of error.body.problems) {
        // "messages[1]" is the second ticked draft: say which draft, in the page's numbering.
        const match = /^messages\[(\d+)\]$/.exec(problem.path);
        const item = match ? chosen[Number(match[1])] : null;
        const label = item ? item.querySelector(".mk-draft__head label").textContent : problem.path;
        list.append(el("li", { text: `${label}: ${problem.message}` }));
        if (item) item.querySelector("textarea").setAttribute("aria-invalid", "true");
      }
      errors.hidden = false;
      errors.focus();
      status("The drafts were not added: see the reasons listed.", "error");
    } else {
      status(error.message, "error");
    }
  }
}

async function run() {
  const chosen = [...$("mk-drafts-segments").querySelectorAll("input:checked")].map((input) => input.value);
  if (!chosen.length) {
    status("Choose at least one segment.", "error");
    return;
  }
  const variantId = $("mk-drafts-variant").value;
  const button = $("mk-drafts-run");
  button.disabled = true;
  status("Writing drafts… the first one loads the text generator and can take a few seconds.");
  try {
    const result = await api(draftsUrl(), { method: "POST", body: { variant_id: variantId, segments: chosen } });
    const box = $("mk-drafts-results");
    clear(box);
    for (const group of result.segments) box.append(segmentGroup(group, result.variant_id));
    status(`Drafts ready for ${result.segments.length} segment(s).`);
  } catch (error) {
    status(error.message, "error");
  } finally {
    button.disabled = false;
  }
}

/** Wire the panel: `version()` gives the rule set's version, `saved(ruleId)` runs after an approval. */
export async function initDrafts({ version, announce, saved }) {
  if (!$("mk-drafts")) return;
  Object.assign(hooks, { version, announce, saved });
  $("mk-drafts-run").addEventListener("click", run);
  try {
    const data = await api(`${API}/stats/segments`);
    state.segments = data.segments;
  } catch {
    state.segments = [];
  }
  renderSegments();
}
