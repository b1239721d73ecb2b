// Bot text is markdown; it becomes DOM through two independent guards:
// 1. marked renders with raw HTML escaped, so "<script>" or "<img onerror>"
//    in a message is shown as text, never parsed as markup;
// 2. DOMPurify then keeps only a small allowlist of tags, with links limited
//    to http(s) (javascript:, data: and relative hrefs are dropped).
// Links open in a new tab without access to this page (noopener noreferrer).
import { Marked } from "marked";
import DOMPurify from "dompurify";

const ALLOWED_TAGS = [
  "p", "br", "strong", "em", "b", "i", "del", "s", "code", "pre",
  "ul", "ol", "li", "blockquote", "a",
];
const PURIFY = {
  ALLOWED_TAGS,
  ALLOWED_ATTR: ["href", "title"],
  ALLOWED_URI_REGEXP: /^https?:\/\//i,
  ALLOW_DATA_ATTR: false,
  ALLOW_ARIA_ATTR: false,
  RETURN_DOM_FRAGMENT: true,
};

const ESCAPES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

export function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

/** The URL if it is absolute http(s), else null. */
export function safeHttpUrl(value) {
  try {
    const url = new URL(String(value));
    return url.protocol === "https:" || url.protocol === "http:" ? url.href : null;
  } catch (_err) {
    return null;
  }
}

let parser = null;

function markdown() {
  if (!parser) {
    parser = new Marked({
      gfm: true,
      breaks: true,
      async: false,
      renderer: {
        // Raw HTML in a message (block or inline) is shown literally.
        html: ({ text }) => escapeHtml(text),
        // Pictures come as attachments; inline ones show their alt text.
        image: ({ text }) => escapeHtml(text),
      },
    });
  }
  return parser;
}

/**
 * Render message markdown to a sanitized fragment.
 * @param {string} text markdown from the bot or an agent
 * @returns {DocumentFragment}
 */
export function renderMarkdown(text) {
  const html = markdown().parse(String(text));
  const fragment = DOMPurify.sanitize(html, PURIFY);
  for (const a of Array.from(fragment.querySelectorAll("a"))) {
    const href = safeHttpUrl(a.getAttribute("href"));
    if (!href) {
      // A link whose target was dropped is just its words.
      a.replaceWith(document.createTextNode(a.textContent));
      continue;
    }
    a.setAttribute("href", href);
    a.setAttribute("target", "_blank");
    a.setAttribute("rel", "noopener noreferrer");
  }
  return fragment;
}
