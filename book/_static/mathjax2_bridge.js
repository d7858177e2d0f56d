// The widget manager (@jupyter-widgets/html-manager 1.x) typesets a slider's label with MathJax 2's
// call, MathJax.Hub.Queue(["Typeset", MathJax.Hub, element]); the site serves MathJax 3, whose call
// is MathJax.typesetPromise([element]). This runs after MathJax 3 has loaded (both deferred, in order)
// and before the widgets render, and forwards the old call to the new one.
(function () {
  if (!window.MathJax || window.MathJax.Hub) { return; }
  window.MathJax.Hub = {
    Queue: function () {
      Array.prototype.forEach.call(arguments, function (job) {
        if (Array.isArray(job) && job[0] === "Typeset" && window.MathJax.typesetPromise) {
          window.MathJax.typesetPromise([job[2]]).catch(function () {});
        }
      });
    },
  };
})();
