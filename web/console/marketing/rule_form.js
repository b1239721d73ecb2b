// The rule editor's form: reads a rule from the inputs, fills the inputs from a rule,
// and shows the server's problems next to the field each one names.
//
// Inputs carry data-path (their place in the rule, e.g. conditions.cart_value_min)
// and data-kind (how to read them); variant inputs carry data-variant-field and get
// their path (variants[1].message) from their position.
"use strict";

import { el, clear } from "../api.js";

export const MAX_VARIANTS = 10;
// Values equal to the schema's default are left out, so a saved rule stays short.
const DEFAULTS = { enabled: true, "conditions.signed_in_only": false };
const ORDER = ["id", "name", "enabled", "priority", "kind", "conditions", "variants", "allocation", "caps", "control_share"];
const VARIANT_FIELDS = ["id", "weight", "message", "discount_code", "product_ids", "segments"];

export const NEW_RULE = { enabled: true, kind: "upsell", allocation: "thompson", variants: [{}] };

let uid = 0;
// The order lists had when the rule was loaded: checkboxes are read in page order, and
// saving a rule untouched must not show up in the history as a reordered list.
const loadedOrder = new Map();

function keepLoadedOrder(path, values) {
  const before = loadedOrder.get(path) || [];
  const rank = (value) => (before.includes(value) ? before.indexOf(value) : before.length);
  return [...new Set(values)].sort((a, b) => rank(a) - rank(b));
}

function setPath(target, path, value) {
  const parts = path.split(".");
  let node = target;
  for (const part of parts.slice(0, -1)) {
    if (typeof node[part] !== "object" || node[part] === null) node[part] = {};
    node = node[part];
  }
  node[parts[parts.length - 1]] = value;
}

function getPath(source, path) {
  return path.split(".").reduce((node, part) => (node == null || typeof node !== "object" ? undefined : node[part]), source);
}

const splitList = (text) => text.split(",").map((item) => item.trim()).filter(Boolean);

// undefined means "left empty": the schema's default applies.
function readInput(input) {
  const kind = input.dataset.kind;
  if (kind === "bool") return input.checked;
  const raw = input.value.trim();
  if (kind === "number") {
    // A number input reports "" for text it cannot read; send the text so the server names the field.
    if (input.validity && input.validity.badInput) return "not a number";
    if (raw === "") return undefined;
    const number = Number(raw);
    return Number.isFinite(number) ? number : raw;
  }
  if (raw === "") return undefined;
  if (kind === "tri") return raw === "true";
  if (kind === "list") return splitList(raw);
  return raw;
}

function ordered(rule) {
  const out = {};
  for (const key of ORDER) if (key in rule) out[key] = rule[key];
  for (const key of Object.keys(rule)) if (!(key in out)) out[key] = rule[key];
  return out;
}

function readVariants(root) {
  return [...root.querySelectorAll(".mk-variant")].map((item) => {
    const variant = {};
    for (const name of VARIANT_FIELDS) {
      const input = item.querySelector(`[data-variant-field="${name}"]`);
      const value = readInput(input);
      if (value !== undefined) variant[name] = value;
    }
    return variant;
  });
}

/** The rule the form describes, as plain data (what the API's `rule` field takes). */
export function readRule(root) {
  const rule = {};
  const lists = new Map();
  const addToList = (path, values) => lists.set(path, [...(lists.get(path) || []), ...values]);
  for (const input of root.querySelectorAll("[data-path]")) {
    const path = input.dataset.path;
    if (input.dataset.kind === "multi") {
      if (input.checked) addToList(path, [input.value]);
      continue;
    }
    const value = readInput(input);
    if (value === undefined || (path in DEFAULTS && DEFAULTS[path] === value)) continue;
    if (input.dataset.kind === "list") addToList(path, value);
    else setPath(rule, path, value);
  }
  for (const [path, values] of lists) if (values.length) setPath(rule, path, keepLoadedOrder(path, values));
  // "Counting" has a value even when no budget is set: alone it means nothing.
  if (rule.caps && rule.caps.budget && rule.caps.budget.max === undefined) delete rule.caps.budget;
  if (rule.caps && Object.keys(rule.caps).length === 0) delete rule.caps;
  rule.variants = readVariants(root);
  return ordered(rule);
}

function fillInput(input, value) {
  const kind = input.dataset.kind;
  if (kind === "bool") input.checked = value === undefined ? Boolean(DEFAULTS[input.dataset.path]) : Boolean(value);
  else if (kind === "tri") input.value = value === true ? "true" : value === false ? "false" : "";
  else if (kind === "list") input.value = Array.isArray(value) ? value.join(", ") : value == null ? "" : String(value);
  else if (input.tagName === "SELECT") input.value = value == null ? input.options[0].value : String(value);
  else input.value = value == null ? "" : typeof value === "object" ? JSON.stringify(value) : String(value);
}

