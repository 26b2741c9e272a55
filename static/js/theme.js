// Runs before first paint so a saved theme never flashes the other one, and so the header
// collapses into its menu button (styles keyed on .js) before anything is drawn.
(function () {
  document.documentElement.classList.add("js");
  try {
    var saved = localStorage.getItem("portal-theme");
    if (saved === "light" || saved === "dark") document.documentElement.dataset.theme = saved;
  } catch (e) { /* storage disabled: follow the system */ }
})();
