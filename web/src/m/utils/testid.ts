import type { Directive } from 'vue'

function apply(el: HTMLElement, id: string | undefined): void {
  if (!id) return
  const input = el.matches('input,textarea') ? el : el.querySelector('input,textarea')
  ;(input ?? el).setAttribute('data-testid', id)
}

/**
 * `v-tid="'book-name'"` on a van-field puts `data-testid` on its <input>/<textarea>, so browser
 * tests can `fill()` it directly (attributes on the component land on the wrapper div).
 */
export const vTid: Directive<HTMLElement, string | undefined> = {
  mounted: (el, b) => apply(el, b.value),
  updated: (el, b) => apply(el, b.value),
}
