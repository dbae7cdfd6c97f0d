({back, second, backPx, secondPx, qrPx}) => {
  const problems = [];
  const scale = window.innerWidth / 1920;
  const visible = (el) => {
    if (!el.isConnected) return false;
    const s = getComputedStyle(el);
    if (s.display === 'none' || s.visibility === 'hidden') return false;
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0;
  };
  const name = (el) => el.id ? '#' + el.id : el.tagName.toLowerCase() + '.' + [...el.classList].join('.');
  const wall = document.querySelector('main.projector');
  if (!wall) return ['no main.projector on the page'];
  const vw = window.innerWidth, vh = window.innerHeight;
  const doc = document.documentElement;
  if (doc.scrollHeight > vh + 1) problems.push(`the page is ${doc.scrollHeight}px tall on a ${vh}px wall`);
  if (doc.scrollWidth > vw + 1) problems.push(`the page is ${doc.scrollWidth}px wide on a ${vw}px wall`);
  const regions = [...wall.children].filter((el) => el.tagName !== 'SCRIPT' && visible(el));
  const boxes = [];
  for (const el of regions) {
    const r = el.getBoundingClientRect();
    if (el.scrollHeight > el.clientHeight + 1) problems.push(`${name(el)} is cut off: ${el.scrollHeight}px of content in ${el.clientHeight}px`);
    if (el.scrollWidth > el.clientWidth + 1) problems.push(`${name(el)} overflows sideways: ${el.scrollWidth}px in ${el.clientWidth}px`);
    if (r.left < -1 || r.top < -1 || r.right > vw + 1 || r.bottom > vh + 1) problems.push(`${name(el)} is off the wall: ${Math.round(r.left)},${Math.round(r.top)} to ${Math.round(r.right)},${Math.round(r.bottom)}`);
    boxes.push([el, r]);
  }
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) {
      const [a, ra] = boxes[i], [b, rb] = boxes[j];
      const w = Math.min(ra.right, rb.right) - Math.max(ra.left, rb.left);
      const h = Math.min(ra.bottom, rb.bottom) - Math.max(ra.top, rb.top);
      if (w > 2 && h > 2) problems.push(`${name(a)} and ${name(b)} overlap (${Math.round(w)}x${Math.round(h)}px)`);
    }
  }
  // Inner elements: each visible one must lie inside the wall and not be cut by its own box.
  for (const el of wall.querySelectorAll('p, h1, h2, h3, li, .proposal-text, .countdown, .join-code, .join-url')) {
    if (!visible(el)) continue;
    const r = el.getBoundingClientRect();
    if (r.bottom > vh + 1 || r.right > vw + 1) problems.push(`${name(el)} “${el.textContent.trim().slice(0, 40)}” runs off the wall`);
    const style = getComputedStyle(el);
    if (el.scrollWidth > el.clientWidth + 1 && style.overflowX !== 'visible') problems.push(`${name(el)} “${el.textContent.trim().slice(0, 40)}” is cut at the side`);
    // A text box that clips (a long proposal squeezed by its column) hides lines, unless it is
    // paged on purpose (the wall then says "page 1 of 2" and the console turns the pages).
    if (el.scrollHeight > el.clientHeight + 1 && style.overflowY !== 'visible' && !el.classList.contains('paged') && !style.webkitLineClamp.match(/^\d/)) problems.push(`${name(el)} “${el.textContent.trim().slice(0, 40)}” is cut off at the bottom`);
  }
  const check = (selectors, minPx, what) => {
    for (const sel of selectors) {
      for (const el of wall.querySelectorAll(sel)) {
        if (!visible(el) || !el.textContent.trim()) continue;
        const px = parseFloat(getComputedStyle(el).fontSize);
        if (px + 0.5 < minPx * scale) problems.push(`${sel} “${el.textContent.trim().slice(0, 30)}” is ${px.toFixed(1)}px; ${what} needs ${Math.round(minPx * scale)}px`);
      }
    }
  };
  check(back, backPx, 'the back of the room');
  check(second, secondPx, 'a secondary line');
  const joining = wall.querySelector('.join-qr');
  if (joining && visible(joining)) {
    const svg = joining.querySelector('svg');
    const r = svg ? svg.getBoundingClientRect() : {width: 0};
    if (r.width + 0.5 < qrPx * scale) problems.push(`the join QR code is ${Math.round(r.width)}px; it needs ${Math.round(qrPx * scale)}px`);
  }
  return problems;
}
