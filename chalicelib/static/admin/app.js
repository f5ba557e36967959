/* Tasklane back office: plain JavaScript, no build step, no inline script (the page's CSP forbids it).
 *
 * Sign-in: GET /config names the user pool; the Cognito InitiateAuth API (USER_PASSWORD_AUTH)
 * returns an ID token. The token lives in this closure only: never in storage, cookies or URLs,
 * so reloading the page signs out. Everything else is the public API under /admin.
 */
(function () {
  "use strict";

  const session = { token: null, email: null, config: null };
  const $ = (selector, root) => (root || document).querySelector(selector);

  /* The page lives at <API>/admin/ (the local server, API Gateway's stage path, or CloudFront in
   * front of both), so the API is one level up from it: paths below are relative to that. */
  const API_BASE = new URL("../", window.location.href);
  const apiUrl = (path) => new URL(path.replace(/^\/+/, ""), API_BASE).href;

  // --- small helpers -----------------------------------------------------------------------

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (name === "text") node.textContent = String(value);
      else if (name === "on") for (const [type, fn] of Object.entries(value)) node.addEventListener(type, fn);
      else node.setAttribute(name, value === true ? "" : String(value));
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function money(value) {
    if (!value || typeof value.amount !== "number") return "–";
    const minor = Math.abs(value.amount);
    const major = String(Math.trunc(minor / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    const cents = String(minor % 100).padStart(2, "0");
    return `${value.amount < 0 ? "-" : ""}${major}.${cents} ${value.currency || ""}`.trim();
  }

  function majorText(amount) {
    const minor = Math.abs(amount);
    return `${amount < 0 ? "-" : ""}${Math.trunc(minor / 100)}.${String(minor % 100).padStart(2, "0")}`;
  }

  /* "1,000.50" -> 100050 minor units, without floating point; null when it is not an amount. */
  function toMinor(text) {
    const match = /^(\d{1,12})(?:\.(\d{1,2}))?$/.exec(String(text).replace(/[\s,']/g, ""));
    if (!match) return null;
    return Number(match[1]) * 100 + Number((match[2] || "").padEnd(2, "0") || "0");
  }

  function bps(value) {
    if (value === null || value === undefined) return "–";
    return `${(value / 100).toFixed(2)} %`;
  }

  function when(iso) {
    if (!iso) return "–";
    const date = new Date(iso);
    return Number.isNaN(date.getTime()) ? String(iso) : date.toISOString().replace("T", " ").slice(0, 16) + " UTC";
  }

  function newKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  function details(pairs) {
    const list = el("dl", { class: "facts" });
    for (const [term, value] of pairs) {
      if (value === null || value === undefined || value === "" || (Array.isArray(value) && !value.length)) continue;
      list.append(el("dt", { text: term }), el("dd", {}, value));
    }
    return list;
  }

  // --- errors in words --------------------------------------------------------------------

  class ApiError extends Error {
    constructor(status, problem, path) {
      super(describe(status, problem, path));
      this.status = status;
      this.problem = problem;
    }
  }

  function describe(status, problem, path) {
    if (problem && typeof problem === "object" && problem.title) {
      const fields = (problem.errors || [])
        .map((e) => (e.field ? `${e.field}: ${e.message}` : e.message))
        .filter(Boolean);
      const detail = problem.detail ? `: ${problem.detail}` : "";
      return `${problem.title} (${status})${detail}${fields.length ? ` (${fields.join("; ")})` : ""}`;
    }
    if (problem && typeof problem === "object" && (problem.message || problem.Message)) {
      return `${problem.message || problem.Message} (${status}${path ? `, ${path}` : ""})`;
    }
    if (status === 0) return "The API did not answer. Check your connection and try again.";
    return `The API answered ${status}${path ? ` for ${path}` : ""} without an explanation.`;
  }

  async function api(method, path, body, headers) {
    if (!session.token) throw new ApiError(401, { title: "Not signed in", detail: "sign in first" });
    const init = {
      method,
      headers: Object.assign({ Authorization: `Bearer ${session.token}` }, headers || {}),
      credentials: "omit",
      cache: "no-store",
      referrerPolicy: "no-referrer",
    };
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    let response;
    try {
      response = await fetch(apiUrl(path), init);
    } catch (error) {
      throw new ApiError(0, null, path);
    }
    const type = response.headers.get("Content-Type") || "";
    const data = type.includes("json") ? await response.json().catch(() => null) : null;
    if (response.status === 401 && session.token) {
      signOut("Your session has ended. Sign in again.");
    }
    if (!response.ok) throw new ApiError(response.status, data, path);
    return data;
  }

  // --- sign-in ----------------------------------------------------------------------------

  async function config() {
    if (!session.config) {
      const response = await fetch(apiUrl("/config"), { cache: "no-store", credentials: "omit" });
      if (!response.ok) throw new Error(`GET /config answered ${response.status}`);
      session.config = await response.json();
    }
    return session.config;
  }

  function cognitoUrl(cfg) {
    return cfg.cognitoEndpoint
      ? `${cfg.cognitoEndpoint.replace(/\/+$/, "")}/`
      : `https://cognito-idp.${cfg.region}.amazonaws.com/`;
  }

  async function initiateAuth(email, password) {
    const cfg = await config();
    let response;
    try {
      response = await fetch(cognitoUrl(cfg), {
        method: "POST",
        headers: {
          "Content-Type": "application/x-amz-json-1.1",
          "X-Amz-Target": "AWSCognitoIdentityProviderService.InitiateAuth",
        },
        body: JSON.stringify({
          AuthFlow: "USER_PASSWORD_AUTH",
          ClientId: cfg.userPoolClientId,
          AuthParameters: { USERNAME: email, PASSWORD: password },
        }),
        credentials: "omit",
        cache: "no-store",
        referrerPolicy: "no-referrer",
      });
    } catch (error) {
      throw new Error("The sign-in service did not answer.");
    }
    const data = await response.json().catch(() => ({}));
    if (!response.ok) {
      throw new Error(data.message || data.Message || `Sign-in failed (${response.status}).`);
    }
    if (data.ChallengeName) {
      throw new Error(`This account must first complete "${data.ChallengeName}" before it can sign in here.`);
    }
    if (!data.AuthenticationResult || !data.AuthenticationResult.IdToken) {
      throw new Error("The sign-in service returned no ID token.");
    }
    return data.AuthenticationResult.IdToken;
  }

  async function onSignIn(event) {
    event.preventDefault();
    const message = $("#sign-in-message");
    const button = $("#sign-in-button");
    const email = $("#email").value.trim();
    const password = $("#password").value;
    message.textContent = "";
    if (!email || !password) {
      message.textContent = "Enter your email and password.";
      return;
    }
    button.disabled = true;
    try {
      session.token = await initiateAuth(email, password);
      session.email = email;
      $("#password").value = "";
      let settings;
      try {
        settings = await api("GET", "/admin/settings");
      } catch (error) {
        if (error.status === 403) {
          session.token = null;
          session.email = null;
          message.textContent = "This account is not an admin. The back office shows nothing to it.";
          return;
        }
        throw error;
      }
      openOffice(settings);
    } catch (error) {
      session.token = null;
      message.textContent = error.message;
    } finally {
      button.disabled = false;
    }
  }

  function openOffice(settings) {
    $("#sign-in").hidden = true;
    $("#office").hidden = false;
    $("#session").hidden = false;
    $("#who").textContent = `Signed in as ${session.email}`;
    renderSettings(settings);
    for (const name of Object.keys(QUEUES)) loadQueue(name);
    loadTaxonomy();
    initFigures();
    $("#main").focus();
  }

  function signOut(message) {
    session.token = null;
    session.email = null;
    $("#office").hidden = true;
    $("#session").hidden = true;
    $("#sign-in").hidden = false;
    for (const list of document.querySelectorAll("#office .items")) list.replaceChildren();
    for (const node of document.querySelectorAll("#office .status, #office .alert")) node.textContent = "";
    $("#overrides").replaceChildren();
    $("#taxonomy-categories tbody").replaceChildren();
    $("#taxonomy-skills").replaceChildren();
    $("#taxonomy-languages").replaceChildren();
    $("#taxonomy-json").value = "";
    $("#totals").replaceChildren();
    $("#daily-table thead").replaceChildren();
    $("#daily-table tbody").replaceChildren();
    for (const chart of charts.splice(0)) chart.destroy();
    const dialog = $("#confirm");
    if (dialog.open) dialog.close();
    $("#sign-in-message").textContent = message || "";
    $("#email").focus();
  }

  // --- the confirmation dialog ------------------------------------------------------------

  let pending = null;

  /* fields: [{name, label, type: "text" | "textarea" | "money", required, value, hint}] */
  function confirmAction(options) {
    const dialog = $("#confirm");
    $("#confirm-title").textContent = options.title;
    $("#confirm-text").textContent = options.text || "";
    $("#confirm-error").textContent = "";
    const box = $("#confirm-fields");
    box.replaceChildren();
    for (const field of options.fields || []) {
      const id = `field-${field.name}`;
      const input =
        field.type === "textarea"
          ? el("textarea", { id, name: field.name, rows: 3, maxlength: 1000, required: !!field.required })
          : el("input", {
              id,
              name: field.name,
              type: "text",
              inputmode: field.type === "money" ? "decimal" : null,
              required: !!field.required,
              autocomplete: "off",
            });
      input.value = field.value === undefined ? "" : String(field.value);
      box.append(
        el("div", { class: "field" },
          el("label", { for: id, text: field.label + (field.required ? "" : " (optional)") }),
          input,
          field.hint ? el("span", { class: "hint", text: field.hint }) : null),
      );
    }
    const ok = $("#confirm-ok");
    ok.textContent = options.button;
    ok.disabled = false;
    pending = options;
    dialog.showModal();
    const first = box.querySelector("input, textarea");
    (first || ok).focus();
  }

  async function onConfirm(event) {
    event.preventDefault();
    if (!pending) return;
    const options = pending;
    const values = {};
    const missing = [];
    for (const field of options.fields || []) {
      const value = $(`#field-${field.name}`).value.trim();
      if (field.required && !value) missing.push(field.label);
      values[field.name] = value;
    }
    const error = $("#confirm-error");
    if (missing.length) {
      error.textContent = `Fill in: ${missing.join(", ")}.`;
      return;
    }
    const ok = $("#confirm-ok");
    ok.disabled = true;
    error.textContent = "";
    try {
      const result = await options.run(values);
      pending = null;
      $("#confirm").close();
      if (options.done) options.done(result);
    } catch (problem) {
      error.textContent = problem.message;
      ok.disabled = false;
    }
  }

  function closeDialog() {
    pending = null;
    $("#confirm").close();
  }

  /* An action button on a queue item: confirm, call the API, report, refresh the queue. */
  function action(section, label, options) {
    return el("button", {
      type: "button",
      class: label === "Reject" || label === "Confirm" || label === "Suspend" || label === "Terminate" || label === "Decline" ? "danger" : null,
      text: label,
      on: {
        click: () =>
          confirmAction({
            title: options.title,
            text: options.text,
            fields: options.fields,
            button: label,
            run: options.run,
            done: (result) => {
              setStatus(section, options.done ? options.done(result) : `${label}: done.`);
              reload(section);
            },
          }),
      },
    });
  }

  function setStatus(section, text) {
    $(`#${section} .status`).textContent = text || "";
  }

  function setAlert(section, text) {
    $(`#${section} .alert`).textContent = text || "";
  }

  function reload(section) {
    if (section === "users") searchUsers(null);
    else if (section === "settings") loadSettings();
    else if (section === "taxonomy") loadTaxonomy();
    else loadQueue(section);
  }

  // --- queues -----------------------------------------------------------------------------

  const cursors = {};

  function article(title, ...body) {
    const id = `item-${Math.random().toString(36).slice(2)}`;
    return el("li", {}, el("article", { "aria-labelledby": id }, el("h3", { id, text: title }), ...body));
  }

  function buttons(...list) {
    return el("div", { class: "row-actions" }, ...list);
  }

  /* Links only ever point to http(s) (presigned S3 URLs), never to script. */
  function safeUrl(url) {
    try {
      const parsed = new URL(url, window.location.href);
      return parsed.protocol === "https:" || parsed.protocol === "http:" ? parsed.href : null;
    } catch (error) {
      return null;
    }
  }

  function link(url, text) {
    const href = safeUrl(url);
    return href ? el("a", { href, target: "_blank", rel: "noopener noreferrer" }, text) : el("span", { text });
  }

  function documentLinks(documents) {
    return (documents || []).map((d) => link(d.url, d.filename || d.uploadId));
  }

  function verificationItem(p) {
    return article(
      `${p.displayName} (${p.role})`,
      details([
        ["Email", p.email],
        ["Kind", p.kind],
        ["Legal name", p.legalName],
        ["Submitted", when(p.submittedAt)],
        ["Documents", documentLinks(p.documents)],
      ]),
      buttons(
        action("verifications", "Approve", {
          title: `Approve the verification of ${p.displayName}?`,
          text: "The account becomes verified: customers may award contracts, providers may bid.",
          fields: [{ name: "note", label: "Note", type: "textarea" }],
          run: (v) => api("POST", `/admin/verifications/${encodeURIComponent(p.id)}/approve`, v.note ? { note: v.note } : {}),
          done: (r) => `Approved ${r.displayName}: ${r.verification}.`,
        }),
        action("verifications", "Reject", {
          title: `Reject the verification of ${p.displayName}?`,
          text: "The user sees the reason and may submit documents again.",
          fields: [{ name: "reason", label: "Reason", type: "textarea", required: true }],
          run: (v) => api("POST", `/admin/verifications/${encodeURIComponent(p.id)}/reject`, { reason: v.reason }),
          done: (r) => `Rejected ${r.displayName}: ${r.verification}.`,
        }),
      ),
    );
  }

  function taskItem(t) {
    return article(
      t.title,
      details([
        ["Category", t.category],
        ["Budget", money(t.budget)],
        ["Skills", (t.skills || []).join(", ")],
        ["Mode", `${t.mode}, ${t.visibility}`],
        ["Dates", t.startDate || t.dueDate ? `${t.startDate || "?"} to ${t.dueDate || "?"}` : null],
        ["Customer", t.customerId],
        ["Attachments", (t.attachments || []).length ? `${t.attachments.length} file(s)` : null],
        ["Earlier note", t.reviewNote],
        ["Submitted", when(t.updatedAt)],
      ]),
      el("p", { class: "description", text: t.description }),
      buttons(
        action("tasks", "Approve", {
          title: `Publish "${t.title}"?`,
          text: t.visibility === "public" ? "The task opens for bids and appears in public browsing." : "The task opens for its invitees.",
          fields: [{ name: "note", label: "Note", type: "textarea" }],
          run: (v) => api("POST", `/admin/tasks/${encodeURIComponent(t.id)}/approve`, v.note ? { note: v.note } : {}),
          done: (r) => `Approved "${r.title}": ${r.status}.`,
        }),
        action("tasks", "Request changes", {
          title: `Request changes to "${t.title}"?`,
          text: "The customer sees your note, edits the task and submits it again.",
          fields: [{ name: "note", label: "Note", type: "textarea", required: true }],
          run: (v) => api("POST", `/admin/tasks/${encodeURIComponent(t.id)}/request-changes`, { note: v.note }),
          done: (r) => `Changes requested on "${r.title}": ${r.status}.`,
        }),
      ),
    );
  }

  /* A button that fetches a short-lived link for a milestone's file ("deliverables" or "evidence"). */
  function fileButton(d, file, kind) {
    const holder = el("span", { class: "file" });
    holder.append(
      el("button", {
        type: "button",
        class: "link",
        text: `Get a link to ${file.filename}`,
        on: {
          click: async () => {
            try {
              const found = await api(
                "GET",
                `/contracts/${encodeURIComponent(d.contractId)}/milestones/${encodeURIComponent(d.id)}/${kind}/${encodeURIComponent(file.uploadId)}`,
              );
              holder.replaceChildren(link(found.url, file.filename));
            } catch (error) {
              holder.replaceChildren(el("span", { class: "alert", text: error.message }));
            }
          },
        },
      }),
    );
    return holder;
  }

  function submissionFiles(d) {
    const files = [];
    for (const submission of d.submissions || []) {
      for (const file of submission.files || []) files.push(fileButton(d, file, "deliverables"));
    }
    return files;
  }

  /* One side's evidence: each note (or "with the dispute") with its time and a link button per file. */
  function evidenceList(d, side, who) {
    const entries = (side && side.evidence) || [];
    if (!entries.length) return null;
    return el(
      "ul",
      { class: "plain", "aria-label": `${who}'s evidence` },
      entries.map((e) =>
        el("li", {}, `${e.note || "With the dispute"} (${when(e.at)})`, (e.files || []).flatMap((f) => [" ", fileButton(d, f, "evidence")])),
      ),
    );
  }

  const DISPUTE_KINDS = { non_delivery: "Not delivered", quality: "Quality of the delivered work", card: "Card dispute" };

  function sideText(side) {
    if (!side) return null;
    return `${side.reason || "(no reason given)"}${side.at ? ` (${when(side.at)})` : ""}`;
  }

  function disputeItem(d) {
    const dispute = d.dispute || {};
    const escrowed = d.escrowed || d.amount;
    const currency = (escrowed && escrowed.currency) || "EUR";
    const customerSide = d.customerSide || (dispute.openedBy === "customer" ? dispute : null);
    const providerSide = d.providerSide || (dispute.openedBy === "provider" ? dispute : null);
    return article(
      `${d.contractTitle || (d.contract && d.contract.title) || "Contract"}: ${d.title}`,
      details([
        ["Contract", d.contractId],
        ["Escrowed", money(escrowed)],
        ["Kind", DISPUTE_KINDS[d.kind] || d.kind],
        ["Opened by", dispute.openedBy ? `${dispute.openedBy} on ${when(dispute.at)}` : null],
        ["Customer says", sideText(customerSide && customerSide.reason ? customerSide : null)],
        ["Customer's evidence", evidenceList(d, customerSide, "Customer")],
        ["Provider says", sideText(providerSide && providerSide.reason ? providerSide : null)],
        ["Provider's evidence", evidenceList(d, providerSide, "Provider")],
        ["Submitted files", submissionFiles(d)],
      ]),
      buttons(
        action("disputes", "Resolve", {
          title: `Resolve the dispute on "${d.title}"?`,
          text: `Split the escrowed ${money(escrowed)}: the release goes to the provider less commission, the refund back to the customer's wallet. The two must add up to the escrow.`,
          fields: [
            { name: "release", label: `Release to the provider (${currency})`, type: "money", required: true, value: majorText(escrowed.amount) },
            { name: "refund", label: `Refund to the customer (${currency})`, type: "money", required: true, value: "0.00" },
            { name: "note", label: "Note", type: "textarea" },
          ],
          run: (v) => {
            const release = toMinor(v.release);
            const refund = toMinor(v.refund);
            if (release === null || refund === null) {
              throw new Error("Amounts are numbers with at most two decimals, like 1000.00.");
            }
            const body = {
              releaseAmount: { amount: release, currency },
              refundAmount: { amount: refund, currency },
            };
            if (v.note) body.note = v.note;
            return api(
              "POST",
              `/admin/disputes/${encodeURIComponent(d.contractId)}/${encodeURIComponent(d.id)}/resolve`,
              body,
              { "Idempotency-Key": newKey() },
            );
          },
          done: (r) => `Resolved "${r.title}": ${r.status}.`,
        }),
      ),
    );
  }

  function terminationItem(t) {
    return article(
      t.title || "Contract",
      details([
        ["Contract", t.contractId],
        ["Proposed by", `${t.proposedBy} (${t.proposerId}) on ${when(t.at)}`],
        ["Reason", t.reason],
        ["Contract status", t.status],
        ["Escrow held", t.escrowHeld ? money(t.escrowHeld) : null],
        ["Customer", t.customerId],
        ["Provider", t.providerId],
      ]),
      buttons(
        action("terminations", "Terminate", {
          title: `Terminate "${t.title}" now?`,
          text: "Unfunded milestones are cancelled and funded, undelivered escrow goes back to the customer's wallet; released money stays. Work under review or in dispute must be decided first.",
          fields: [{ name: "reason", label: "Reason", type: "textarea", required: true }],
          run: (v) => api("POST", `/contracts/${encodeURIComponent(t.contractId)}/terminate`, { reason: v.reason }),
          done: (r) => `Terminated "${r.title}": ${r.status}, escrow held now ${money(r.escrow.held)}.`,
        }),
      ),
    );
  }

  /* Hub mode: a submission waits for an admin to forward it (to QC or the customer) or return it. */
  function submissionItem(m) {
    const path = `/contracts/${encodeURIComponent(m.contractId)}/milestones/${encodeURIComponent(m.id)}`;
    const last = (m.submissions || [])[(m.submissions || []).length - 1] || {};
    return article(
      m.title,
      details([
        ["Contract", m.contractId],
        ["Amount", money(m.amount)],
        ["Submitted", when(last.at)],
        ["Note", last.note],
        ["Earlier returns", (m.revisions || []).filter((r) => r.by === "hub").map((r) => r.reason).join("; ") || null],
        ["Submitted files", submissionFiles(m)],
      ]),
      buttons(
        action("submissions", "Forward", {
          title: `Forward "${m.title}"?`,
          text: "The work goes on to the QC reviewer if the contract has one, otherwise to the company, whose review window starts now.",
          fields: [],
          run: () => api("POST", `${path}/forward`, {}),
          done: (r) => `Forwarded "${r.title}": ${r.status}.`,
        }),
        action("submissions", "Return", {
          title: `Return "${m.title}" to the expert?`,
          text: "The expert sees your reason and submits again; the company is not told.",
          fields: [{ name: "reason", label: "Reason", type: "textarea", required: true }],
          run: (v) => api("POST", `${path}/return`, { reason: v.reason }),
          done: (r) => `Returned "${r.title}": ${r.status}.`,
        }),
      ),
    );
  }

  /* A contract whose customer asked for quality control: find providers by name, assign one. */
  function qcItem(c) {
    const found = el("ul", { class: "plain", "aria-label": "Reviewer candidates" });
    const note = el("p", { class: "hint", "aria-live": "polite" });
    const id = `qc-q-${Math.random().toString(36).slice(2)}`;
    const query = el("input", { id, type: "search", autocomplete: "off", minlength: 2 });
    const form = el("form", { class: "inline-form" },
      el("label", { for: id, text: "Reviewer name or email" }), query,
      el("button", { type: "submit", text: "Find reviewers" }));
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      found.replaceChildren();
      note.textContent = "";
      try {
        const q = encodeURIComponent(query.value.trim());
        const page = await api("GET", `/admin/contracts/${encodeURIComponent(c.contractId)}/reviewer-candidates?q=${q}&limit=20`);
        note.textContent = page.items.length ? `${page.items.length} candidate(s), best match first.` : "No verified provider who is not a party matches.";
        for (const p of page.items) {
          found.append(el("li", {},
            `${p.displayName} (score ${p.score}; ${(p.reasons || []).join(", ")}) `,
            action("qc", "Assign", {
              title: `Assign ${p.displayName} as reviewer of "${c.title}"?`,
              text: "The reviewer joins the contract thread and checks each submission before the customer sees it.",
              fields: [],
              run: () => api("POST", `/admin/contracts/${encodeURIComponent(c.contractId)}/reviewer`, { providerId: p.providerId }),
              done: (r) => `Assigned ${p.displayName} to "${r.title}".`,
            })));
        }
      } catch (error) {
        note.textContent = error.message;
      }
    });
    return article(
      c.title || "Contract",
      details([
        ["Contract", c.contractId],
        ["Category", c.category],
        ["Waiting since", when(c.since)],
      ]),
      form, note, found,
    );
  }

  /* A QC review past the reviewer's time: the admin decides in the reviewer's place (or assigns another). */
  function overdueItem(m) {
    const path = `/contracts/${encodeURIComponent(m.contractId)}/milestones/${encodeURIComponent(m.id)}`;
    return article(
      m.title,
      details([
        ["Contract", m.contractId],
        ["Amount", money(m.amount)],
        ["Submitted files", submissionFiles(m)],
      ]),
      buttons(
        action("qc-overdue", "Approve", {
          title: `Approve "${m.title}" in the reviewer's place?`,
          text: "The work goes to the customer, whose review window starts now. No reviewer's fee is paid.",
          fields: [],
          run: () => api("POST", `${path}/qc-approve`, {}, { "Idempotency-Key": newKey() }),
          done: (r) => `Approved "${r.title}": ${r.status}.`,
        }),
        action("qc-overdue", "Reject", {
          title: `Send "${m.title}" back to the provider?`,
          text: "The provider sees your reason and submits again.",
          fields: [{ name: "reason", label: "Reason", type: "textarea", required: true }],
          run: (v) => api("POST", `${path}/qc-reject`, { reason: v.reason }, { "Idempotency-Key": newKey() }),
          done: (r) => `Rejected "${r.title}": ${r.status}.`,
        }),
      ),
    );
  }

  function moneyRows(rows) {
    if (!rows || !rows.length) return "none";
    return el("ul", { class: "plain" }, rows.map((r) =>
      el("li", { text: `${money(r.amount)}, ${r.kind} on ${when(r.at)}${r.contractId ? ` (contract ${r.contractId})` : ""}` }),
    ));
  }

  function withdrawalItem(w) {
    const who = w.displayName || w.email || w.profileId;
    return article(
      `${money(w.amount)} for ${who}`,
      details([
        ["Requested", when(w.requestedAt)],
        ["Email", w.email],
        ["Profile id", w.profileId],
        ["Recent deposits", moneyRows(w.recentDeposits)],
        ["Incoming payments", moneyRows(w.recentIncoming)],
      ]),
      buttons(
        action("withdrawals", "Approve", {
          title: `Approve the withdrawal of ${money(w.amount)}?`,
          text: "Check it against the deposits and incoming payments beside it. Approval starts the payout.",
          fields: [],
          run: () => api("POST", `/admin/withdrawals/${encodeURIComponent(w.id)}/approve`, {}, { "Idempotency-Key": newKey() }),
          done: (r) => `Approved the withdrawal of ${money(r.amount || w.amount)}: ${r.status}.`,
        }),
        action("withdrawals", "Reject", {
          title: `Reject the withdrawal of ${money(w.amount)}?`,
          text: "The money goes back to the user's wallet.",
          fields: [{ name: "reason", label: "Reason", type: "textarea", required: true }],
          run: (v) => api("POST", `/admin/withdrawals/${encodeURIComponent(w.id)}/reject`, { reason: v.reason }),
          done: (r) => `Rejected the withdrawal of ${money(r.amount || w.amount)}: ${r.status}.`,
        }),
      ),
    );
  }

  /* Hub mode: a bid on a hub task reaches its owner only once an admin forwards it. */
  function hubBidItem(b) {
    const task = b.task || {};
    const who = b.provider ? b.provider.displayName : b.providerId;
    const title = task.title || b.taskId;
    return article(
      `${money(b.price)} from ${who} on "${title}"`,
      details([
        ["Task", `${title} (${b.taskId})`],
        ["Customer", task.customerId],
        ["Bidder", `${who} (${b.providerId})`],
        ["Duration", `${b.durationDays} days`],
        ["Milestones", (b.milestones || []).map((m) => `${m.title}: ${money(m.amount)}`).join("; ")],
        ["Proposal", b.proposal],
        ["Submitted", when(b.createdAt)],
      ]),
      buttons(
        action("hubbids", "Forward", {
          title: `Forward this bid to the owner of "${title}"?`,
          text: "The company sees the bid from now on, with the expert under the task's alias.",
          fields: [],
          run: () => api("POST", `/admin/bids/${encodeURIComponent(b.id)}/forward`, {}),
          done: () => `Forwarded the bid of ${who} on "${title}".`,
        }),
        action("hubbids", "Decline", {
          title: `Decline this bid on "${title}"?`,
          text: "The company never sees it; the expert reads your reason.",
          fields: [{ name: "reason", label: "Reason", type: "textarea", required: true }],
          run: (v) => api("POST", `/admin/bids/${encodeURIComponent(b.id)}/decline`, { reason: v.reason }),
          done: () => `Declined the bid of ${who} on "${title}".`,
        }),
      ),
    );
  }

  function messageItem(m) {
    const sender = m.senderName || m.senderId;
    const decide = (verb) => (v) =>
      api("POST", `/admin/messages/${encodeURIComponent(m.id)}/${verb}`, v.note ? { note: v.note } : {});
    const screenedField = m.field && m.field !== "message" ? m.field : null;
    return article(
      screenedField ? `${screenedField} by ${sender}` : `Message from ${sender}`,
      details([
        ["Original", m.originalText],
        ["Others saw", m.maskedText],
        ["Found", (m.findings || []).map((f) => f.kind).join(", ")],
        ["Sender", m.senderId],
        ["Field", screenedField],
        ["Item", m.ref ? `${m.ref.kind} ${m.ref.id || m.ref.contractId}` : null],
        ["Thread", m.threadId],
        ["Flagged", when(m.flaggedAt)],
      ]),
      buttons(
        action("messages", "Dismiss", {
          title: `Dismiss the flag on ${sender}'s message?`,
          text: "A false alarm: the flag closes and the sender gets no strike.",
          fields: [{ name: "note", label: "Note", type: "textarea" }],
          run: decide("dismiss"),
          done: () => `Dismissed the flag on ${sender}'s message.`,
        }),
        action("messages", "Confirm", {
          title: `Confirm the flag on ${sender}'s message?`,
          text: "The sender gets a strike; the third strike suspends the account.",
          fields: [{ name: "note", label: "Note", type: "textarea" }],
          run: decide("confirm"),
          done: (r) =>
            `Confirmed the flag: ${sender} has ${r.sender ? r.sender.activeStrikes : "one more"} strike(s)` +
            `${r.sender && r.sender.suspended ? " and is suspended" : ""}.`,
        }),
      ),
    );
  }

  function userItem(u) {
    const moves = [];
    if (u.suspended) {
      moves.push(action("users", "Reinstate", {
        title: `Reinstate ${u.displayName}?`,
        text: "The user can write again.",
        fields: [{ name: "note", label: "Note", type: "textarea" }],
        run: (v) => api("POST", `/admin/users/${encodeURIComponent(u.id)}/reinstate`, v.note ? { note: v.note } : {}),
        done: () => `Reinstated ${u.displayName}.`,
      }));
    } else {
      moves.push(action("users", "Suspend", {
        title: `Suspend ${u.displayName}?`,
        text: "A suspended user can sign in and read, but every write is refused.",
        fields: [{ name: "reason", label: "Reason", type: "textarea" }],
        run: (v) => api("POST", `/admin/users/${encodeURIComponent(u.id)}/suspend`, v.reason ? { reason: v.reason } : {}),
        done: () => `Suspended ${u.displayName}.`,
      }));
    }
    return article(
      `${u.displayName} (${u.role})`,
      details([
        ["Email", u.email],
        ["Kind", u.kind],
        ["Verification", u.verification],
        ["Suspended", u.suspended ? "yes" : "no"],
        ["Rating", u.rating === null || u.rating === undefined ? "no reviews" : `${u.rating} from ${u.reviewCount}`],
        ["Joined", when(u.createdAt)],
        ["Profile id", u.id],
      ]),
      buttons(...moves),
    );
  }

  /* A ticket asks for a category or skill the lists lack: Resolve answers it with a note and may add the
   * slug asked for to the taxonomy in the same call. */
  function ticketItem(t) {
    const list = { new_category: "categories", new_skill: "skills" }[t.kind];
    const fields = [{ name: "note", label: "Note", type: "textarea", required: true, hint: "The customer reads it." }];
    if (list) {
      fields.push(
        { name: "slug", label: `Add to the ${list}: slug`, hint: 'Lower-case words joined by "-"; leave empty to add nothing.' },
        { name: "name", label: "Name to show" },
      );
    }
    const kind = { new_category: "New category", new_skill: "New skill", other: "Other request" }[t.kind] || t.kind;
    return article(
      `${kind}: ${t.text.length > 60 ? `${t.text.slice(0, 60)}…` : t.text}`,
      details([
        ["Filed", when(t.createdAt)],
        ["Customer", t.customerId],
        ["Ticket id", t.id],
      ]),
      el("p", { class: "description", text: t.text }),
      buttons(
        action("tickets", "Resolve", {
          title: "Resolve this ticket?",
          text: list ? `The note goes to the customer; a slug also adds it to the ${list}.` : "The note goes to the customer.",
          fields,
          run: (v) => {
            const body = { note: v.note };
            if (list && v.slug) body.addTo = { list, slug: v.slug, name: v.name || v.slug };
            return api("POST", `/admin/tickets/${encodeURIComponent(t.id)}/resolve`, body);
          },
          done: (r) => {
            if (r.added) loadTaxonomy();
            return `Resolved the ticket${r.added ? `: added ${r.added.slug} to the ${r.added.list}` : ""}.`;
          },
        }),
      ),
    );
  }

  const QUEUES = {
    verifications: { path: "/admin/verifications?status=pending", item: verificationItem, empty: "No verification is waiting.", noun: "verification" },
    tasks: { path: "/admin/tasks?status=in_review", item: taskItem, empty: "No task is waiting for review.", noun: "task" },
    disputes: { path: "/admin/disputes?status=open", item: disputeItem, empty: "No open dispute.", noun: "dispute" },
    terminations: { path: "/admin/terminations?status=proposed", item: terminationItem, empty: "No proposed termination.", noun: "termination" },
    submissions: { path: "/admin/submissions?status=hub_review", item: submissionItem, empty: "No submission is waiting for the hub.", noun: "submission" },
    qc: { path: "/admin/qc?overdue=false", item: qcItem, empty: "No contract is waiting for a reviewer.", noun: "contract" },
    "qc-overdue": { path: "/admin/qc?overdue=true", item: overdueItem, empty: "No QC review is overdue.", noun: "overdue review" },
    withdrawals: { path: "/admin/withdrawals?status=requested", item: withdrawalItem, empty: "No withdrawal is waiting.", noun: "withdrawal" },
    hubbids: { path: "/admin/bids?status=submitted&hub=true", item: hubBidItem, empty: "No hub bid is waiting.", noun: "hub bid" },
    messages: { path: "/admin/messages?status=flagged", item: messageItem, empty: "No flagged message.", noun: "flagged message" },
    tickets: { path: "/admin/tickets?status=open", item: ticketItem, empty: "No open ticket.", noun: "ticket" },
  };

  async function loadQueue(name, more) {
    const queue = QUEUES[name];
    const section = $(`#${name}`);
    const list = $(".items", section);
    const moreButton = $(".more", section);
    const cursor = more ? cursors[name] : null;
    setAlert(name, "");
    section.setAttribute("aria-busy", "true");
    try {
      const page = await api("GET", `${queue.path}&limit=20${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
      if (!more) list.replaceChildren();
      for (const item of page.items) list.append(queue.item(item));
      cursors[name] = page.nextCursor;
      moreButton.hidden = !page.nextCursor;
      const shown = list.children.length;
      if (!more && !pendingStatus(name)) {
        setStatus(name, shown ? `${shown}${page.nextCursor ? "+" : ""} ${queue.noun}${shown === 1 ? "" : "s"} waiting, oldest first.` : queue.empty);
      }
    } catch (error) {
      if (!session.token) return;
      if (!more) list.replaceChildren();
      moreButton.hidden = true;
      setAlert(name, `Could not load the ${queue.noun} queue: ${error.message}`);
    } finally {
      section.removeAttribute("aria-busy");
    }
  }

  /* After an action the status line reports it; the reload must not overwrite that message. */
  function pendingStatus(name) {
    const text = $(`#${name} .status`).textContent;
    return /^(Approved|Rejected|Changes requested|Resolved|Dismissed|Confirmed|Reinstated|Suspended|Saved|Terminated|Forwarded|Declined|Returned|Assigned)/.test(text);
  }

  // --- users ------------------------------------------------------------------------------

  let lastQuery = "";

  async function searchUsers(query, more) {
    const q = query === null ? lastQuery : query;
    const list = $("#users .items");
    const moreButton = $("#users .more");
    setAlert("users", "");
    if (q.trim().length < 2) {
      setAlert("users", "Type at least 2 characters of an email or a name.");
      return;
    }
    lastQuery = q;
    const cursor = more ? cursors.users : null;
    try {
      const page = await api("GET", `/admin/users?q=${encodeURIComponent(q)}&limit=20${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
      if (!more) list.replaceChildren();
      for (const user of page.items) list.append(userItem(user));
      cursors.users = page.nextCursor;
      moreButton.hidden = !page.nextCursor;
      if (!pendingStatus("users") || query !== null) {
        const shown = list.children.length;
        setStatus("users", shown ? `${shown}${page.nextCursor ? "+" : ""} user${shown === 1 ? "" : "s"} found for "${q}".` : `No user starts with "${q}".`);
      }
    } catch (error) {
      if (!more) list.replaceChildren();
      setAlert("users", `Could not search: ${error.message}`);
    }
  }

  // --- settings ---------------------------------------------------------------------------

  function overrideRow(category, value) {
    const n = Math.random().toString(36).slice(2);
    const row = el("tr", {},
      el("td", {}, el("input", { type: "text", name: "category", value: category, "aria-label": "Category", pattern: "[a-z0-9-]+", id: `cat-${n}` })),
      el("td", {}, el("input", { type: "number", name: "bps", min: 0, max: 5000, step: 1, value: value, "aria-label": `Basis points for ${category || "the new category"}` })),
      el("td", {}),
    );
    row.lastChild.append(el("button", { type: "button", text: "Remove", "aria-label": `Remove ${category || "this category"}`, on: { click: () => row.remove() } }));
    return row;
  }

  function renderSettings(settings) {
    const commission = settings.commission || {};
    $("#default-bps").value = commission.defaultBps;
    session.commissionVersion = commission.version; // sent back on save: a stale one is a 409
    const body = $("#overrides");
    body.replaceChildren();
    for (const [category, value] of Object.entries(commission.overrides || {}).sort()) body.append(overrideRow(category, value));
  }

  async function loadSettings() {
    setAlert("settings", "");
    try {
      renderSettings(await api("GET", "/admin/settings"));
    } catch (error) {
      setAlert("settings", `Could not load the settings: ${error.message}`);
    }
  }

  function onSaveCommission(event) {
    event.preventDefault();
    setAlert("settings", "");
    const defaultBps = Number($("#default-bps").value);
    const overrides = {};
    for (const row of document.querySelectorAll("#overrides tr")) {
      const category = $("input[name=category]", row).value.trim();
      const value = $("input[name=bps]", row).value;
      if (!category && value === "") continue;
      overrides[category] = Number(value);
    }
    const lines = Object.entries(overrides).map(([c, v]) => `${c} ${bps(v)}`);
    confirmAction({
      title: "Save the commission settings?",
      text: `Default ${bps(defaultBps)}${lines.length ? `; ${lines.join(", ")}` : "; no per-category rates"}. They apply to contracts awarded from now on.`,
      fields: [],
      button: "Save commission",
      run: () => api("PUT", "/admin/settings/commission", { defaultBps, overrides, version: session.commissionVersion }),
      done: (r) => {
        renderSettings(r);
        setStatus("settings", `Saved: default ${bps(r.commission.defaultBps)}.`);
      },
    });
  }

  // --- taxonomy ---------------------------------------------------------------------------

  function renderTaxonomy(t) {
    session.taxonomyVersion = t.version; // sent back on save: a stale one is a 409
    $("#taxonomy-categories tbody").replaceChildren(
      ...t.categories.map((c) => el("tr", {}, el("td", { text: c.slug }), el("td", { text: c.name }), el("td", { text: c.kind }))),
    );
    $("#taxonomy-skills").replaceChildren(...t.skills.map((x) => el("li", { title: x.slug, text: x.name })));
    $("#taxonomy-languages").replaceChildren(...t.languages.map((x) => el("li", { title: x.code, text: `${x.name} (${x.code})` })));
    const doc = { categories: t.categories, skills: t.skills, languages: t.languages };
    $("#taxonomy-json").value = JSON.stringify(doc, null, 2);
  }

  async function loadTaxonomy() {
    setAlert("taxonomy", "");
    try {
      const t = await api("GET", "/taxonomy");
      renderTaxonomy(t);
      if (!pendingStatus("taxonomy")) {
        setStatus("taxonomy", `${t.categories.length} categories, ${t.skills.length} skills, ${t.languages.length} languages (version ${t.version}).`);
      }
    } catch (error) {
      if (!session.token) return;
      setAlert("taxonomy", `Could not load the taxonomy: ${error.message}`);
    }
  }

  function onSaveTaxonomy(event) {
    event.preventDefault();
    setAlert("taxonomy", "");
    let doc;
    try {
      doc = JSON.parse($("#taxonomy-json").value);
    } catch (error) {
      setAlert("taxonomy", `The taxonomy is not valid JSON: ${error.message}`);
      return;
    }
    if (!doc || typeof doc !== "object" || Array.isArray(doc)) {
      setAlert("taxonomy", "The taxonomy must be a JSON object with categories, skills and languages.");
      return;
    }
    const count = (key) => (Array.isArray(doc[key]) ? doc[key].length : 0);
    confirmAction({
      title: "Save the taxonomy?",
      text: `${count("categories")} categories, ${count("skills")} skills, ${count("languages")} languages replace the current lists.`,
      fields: [],
      button: "Save taxonomy",
      run: () => api("PUT", "/admin/taxonomy", Object.assign({}, doc, { version: session.taxonomyVersion })),
      done: (r) => {
        renderTaxonomy(r);
        setStatus("taxonomy", `Saved: version ${r.version}.`);
      },
    });
  }

  // --- figures ----------------------------------------------------------------------------

  const charts = [];
  const TOTALS = [
    ["gmv", "GMV (funded)", money],
    ["released", "Released", money],
    ["revenue", "Revenue (commission)", money],
    ["takeRateBps", "Take rate", bps],
    ["disputesOpened", "Disputes opened", String],
    ["disputeRateBps", "Dispute rate", bps],
    ["tasksPosted", "Tasks posted", String],
    ["contractsAwarded", "Contracts awarded", String],
    ["medianHoursToAward", "Median hours to award", (v) => (v === null || v === undefined ? "–" : `${v.toFixed(1)} h`)],
    ["newUsers", "New users", String],
  ];
  const COLUMNS = [
    ["date", "Day", String],
    ...TOTALS,
    ["refunded", "Refunded", money],
    ["deposits", "Deposits", money],
    ["milestonesFunded", "Milestones funded", String],
  ];

  function initFigures() {
    const today = new Date();
    const from = new Date(today.getTime() - 29 * 86400000);
    $("#figures-to").value = today.toISOString().slice(0, 10);
    $("#figures-from").value = from.toISOString().slice(0, 10);
    loadFigures();
  }

  async function loadFigures(event) {
    if (event) event.preventDefault();
    setAlert("figures", "");
    const params = new URLSearchParams({
      from: $("#figures-from").value,
      to: $("#figures-to").value,
      currency: $("#figures-currency").value,
    });
    try {
      const figures = await api("GET", `/admin/metrics?${params}`);
      renderTotals(figures.totals);
      renderTable(figures.days);
      renderCharts(figures.days, figures.currency);
      setStatus("figures", `Figures from ${figures.from} to ${figures.to} (UTC days), money in ${figures.currency}.`);
    } catch (error) {
      setAlert("figures", `Could not load the figures: ${error.message}`);
    }
  }

  function renderTotals(totals) {
    const list = $("#totals");
    list.replaceChildren();
    for (const [key, label, format] of TOTALS) {
      list.append(el("div", { class: "total" }, el("dt", { text: label }), el("dd", { "data-testid": `total-${key}`, text: format(totals[key]) })));
    }
  }

  function renderTable(days) {
    const head = $("#daily-table thead");
    const body = $("#daily-table tbody");
    head.replaceChildren(el("tr", {}, COLUMNS.map(([, label]) => el("th", { scope: "col", text: label }))));
    body.replaceChildren(
      ...days.map((day) =>
        el("tr", {}, COLUMNS.map(([key, , format], i) => (i === 0 ? el("th", { scope: "row", text: day[key] }) : el("td", { text: format(day[key]) })))),
      ),
    );
  }

  function renderCharts(days, currency) {
    for (const chart of charts.splice(0)) chart.destroy();
    if (typeof window.uPlot !== "function") {
      setAlert("figures", "The chart library did not load; the table below has the same figures.");
      return;
    }
    const xs = days.map((d) => Date.parse(`${d.date}T00:00:00Z`) / 1000);
    const major = (key) => days.map((d) => d[key].amount / 100);
    const count = (key) => days.map((d) => d[key]);
    const moneyBox = $("#money-chart");
    const activityBox = $("#activity-chart");
    const width = (box) => Math.max(320, Math.min(box.clientWidth || 640, 960));
    const common = (box) => ({ width: width(box), height: 240, scales: { x: { time: true } }, legend: { live: false } });
    charts.push(
      new window.uPlot(
        Object.assign(common(moneyBox), {
          series: [
            {},
            { label: `GMV (${currency})`, stroke: "#1f5fbf", width: 2 },
            { label: `Released (${currency})`, stroke: "#2e7d32", width: 2 },
            { label: `Revenue (${currency})`, stroke: "#b45309", width: 2 },
          ],
        }),
        [xs, major("gmv"), major("released"), major("revenue")],
        moneyBox,
      ),
      new window.uPlot(
        Object.assign(common(activityBox), {
          series: [
            {},
            { label: "Tasks posted", stroke: "#1f5fbf", width: 2 },
            { label: "Contracts awarded", stroke: "#2e7d32", width: 2 },
            { label: "Disputes opened", stroke: "#b91c1c", width: 2 },
            { label: "New users", stroke: "#6b21a8", width: 2 },
          ],
        }),
        [xs, count("tasksPosted"), count("contractsAwarded"), count("disputesOpened"), count("newUsers")],
        activityBox,
      ),
    );
    const last = days[days.length - 1];
    const sum = (key) => days.reduce((acc, d) => acc + (typeof d[key] === "number" ? d[key] : d[key].amount), 0);
    moneyBox.setAttribute(
      "aria-label",
      `Money per day from ${days[0].date} to ${last.date}: GMV ${money({ amount: sum("gmv"), currency })}, released ${money({ amount: sum("released"), currency })}, revenue ${money({ amount: sum("revenue"), currency })} in all.`,
    );
    activityBox.setAttribute(
      "aria-label",
      `Activity per day: ${sum("tasksPosted")} tasks posted, ${sum("contractsAwarded")} contracts awarded, ${sum("disputesOpened")} disputes opened, ${sum("newUsers")} new users in all.`,
    );
  }

  // --- wiring -----------------------------------------------------------------------------

  document.addEventListener("DOMContentLoaded", () => {
    $("#sign-in-form").addEventListener("submit", onSignIn);
    $("#sign-out").addEventListener("click", () => signOut("You are signed out."));
    $("#confirm-form").addEventListener("submit", onConfirm);
    $("#confirm-cancel").addEventListener("click", closeDialog);
    $("#confirm").addEventListener("cancel", () => { pending = null; });
    for (const name of Object.keys(QUEUES)) {
      const section = $(`#${name}`);
      $(".refresh", section).addEventListener("click", () => { setStatus(name, ""); loadQueue(name); });
      $(".more", section).addEventListener("click", () => loadQueue(name, true));
    }
    $("#user-search").addEventListener("submit", (event) => {
      event.preventDefault();
      setStatus("users", "");
      searchUsers($("#user-query").value);
    });
    $("#users .more").addEventListener("click", () => searchUsers(null, true));
    $("#settings .refresh").addEventListener("click", () => { setStatus("settings", ""); loadSettings(); });
    $("#commission-form").addEventListener("submit", onSaveCommission);
    $("#taxonomy .refresh").addEventListener("click", () => { setStatus("taxonomy", ""); loadTaxonomy(); });
    $("#taxonomy-form").addEventListener("submit", onSaveTaxonomy);
    $("#add-override").addEventListener("click", () => {
      const row = overrideRow("", 1000);
      $("#overrides").append(row);
      $("input", row).focus();
    });
    $("#figures-form").addEventListener("submit", loadFigures);
    config().catch(() => {
      $("#sign-in-message").textContent = "GET /config did not answer: the API is not reachable.";
    });
    $("#email").focus();
  });
})();
