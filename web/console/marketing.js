// Marketer console: one bundle for its two pages (esbuild -> web/build/marketing.js).
// Every value from the server is shown with textContent; state changes send X-CSRF-Token (see api.js).
"use strict";

import { initRulesPage } from "./marketing/rules_page.js";
import { initDashboard } from "./marketing/dashboard.js";

function start() {
  if (document.getElementById("marketing-rules")) initRulesPage();
  if (document.getElementById("marketing-dashboard")) initDashboard();
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
else start();
