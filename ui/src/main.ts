// The entry: as small as can be, so it runs at once. On an experiment's page the boot script
// (boot/inline.ts, inlined into index.html) has asked the first questions and may be drawing
// the first rows from their answers; the app's code runs after that frame is on screen.
import './app.css';
import { bootSettled } from './boot/handoff';

await bootSettled();
const { start } = await import('./start');
start();
