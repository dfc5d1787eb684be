// Click a shortened SID to copy the whole one (CSP-safe: no inline handlers).
document.addEventListener("click", function (event) {
  var sid = event.target.closest && event.target.closest("[data-copy]");
  if (!sid || !navigator.clipboard) { return; }
  navigator.clipboard.writeText(sid.getAttribute("data-copy")).then(function () {
    sid.classList.add("owlie-copied");
    setTimeout(function () { sid.classList.remove("owlie-copied"); }, 900);
  });
});
// The changelist's filter panel folds away to give the columns room; the choice is remembered.
document.addEventListener("DOMContentLoaded", function () {
  var filter = document.getElementById("changelist-filter");
  var changelist = document.getElementById("changelist");
  if (!filter || !changelist) { return; }
  var button = document.createElement("button");
  button.type = "button";
  button.className = "owlie-filter-toggle";
  button.setAttribute("aria-controls", "changelist-filter");
  function apply(hidden) {
    changelist.classList.toggle("owlie-filters-hidden", hidden);
    button.textContent = hidden ? "Show filters" : "Hide filters";
    button.setAttribute("aria-expanded", String(!hidden));
  }
  apply(window.localStorage.getItem("owlie-filters-hidden") === "1");
  button.addEventListener("click", function () {
    var hidden = !changelist.classList.contains("owlie-filters-hidden");
    window.localStorage.setItem("owlie-filters-hidden", hidden ? "1" : "0");
    apply(hidden);
  });
  var toolbar = document.getElementById("toolbar");
  if (toolbar) { toolbar.appendChild(button); } else { changelist.insertBefore(button, changelist.firstChild); }
});
