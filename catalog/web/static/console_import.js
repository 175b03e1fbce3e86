// While a sheet is uploaded, checked or imported the page says so, with an indeterminate
// progress bar: the server reports the counts when it is done; no figure is made up meanwhile.
document.querySelectorAll("form.long-task").forEach(function (form) {
  form.addEventListener("submit", function () {
    var busy = document.getElementById("busy");
    var file = form.querySelector("input[type=file]");
    var size = file && file.files.length ? "（" + Math.ceil(file.files[0].size / 1024) + " KB）" : "";
    busy.querySelector("span").textContent = form.dataset.busy + size;
    busy.hidden = false;
    form.querySelectorAll("button").forEach(function (button) { button.disabled = true; });
  });
});
