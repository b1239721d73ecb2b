// The offer rules page: the list with enable switches, the editor (form or YAML),
// live validation, preview, and the versions with rollback.
"use strict";

import { api, ApiError, el, clear } from "../api.js";
import { NEW_RULE, MAX_VARIANTS, addVariant, fillRule, pathOf, readRule, showProblems } from "./rule_form.js";
import { renderPreview } from "./preview.js";
import { initDrafts, showDraftsFor } from "./drafts.js";

const API = "/api/marketing";
const $ = (id) => document.getElementById(id);
const state = {
  version: 0,
  rules: [],
  editing: null, // id of the saved rule in the editor; null for a new rule
  mode: "form",
  touched: new Set(),
  dirty: false,
  checks: 0, // sequence number of validation requests: only the newest answer counts
  timer: null,
};

const form = () => $("mk-rule-form");
const summary = () => $("mk-rule-errors");
const yamlBox = () => $("mk-rule-yaml");

function announce(text, kind = "info") {
  const status = $("mk-status");
  status.textContent = text;
  status.dataset.kind = kind;
}

function ruleUrl(id, action = "") {
  return `${API}/rules/${encodeURIComponent(id)}${action ? `/${action}` : ""}`;
}

// --- list ------------------------------------------------------------------

function conditionText(conditions) {
  const parts = [];
  for (const [name, value] of Object.entries(conditions || {})) {
    if (value === null || value === undefined || value === false) continue;
    parts.push(`${name.replaceAll("_", " ")}: ${Array.isArray(value) ? value.join(", ") : value}`);
  }
  return parts.join("; ") || "any customer";
}

function capsText(caps) {
  const parts = [];
  if (caps && caps.per_customer) parts.push(`${caps.per_customer.max_exposures} per customer / ${caps.per_customer.window_days} d`);
  if (caps && caps.budget) parts.push(`budget ${caps.budget.max} ${caps.budget.counts}`);
  return parts.join("; ") || "none";
}

// A variant written for some segments says so: "lapsed-1 (for lapsed)".
function variantText(variant) {
  return variant.segments && variant.segments.length ? `${variant.id} (for ${variant.segments.join("; ")})` : variant.id;
}

function ruleRow(rule) {
  const toggle = el("input", {
    type: "checkbox",
    role: "switch",
    "data-testid": "rule-enable-toggle",
    "aria-label": `${rule.name}: enabled`,
    checked: rule.enabled,
  });
  toggle.addEventListener("change", () => switchRule(rule, toggle));
  const edit = el("button", { type: "button", class: "button", "data-testid": `rule-edit-${rule.id}`, "aria-label": `Edit ${rule.name}`, text: "Edit" });
  edit.addEventListener("click", () => openRule(rule.id));
  return el(
    "tr",
    { "data-testid": `rule-row-${rule.id}`, "data-enabled": String(rule.enabled), "aria-current": state.editing === rule.id ? "true" : null },
    el("td", {}, toggle),
    el("td", {}, el("code", { text: rule.id })),
    el("td", { text: rule.name }),
    el("td", { text: rule.kind === "service_recovery" ? "service recovery" : rule.kind }),
    el("td", { text: rule.priority }),
    el("td", { class: "mk-conditions", text: conditionText(rule.conditions) }),
    el("td", { text: rule.variants.map(variantText).join(", ") }),
    el("td", { text: capsText(rule.caps) }),
    el("td", { text: rule.control_share ? `${Math.round(rule.control_share * 100)}%` : "none" }),
    el("td", {}, edit),
  );
}

function renderList() {
  const body = $("mk-rule-list").querySelector("tbody");
  clear(body);
  const rules = [...state.rules].sort((a, b) => b.priority - a.priority || a.id.localeCompare(b.id));
  for (const rule of rules) body.append(ruleRow(rule));
  $("mk-rules-empty").hidden = rules.length > 0;
  $("mk-version").textContent = state.version ? `(version ${state.version})` : "(nothing saved yet)";
}

async function loadRules() {
  const data = await api(`${API}/rules`);
  state.version = data.version;
  state.rules = data.rules;
  renderList();
}

async function switchRule(rule, toggle) {
  const wanted = toggle.checked;
  toggle.disabled = true;
  try {
    const saved = await api(ruleUrl(rule.id, wanted ? "enable" : "disable"), {
      method: "POST",
      body: { expected_version: state.version },
    });
    announce(`${rule.id} ${wanted ? "enabled" : "disabled"}: saved as version ${saved.version}.`);
    await refresh();
  } catch (error) {
    toggle.checked = !wanted;
    await handleError(error);
  } finally {
    toggle.disabled = false;
  }
}

// --- versions ----------------------------------------------------------------

