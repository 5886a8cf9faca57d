// The Warden console: plain JS over the staff API. The token stays in this tab (sessionStorage) and is sent as a
// bearer header; streams are read with fetch (EventSource cannot send a header) and resume with Last-Event-ID.
"use strict";
const $ = (sel) => document.querySelector(sel);
let token = sessionStorage.getItem("warden-token") || "";
let streams = [];
let timelineStream = null;

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") node.className = v; else if (k.startsWith("on")) node.addEventListener(k.slice(2), v); else node.setAttribute(k, v);
  }
  for (const c of children) node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return node;
}

async function api(path, options = {}) {
  const headers = Object.assign({ Authorization: "Bearer " + token }, options.headers || {});
  if (options.body) headers["Content-Type"] = "application/json";
  const res = await fetch(path, Object.assign({}, options, { headers }));
  const body = res.headers.get("content-type")?.includes("json") ? await res.json() : await res.text();
  if (!res.ok) throw Object.assign(new Error(body.error || res.statusText), { status: res.status });
  return body;
}

// One SSE stream over fetch; reconnects after a drop, sending the last id it saw.
function stream(path, onEvent, { method = "GET", body = null, once = false } = {}) {
  const control = new AbortController();
  let lastId = null;
  (async () => {
    while (!control.signal.aborted) {
      try {
        const headers = { Authorization: "Bearer " + token, Accept: "text/event-stream" };
        if (lastId !== null) headers["Last-Event-ID"] = lastId;
        if (body) headers["Content-Type"] = "application/json";
        const res = await fetch(path, { method, headers, body, signal: control.signal });
        if (!res.ok) { onEvent("error", { status: res.status }); return; }
        const reader = res.body.getReader();
        const decoder = new TextDecoder();
        let buf = "";
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buf += decoder.decode(value, { stream: true });
          let cut;
          while ((cut = buf.indexOf("\n\n")) >= 0) {
            const block = buf.slice(0, cut); buf = buf.slice(cut + 2);
            let event = "message", data = "";
            for (const line of block.split("\n")) {
              if (line.startsWith("id: ")) lastId = line.slice(4);
              else if (line.startsWith("event: ")) event = line.slice(7);
              else if (line.startsWith("data: ")) data += line.slice(6);
            }
            if (data) onEvent(event, JSON.parse(data));
          }
        }
      } catch (err) {
        if (control.signal.aborted) return;
      }
      if (once) return;
      await new Promise((r) => setTimeout(r, 1000));
    }
  })();
  streams.push(control);
  return control;
}

// -- sign in -----------------------------------------------------------------------------------------------
async function signIn(candidate) {
  token = candidate;
  try {
    const me = await api("/v1/me");
    sessionStorage.setItem("warden-token", token);
    $("#who").textContent = `signed in as ${me.id} (${me.roles.join(", ")})`;
    $("#signin-panel").hidden = true; $("#app").hidden = false; $("#signout").hidden = false;
    $("#signin-error").textContent = "";
    start(me.roles);
  } catch (err) {
    token = ""; sessionStorage.removeItem("warden-token");
    $("#signin-error").textContent = err.status === 401 ? "That token is not valid (unknown, expired or revoked)." : err.message;
  }
}

$("#signin").addEventListener("submit", (e) => { e.preventDefault(); signIn($("#token").value.trim()); });
$("#signout").addEventListener("click", () => {
  streams.forEach((s) => s.abort()); streams = [];
  sessionStorage.removeItem("warden-token"); location.reload();
});

// -- approvals ---------------------------------------------------------------------------------------------
const inbox = new Map();

function renderInbox() {
  const list = $("#inbox");
  list.replaceChildren();
  for (const a of [...inbox.values()].sort((x, y) => x.created_at - y.created_at)) {
    const reason = el("input", { "aria-label": `reason for ${a.id}`, placeholder: "reason (optional)", maxlength: "500" });
    const decide = (decision) => async () => {
      try {
        const r = await api(`/v1/approvals/${a.id}`, { method: "POST", body: JSON.stringify({ decision, reason: reason.value || null }) });
        inbox.set(a.id, r.approval); renderInbox(); loadRuns(); showRun(a.run_id);
      } catch (err) { item.querySelector(".error").textContent = err.message; }
    };
    const pending = a.status === "pending";
    const item = el("li", { class: pending ? "pending" : "decided", "data-approval": a.id },
      el("strong", {}, `${a.tool} `), el("span", { class: "muted" }, `needs ${a.role} · run ${a.run_id}`),
      el("p", {}, a.reason),
      el("pre", {}, JSON.stringify(a.args, null, 1)),
      Object.keys(a.facts || {}).length ? el("pre", { class: "facts" }, JSON.stringify(a.facts, null, 1)) : "",
      pending ? reason : el("p", { class: "status" }, `${a.status} by ${a.decided_by || "the clock"}`),
      pending ? el("button", { type: "button", onclick: decide("approve") }, "Approve") : "",
      pending ? el("button", { type: "button", onclick: decide("deny") }, "Deny") : "",
      el("p", { class: "error", role: "alert" }));
    list.append(item);
  }
  $("#inbox-empty").hidden = [...inbox.values()].some((a) => a.status === "pending");
}

