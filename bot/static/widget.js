/* The clinic assistant's chat widget. Plain JavaScript, no framework; every text comes from the
 * assistant's catalogs (/webhooks/widget/texts), every message travels over Rasa's socket.io
 * channel with the visitor's language and country as metadata.
 *
 * Embed: <script src="https://HOST/webhooks/widget/widget.js" data-lang="pl" data-country="PL"></script>
 * data-mode="page" fills the page instead of opening from a button (the /webhooks/chat/ page).
 */
(() => {
  "use strict";
  const script = document.currentScript;
  const origin = new URL(script.src).origin;
  const base = `${origin}/webhooks/widget`;
  const pageMode = script.dataset.mode === "page";
  const country = script.dataset.country || "";
  const STORE = "cp-clinic-widget";
  const TYPING_TIMEOUT_MS = 30000;
  const saved = JSON.parse(localStorage.getItem(STORE) || "{}");
  const state = {
    session: saved.session || newSessionId(),
    language: saved.language || script.dataset.lang || "",
    texts: {},
    languages: [],
    socket: null,
  };

  function newSessionId() {
    return (crypto.randomUUID ? crypto.randomUUID() : String(Math.random()).slice(2) + Date.now()).replace(/-/g, "");
  }
  function save() {
    localStorage.setItem(STORE, JSON.stringify({ session: state.session, language: state.language }));
  }
  function t(key) { return state.texts[key] || ""; }
  function el(tag, attributes = {}, children = []) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes)) {
      if (name === "text") node.textContent = value;
      else if (value !== false && value !== null) node.setAttribute(name, value === true ? "" : value);
    }
    node.append(...children);
    return node;
  }

  // ---- the window ------------------------------------------------------------------------
  const ui = {};
  function build() {
    document.head.append(el("link", { rel: "stylesheet", href: `${base}/widget.css` }));
    ui.root = el("div", { class: `cpw ${pageMode ? "cpw-page" : "cpw-floating"}` });
    ui.launcher = el("button", { type: "button", class: "cpw-launcher", "aria-expanded": "false", "aria-controls": "cpw-panel" });
    ui.title = el("h2", { id: "cpw-title", class: "cpw-title" });
    ui.languageLabel = el("label", { for: "cpw-language", class: "cpw-language-label" });
    ui.language = el("select", { id: "cpw-language", class: "cpw-language" });
    ui.close = el("button", { type: "button", class: "cpw-close" });
    ui.emergency = el("p", { class: "cpw-emergency", id: "cpw-emergency" });
    ui.privacy = el("p", { class: "cpw-privacy" });
    ui.status = el("p", { class: "cpw-status", role: "status" });
    ui.log = el("ol", { class: "cpw-log", "aria-live": "polite", "aria-relevant": "additions", tabindex: "0" });
    ui.typing = el("p", { class: "cpw-typing", hidden: true }, [el("span", { class: "cpw-dots", "aria-hidden": "true" })]);
    ui.typingText = el("span");
    ui.typing.append(ui.typingText);
    ui.inputLabel = el("label", { for: "cpw-input", class: "cpw-input-label" });
    ui.input = el("textarea", { id: "cpw-input", rows: "2", maxlength: "5000", autocomplete: "off" });
    ui.send = el("button", { type: "submit", class: "cpw-send" });
    ui.form = el("form", { class: "cpw-form" }, [ui.inputLabel, el("div", { class: "cpw-row" }, [ui.input, ui.send])]);
    ui.talk = el("button", { type: "button", class: "cpw-talk" });
    ui.remove = el("button", { type: "button", class: "cpw-delete" });
    ui.confirmText = el("p", { id: "cpw-confirm-text" });
    ui.confirmYes = el("button", { type: "button", class: "cpw-confirm-yes" });
    ui.confirmNo = el("button", { type: "button", class: "cpw-confirm-no" });
    ui.confirm = el("div", { class: "cpw-confirm", role: "alertdialog", "aria-labelledby": "cpw-confirm-text", hidden: true },
      [ui.confirmText, el("div", { class: "cpw-row" }, [ui.confirmYes, ui.confirmNo])]);
    ui.panel = el("section", { id: "cpw-panel", class: "cpw-panel", "aria-labelledby": "cpw-title", hidden: !pageMode }, [
      el("header", { class: "cpw-header" }, [ui.title, el("div", { class: "cpw-row" }, [ui.languageLabel, ui.language]),
        ...(pageMode ? [] : [ui.close])]),
      ui.emergency, ui.privacy, ui.status, ui.log, ui.typing, ui.form,
      el("div", { class: "cpw-tools" }, [ui.talk, ui.remove]), ui.confirm,
    ]);
    if (!pageMode) ui.root.append(ui.launcher);
    ui.root.append(ui.panel);
    document.body.append(ui.root);

    ui.launcher.addEventListener("click", () => setOpen(ui.panel.hidden));
    ui.close.addEventListener("click", () => setOpen(false));
    document.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && !pageMode && !ui.panel.hidden) setOpen(false);
    });
    ui.form.addEventListener("submit", (event) => {
      event.preventDefault();
      const text = ui.input.value;
      ui.input.value = "";
      send(text, text);
    });
    ui.input.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey) {
        event.preventDefault();
        ui.form.requestSubmit();
      }
    });
    ui.language.addEventListener("change", () => loadTexts(ui.language.value));
    ui.talk.addEventListener("click", () => send("/request_human", t("widget_talk_to_person")));
    ui.remove.addEventListener("click", () => { ui.confirm.hidden = false; ui.confirmNo.focus(); });
    ui.confirmNo.addEventListener("click", () => { ui.confirm.hidden = true; ui.remove.focus(); });
    ui.confirmYes.addEventListener("click", deleteConversation);
  }

  function setOpen(open) {
    ui.panel.hidden = !open;
    ui.launcher.setAttribute("aria-expanded", String(open));
    (open ? ui.input : ui.launcher).focus();
  }

  function showTexts() {
    ui.root.lang = state.language.replace("_", "-");
    ui.launcher.textContent = t("widget_open");
    ui.title.textContent = t("page_title");
    ui.languageLabel.textContent = t("widget_language");
    ui.close.textContent = t("widget_close");
    ui.emergency.textContent = t("widget_emergency_line");
    ui.privacy.textContent = t("widget_privacy");
    ui.typingText.textContent = t("widget_typing");
    ui.inputLabel.textContent = t("page_input_label");
    ui.send.textContent = t("page_send");
    ui.talk.textContent = t("widget_talk_to_person");
    ui.remove.textContent = t("widget_delete");
    ui.confirmText.textContent = t("widget_delete_confirm");
    ui.confirmYes.textContent = t("widget_delete_yes");
    ui.confirmNo.textContent = t("widget_delete_no");
    ui.language.replaceChildren(...state.languages.map((l) =>
      el("option", { value: l.code, lang: l.code.replace("_", "-"), selected: l.code === state.language, text: l.name })));
  }

  async function loadTexts(language) {
    const query = new URLSearchParams({ lang: language || "", country, accept: (navigator.languages || []).join(",") });
    const reply = await fetch(`${base}/texts?${query}`);
    const data = await reply.json();
    Object.assign(state, { texts: data.texts, languages: data.languages, language: data.language });
    save();
    showTexts();
  }

  // ---- messages --------------------------------------------------------------------------
  const LINK = /(https?:\/\/[^\s<>"]*[^\s<>".,;:!?)\]。，、）])/;
  function addMessage(from, text, buttons = []) {
    const label = { visitor: t("widget_you"), assistant: t("widget_assistant"), staff: t("label_staff_reply") }[from];
    const body = el("div", { class: "cpw-text" });
    for (const part of String(text).split(LINK)) {  // text only: never parsed as HTML
      if (/^https?:\/\//.test(part)) body.append(el("a", { href: part, target: "_blank", rel: "noopener noreferrer", text: part }));
      else body.append(document.createTextNode(part));
    }
    const item = el("li", { class: `cpw-message cpw-${from}` }, [el("span", { class: from === "staff" ? "cpw-who" : "cpw-sr", text: `${label}: ` }), body]);
    for (const old of ui.log.querySelectorAll(".cpw-buttons")) old.remove();  // only the latest choices apply
    if (buttons.length) {
      item.append(el("div", { class: "cpw-buttons" }, buttons.map((b) => {
        const button = el("button", { type: "button", class: "cpw-choice", text: b.title });
        button.addEventListener("click", () => { send(b.payload, b.title); ui.input.focus(); });
        return button;
      })));
    }
    ui.log.append(item);
    item.scrollIntoView({ block: "end" });
  }

  function send(text, shown) {
    if (!text.trim()) return;
    addMessage("visitor", shown);
    setTyping(true);
    const metadata = { language: state.language, country };
    if (shown !== text) metadata.shown = shown;  // a button's label, shown again after a reload
    state.socket.emit("user_uttered", { message: text, session_id: state.session, metadata });
  }

  let typingTimer;
  function setTyping(on) {
    ui.typing.hidden = !on;
    clearTimeout(typingTimer);
    if (on) typingTimer = setTimeout(() => setTyping(false), TYPING_TIMEOUT_MS);
  }

  async function restoreHistory() {
    const reply = await fetch(`${base}/history?session=${encodeURIComponent(state.session)}`);
    const { messages } = await reply.json();
    ui.log.replaceChildren();
    messages.forEach((m, i) => addMessage(m.from, m.text, i === messages.length - 1 ? m.buttons || [] : []));
  }

  async function deleteConversation() {
    await fetch(`${base}/delete`, { method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ session: state.session }) });
    state.session = newSessionId();
    save();
    ui.log.replaceChildren();
    ui.confirm.hidden = true;
    ui.status.textContent = t("widget_deleted");
    state.socket.emit("session_request", { session_id: state.session });
    ui.input.focus();
  }

  // ---- the connection ----------------------------------------------------------------------
  function connect() {
    const socket = io(origin, { path: "/socket.io", transports: ["websocket", "polling"] });
    state.socket = socket;
    socket.on("connect", async () => {
      ui.status.textContent = "";
      socket.emit("session_request", { session_id: state.session });
      await restoreHistory();  // also brings what arrived while the connection was down
    });
    socket.on("session_confirm", (id) => { state.session = id; save(); });
    socket.on("bot_uttered", (message) => {
      setTyping(false);
      addMessage(message.staff ? "staff" : "assistant", message.text || "", (message.quick_replies || []).map((b) => ({ title: b.title, payload: b.payload })));
    });
    socket.on("handoff_status", ({ status }) => {
      ui.status.textContent = t(`widget_status_${status}`);
    });
    socket.on("disconnect", () => {
      setTyping(false);
      ui.status.textContent = t("widget_offline");
    });
  }

  function start() {
    build();
    loadTexts(state.language).then(() => {
      const client = el("script", { src: `${base}/socket.io.min.js` });
      client.addEventListener("load", connect);
      document.head.append(client);
    });
  }

  if (document.body) start();
  else document.addEventListener("DOMContentLoaded", start);
})();
