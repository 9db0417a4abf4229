// What every pop-up menu of the app does (the sidebar's ⋯ menu, chart cards, presentations).

/**
 * The keyboard of an open menu: ↑/↓ move between its enabled `role="menuitem"` elements
 * (wrapping), Home/End jump, Esc closes and gives focus back to the trigger, Tab closes. No
 * key reaches the page's own shortcuts (j/k, Enter opens a run…).
 */
export function menuKeys(e: KeyboardEvent, menu: HTMLElement | null | undefined, close: (refocus: boolean) => void) {
  e.stopPropagation();
  const items = [...(menu?.querySelectorAll<HTMLElement>('[role="menuitem"]:not(:disabled)') ?? [])];
  const at = items.indexOf(document.activeElement as HTMLElement);
  if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
    e.preventDefault();
    items[(at + (e.key === 'ArrowDown' ? 1 : -1) + items.length) % items.length]?.focus();
  } else if (e.key === 'Home' || e.key === 'End') {
    e.preventDefault();
    items[e.key === 'Home' ? 0 : items.length - 1]?.focus();
  } else if (e.key === 'Escape') {
    e.preventDefault();
    close(true);
  } else if (e.key === 'Tab') {
    close(false);
  }
}

/**
 * Closes an open menu when the pointer goes down outside `inside()` (the menu and its
 * trigger), and, with `onMove`, when the page scrolls or resizes (a fixed menu would be left
 * behind). Returns the clean-up, for `$effect`.
 */
export function dismissOutside(inside: () => (Node | null | undefined)[], close: () => void, onMove = true): () => void {
  const down = (e: Event) => {
    if (e.target instanceof Node && inside().some((n) => n?.contains(e.target as Node))) return;
    close();
  };
  window.addEventListener('pointerdown', down, true);
  if (onMove) {
    window.addEventListener('resize', close);
    window.addEventListener('scroll', close, true);
  }
  return () => {
    window.removeEventListener('pointerdown', down, true);
    window.removeEventListener('resize', close);
    window.removeEventListener('scroll', close, true);
  };
}
