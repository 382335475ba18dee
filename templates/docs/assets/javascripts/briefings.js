/* Briefings: tooltips, as text.
 *
 * An element with a data-brf-tip attribute (a citation, a back-link, a badge, a Markdown
 * link title) shows that text in a tooltip while the pointer is over it or it has keyboard
 * focus. The text is set with textContent only, never read as HTML: it comes from records
 * and archived sources. (Material's content.tooltips feature shows a title attribute as
 * HTML, which is why no page puts record text in a title.)
 *
 * One tooltip element (role=tooltip) serves the page; the element it describes points at it
 * with aria-describedby while it shows. Escape hides it; the pointer may move onto it.
 * No request, no dependency: it works from file:// too.
 */
(function () {
  "use strict";

  var ATTRIBUTE = "data-brf-tip";
  var ID = "brf-tip";
  var GAP = 8;        // px between the element and its tooltip, and from the window's edges
  var LINGER = 150;   // ms the tooltip stays once the pointer leaves (time to move onto it)

  var tip = null;       // the tooltip element
  var owner = null;     // the element whose tooltip shows
  var hovered = null;   // the element with a tooltip under the pointer
  var focused = null;   // the element with a tooltip that has focus
  var dismissed = null; // hidden with Escape: not shown again until left
  var pointerY = null;  // where the pointer entered (an element may wrap over lines)
  var timer = 0;
  var frame = 0;

  function tipOf(node) {
    return node && node.nodeType === 1 && node.closest ? node.closest("[" + ATTRIBUTE + "]") : null;
  }

  function element() {
    if (!tip) {
      tip = document.createElement("div");
      tip.id = ID;
      tip.className = "brf-tip";
      tip.setAttribute("role", "tooltip");
      tip.hidden = true;
    }
    if (!tip.isConnected) document.body.appendChild(tip);
    return tip;
  }

  function describe(el, on) {
    var ids = (el.getAttribute("aria-describedby") || "").split(/\s+/).filter(function (id) {
      return id && id !== ID;
    });
    if (on) ids.push(ID);
    if (ids.length) el.setAttribute("aria-describedby", ids.join(" "));
    else el.removeAttribute("aria-describedby");
  }

  function place() {
    frame = 0;
    if (!owner || !tip || tip.hidden) return;
    if (!owner.isConnected) return hide();
    var rects = owner.getClientRects();
    var rect = rects[0] || owner.getBoundingClientRect();
    for (var i = 0; pointerY !== null && i < rects.length; i++) {  // the line the pointer is on
      if (rects[i].top <= pointerY && pointerY <= rects[i].bottom) rect = rects[i];
    }
    var width = tip.offsetWidth, height = tip.offsetHeight;
    var viewWidth = document.documentElement.clientWidth, viewHeight = window.innerHeight;
    var top = rect.bottom + GAP, below = true;
    if (top + height > viewHeight - GAP && rect.top - GAP - height >= GAP) {
      top = rect.top - GAP - height;
      below = false;
    }
    var left = rect.left + rect.width / 2 - width / 2;
    left = Math.max(GAP, Math.min(left, viewWidth - width - GAP));
    tip.style.left = Math.round(left) + "px";
    tip.style.top = Math.round(top) + "px";
    tip.setAttribute("data-brf-placement", below ? "below" : "above");
  }

  function show(el) {
    var text = el.getAttribute(ATTRIBUTE);
    if (!text || el === dismissed) return;
    clearTimeout(timer);
    if (owner && owner !== el) describe(owner, false);
    var t = element();
    owner = el;
    t.textContent = text;  // text only: never innerHTML
    t.hidden = false;
    describe(el, true);
    place();
  }

  function hide() {
    clearTimeout(timer);
    if (owner) describe(owner, false);
    owner = null;
    if (tip) tip.hidden = true;
  }

  function settle() {  // hide soon, unless the pointer or the focus still holds it by then
    clearTimeout(timer);
    timer = setTimeout(function () {
      if (owner && (owner === hovered || owner === focused || (tip && tip.matches(":hover")))) return;
      hide();
    }, LINGER);
  }

  document.addEventListener("mouseover", function (event) {
    if (tip && tip.contains(event.target)) return clearTimeout(timer);  // the pointer is on it
    var el = tipOf(event.target);
    if (el !== hovered) {
      if (hovered === dismissed) dismissed = null;
      hovered = el;
      pointerY = event.clientY;
      if (el) return show(el);
    }
    if (owner && owner !== el) settle();
  });

  document.addEventListener("mouseout", function (event) {
    if (!event.relatedTarget) {  // the pointer left the window
      if (hovered === dismissed) dismissed = null;
      hovered = null;
      if (owner) settle();
    }
  });

  document.addEventListener("focusin", function (event) {
    var el = tipOf(event.target);
    if (el !== focused && focused === dismissed) dismissed = null;
    focused = el;
    if (el) {
      pointerY = null;
      show(el);
    }
  });

  document.addEventListener("focusout", function (event) {
    if (tipOf(event.target) !== focused) return;
    if (focused === dismissed) dismissed = null;
    focused = null;
    if (owner) settle();
  });

  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && owner) {
      dismissed = owner;
      hide();
    }
  });

  function follow() {  // the element moves with the page: keep the tooltip beside it
    if (owner && !frame) frame = requestAnimationFrame(place);
  }
  window.addEventListener("scroll", follow, { passive: true, capture: true });
  window.addEventListener("resize", follow, { passive: true });

  // Text cut short (the page title in the header): its tooltip is the whole text.
  var measuring = 0;
  function measure() {
    measuring = 0;
    var cut = document.querySelectorAll(".brf-ellipsis");
    for (var i = 0; i < cut.length; i++) {
      if (cut[i].offsetWidth < cut[i].scrollWidth) {
        cut[i].setAttribute(ATTRIBUTE, cut[i].textContent.replace(/\s+/g, " ").trim());
      } else {
        cut[i].removeAttribute(ATTRIBUTE);
      }
    }
  }
  measure();
  window.addEventListener("resize", function () {
    if (!measuring) measuring = requestAnimationFrame(measure);
  }, { passive: true });
})();
