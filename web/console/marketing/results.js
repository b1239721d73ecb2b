// The dashboard's Results section: per offer rule, what the bandit has learnt so far
// (acceptance with its 95% credible interval, probability best, the bandit's allocation),
// the uplift in purchases against the control group, and the recommendation in words;
// a chart per rule with the whole table as its fallback, and the uplift's own table.
// The figures are computed on the server (web/marketing/offer_results.py); this only draws them.
"use strict";

import { Chart } from "chart.js";
import { el, clear } from "../api.js";

const charts = [];
const percent = (rate) => (rate === null || rate === undefined ? "–" : `${(rate * 100).toFixed(1)}%`);
const number = (value) => Number(value).toLocaleString();
// An estimated probability never reads as certain (as the server's words: results_wording.percent).
// A probability of being best among several variants is an estimate: never shown as 0 or 100%.
const chance = (p, several = true) => (!several ? percent(p) : p >= 0.9995 ? ">99.9%" : p <= 0.0005 ? "<0.1%" : percent(p));
const interval = (v) => `${percent(v.interval_low)} – ${percent(v.interval_high)}`;

function recommendations(rule) {
  const list = el("ul", { class: "mk-results__advice", "aria-label": `Recommendations for ${rule.name}` });
  for (const scope of [rule.overall, ...rule.segments]) {
    list.append(
      el("li", { "data-testid": "results-recommendation", dataset: { verdict: scope.recommendation.verdict }, text: scope.recommendation.text }),
    );
  }
  return list;
}

function chartOf(rule) {
  const variants = rule.overall.variants;
  const canvas = el("canvas", { role: "img" });
  const described = variants
    .map((v) => `${v.variant}: ${percent(v.acceptance_rate)} accepted of ${v.exposures} exposures, 95% interval ${interval(v)}, ${chance(v.probability_best, variants.length > 1)} probability best`)
    .join("; ");
  canvas.setAttribute("aria-label", `Bar chart of the 95% credible interval of each variant's acceptance, all customers. ${described || "No variants."}`);
  const figure = el("figure", {}, el("div", { class: "mk-chart__canvas mk-results__canvas" }, canvas), el("figcaption", { text: "Acceptance, all customers: each variant's 95% credible interval" }));
  charts.push(
    new Chart(canvas, {
      type: "bar",
      data: {
        labels: variants.map((v) => v.variant),
        datasets: [
          { label: "95% credible interval (%)", data: variants.map((v) => [v.interval_low * 100, v.interval_high * 100]), backgroundColor: "#56B4E9" },
        ],
      },
      options: {
        indexAxis: "y",
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        plugins: { legend: { position: "bottom" } },
        scales: { x: { beginAtZero: true, title: { display: true, text: "% accepted" } } },
      },
    }),
  );
  return figure;
}

function tableOf(rule) {
  const head = ["Customers", "Variant", "Exposures", "Acceptances", "Acceptance rate", "95% credible interval", "Probability best", "Bandit allocation now"];
  const body = el("tbody");
  for (const scope of [rule.overall, ...rule.segments]) {
    scope.variants.forEach((v, i) => {
      body.append(
        el(
          "tr",
          { "data-testid": "results-row" },
          el("th", { scope: "row", text: i === 0 ? scope.label : "" }),
          ...[v.variant, number(v.exposures), number(v.accepts), percent(v.acceptance_rate), interval(v), chance(v.probability_best, scope.variants.length > 1), chance(v.allocation, rule.allocation === "thompson" && scope.variants.length > 1)].map((text) => el("td", { text })),
        ),
      );
    });
  }
  const table = el(
    "table",
    { class: "mk-table", "data-testid": "results-table" },
    el("caption", { text: `${rule.name}: each variant, all customers then each segment` }),
    el("thead", {}, el("tr", {}, ...head.map((text) => el("th", { scope: "col", text })))),
    body,
  );
  return el("details", { class: "mk-data" }, el("summary", { text: "Show the data as a table" }), el("div", { class: "mk-scroll" }, table));
}

const points = (value) => (value === null || value === undefined ? "–" : `${value >= 0 ? "+" : ""}${(value * 100).toFixed(1)}`);

