// The app itself, started by main.ts once the boot script's first paint (if any) is on screen.
import './lib/locale-guard';
import { mount } from 'svelte';
import App from './App.svelte';

/** Mounts the app; `bootView` (the boot script's first paint) goes in the same task, so the
 *  first frame after it is the app's own, with the answers the boot script already had. */
export function start(bootView: Element | null) {
  mount(App, { target: document.getElementById('app')! });
  bootView?.remove();
}
