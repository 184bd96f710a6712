// What every page a person sees is held to, in one call: assertClean(page, what).
//   - axe-core finds no WCAG 2.0 / 2.1 level A or AA violation;
//   - the browser console showed no error or warning, and the page threw nothing,
//     since the page was opened or since the previous assertClean on it;
//   - nothing is wider than a 1280-pixel window: the page does not scroll sideways,
//     no box on it scrolls sideways, and nothing sticks out past its right edge.
// Open the page with watch(page) (harness.mjs) before page.goto, so that the
// console is followed from the first request. README (Tests) says how to use it.
import assert from 'node:assert/strict';
import { AxeBuilder } from '@axe-core/playwright';

export const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
export const WIDTH = 1280;

// axeViolations runs axe-core on the page as it is now: one line per element
// that breaks a rule ("rule: what is wrong — selector — the element's HTML").
// Legacy mode runs axe in the page itself: our pages have no frames, and the
// default mode would open a second tab in the page's browser context.
export async function axeViolations(page) {
  const r = await new AxeBuilder({ page }).withTags(WCAG_TAGS).setLegacyMode(true).analyze();
  return r.violations.flatMap((v) => v.nodes.map((n) =>
    `${v.id} (${v.impact}): ${v.help} — ${n.target.join(' ')} — ${n.html.slice(0, 160)}${n.failureSummary ? ` — ${n.failureSummary.replace(/\s+/g, ' ')}` : ''}`));
}

// overflow lists what is wider than the window at the page's current size:
// the page scrolling sideways, a box that scrolls sideways, an element whose
// right edge is past the window's (fixed ones included).
export async function overflow(page) {
  return page.evaluate(() => {
    const out = [];
    const w = document.documentElement.clientWidth;
    const doc = document.scrollingElement;
    if (doc.scrollWidth > w + 1) out.push(`the page scrolls sideways: ${doc.scrollWidth} px wide in a ${w} px window`);
    const name = (el) => el.id ? `#${el.id}` : `${el.tagName.toLowerCase()}${el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\s+/).join('.') : ''}`;
    const shown = (el) => el.checkVisibility({ checkOpacity: false, checkVisibilityCSS: true });
    const clips = new Set(); // boxes that cut their content off: what is inside is theirs to report
    for (const el of document.body.querySelectorAll('*')) {
      if (!shown(el)) continue;
      const st = getComputedStyle(el);
      if (st.overflowX !== 'visible') clips.add(el);
      if ((st.overflowX === 'auto' || st.overflowX === 'scroll') && el.scrollWidth > el.clientWidth + 1) {
        out.push(`${name(el)} scrolls sideways: ${el.scrollWidth} px of content in ${el.clientWidth} px`);
      }
      const r = el.getBoundingClientRect();
      // A visually hidden label (1 px, clipped) is no box anybody sees.
      let clipped = false;
      for (let p = el.parentElement; p && !clipped; p = p.parentElement) clipped = clips.has(p);
      if (r.width > 1 && r.right > w + 1 && !clipped) {
        out.push(`${name(el)} reaches ${Math.round(r.right)} px, past the window's ${w} px`);
      }
    }
    return out;
  });
}

// consoleProblems takes the errors and warnings the page logged (and the
// exceptions it threw) since the last call; allow lists RegExps of lines a
// test expects (e.g. the 401 of a login with a wrong password).
export function consoleProblems(page, allow = []) {
  assert.ok(Array.isArray(page.console) && Array.isArray(page.errors), 'open the page with watch(page) from harness.mjs before goto');
  const lines = [
    ...page.console.filter((l) => /^(error|warning):/.test(l)),
    ...page.errors.map((e) => `exception: ${e}`),
  ].filter((l) => !allow.some((re) => re.test(l)));
  page.console.length = 0;
  page.errors.length = 0;
  return lines;
}

// assertClean fails with every finding at once. The checks run at 1280 pixels
// wide (the page is resized for them and back).
export async function assertClean(page, what, { allowConsole = [] } = {}) {
  const size = page.viewportSize();
  if (size && size.width !== WIDTH) await page.setViewportSize({ width: WIDTH, height: size.height });
  try {
    const found = [
      ...(await axeViolations(page)).map((v) => `axe: ${v}`),
      ...(await overflow(page)).map((o) => `overflow: ${o}`),
      ...consoleProblems(page, allowConsole).map((c) => `console: ${c}`),
    ];
    if (found.length) assert.fail(`${what}: ${found.length} problem(s)\n  ${found.join('\n  ')}`);
  } finally {
    if (size && size.width !== WIDTH) await page.setViewportSize(size);
  }
}
