/* Comment form, progressive enhancement only: the form works without this file.
 *
 * - Reply links (#comment-form with data-reply-to) move the form under the
 *   comment being answered and preselect it in the `parent` select.
 * - The draft is kept in localStorage until the service has accepted it.
 * - With an intake service: send with fetch and show the answer in place
 *   (errors next to their fields); if the service cannot be reached from
 *   script, fall back to the ordinary form post.
 * - Optional proof of work (ALTCHA format): the challenge is fetched from the
 *   intake service only once the reader starts to write.
 * - Zero-server path: keep the forge and mail links filled with the comment as YAML.
 * Served from the site itself (CSP script-src 'self'); no inline script or style.
 */
(function () {
  "use strict";

  var section = document.getElementById("comment-respond");
  var form = document.getElementById("comment-form");
  if (!section || !form) {
    return;
  }
  var online = form.tagName === "FORM";
  var home = document.createComment("comment-form-home");
  section.parentNode.insertBefore(home, section);

  function field(name) {
    return form.querySelector("[name='" + name + "']");
  }
  function text(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_, key) {
      return values[key] === undefined ? "" : values[key];
    });
  }

  /* --- draft --------------------------------------------------------------- */
  var draftKey = form.getAttribute("data-draft-key");
  var kept = ["author", "website", "body", "parent"];
  function storage() {
    try {
      return window.localStorage;
    } catch (e) {
      return null;
    }
  }
  function saveDraft() {
    var store = storage();
    if (!store) return;
    var draft = { key: currentDraft().key };
    kept.forEach(function (name) {
      var el = field(name);
      if (el) draft[name] = el.value;
    });
    try {
      store.setItem(draftKey, JSON.stringify(draft));
    } catch (e) { /* full or disabled: the form still works */ }
  }
  function currentDraft() {
    var store = storage();
    var draft = null;
    try {
      draft = store ? JSON.parse(store.getItem(draftKey) || "null") : null;
    } catch (e) {
      draft = null;
    }
    if (!draft || typeof draft !== "object") draft = {};
    if (!draft.key) {
      draft.key = "draft-" + Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 12);
    }
    return draft;
  }
  function clearDraft() {
    var store = storage();
    if (store) {
      try { store.removeItem(draftKey); } catch (e) { /* ignore */ }
    }
  }
  (function restore() {
    var draft = currentDraft();
    kept.forEach(function (name) {
      var el = field(name);
      if (el && !el.value && typeof draft[name] === "string") {
        if (el.tagName === "SELECT" && !el.querySelector("option[value='" + CSS.escape(draft[name]) + "']")) {
          return;
        }
        el.value = draft[name];
      }
    });
  })();
  form.addEventListener("input", saveDraft);
  form.addEventListener("change", saveDraft);

  /* --- reply: move the form under the comment ---------------------------------- */
  var cancel = document.createElement("button");
  cancel.type = "button";
  cancel.className = "button button-secondary comment-cancel-reply";
  cancel.textContent = section.getAttribute("data-msg-cancel") || "Cancel";
  cancel.hidden = true;
  var title = document.getElementById("comment-form-title");
  title.parentNode.insertBefore(cancel, title.nextSibling);
  var replyNote = document.createElement("p");
  replyNote.className = "form-reply-note";
  replyNote.hidden = true;
  title.parentNode.insertBefore(replyNote, cancel);

  function replyTo(id) {
    var target = document.getElementById("comment-" + id);
    var parent = field("parent");
    if (!target || !parent) return false;
    var body = target.querySelector(":scope > .comment-body");
    if (body) {
      body.insertAdjacentElement("afterend", section);
    } else {
      target.insertBefore(section, target.firstChild);
    }
    parent.value = id;
    var author = target.querySelector(".comment-author");
    var name = author ? author.textContent.trim() : id;
    replyNote.textContent = text(section.getAttribute("data-msg-replying") || "{name}", { name: name });
    replyNote.hidden = false;
    cancel.hidden = false;
    saveDraft();
    var bodyField = field("body");
    if (bodyField) bodyField.focus();
    return true;
  }
  function cancelReply() {
    home.parentNode.insertBefore(section, home.nextSibling);
    field("parent").value = "";
    replyNote.hidden = true;
    cancel.hidden = true;
    saveDraft();
    title.focus();
  }
  title.setAttribute("tabindex", "-1");
  cancel.addEventListener("click", cancelReply);
  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("a[data-reply-to]") : null;
    if (link && replyTo(link.getAttribute("data-reply-to"))) {
      event.preventDefault();
    }
  });

  /* --- zero-server path: forge and mail links ------------------------------------ */
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function newId(now) {
    var stamp = now.getUTCFullYear() + pad(now.getUTCMonth() + 1) + pad(now.getUTCDate()) + "T" +
      pad(now.getUTCHours()) + pad(now.getUTCMinutes()) + pad(now.getUTCSeconds()) + "Z";
    var alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
    var suffix = "";
    for (var i = 0; i < 4; i++) suffix += alphabet.charAt(Math.floor(Math.random() * alphabet.length));
    return stamp + "-" + suffix;
  }
  function isoLocal(now) {
    var offset = -now.getTimezoneOffset();
    var sign = offset >= 0 ? "+" : "-";
    offset = Math.abs(offset);
    return now.getFullYear() + "-" + pad(now.getMonth() + 1) + "-" + pad(now.getDate()) + "T" +
      pad(now.getHours()) + ":" + pad(now.getMinutes()) + ":" + pad(now.getSeconds()) +
      sign + pad(Math.floor(offset / 60)) + ":" + pad(offset % 60);
  }
  function yamlOf(now) {
    var lines = ["author: " + JSON.stringify(field("author").value.trim()),
                 "date: " + JSON.stringify(isoLocal(now))];
    if (field("parent").value) lines.push("parent: " + JSON.stringify(field("parent").value));
    if (field("website").value.trim()) lines.push("website: " + JSON.stringify(field("website").value.trim()));
    var body = field("body").value.replace(/\r\n?/g, "\n").replace(/\s+$/, "");
    lines.push("body: |");
    body.split("\n").forEach(function (line) { lines.push(line ? "  " + line : ""); });
    return lines.join("\n") + "\n";
  }
  function updateLinks() {
    var now = new Date();
    var yaml = yamlOf(now);
    var path = form.getAttribute("data-path") + newId(now) + ".yaml";
    var forgeLink = form.querySelector(".comment-send-forge");
    if (forgeLink) {
      var base = forgeLink.getAttribute("href").split("?")[0];
      forgeLink.setAttribute("href", base + "?filename=" + encodeURIComponent(path) +
        "&value=" + encodeURIComponent(yaml));
    }
    var mailLink = form.querySelector(".comment-send-mail");
    if (mailLink) {
      var parts = mailLink.getAttribute("href").split("&body=");
      mailLink.setAttribute("href", parts[0] + "&body=" + encodeURIComponent(yaml));
    }
  }
  if (!online) {
    form.addEventListener("input", updateLinks);
    form.addEventListener("change", updateLinks);
    updateLinks();
    return;
  }

  /* --- proof of work (ALTCHA format), only once the reader writes ------------------ */
  var challengeUrl = form.getAttribute("data-challenge-url");
  var solution = null;
  function hex(buffer) {
    var bytes = new Uint8Array(buffer);
    var out = "";
    for (var i = 0; i < bytes.length; i++) out += (bytes[i] < 16 ? "0" : "") + bytes[i].toString(16);
    return out;
  }
  function solve(challenge) {
    var encoder = new TextEncoder();
    var number = 0;
    function step() {
      var batch = [];
      for (var i = 0; i < 500 && number + i <= challenge.maxnumber; i++) {
        batch.push(crypto.subtle.digest("SHA-256", encoder.encode(challenge.salt + (number + i))));
      }
      return Promise.all(batch).then(function (digests) {
        for (var j = 0; j < digests.length; j++) {
          if (hex(digests[j]) === challenge.challenge) {
            return btoa(JSON.stringify({
              algorithm: challenge.algorithm, challenge: challenge.challenge,
              number: number + j, salt: challenge.salt, signature: challenge.signature
            }));
          }
        }
        number += digests.length;
        if (number > challenge.maxnumber) throw new Error("no solution");
        return step();
      });
    }
    return step();
  }
  function startProof() {
    if (!challengeUrl || solution || !window.fetch || !window.crypto || !crypto.subtle) return solution;
    solution = fetch(challengeUrl, { credentials: "omit" })
      .then(function (r) { if (!r.ok) throw new Error("challenge"); return r.json(); })
      .then(solve)
      .then(function (payload) { field("altcha").value = payload; return payload; })
      .catch(function (e) { solution = null; throw e; });
    return solution;
  }
  if (challengeUrl) {
    form.addEventListener("input", function () {
      var p = startProof();
      if (p) p.catch(function () { /* retried on submit */ });
    }, { once: true });
  }

  /* --- sending ----------------------------------------------------------------- */
  var status = document.getElementById("comment-form-status");
  var sending = false;
  function clearErrors() {
    Array.prototype.forEach.call(form.querySelectorAll(".form-error"), function (el) { el.remove(); });
    Array.prototype.forEach.call(form.querySelectorAll("[aria-invalid]"), function (el) {
      el.removeAttribute("aria-invalid");
      var describedBy = (el.getAttribute("aria-describedby") || "").split(" ").filter(function (id) {
        return id.indexOf("-error") === -1;
      }).join(" ");
      if (describedBy) el.setAttribute("aria-describedby", describedBy); else el.removeAttribute("aria-describedby");
    });
  }
  function say(message, kind) {
    status.textContent = "";
    status.className = "form-status" + (kind ? " form-status-" + kind : "");
    var p = document.createElement("p");
    p.textContent = message;
    status.appendChild(p);
    return status;
  }
  function showErrors(errors) {
    var box = say(form.getAttribute("data-msg-rejected"), "error");
    var list = document.createElement("ul");
    var first = null;
    Object.keys(errors).forEach(function (name) {
      var messages = errors[name];
      var el = field(name);
      messages.forEach(function (message) {
        var li = document.createElement("li");
        li.textContent = message;
        list.appendChild(li);
      });
      if (el && el.type !== "hidden") {
        var note = document.createElement("p");
        note.className = "form-error";
        note.id = el.id + "-error";
        note.textContent = messages.join(" ");
        el.parentNode.appendChild(note);
        el.setAttribute("aria-invalid", "true");
        el.setAttribute("aria-describedby",
          ((el.getAttribute("aria-describedby") || "") + " " + note.id).trim());
        if (!first) first = el;
      }
    });
    box.appendChild(list);
    (first || status).focus();
  }
  function showAccepted(body) {
    var box = say(form.getAttribute("data-msg-accepted"), "success");
    var quote = document.createElement("blockquote");
    quote.className = "form-sent-text";
    quote.textContent = body;
    box.appendChild(quote);
  }
  function nativeSubmit() {
    HTMLFormElement.prototype.submit.call(form);
  }
  form.addEventListener("submit", function (event) {
    if (!window.fetch || !window.URLSearchParams || !window.FormData) return;
    event.preventDefault();
    if (sending) return;
    clearErrors();
    if (form.reportValidity && !form.reportValidity()) return;
    sending = true;
    var button = form.querySelector("button[type='submit']");
    button.disabled = true;
    say(form.getAttribute(challengeUrl ? "data-msg-checking" : "data-msg-sending"));
    var ready = challengeUrl ? (startProof() || Promise.reject(new Error("no crypto"))) : Promise.resolve();
    var draft = currentDraft();
    var body = field("body").value;
    ready.then(function () {
      say(form.getAttribute("data-msg-sending"));
      return fetch(form.action, {
        method: "POST",
        body: new URLSearchParams(new FormData(form)),
        headers: { "Accept": "application/json", "Idempotency-Key": draft.key },
        credentials: "omit",
        mode: "cors"
      });
    }).then(function (response) {
      return response.json().then(function (data) {
        return { status: response.status, data: data };
      });
    }).then(function (answer) {
      sending = false;
      button.disabled = false;
      solution = null;
      if (answer.status === 202) {
        clearDraft();
        showAccepted(body);
        form.reset();
        if (section.parentNode !== home.parentNode || section.previousSibling !== home) {
          replyNote.hidden = true;
          cancel.hidden = true;
        }
        status.focus();
      } else if (answer.data && answer.data.errors) {
        showErrors(answer.data.errors);
      } else {
        nativeSubmit();
      }
    }).catch(function () {
      sending = false;
      button.disabled = false;
      solution = null;
      if (challengeUrl && !field("altcha").value) {
        say(form.getAttribute("data-msg-failed"), "error");
        return;
      }
      /* Cross-origin not allowed, offline, or a proxy in between: the
         ordinary form post still works and shows the service's own page. */
      nativeSubmit();
    });
  });
  status.setAttribute("tabindex", "-1");
})();