/** Put a rule (plain data, possibly invalid) into the form. */
export function fillRule(root, rule) {
  const data = rule && typeof rule === "object" && !Array.isArray(rule) ? rule : {};
  loadedOrder.clear();
  // Checkbox groups (emotions) take the values they offer; the text input of the same path the rest.
  const offered = new Map();
  for (const box of root.querySelectorAll('[data-kind="multi"]')) {
    const values = getPath(data, box.dataset.path);
    box.checked = Array.isArray(values) && values.includes(box.value);
    offered.set(box.dataset.path, [...(offered.get(box.dataset.path) || []), box.value]);
  }
  for (const input of root.querySelectorAll("[data-path]")) {
    if (input.dataset.kind === "multi") continue;
    let value = getPath(data, input.dataset.path);
    if (input.dataset.kind === "list" && Array.isArray(value)) loadedOrder.set(input.dataset.path, value);
    if (offered.has(input.dataset.path) && Array.isArray(value)) {
      value = value.filter((item) => !offered.get(input.dataset.path).includes(item));
    }
    fillInput(input, value);
  }
  const list = root.querySelector("#mk-variant-list");
  clear(list);
  const variants = Array.isArray(data.variants) && data.variants.length ? data.variants : [{}];
  for (const variant of variants.slice(0, MAX_VARIANTS)) addVariant(root, variant);
}

/** Append one variant's fieldset (from the page's <template>), filled from `variant`. */
export function addVariant(root, variant = {}) {
  const list = root.querySelector("#mk-variant-list");
  const item = document.getElementById("mk-variant-template").content.firstElementChild.cloneNode(true);
  const key = `v${++uid}`;
  for (const name of VARIANT_FIELDS) {
    const input = item.querySelector(`[data-variant-field="${name}"]`);
    const label = item.querySelector(`[data-label-for="${name}"]`);
    const error = item.querySelector(`[data-variant-error="${name}"]`);
    input.id = `${key}-${name}`;
    label.htmlFor = input.id;
    error.id = `${key}-${name}-error`;
    const hint = error.previousElementSibling;
    hint.id = `${key}-${name}-hint`;
    input.setAttribute("aria-describedby", `${hint.id} ${error.id}`);
    fillInput(input, variant && typeof variant === "object" ? variant[name] : undefined);
  }
  item.querySelector(".mk-remove-variant").addEventListener("click", () => {
    item.remove();
    renumberVariants(root);
    root.dispatchEvent(new Event("input", { bubbles: true }));
  });
  list.append(item);
  renumberVariants(root);
  return item;
}

// Paths follow positions: after a removal, the second variant becomes variants[0].
function renumberVariants(root) {
  const items = [...root.querySelectorAll(".mk-variant")];
  items.forEach((item, index) => {
    item.querySelector(".mk-variant__title").textContent = `Variant ${index + 1}`;
    item.querySelector("[data-variant-error='']").dataset.errorFor = `variants[${index}]`;
    for (const name of VARIANT_FIELDS) {
      item.querySelector(`[data-variant-error="${name}"]`).dataset.errorFor = `variants[${index}].${name}`;
      item.querySelector(`[data-variant-field="${name}"]`).dataset.fieldPath = `variants[${index}].${name}`;
    }
    const remove = item.querySelector(".mk-remove-variant");
    remove.setAttribute("aria-label", `Remove variant ${index + 1}`);
    remove.disabled = items.length === 1;
  });
  const add = root.querySelector("#mk-add-variant");
  if (add) add.disabled = items.length >= MAX_VARIANTS;
}

/** The path of the field an input edits (for "touched" tracking). */
export function pathOf(input) {
  return input.dataset.path || input.dataset.fieldPath || "";
}

// "variants[1].message" -> ["variants[1].message", "variants[1]", "variants"]
function widening(path) {
  const paths = [];
  let current = path;
  while (current) {
    paths.push(current);
    const cut = Math.max(current.lastIndexOf("."), current.lastIndexOf("["));
    current = cut > 0 ? current.slice(0, cut) : "";
  }
  return paths;
}

function slotFor(root, field) {
  for (const path of widening(field)) {
    const slot = root.querySelector(`[data-error-for="${CSS.escape(path)}"]`);
    if (slot) return slot;
  }
  return null;
}

function inputOf(slot) {
  const field = slot.closest(".mk-field");
  return field ? field.querySelector("input:not([type=checkbox]), select, textarea, input") : null;
}

/**
 * Show problems ({path, field, message}) in the summary and next to their fields.
 * With `touched`, only problems of fields the marketer has already left are shown.
 * Returns the number of problems shown.
 */
export function showProblems(root, summary, problems, { touched = null, textArea = null } = {}) {
  for (const slot of root.querySelectorAll("[data-error-for]")) {
    slot.hidden = true;
    slot.textContent = "";
  }
  for (const input of root.querySelectorAll("[aria-invalid]")) input.removeAttribute("aria-invalid");
  const shown = problems.filter((p) => !touched || widening(p.field).some((path) => touched.has(path)) || touched.has("*"));
  const list = summary.querySelector("ul");
  clear(list);
  for (const problem of shown) {
    const text = `${problem.path}: ${problem.message}`;
    const slot = textArea ? null : slotFor(root, problem.field);
    const input = slot ? inputOf(slot) : textArea;
    if (slot) {
      slot.textContent = slot.textContent ? `${slot.textContent}; ${problem.message}` : problem.message;
      slot.hidden = false;
    }
    if (input) input.setAttribute("aria-invalid", "true");
    const item = el("li");
    if (input && input.id) {
      const link = el("a", { href: `#${input.id}`, text: problem.path });
      link.addEventListener("click", (event) => {
        event.preventDefault();
        input.focus();
      });
      item.append(link, `: ${problem.message}`);
    } else {
      item.textContent = text;
    }
    list.append(item);
  }
  summary.hidden = shown.length === 0;
  return shown.length;
}