function watchInbox() {
  stream("/v1/approvals/stream", (event, data) => {
    if (event === "snapshot") { inbox.clear(); data.approvals.forEach((a) => inbox.set(a.id, a)); $("#inbox-state").textContent = "(live)"; }
    else if (event === "approval.pending" || event === "approval.decided") { inbox.set(data.id, data); loadRuns(); }
    else if (event === "error") { $("#inbox-state").textContent = `(stream refused: ${data.status})`; return; }
    renderInbox();
  });
}

// -- runs --------------------------------------------------------------------------------------------------
let selectedRun = null;

let runsAsked = 0;

async function loadRuns() {
  const asked = ++runsAsked;  // refreshes overlap (timer, stream events): only the newest answer is drawn
  try {
    const { runs } = await api("/v1/runs?limit=50");
    if (asked !== runsAsked) return;
    const body = $("#runs tbody");
    body.replaceChildren(...runs.map((r) => {
      const row = el("tr", { tabindex: "0", "data-run": r.run_id, onclick: () => showRun(r.run_id),
                             onkeydown: (e) => { if (e.key === "Enter") showRun(r.run_id); } },
        el("td", {}, r.run_id), el("td", {}, r.graph), el("td", {}, r.key || ""),
        el("td", { class: "status" }, r.status), el("td", { class: "decision" }, r.decision || ""));
      if (r.run_id === selectedRun) row.classList.add("selected");
      return row;
    }));
  } catch (err) { /* the next refresh tries again */ }
}

function describe(kind, d) {
  if (kind === "tool.decision") return `${d.tool}: ${d.decision}${d.reasons?.length ? " (" + d.reasons.join("; ") + ")" : ""}`;
  if (kind.startsWith("approval.")) return `approval ${d.approval_id} ${d.status}${d.decided_by ? " by " + d.decided_by : ""}`;
  if (kind.startsWith("run.")) return `run ${d.status}: ${d.decision || ""}`;
  return JSON.stringify(d);
}

function showRun(runId) {
  if (timelineStream) timelineStream.abort();
  selectedRun = runId;
  $("#timeline-run").textContent = runId;
  $("#timeline").replaceChildren();
  document.querySelectorAll("#runs tbody tr").forEach((tr) => tr.classList.toggle("selected", tr.dataset.run === runId));
  timelineStream = stream(`/v1/runs/${encodeURIComponent(runId)}/events`, (kind, data) => {
    if (kind === "error") return;
    $("#timeline").append(el("li", { "data-kind": kind }, el("span", { class: "kind" }, kind), " ", describe(kind, data)));
    if (kind.startsWith("run.")) loadRuns();
  });
}

// -- chat --------------------------------------------------------------------------------------------------
$("#chat").addEventListener("submit", (e) => {
  e.preventDefault();
  const question = $("#question").value.trim();
  if (!question) return;
  $("#answer").textContent = ""; $("#citations").replaceChildren();
  stream("/v1/chat", (event, data) => {
    if (event === "token") $("#answer").textContent += data.text;
    else if (event === "citation") $("#citations").append(el("li", {}, `[${data.doc_id}] ${data.title}`));
    else if (event === "error") $("#answer").textContent = `The assistant is not available (${data.status || data.error}).`;
  }, { method: "POST", body: JSON.stringify({ message: question }), once: true });
});

// -- tickets and audit (shown to the roles that may read them) ---------------------------------------------
async function loadTickets() {
  try {
    const { tickets } = await api("/v1/tickets?limit=50");
    $("#tickets tbody").replaceChildren(...tickets.map((t) => el("tr", { "data-ticket": t.id },
      el("td", {}, t.subject), el("td", {}, `${t.triage.category} (${t.triage.confidence})`),
      el("td", {}, t.triage.priority + (t.triage.injection_suspected ? " ⚠ injection" : "")),
      el("td", {}, t.triage.queue), el("td", {}, t.reply_sent ? "sent" : "draft, not sent"))));
  } catch (err) { /* next refresh */ }
}

async function loadAudit(runId) {
  try {
    const v = await api("/v1/audit/verify");
    $("#audit-verify").textContent = v.intact ? `hash chain intact: ${v.records} records` : `CHAIN BROKEN: ${v.problem}`;
    const q = runId ? `&run_id=${encodeURIComponent(runId)}` : "";
    const { records } = await api(`/v1/audit?limit=25${q}`);
    $("#audit tbody").replaceChildren(...records.map((r) => el("tr", {},
      el("td", {}, r.seq), el("td", {}, r.tool), el("td", {}, r.decision), el("td", {}, r.principal),
      el("td", {}, r.reasons.join("; ")))));
  } catch (err) { $("#audit-verify").textContent = err.message; }
}

$("#audit-search").addEventListener("submit", (e) => { e.preventDefault(); loadAudit($("#audit-run").value.trim()); });

function start(roles) {
  const has = (...wanted) => roles.includes("admin") || wanted.some((r) => roles.includes(r));
  watchInbox();
  loadRuns();
  setInterval(loadRuns, 3000);
  if (has("staff")) { $("#tickets-panel").hidden = false; loadTickets(); setInterval(loadTickets, 5000); }
  if (has("adjuster", "operator")) { $("#audit-panel").hidden = false; loadAudit(""); }
}

if (token) signIn(token);