function changesText(changes) {
  const parts = [];
  if (changes.added.length) parts.push(`added ${changes.added.join(", ")}`);
  if (changes.removed.length) parts.push(`removed ${changes.removed.join(", ")}`);
  for (const [rule, fields] of Object.entries(changes.changed)) parts.push(`${rule}: ${fields.join(", ")}`);
  return parts.join("; ") || "no changes";
}

function actionText(entry) {
  // Create and update notes repeat the rule id; a rollback's note says it all.
  if (entry.action === "rollback" && entry.note) return entry.note;
  if (entry.note && entry.action !== "create" && entry.action !== "update") return `${entry.action} (${entry.note})`;
  return entry.action;
}

function versionRow(entry, current) {
  const when = new Date(entry.saved_at);
  const cell = el("td");
  if (entry.version === current) {
    cell.append(el("span", { class: "mk-muted", text: "current" }));
  } else {
    const button = el("button", {
      type: "button",
      class: "button",
      "data-testid": `rollback-${entry.version}`,
      "aria-label": `Roll back to version ${entry.version}`,
      text: "Roll back",
    });
    button.addEventListener("click", () => rollback(entry));
    cell.append(button);
  }
  return el(
    "tr",
    { "data-testid": `version-row-${entry.version}` },
    el("td", { text: entry.version }),
    el("td", {}, el("time", { datetime: entry.saved_at, text: when.toLocaleString() })),
    el("td", { text: entry.author }),
    el("td", { text: actionText(entry) }),
    el("td", { class: "mk-conditions", text: changesText(entry.changes) }),
    cell,
  );
}

async function loadVersions() {
  const data = await api(`${API}/versions?limit=50`);
  const body = $("mk-version-list").querySelector("tbody");
  clear(body);
  for (const entry of data.versions) body.append(versionRow(entry, data.current));
}

function confirmDialog(text) {
  const dialog = $("mk-confirm");
  if (typeof dialog.showModal !== "function") return Promise.resolve(window.confirm(text));
  $("mk-confirm-text").textContent = text;
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => resolve(dialog.returnValue === "ok"), { once: true });
    dialog.returnValue = "";
    dialog.showModal();
  });
}

async function rollback(entry) {
  const when = new Date(entry.saved_at).toLocaleString();
  const ok = await confirmDialog(
    `Make the rules of version ${entry.version} (saved ${when} by ${entry.author}) current again? ` +
      "They are saved as a new version; the history is kept.",
  );
  if (!ok) return;
  try {
    const saved = await api(`${API}/versions/${entry.version}/rollback`, {
      method: "POST",
      body: { expected_version: state.version },
    });
    announce(`Rolled back to version ${entry.version}: saved as version ${saved.version}.`);
    await refresh();
    if (state.editing && !state.dirty) await openRule(state.editing, { quiet: true });
  } catch (error) {
    await handleError(error);
  }
}

async function refresh() {
  await Promise.all([loadRules(), loadVersions()]);
}

// --- editor -------------------------------------------------------------------

function setTitle() {
  $("mk-editor-title").textContent = state.editing ? `Edit rule ${state.editing}` : "New rule";
  $("f-id").readOnly = Boolean(state.editing);
}

function resetEditor(rule, editing) {
  state.editing = editing;
  state.touched = new Set();
  state.dirty = false;
  fillRule(form(), rule);
  yamlBox().value = "";
  showProblems(form(), summary(), []);
  clear($("mk-preview-result"));
  showDraftsFor(editing ? rule : null);
  setTitle();
  renderList();
  if (state.mode === "yaml") toYaml().catch(handleError);
}

function openNew() {
  if (!leaveEditor()) return;
  resetEditor(NEW_RULE, null);
  $("f-id").focus();
}

async function openRule(id, { quiet = false } = {}) {
  if (!quiet && !leaveEditor()) return;
  try {
    const data = await api(ruleUrl(id));
    resetEditor(data.rule, id);
    if (!quiet) $("f-name").focus();
  } catch (error) {
    await handleError(error);
  }
}

function leaveEditor() {
  return !state.dirty || window.confirm("Discard the changes in the editor?");
}

function draft() {
  return withEditing(state.mode === "form" ? { rule: readRule(form()) } : { rule_yaml: yamlBox().value });
}

function problemsShown(problems, { all = false } = {}) {
  const textArea = state.mode === "yaml" ? yamlBox() : null;
  const touched = all || state.mode === "yaml" ? null : state.touched;
  return showProblems(form(), summary(), problems, { touched, textArea });
}

async function validateNow() {
  const ticket = ++state.checks;
  try {
    const result = await api(`${API}/rules/validate`, { method: "POST", body: draft() });
    if (ticket === state.checks) problemsShown(result.problems);
  } catch (error) {
    if (ticket === state.checks) await handleError(error);
  }
}

function scheduleValidation() {
  clearTimeout(state.timer);
  state.timer = setTimeout(validateNow, 250);
}

