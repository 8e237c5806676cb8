// digestlake search: filters the prebuilt index (search-index.js) in the browser. No network:
// the index is a script beside this page, so it loads from file:// as from any static host.
"use strict";
(function () {
  var index = window.DIGESTLAKE_INDEX;
  var form = document.getElementById("search");
  var status = document.getElementById("status");
  var list = document.getElementById("results");
  var LIMIT = 200;
  if (!index || !form) {
    if (status) status.textContent = "The search index (search-index.js) could not be loaded.";
    return;
  }
  var docs = index.docs.map(function (d) {
    return {
      doc: d,
      title: d.t.toLowerCase(),
      text: [d.t, d.a, d.g.join(" "), d.c].join("\n").toLowerCase()
    };
  });

  function field(name) { return form.elements[name]; }

  function readQuery() {
    var params = new URLSearchParams(window.location.search);
    ["q", "tag", "source", "from", "to"].forEach(function (name) {
      var value = params.get(name);
      if (value !== null && field(name)) field(name).value = value;
    });
  }

  function inRange(dates, from, to) {
    if (!from && !to) return true;
    return dates.some(function (d) { return (!from || d >= from) && (!to || d <= to); });
  }

  function matches() {
    var words = field("q").value.toLowerCase().split(/\s+/).filter(Boolean);
    var tag = field("tag").value, source = field("source").value;
    var from = field("from").value, to = field("to").value;
    var phrase = words.join(" ");
    var found = [];
    docs.forEach(function (entry) {
      var d = entry.doc;
      if (tag && d.g.indexOf(tag) < 0) return;
      if (source && d.s.indexOf(source) < 0) return;
      if (!inRange(d.d, from, to)) return;
      for (var i = 0; i < words.length; i++) if (entry.text.indexOf(words[i]) < 0) return;
      // Best first: the whole title, then the phrase in the title, then every word in it.
      var rank = entry.title === phrase ? 0 : phrase && entry.title.indexOf(phrase) >= 0 ? 1 :
        words.every(function (w) { return entry.title.indexOf(w) >= 0; }) ? 2 : 3;
      found.push({ rank: rank, doc: d });
    });
    found.sort(function (a, b) {
      if (a.rank !== b.rank) return a.rank - b.rank;
      var da = a.doc.d[a.doc.d.length - 1] || "", db = b.doc.d[b.doc.d.length - 1] || "";
      return da < db ? 1 : da > db ? -1 : 0;
    });
    return found.map(function (f) { return f.doc; });
  }

  function item(d) {
    // Text from the lake is set as text, never parsed as HTML.
    var li = document.createElement("li");
    var link = document.createElement("a");
    link.href = d.u;
    link.textContent = d.t;
    li.appendChild(link);
    var meta = document.createElement("span");
    meta.className = "authors";
    var last = d.d[d.d.length - 1];
    meta.textContent = [d.a, last, d.g.map(function (t) { return "#" + t; }).join(" ")]
      .filter(Boolean).join(" · ");
    li.appendChild(meta);
    return li;
  }

  function render() {
    var found = matches();
    list.replaceChildren.apply(list, found.slice(0, LIMIT).map(item));
    var shown = found.length > LIMIT ? " (the first " + LIMIT + " shown)" : "";
    status.textContent = found.length + (found.length === 1 ? " paper" : " papers") + shown;
  }

  readQuery();
  render();
  form.addEventListener("input", render);
  form.addEventListener("change", render);
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    render();
    var first = list.querySelector("a");
    if (first) first.focus();
  });
})();
