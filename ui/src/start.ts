// The app itself, started by main.ts once the boot script's first paint (if any) is on screen.
import './lib/locale-guard';
import { mount } from 'svelte';
import App from './App.svelte';

/** Mounts the app and, in the same task, removes the boot script's first paint (if it drew
 *  one, even after the app stopped waiting for it): the first frame after it is the app's
 *  own, with the answers the boot script already had. */
export function start() {
  mount(App, { target: document.getElementById('app')! });
  for (const el of document.querySelectorAll('#app > [data-boot]')) el.remove();
}