async function save(event) {
  event.preventDefault();
  clearTimeout(state.timer);
  state.checks++; // a pending live check must not overwrite the save's answer
  const body = { ...draft(), expected_version: state.version };
  const editing = state.editing;
  delete body.editing;
  try {
    const saved = await api(editing ? ruleUrl(editing) : `${API}/rules`, { method: editing ? "PUT" : "POST", body });
    resetEditor(saved.rule, saved.rule.id); // clears the problems at once
    announce(`Saved ${saved.rule.id}: version ${saved.version}.`);
    await refresh();
  } catch (error) {
    await handleError(error);
  }
}

async function preview() {
  clearTimeout(state.timer);
  state.checks++;
  try {
    const result = await api(`${API}/preview`, { method: "POST", body: draft() });
    problemsShown([]);
    renderPreview($("mk-preview-result"), result);
  } catch (error) {
    await handleError(error);
  }
}

function withEditing(body) {
  if (state.editing) body.editing = state.editing;
  return body;
}

async function toYaml() {
  const result = await api(`${API}/rules/validate`, { method: "POST", body: withEditing({ rule: readRule(form()) }) });
  yamlBox().value = result.yaml;
  setMode("yaml");
  problemsShown(result.problems);
}

async function toForm() {
  const result = await api(`${API}/rules/validate`, { method: "POST", body: withEditing({ rule_yaml: yamlBox().value }) });
  if (!result.data || typeof result.data !== "object" || Array.isArray(result.data)) {
    problemsShown(result.problems.length ? result.problems : [{ path: "yaml", field: "yaml", message: "must describe one rule (a mapping)" }]);
    announce("Fix the YAML first: the form can only show one rule.", "error");
    return;
  }
  fillRule(form(), result.data);
  setMode("form");
  state.touched = new Set(["*"]);
  problemsShown(result.problems);
}

function setMode(mode) {
  state.mode = mode;
  $("mk-form-mode").hidden = mode !== "form";
  $("mk-yaml-mode").hidden = mode !== "yaml";
  $("mk-mode-form").setAttribute("aria-pressed", String(mode === "form"));
  $("mk-mode-yaml").setAttribute("aria-pressed", String(mode === "yaml"));
}

async function handleError(error) {
  if (!(error instanceof ApiError)) {
    announce(`Something went wrong: ${error.message}`, "error");
    return;
  }
  if (error.status === 422 && error.body && error.body.problems) {
    problemsShown(error.body.problems, { all: true });
    summary().focus();
    announce("The rule was not saved: see the problems listed.", "error");
  } else if (error.status === 409) {
    announce(`${error.message}. The list below is reloaded; your editor keeps its text.`, "error");
    await refresh().catch(() => {});
  } else {
    announce(error.message, "error");
  }
}

async function loadSegmentsHint() {
  try {
    const data = await api(`${API}/stats/segments`);
    $("mk-segments-now").textContent = data.segments.length
      ? `Segments now: ${data.segments.map((s) => `${s.id} "${s.label}" (${s.size})`).join("; ")}.`
      : "No segmentation has run yet.";
  } catch {
    // The hint is a convenience; the editor works without it.
  }
}

export async function initRulesPage() {
  const root = form();
  root.addEventListener("submit", save);
  root.addEventListener("input", () => {
    state.dirty = true;
  });
  root.addEventListener("change", () => {
    state.dirty = true;
  });
  root.addEventListener("focusout", (event) => {
    const target = event.target;
    if (!(target instanceof HTMLElement) || !target.matches("input, select, textarea")) return;
    if (state.mode === "form") state.touched.add(pathOf(target));
    scheduleValidation();
  });
  $("mk-add-variant").addEventListener("click", () => {
    if (root.querySelectorAll(".mk-variant").length >= MAX_VARIANTS) return;
    addVariant(root).querySelector("input").focus();
    state.dirty = true;
  });
  $("mk-new-rule").addEventListener("click", openNew);
  $("mk-preview").addEventListener("click", preview);
  $("mk-discard").addEventListener("click", () => {
    state.dirty = false;
    if (state.editing) openRule(state.editing);
    else openNew();
  });
  $("mk-mode-form").addEventListener("click", () => state.mode !== "form" && toForm().catch(handleError));
  $("mk-mode-yaml").addEventListener("click", () => state.mode !== "yaml" && toYaml().catch(handleError));
  window.addEventListener("beforeunload", (event) => {
    if (state.dirty) event.preventDefault();
  });
  initDrafts({
    version: () => state.version,
    announce,
    // Approved drafts are a new version: the list, the versions and (unless it holds unsaved edits) the editor.
    saved: async (ruleId) => {
      await refresh();
      if (state.editing === ruleId && !state.dirty) await openRule(ruleId, { quiet: true });
    },
  });
  resetEditor(NEW_RULE, null);
  try {
    await refresh();
  } catch (error) {
    await handleError(error);
  }
  loadSegmentsHint();
}
