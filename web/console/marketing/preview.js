// Shows who a draft rule would reach (the answer of POST /api/marketing/preview).
"use strict";

import { el, clear } from "../api.js";

const WINDOW_TEXT = {
  always: "It has no date window.",
  active: "Its date window is open now.",
  scheduled: "Its date window has not started yet.",
  ended: "Its date window has ended: nobody sees it now.",
};

const number = (value) => Number(value).toLocaleString();

export function renderPreview(container, preview) {
  clear(container);
  container.append(el("h3", { text: `Reach of ${preview.rule}` }));
  const share = preview.profiles ? ` (${Math.round((100 * preview.reached) / preview.profiles)}%)` : "";
  container.append(
    el(
      "p",
      { class: "mk-preview__figure", "data-testid": "preview-reached" },
      `Could reach ${number(preview.reached)} of ${number(preview.profiles)} customers with a profile${share}. `,
      WINDOW_TEXT[preview.window] || "",
    ),
  );

  if (preview.segments.length) {
    const body = el("tbody");
    for (const segment of preview.segments) {
      body.append(
        el(
          "tr",
          { "data-testid": `preview-segment-${segment.id}`, class: segment.matched ? "" : "mk-muted" },
          el("td", { text: segment.id }),
          el("td", { text: segment.label }),
          el("td", { text: number(segment.size) }),
          el("td", { text: segment.matched ? "yes" : "no" }),
          el("td", { text: number(segment.reached) }),
        ),
      );
    }
    container.append(
      el(
        "table",
        { class: "mk-table" },
        el("caption", { text: "Segments" }),
        el(
          "thead",
          {},
          el(
            "tr",
            {},
            ...["Id", "Label", "Customers", "Named by the rule", "Reached"].map((name) => el("th", { scope: "col", text: name })),
          ),
        ),
        body,
      ),
    );
  } else {
    container.append(el("p", { class: "mk-muted", text: "No segmentation has run yet: there are no segments to show." }));
  }

  const counted = preview.counted.length
    ? `Counted: ${preview.counted.join(", ")}.`
    : "The rule has no condition on segment, customer value or tenure: every customer with a profile counts.";
  container.append(el("p", { text: counted }));
  if (preview.not_counted.length) {
    container.append(
      el("p", { "data-testid": "preview-not-counted", text: `Not counted (known only during a conversation): ${preview.not_counted.join(", ")}.` }),
    );
  }
  const notes = el("ul", { class: "mk-notes" });
  for (const note of preview.notes) notes.append(el("li", { text: note }));
  if (preview.unreadable_profiles) {
    notes.append(el("li", { text: `${number(preview.unreadable_profiles)} stored profiles could not be read and were left out.` }));
  }
  container.append(notes);
}