// Purchases within the window after the first exposure or control hold, per scope and group.
function upliftOf(rule, minimum) {
  const uplift = rule.uplift;
  const said = el("p", { class: "mk-hint", "data-testid": "results-uplift", dataset: { verdict: uplift.overall ? uplift.overall.verdict : "unavailable" }, text: uplift.text || uplift.reason });
  if (!uplift.overall) return [said];
  const scopes = [uplift.overall, ...uplift.segments];
  const lines = el("ul", { class: "mk-results__advice", "aria-label": `Uplift by segment for ${rule.name}` });
  // Segments with enough customers get their own sentence; the rest share one line with their counts.
  const early = uplift.segments.filter((scope) => scope.verdict === "too_few");
  for (const scope of uplift.segments.filter((scope) => scope.verdict !== "too_few")) {
    lines.append(el("li", { "data-testid": "results-uplift-segment", dataset: { verdict: scope.verdict }, text: scope.text }));
  }
  if (early.length) {
    const counts = early.map((scope) => `“${scope.label}” (${number(scope.exposed.customers)} shown the offer, ${number(scope.control.customers)} in the control group)`).join(", ");
    lines.append(el("li", { "data-testid": "results-uplift-segment", dataset: { verdict: "too_few" }, text: `Not enough customers yet for uplift in the segments ${counts}: at least ${number(minimum)} of each are needed.` }));
  }
  const head = ["Customers", "Group", "Customers counted", `Bought within ${uplift.window_days} days`, "Conversion", "95% credible interval", "Uplift vs control (points)", "95% interval of the uplift", "Probability the offer helps"];
  const body = el("tbody");
  for (const scope of scopes) {
    const against = Object.fromEntries(scope.comparisons.map((c) => [c.arm, c]));
    [scope.control, scope.exposed, ...(scope.variants.length > 1 ? scope.variants : [])].forEach((arm, i) => {
      const c = arm.arm === "control" ? null : against[arm.arm];
      const group = arm.arm === "all" ? "all variants" : arm.arm === "control" ? "control group" : arm.arm;
      const figures = !c ? ["", "", ""] : c.enough ? [points(c.difference), `${points(c.interval_low)} to ${points(c.interval_high)}`, chance(c.probability_positive)] : ["too few customers", "", ""];
      body.append(
        el(
          "tr",
          { "data-testid": "results-uplift-row" },
          el("th", { scope: "row", text: i === 0 ? scope.label : "" }),
          ...[group, number(arm.customers), number(arm.converted), percent(arm.rate), `${percent(arm.interval_low)} – ${percent(arm.interval_high)}`, ...figures].map((text) => el("td", { text })),
        ),
      );
    });
  }
  const table = el(
    "table",
    { class: "mk-table", "data-testid": "results-uplift-table" },
    el("caption", { text: `${rule.name}: signed-in customers who bought within ${uplift.window_days} days of their first offer or control hold` }),
    el("thead", {}, el("tr", {}, ...head.map((text) => el("th", { scope: "col", text })))),
    body,
  );
  const note = el("p", { class: "mk-muted", text: `${number(uplift.pending)} customers are still within their ${uplift.window_days} days and not counted yet; ${number(uplift.anonymous)} offers to visitors who were not signed in cannot be linked to purchases.` });
  const details = el("details", { class: "mk-data" }, el("summary", { text: "Show the purchases after the offer as a table" }), note, el("div", { class: "mk-scroll" }, table));
  return uplift.segments.length ? [said, lines, details] : [said, details];
}

function ruleCard(rule, minimum) {
  const title = `${rule.name} (${rule.rule})${rule.enabled ? "" : " · paused"}`;
  const how = rule.allocation === "weighted" ? "fixed weighted split: the allocation is the variants' weights" : "Thompson sampling: the allocation is each variant's probability of being best";
  return el(
    "article",
    { class: "mk-results__rule", "data-testid": `results-rule-${rule.rule}` },
    el("h3", { text: title }),
    recommendations(rule),
    el("p", { class: "mk-hint", text: `${number(rule.overall.exposures)} exposures, ${number(rule.overall.accepts)} acceptances; ${how}.` }),
    ...upliftOf(rule, minimum),
    chartOf(rule),
    tableOf(rule),
  );
}

export function renderResults(data) {
  while (charts.length) charts.pop().destroy();
  const holder = document.getElementById("mk-results");
  clear(holder);
  document.getElementById("mk-results-thresholds").textContent =
    `A winner is named when its probability of being best reaches ${Math.round(data.win_probability * 100)}% ` +
    `and every variant has at least ${number(data.min_exposures)} exposures. Each variant's acceptance has a ` +
    `Beta posterior (uniform prior); the probability of being best is exact for two variants and estimated ` +
    `from ${number(data.draws)} draws for more. Uplift compares purchases: how often signed-in customers ` +
    `bought within ${data.attribution_days} days of first seeing the offer against those held out in the ` +
    `control group (each customer once per rule, in the group they first fell in; visitors who did not sign ` +
    `in cannot be linked to purchases), with at least ${number(data.min_customers)} customers in each group.`;
  if (!data.rules.length) {
    holder.append(el("p", { class: "mk-muted", text: "No offer rules yet." }));
    return;
  }
  // A rule never shown has nothing to chart: one line names them all.
  const shown = data.rules.filter((rule) => rule.overall.exposures > 0);
  const unseen = data.rules.filter((rule) => rule.overall.exposures === 0);
  for (const rule of shown) holder.append(ruleCard(rule, data.min_customers));
  if (unseen.length) {
    holder.append(
      el("p", { class: "mk-muted", "data-testid": "results-unseen", text: `No exposures yet: ${unseen.map((rule) => `${rule.name} (${rule.rule})${rule.enabled ? "" : ", paused"}`).join("; ")}.` }),
    );
  }
}
